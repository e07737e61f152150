//! Shared server state and the per-request context handed to every handler.

use std::sync::Arc;

use axum::body::Body;
use http::{HeaderMap, Method};

use crate::config::{Config, Role};
use crate::respond::Failure;
use crate::store::{BlobStore, MetaStore};

/// State shared by all requests.
pub(crate) struct App {
    pub(crate) config: Config,
    pub(crate) meta: Arc<dyn MetaStore>,
    pub(crate) blobs: Arc<dyn BlobStore>,
    pub(crate) signer: berth_auth::TokenSigner,
    pub(crate) credentials: crate::credentials::Credentials,
    /// Serialises the short "make a layer visible / complete an image" sections, so that the
    /// stored layer and its recorded checksum always belong together.
    pub(crate) commit_lock: tokio::sync::Mutex<()>,
}

impl App {
    /// Whether this process plays the Index.
    pub(crate) fn is_index(&self) -> bool {
        matches!(self.config.role, Role::Both | Role::Index)
    }

    /// Whether this process plays the Registry.
    pub(crate) fn is_registry(&self) -> bool {
        matches!(self.config.role, Role::Both | Role::Registry)
    }

    /// Seconds since the Unix epoch, from the configured clock.
    pub(crate) fn now(&self) -> u64 {
        self.config.clock.now_unix()
    }

    /// Runs a blocking metadata call off the async runtime.
    pub(crate) async fn db<T, F>(&self, f: F) -> Result<T, Failure>
    where
        T: Send + 'static,
        F: FnOnce(&dyn MetaStore) -> anyhow::Result<T> + Send + 'static,
    {
        let meta = Arc::clone(&self.meta);
        match tokio::task::spawn_blocking(move || f(meta.as_ref())).await {
            Ok(result) => result.map_err(Failure::Internal),
            Err(e) => Err(Failure::Internal(anyhow::anyhow!(
                "metadata task failed: {e}"
            ))),
        }
    }
}

/// What a handler knows about the request besides the route.
pub(crate) struct Ctx {
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    /// The body, behind a mutex only so that `&Ctx` is `Send` (a body is not `Sync`).
    pub(crate) body: std::sync::Mutex<Option<Body>>,
}

impl Ctx {
    /// A header as text, if present and printable.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the client asked for a token (`X-Docker-Token: true`).
    pub(crate) fn wants_token(&self) -> bool {
        self.header("x-docker-token")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// Takes the request body (leaving an empty one).
    pub(crate) fn take_body(&mut self) -> Body {
        self.body
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .unwrap_or_else(Body::empty)
    }
}
