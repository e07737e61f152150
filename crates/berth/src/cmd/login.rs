//! `berth login` and `berth logout`.

use std::io::IsTerminal;

use anyhow::{Context, bail};
use berth_auth::Credentials;
use berth_client::LoginOutcome;
use berth_client::cli::{Options, prompt, prompt_secret, read_password_stdin};

use super::GlobalArgs;

/// Arguments of `berth login`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Server to log in to (`HOST[:PORT]`); defaults to --server, else localhost:5000.
    server: Option<String>,
    /// E-mail address sent when signing up (prompted for on a terminal).
    #[arg(short, long)]
    email: Option<String>,
}

/// Arguments of `berth logout`.
#[derive(Debug, clap::Args)]
pub(crate) struct LogoutArgs {
    /// Server to log out from (`HOST[:PORT]`); defaults to --server, else localhost:5000.
    server: Option<String>,
}

/// The client options carried by the global flags.
pub(crate) fn options(global: &GlobalArgs) -> Options {
    Options {
        server: global.server.clone(),
        insecure: global.insecure,
        user: global.user.clone(),
        password_stdin: global.password_stdin,
        config: global.config.clone(),
        quiet: global.quiet,
        json: global.json,
    }
}

pub(crate) fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let opts = options(global);
    let server = opts.server(args.server.as_deref())?;
    let interactive = std::io::stdin().is_terminal();
    let username = match &opts.user {
        Some(user) => user.clone(),
        None if interactive => prompt("Username: ")?,
        None => bail!("not a terminal: pass --user NAME --password-stdin (and --email) to log in"),
    };
    if username.is_empty() {
        bail!("the username is empty");
    }
    let password = if opts.password_stdin {
        read_password_stdin()?
    } else if interactive {
        prompt_secret("Password: ")?
    } else {
        bail!("not a terminal: pipe the password in with --password-stdin");
    };
    let email = match args.email {
        Some(email) => email,
        None if interactive && !opts.password_stdin => prompt("Email: ")?,
        None => String::new(),
    };
    let credentials = Credentials::new(username, password);
    let client = berth_client::Client::new(server.clone(), None);
    let outcome = client
        .login(&credentials, &email)
        .with_context(|| format!("login to {} failed", server.host))?;
    let store = opts.store()?;
    store.set(&server.host, &credentials, &email)?;
    let status = match outcome {
        LoginOutcome::LoggedIn => "Login Succeeded".to_owned(),
        LoginOutcome::AccountCreated => format!(
            "Account created. Please see the documentation of the registry {} for instructions \
             how to activate it.",
            server.base_url()
        ),
    };
    if opts.json {
        println!("{}", serde_json::json!({ "Status": status }));
    } else if !opts.quiet {
        println!("{status}");
        eprintln!("Credentials saved in {}", store.path().display());
    }
    Ok(())
}

pub(crate) fn run_logout(global: &GlobalArgs, args: LogoutArgs) -> anyhow::Result<()> {
    let opts = options(global);
    let server = opts.server(args.server.as_deref())?;
    let store = opts.store()?;
    let removed = store.remove(&server.host)?;
    if opts.json {
        println!(
            "{}",
            serde_json::json!({ "Server": server.host, "Removed": removed })
        );
    } else if !opts.quiet {
        if removed {
            println!("Removed login credentials for {}", server.host);
        } else {
            println!("Not logged in to {}", server.host);
        }
    }
    Ok(())
}
