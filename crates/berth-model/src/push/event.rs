//! Events of the push session and their engine progress texts.

use crate::progress::{ProgressMessage, short_id};
use crate::{ImageId, RepoName, Tag};

/// What happened during a push; [`PushEvent::progress`] gives docker's progress texts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushEvent {
    /// The push begins (emitted first).
    Started {
        /// The repository.
        repo: RepoName,
        /// Number of images in the list.
        images: usize,
        /// Number of distinct tags pushed.
        tags: usize,
    },
    /// The Index allocated the repository and named the registries.
    EndpointsResolved {
        /// The repository.
        repo: RepoName,
        /// Number of distinct tags pushed.
        tags: usize,
        /// Endpoint URLs, `<index scheme>://<host>/v1/`.
        endpoints: Vec<String>,
        /// Whether the Index returned an `X-Docker-Token`.
        token: bool,
    },
    /// The existence check answered 200: the image is not uploaded again.
    ImageSkipped {
        /// The image.
        id: ImageId,
        /// The endpoint that has it.
        endpoint: String,
    },
    /// The image upload starts (`PUT json` is being sent).
    ImageStarted {
        /// The image.
        id: ImageId,
    },
    /// `PUT json` answered `{"error": "Image already exists"}`: layer and checksum are skipped.
    ImageAlreadyExists {
        /// The image.
        id: ImageId,
    },
    /// `PUT checksum` succeeded: the image is complete on the endpoint.
    ImagePushed {
        /// The image.
        id: ImageId,
        /// The payload checksum the registry accepted.
        payload_checksum: String,
    },
    /// A tag `PUT` is being sent.
    TagPushing {
        /// The tagged image.
        id: ImageId,
        /// The tag.
        tag: Tag,
        /// The tag URL on the endpoint.
        url: String,
    },
    /// A tag `PUT` succeeded.
    TagPushed {
        /// The tagged image.
        id: ImageId,
        /// The tag.
        tag: Tag,
    },
    /// The Index accepted the final `PUT …/images` (204); [`super::Output::Done`] follows.
    Finished,
}

impl PushEvent {
    /// The progress messages docker 1.9 wrote to the engine stream for this event.
    ///
    /// Byte-level progress of a layer upload (`Pushing` with `progressDetail`, `Buffering to disk`)
    /// is the adapter's, made with [`ProgressMessage::pushing`] while it streams.
    pub fn progress(&self) -> Vec<ProgressMessage> {
        match self {
            Self::Started { repo, tags, .. } => vec![
                ProgressMessage::push_refers_to(repo, *tags),
                ProgressMessage::sending_image_list(),
            ],
            Self::EndpointsResolved { repo, tags, .. } => {
                vec![ProgressMessage::pushing_repository(repo, *tags)]
            }
            Self::ImageSkipped { id, .. } => {
                vec![ProgressMessage::image_already_pushed(id.as_str())]
            }
            Self::ImageStarted { id } => vec![ProgressMessage::pushing(id.as_str(), None)],
            Self::ImageAlreadyExists { id } => {
                vec![ProgressMessage::image_already_exists_skipping(id.as_str())]
            }
            Self::ImagePushed { id, .. } => {
                vec![ProgressMessage::image_successfully_pushed(id.as_str())]
            }
            Self::TagPushing { id, url, .. } => {
                vec![ProgressMessage::pushing_tag(short_id(id.as_str()), url)]
            }
            Self::TagPushed { .. } | Self::Finished => Vec::new(),
        }
    }
}
