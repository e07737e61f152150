//! Server configuration.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};

/// Which protocol roles this process plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Index and Registry in one process (the default).
    Both,
    /// Only the Index: users, repositories, image lists, tokens, search.
    Index,
    /// Only the Registry: images and tags; tokens are checked by calling the Index.
    Registry,
}

/// Who may create accounts with `POST /v1/users/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUp {
    /// Anybody may sign up.
    Open,
    /// Sign-up is refused; accounts exist only if created earlier.
    Closed,
}

/// Everything [`crate::Server::bind`] needs.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Directory holding layers, image json, the SQLite database and the token secret.
    pub data_dir: PathBuf,
    /// Roles served by this process.
    pub role: Role,
    /// Base URL of the Index (`http://host:port`), required with [`Role::Registry`].
    pub index_url: Option<String>,
    /// Token signing secret; when `None` a secret is generated once and kept in the data directory.
    pub token_secret: Option<Vec<u8>>,
    /// Lifetime of issued tokens, in seconds.
    pub token_ttl_secs: u64,
    /// Sign-up policy.
    pub sign_up: SignUp,
    /// Value of `X-Docker-Endpoints`; when `None` the request's `Host` header is echoed.
    pub public_endpoint: Option<String>,
    /// Users who are administrators (may write `library/…`). When empty, the first user to sign up
    /// is an administrator.
    pub admins: Vec<String>,
    /// Largest accepted JSON request body, in bytes.
    pub max_json_bytes: u64,
    /// Largest accepted layer, in bytes.
    pub max_layer_bytes: u64,
    /// Time source.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token secret is deliberately left out.
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("role", &self.role)
            .field("index_url", &self.index_url)
            .field(
                "token_secret",
                &self.token_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("sign_up", &self.sign_up)
            .field("public_endpoint", &self.public_endpoint)
            .field("admins", &self.admins)
            .field("max_json_bytes", &self.max_json_bytes)
            .field("max_layer_bytes", &self.max_layer_bytes)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The defaults: `127.0.0.1:5000`, `./berth-data`, both roles, open sign-up, 1 hour tokens,
    /// 1 MiB json bodies, 64 GiB layers.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 5000)),
            data_dir: data_dir.into(),
            role: Role::Both,
            index_url: None,
            token_secret: None,
            token_ttl_secs: 3600,
            sign_up: SignUp::Open,
            public_endpoint: None,
            admins: Vec::new(),
            max_json_bytes: 1 << 20,
            max_layer_bytes: 64 << 30,
            clock: Arc::new(SystemClock),
        }
    }
}
