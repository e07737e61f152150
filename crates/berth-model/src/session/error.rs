//! Errors of the push and pull sessions, with docker 1.x's messages.

use std::fmt;

use crate::ModelError;

/// The request a non-success status came from; decides the message (docker 1.9 `registry/session.go`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// `PUT I/repositories/<repo>/` (push: allocate, get a write token).
    PushRepository {
        /// Repository, `ns/repo`.
        repo: String,
    },
    /// `PUT I/repositories/<repo>/images` (push: validate).
    PushChecksums {
        /// Repository, `ns/repo`.
        repo: String,
    },
    /// `PUT E/images/<id>/json`.
    PutImageJson,
    /// `PUT E/images/<id>/layer`.
    PutLayer,
    /// `PUT E/images/<id>/checksum`.
    PutChecksum,
    /// `PUT E/repositories/<repo>/tags/<tag>`.
    PutTag {
        /// Repository, `ns/repo`.
        repo: String,
        /// The tag.
        tag: String,
    },
    /// `GET I/repositories/<repo>/images` (pull).
    PullRepository {
        /// Repository, `ns/repo`.
        repo: String,
    },
    /// `GET E/images/<id>/ancestry`.
    Ancestry {
        /// The image id.
        id: String,
    },
    /// `GET E/images/<id>/json`.
    ImageJson,
    /// `GET E/images/<id>/layer`.
    Layer {
        /// The image id.
        id: String,
    },
}

/// Why a push or pull session stopped.
///
/// `Display` gives docker 1.x's text, which adapters forward as the in-band progress error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The Index answered 401.
    #[error("Authentication is required.")]
    AuthenticationRequired,
    /// A request got a status its step does not accept.
    #[error("{}", status_message(step, *status, body))]
    Status {
        /// Which request.
        step: Step,
        /// The HTTP status.
        status: u16,
        /// The response body as text (lossy UTF-8, truncated to 1 KiB).
        body: String,
    },
    /// `PUT json` got 401 from a plain `http://` registry (docker 1.6+ wording).
    #[error("HTTP code 401, Docker will not send auth headers over HTTP.")]
    PlainHttpUnauthorized,
    /// The Index's `PUT /v1/repositories/…` response had no `X-Docker-Endpoints`.
    #[error("Index response didn't contain any endpoints")]
    NoEndpoints,
    /// The Index answered 404 to the pull's image list.
    #[error("Error: image {reference} not found")]
    ImageNotFound {
        /// `ns/repo:tag` (or `ns/repo` when pulling all tags).
        reference: String,
    },
    /// A registry answered 404 to `GET …/tags/<tag>`.
    #[error("Tag {tag} not found in repository {repo}")]
    TagNotFound {
        /// The tag.
        tag: String,
        /// Repository, `ns/repo`.
        repo: String,
    },
    /// A registry answered 404 to `GET …/tags`.
    #[error("Repository not found")]
    RepositoryNotFound,
    /// No endpoint answered the tag lookup with 200 or 404.
    #[error("Could not reach any registry endpoint")]
    NoEndpointReachable,
    /// Every endpoint failed for one image; `last` is the last endpoint's error.
    #[error("Error pulling image ({tag}) from {repo}, {last}")]
    PullFailed {
        /// The tag being pulled.
        tag: String,
        /// Repository, `ns/repo`.
        repo: String,
        /// The error of the last endpoint tried.
        last: Box<Self>,
    },
    /// The layer's payload checksum differs from the registry's `X-Docker-Checksum-Payload`.
    #[error("checksum mismatch for image {id}: registry says {expected}, downloaded {actual}")]
    ChecksumMismatch {
        /// The image id.
        id: String,
        /// `X-Docker-Checksum-Payload` from `GET json`.
        expected: String,
        /// What the adapter computed over `json + "\n" + layer`.
        actual: String,
    },
    /// A resumed layer request did not get `206 Partial Content`.
    #[error("the server doesn't support byte ranges")]
    RangeNotSupported,
    /// A layer download broke off and cannot be resumed.
    #[error("layer download for image {id} interrupted after {received} bytes")]
    Interrupted {
        /// The image id.
        id: String,
        /// Bytes received in total.
        received: u64,
    },
    /// The image json's `id` differs from the id it was requested under.
    #[error("image json for {expected} carries id {found}")]
    JsonIdMismatch {
        /// The id in the URL.
        expected: String,
        /// The id in the body.
        found: String,
    },
    /// A JSON body (tags, ancestry, image list, image json) could not be parsed.
    #[error("invalid response body for {what}: {reason}")]
    InvalidBody {
        /// What was being read.
        what: &'static str,
        /// serde_json's description.
        reason: String,
    },
    /// A buffered body exceeded [`super::MAX_BODY`].
    #[error("response body of {len} bytes exceeds the {limit} byte limit")]
    BodyTooLarge {
        /// Bytes received.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A response header could not be used.
    #[error("invalid {name} header")]
    InvalidHeader {
        /// Header name.
        name: &'static str,
    },
    /// An index URL, endpoint or `Location` did not form a valid absolute URL.
    #[error("invalid URL: {url}")]
    InvalidUrl {
        /// The offending text.
        url: String,
    },
    /// More than 10 redirects on the Index `PUT`.
    #[error("too many redirects")]
    TooManyRedirects,
    /// A checksum handed in by the adapter is not a valid header value.
    #[error("invalid checksum value")]
    InvalidChecksum,
    /// The session was configured with nothing to do (no image, or duplicate ids).
    #[error("invalid session input: {reason}")]
    InvalidInput {
        /// What is wrong.
        reason: &'static str,
    },
    /// An id, tag or name from the wire failed validation.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A `handle_*` call named a request the session is not waiting for (adapter bug).
    #[error("unexpected report for request #{id}")]
    UnexpectedReport {
        /// The request id given.
        id: u64,
    },
    /// The session already failed; it accepts no more input.
    #[error("session already failed")]
    Failed,
}

