//! `berth serve`: run the Index and Registry with embedded storage.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use berth_server::{Config, Role, SignUp};

use super::GlobalArgs;

/// Arguments of `berth serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address to listen on.
    #[arg(long, env = "BERTH_ADDR", default_value = "127.0.0.1:5000")]
    addr: SocketAddr,
    /// Data directory (layers, image json, SQLite metadata, token secret).
    #[arg(long, env = "BERTH_DATA_DIR", default_value = "./berth-data")]
    data_dir: PathBuf,
    /// Roles served by this process.
    #[arg(long, env = "BERTH_ROLE", value_enum, default_value_t = RoleArg::Both)]
    role: RoleArg,
    /// Index base URL (`http://host:port`), required with `--role registry`.
    #[arg(long, env = "BERTH_INDEX_URL")]
    index_url: Option<String>,
    /// Token signing secret (at least 16 bytes); generated into the data directory if absent.
    #[arg(long, env = "BERTH_TOKEN_SECRET", hide_env_values = true)]
    token_secret: Option<String>,
    /// Token lifetime in seconds.
    #[arg(long, env = "BERTH_TOKEN_TTL", default_value_t = 3600)]
    token_ttl: u64,
    /// Sign-up policy for `POST /v1/users/`.
    #[arg(long, env = "BERTH_SIGNUP", value_enum, default_value_t = SignUpArg::Open)]
    signup: SignUpArg,
    /// `host[:port]` sent in `X-Docker-Endpoints` (default: the request's Host header).
    #[arg(long, env = "BERTH_PUBLIC_ENDPOINT")]
    public_endpoint: Option<String>,
    /// Administrators (may write `library/…`); comma-separated. Without any, the first user to
    /// sign up is an administrator.
    #[arg(long = "admin", env = "BERTH_ADMINS", value_delimiter = ',')]
    admins: Vec<String>,
    /// Largest JSON request body, in bytes.
    #[arg(long, env = "BERTH_MAX_JSON_BYTES", default_value_t = 1 << 20)]
    max_json_bytes: u64,
    /// Largest layer, in bytes.
    #[arg(long, env = "BERTH_MAX_LAYER_BYTES", default_value_t = 64 << 30)]
    max_layer_bytes: u64,
    /// Log filter (`info`, `debug`, `berth_server=debug`…); `RUST_LOG` also works.
    #[arg(long, env = "BERTH_LOG_LEVEL")]
    log_level: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Both,
    Index,
    Registry,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SignUpArg {
    Open,
    Closed,
}

pub(crate) fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    init_logging(args.log_level.as_deref(), global.json);
    let mut config = Config::new(args.data_dir);
    config.addr = args.addr;
    config.role = match args.role {
        RoleArg::Both => Role::Both,
        RoleArg::Index => Role::Index,
        RoleArg::Registry => Role::Registry,
    };
    config.index_url = args.index_url;
    if let Some(secret) = args.token_secret {
        anyhow::ensure!(
            secret.len() >= 16,
            "--token-secret must be at least 16 bytes"
        );
        config.token_secret = Some(secret.into_bytes());
    }
    config.token_ttl_secs = args.token_ttl;
    config.sign_up = match args.signup {
        SignUpArg::Open => SignUp::Open,
        SignUpArg::Closed => SignUp::Closed,
    };
    config.public_endpoint = args.public_endpoint;
    config.admins = args.admins.into_iter().filter(|a| !a.is_empty()).collect();
    config.max_json_bytes = args.max_json_bytes;
    config.max_layer_bytes = args.max_layer_bytes;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(async move {
        let server = berth_server::Server::bind(config).await?;
        println!("berth listening on http://{}", server.local_addr());
        tracing::info!(addr = %server.local_addr(), "listening");
        server
            .run_until_signal(std::time::Duration::from_secs(30))
            .await
    })
}

fn init_logging(level: Option<&str>, json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match level {
        Some(l) => EnvFilter::new(l),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (impossible from the CLI) would only be ignored.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
