//! Events of the pull session and their engine progress texts.

use bytes::Bytes;

use crate::progress::{ProgressDetail, ProgressMessage};
use crate::session::SessionError;
use crate::{ImageId, RepoName, Tag};

/// What happened during a pull; [`PullEvent::progress`] gives docker's progress texts.
///
/// The data events ([`PullEvent::TagResolved`], [`PullEvent::ImageJson`],
/// [`PullEvent::LayerDownloaded`]) are what an adapter needs to register images or write a
/// `docker save` archive.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PullEvent {
    /// The pull begins (emitted first).
    Started {
        /// The repository.
        repo: RepoName,
    },
    /// The Index answered; these registries will be tried in order.
    EndpointsResolved {
        /// Endpoint URLs, `<index scheme>://<host>/v1/`.
        endpoints: Vec<String>,
        /// Whether the Index returned an `X-Docker-Token`.
        token: bool,
    },
    /// A tag points to an image.
    TagResolved {
        /// The tag.
        tag: Tag,
        /// The image.
        id: ImageId,
    },
    /// Pulling one tagged image from one endpoint starts.
    ImageStarted {
        /// The repository.
        repo: RepoName,
        /// The tag.
        tag: Tag,
        /// The tagged image.
        id: ImageId,
        /// The endpoint tried.
        endpoint: String,
    },
    /// The ancestry of the tagged image, self first, base last.
    Ancestry {
        /// The tagged image.
        id: ImageId,
        /// The ancestry list as received.
        ancestry: Vec<ImageId>,
    },
    /// An ancestor is already present (in the caller's set or pulled earlier in this session).
    LayerAlreadyPresent {
        /// The image.
        id: ImageId,
    },
    /// `GET json` of a missing ancestor is being sent.
    MetadataRequested {
        /// The image.
        id: ImageId,
    },
    /// The image json arrived (raw bytes, to be stored verbatim); `GET layer` follows.
    ImageJson {
        /// The image.
        id: ImageId,
        /// The body of `GET json`, byte for byte.
        json: Bytes,
        /// `X-Docker-Size`, if sent.
        size: Option<u64>,
    },
    /// The layer body starts (or resumes at `offset`); the adapter streams it now.
    ///
    /// The adapter keeps exactly the first `offset` bytes it holds for the layer and appends the
    /// body after them. `offset` 0 after a request carrying `Range` (the registry answered `200`)
    /// means the whole layer follows: anything kept, such as a partial file of an earlier run,
    /// must be truncated.
    LayerDownloadStarted {
        /// The image.
        id: ImageId,
        /// `X-Docker-Size`, if known.
        size: Option<u64>,
        /// Bytes already received before this response (0, or the resume point).
        offset: u64,
    },
    /// The layer is complete (and its checksum verified when the registry sent one).
    LayerDownloaded {
        /// The image.
        id: ImageId,
        /// Bytes received in total.
        size: u64,
        /// The payload checksum the adapter computed, if it did.
        payload_checksum: Option<String>,
    },
    /// One endpoint failed for a tagged image; the next endpoint is tried.
    EndpointFailed {
        /// The repository.
        repo: RepoName,
        /// The tag.
        tag: Tag,
        /// The tagged image.
        id: ImageId,
        /// The endpoint that failed.
        endpoint: String,
        /// Why.
        error: SessionError,
    },
    /// A tagged image and all its ancestors are present.
    ImagePulled {
        /// The tag.
        tag: Tag,
        /// The image.
        id: ImageId,
    },
    /// All wanted images are present; [`super::Output::Done`] follows.
    Finished {
        /// `ns/repo:tag` (or `ns/repo` for all tags) as docker's status line shows it.
        reference: String,
        /// Whether any layer was downloaded.
        downloaded: bool,
    },
}

impl PullEvent {
    /// The progress messages docker 1.9 wrote to the engine stream for this event.
    ///
    /// `Downloading` progress during a layer body is the adapter's
    /// ([`ProgressMessage::downloading`]).
    pub fn progress(&self) -> Vec<ProgressMessage> {
        match self {
            Self::Started { repo } => vec![ProgressMessage::pulling_repository(repo.local_name())],
            Self::ImageStarted {
                repo,
                tag,
                id,
                endpoint,
            } => vec![
                ProgressMessage::pulling_image(id.as_str(), tag, repo.local_name()),
                ProgressMessage::pulling_image_from_endpoint(
                    id.as_str(),
                    tag,
                    repo.local_name(),
                    endpoint,
                ),
            ],
            Self::Ancestry { id, .. } => {
                vec![ProgressMessage::pulling_dependent_layers(id.as_str())]
            }
            Self::LayerAlreadyPresent { id } | Self::LayerDownloaded { id, .. } => {
                vec![ProgressMessage::download_complete(id.as_str())]
            }
            Self::MetadataRequested { id } => vec![ProgressMessage::pulling_metadata(id.as_str())],
            Self::ImageJson { id, .. } => vec![ProgressMessage::pulling_fs_layer(id.as_str())],
            Self::LayerDownloadStarted { id, size, offset } => {
                let total = size.and_then(|s| i64::try_from(s).ok()).unwrap_or(0);
                let current = i64::try_from(*offset).unwrap_or(i64::MAX);
                vec![ProgressMessage::downloading(
                    id.as_str(),
                    ProgressDetail::new(current, total),
                )]
            }
            Self::EndpointFailed {
                repo,
                tag,
                id,
                endpoint,
                error,
            } => vec![ProgressMessage::error_pulling_image(
                id.as_str(),
                tag,
                repo.local_name(),
                endpoint,
                error,
            )],
            Self::ImagePulled { id, .. } => vec![ProgressMessage::download_complete(id.as_str())],
            Self::Finished {
                reference,
                downloaded,
            } => vec![if *downloaded {
                ProgressMessage::downloaded_newer_image(reference)
            } else {
                ProgressMessage::image_up_to_date(reference)
            }],
            Self::EndpointsResolved { .. } | Self::TagResolved { .. } => Vec::new(),
        }
    }
}
