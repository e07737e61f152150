//! Inputs of the pull session: configuration and layer outcomes.

use crate::{ImageId, RepoName, Tag};

/// How tags are looked up on the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TagLookup {
    /// `GET …/tags/<tag>` when one tag is wanted (docker 1.8/1.9); `GET …/tags` for all tags.
    Single,
    /// Always `GET …/tags` and pick the wanted tag from the map (docker ≤1.7).
    List,
}

/// What to pull and how.
#[derive(Debug, Clone)]
pub struct PullConfig {
    /// The repository (sent as `ns/repo`, `library/` for official images).
    pub repo: RepoName,
    /// The Index base URL, e.g. `https://index.docker.io/v1/`.
    pub index: String,
    /// The wanted tag; `None` pulls every tag (`docker pull -a`).
    pub tag: Option<Tag>,
    /// How to look tags up.
    pub tag_lookup: TagLookup,
    /// Whether the adapter has credentials (the Index call then carries Basic auth).
    pub has_credentials: bool,
    /// Standalone private registry over HTTPS: Basic auth on every request, no token.
    pub basic_everywhere: bool,
    /// Images already present locally: neither their json nor their layer is fetched.
    pub have: Vec<ImageId>,
    /// Resumes allowed per layer (docker's resumable reader: 5).
    pub max_resumes: u32,
    /// Layers partly downloaded by an earlier run: `(image, bytes kept)`.
    ///
    /// The first `GET …/layer` of such an image carries `Range: bytes=<kept>-<X-Docker-Size>`
    /// (`bytes=<kept>-` when the registry sent no size) instead of starting from byte 0. The
    /// answer decides where the body starts, reported as the `offset` of
    /// [`PullEvent::LayerDownloadStarted`](super::PullEvent::LayerDownloadStarted):
    ///
    /// * `206 Partial Content`: the body continues at `offset` = kept;
    /// * `416` when kept == `X-Docker-Size`: the layer was already complete (`offset` = kept, empty
    ///   body);
    /// * `200 OK`: the registry ignored `Range` and sends the whole layer (`offset` = 0, the adapter
    ///   must truncate what it kept);
    /// * `416` otherwise: the kept bytes cannot be a prefix of the layer; the layer is requested
    ///   again without `Range` (`offset` = 0).
    ///
    /// An entry is used once, by the first layer request for its image (a later endpoint starts
    /// from 0); an entry with 0 bytes, or with more bytes than `X-Docker-Size`, is ignored. The
    /// payload checksum the adapter reports must cover the whole layer, kept bytes included.
    pub partial: Vec<(ImageId, u64)>,
}

impl PullConfig {
    /// Pulls `tag` (or all tags) anonymously, docker 1.8/1.9 style, with nothing present locally.
    pub fn new(repo: RepoName, index: impl Into<String>, tag: Option<Tag>) -> Self {
        Self {
            repo,
            index: index.into(),
            tag,
            tag_lookup: TagLookup::Single,
            has_credentials: false,
            basic_everywhere: false,
            have: Vec::new(),
            max_resumes: 5,
            partial: Vec::new(),
        }
    }
}

/// The outcome of a complete layer body, reported by the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerDownload {
    /// Bytes of the layer received in total (over all resumed requests).
    pub received: u64,
    /// `sha256:<hex>` of `json + "\n" + layer bytes`, if the adapter computed it.
    pub payload_checksum: Option<String>,
}
