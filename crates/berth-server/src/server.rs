//! Binding, serving, request logging and graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::config::{Config, Role};
use crate::store::{BlobStore, FsBlobStore, MetaStore, SqliteMeta};

/// A running server.
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Opens the data directory (files and SQLite), binds the listener and starts serving in
    /// the background.
    pub async fn bind(config: Config) -> anyhow::Result<Self> {
        let data = config.data_dir.clone();
        std::fs::create_dir_all(&data)
            .with_context(|| format!("create data directory {}", data.display()))?;
        let blobs = FsBlobStore::open(&data).context("open blob store")?;
        let meta = {
            let path = data.join("berth.sqlite3");
            tokio::task::spawn_blocking(move || SqliteMeta::open(&path)).await??
        };
        Self::bind_with_stores(config, Arc::new(blobs), Arc::new(meta)).await
    }

    /// Like [`Server::bind`], with other storage back ends. The data directory still holds the
    /// generated token secret (unless [`Config::token_secret`] is set).
    pub async fn bind_with_stores(
        config: Config,
        blobs: Arc<dyn BlobStore>,
        meta: Arc<dyn MetaStore>,
    ) -> anyhow::Result<Self> {
        if config.role == Role::Registry && config.index_url.is_none() {
            anyhow::bail!("the registry role needs --index-url");
        }
        let secret = match &config.token_secret {
            Some(s) => s.clone(),
            None => {
                std::fs::create_dir_all(&config.data_dir).with_context(|| {
                    format!("create data directory {}", config.data_dir.display())
                })?;
                load_or_create_secret(&config.data_dir)?
            }
        };
        blobs
            .clean_temporary()
            .await
            .context("remove leftover uploads")?;
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("bind {}", config.addr))?;
        let local_addr = listener.local_addr()?;
        let app = Arc::new(App {
            signer: berth_auth::TokenSigner::new(&secret),
            credentials: crate::credentials::Credentials::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            ),
            config,
            meta,
            blobs,
            commit_lock: tokio::sync::Mutex::new(()),
        });
        let router = axum::Router::new()
            .fallback(crate::dispatch::handle)
            .with_state(app)
            .layer(axum::middleware::from_fn(log_request));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self {
            local_addr,
            stop: Some(stop),
            task,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task)
            .await
            .context("server task")?
            .context("serve")?;
        Ok(())
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully: in-flight requests get up to
    /// `grace` to finish; uploads still running after that are dropped, which deletes their
    /// temporary files.
    pub async fn run_until_signal(self, grace: std::time::Duration) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        match tokio::time::timeout(grace, self.shutdown()).await {
            Ok(result) => result?,
            Err(_) => tracing::warn!("requests still running after the grace period; dropped"),
        }
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Reads the token secret from `<data>/token-secret`, creating it (32 random bytes, mode 0600)
/// on first start.
fn load_or_create_secret(data: &Path) -> anyhow::Result<Vec<u8>> {
    let path = data.join("token-secret");
    match std::fs::read(&path) {
        Ok(secret) if secret.len() >= 16 => return Ok(secret),
        Ok(_) => anyhow::bail!("{} is too short", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("read {}", path.display())),
    }
    let secret: [u8; 32] = rand::random();
    let tmp = data.join("token-secret.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&tmp)
            .with_context(|| format!("create {}", tmp.display()))?;
        file.write_all(&secret)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(secret.to_vec())
}

/// One log line per request: method, path, status, bytes and elapsed time. Headers (and so
/// credentials and tokens) are never logged; the query string is left out too.
async fn log_request(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let received = content_length(req.headers());
    let resp = next.run(req).await;
    tracing::info!(
        %method,
        %path,
        status = resp.status().as_u16(),
        bytes_in = received,
        bytes_out = axum::body::HttpBody::size_hint(resp.body())
            .exact()
            .unwrap_or_else(|| content_length(resp.headers())),
        elapsed_ms = start.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    resp
}

fn content_length(headers: &http::HeaderMap) -> u64 {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