impl SessionError {
    /// The HTTP status this error came from, if any (docker puts it in `errorDetail.code`).
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::AuthenticationRequired | Self::PlainHttpUnauthorized => Some(401),
            Self::Status { status, .. } => Some(*status),
            Self::ImageNotFound { .. } | Self::TagNotFound { .. } | Self::RepositoryNotFound => {
                Some(404)
            }
            Self::PullFailed { last, .. } => last.status(),
            _ => None,
        }
    }
}

fn status_message(step: &Step, status: u16, body: &str) -> String {
    match step {
        Step::PushRepository { repo } => {
            format!("Error: Status {status} trying to push repository {repo}: {body:?}")
        }
        Step::PushChecksums { repo } => {
            format!("Error: Status {status} trying to push checksums {repo}: {body:?}")
        }
        Step::PutImageJson | Step::PutChecksum => {
            format!("HTTP code {status} while uploading metadata: {body:?}")
        }
        Step::PutLayer => format!("Received HTTP code {status} while uploading layer: {body:?}"),
        Step::PutTag { repo, tag } => {
            format!("Internal server error: {status} trying to push tag {tag} on {repo}")
        }
        Step::PullRepository { repo } => {
            format!("Error: Status {status} trying to pull repository {repo}: {body:?}")
        }
        Step::Ancestry { id } => {
            format!("Server error: {status} trying to fetch remote history for {id}")
        }
        Step::ImageJson => format!("HTTP code {status}"),
        Step::Layer { id } => {
            format!("Server error: Status {status} while fetching image layer ({id})")
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::PushRepository { .. } => "PUT repository",
            Self::PushChecksums { .. } => "PUT repository images",
            Self::PutImageJson => "PUT image json",
            Self::PutLayer => "PUT layer",
            Self::PutChecksum => "PUT checksum",
            Self::PutTag { .. } => "PUT tag",
            Self::PullRepository { .. } => "GET repository images",
            Self::Ancestry { .. } => "GET ancestry",
            Self::ImageJson => "GET image json",
            Self::Layer { .. } => "GET layer",
        };
        f.write_str(s)
    }
}
