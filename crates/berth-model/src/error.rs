//! Protocol errors with the exact messages docker-registry and the Index sent, and the one place
//! that maps each of them to an HTTP status code and a response body.
//!
//! Registry errors travel as `{"error": "<message>"}` (Python `json.dumps` formatting, see
//! [`crate::pyjson`]). The Docker client string-compares some messages (`Image already exists`),
//! so `Display` of every variant is exactly the wire message, and structured details live in the
//! variant's fields.

use bytes::Bytes;
use http::StatusCode;

use crate::response::{INDEX_CHALLENGE, REGISTRY_CHALLENGE};

/// A protocol error: something a client sent that the registry or Index rejects.
///
/// `Display` is the exact message of the wire body; use [`ModelError::status`] and
/// [`ModelError::body`] to build the response, and [`ModelError::challenge`] for the
/// `WWW-Authenticate` header of 401 answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// `PUT json`/`PUT layer` of an image that is already complete (409). Docker maps this exact
    /// message to "Image already pushed, skipping".
    #[error("Image already exists")]
    ImageAlreadyExists,
    /// The image (its json, or for `PUT layer` its json) is not stored (404).
    #[error("Image not found")]
    ImageNotFound,
    /// An image id in a URL or body does not match `^([a-f0-9]{16}|[a-f0-9]{64})$` (404).
    #[error("Invalid image ID")]
    InvalidImageId {
        /// Byte offset of the first offending character, or the input length when only the
        /// length is wrong.
        position: usize,
    },
    /// A read of an image whose upload is still in progress (400).
    #[error("Image is being uploaded, retry later")]
    ImageInProgress,
    /// `PUT json` names a `parent` whose json is not stored (400).
    #[error("Image depends on a non existing parent")]
    ParentNotFound,
    /// `PUT json` names a `parent` the token may not read (400, token mode only).
    #[error("Image depends on an unauthorized parent")]
    UnauthorizedParent,
    /// `PUT json` of an image the Index did not list for the token's repository (400).
    #[error("This image does not belong to the repository")]
    ImageNotInRepository,
    /// `PUT json` whose body `id` differs from the URL id (400).
    #[error("JSON data contains invalid id")]
    JsonIdMismatch,
    /// `PUT json` whose body is not a JSON object (400).
    #[error("Invalid JSON")]
    InvalidJson,
    /// `PUT json` whose body has no `id` key (400). Backtick and quote are sic.
    #[error("Missing key `id' in JSON")]
    MissingJsonId,
    /// `PUT checksum` whose `X-Docker-Checksum-Payload` differs from the computed one (400).
    #[error("Checksum mismatch")]
    ChecksumMismatch,
    /// `PUT checksum` of an image that is already complete (409).
    #[error("Cannot set this image checksum")]
    CannotSetChecksum,
    /// `PUT checksum` without an `X-Docker-Checksum-Payload` header (412). Two spaces are sic.
    #[error(
        "X-Docker-Checksum-Payload not set.  If you are using the Docker daemon, you should upgrade to version 0.10 or later"
    )]
    ChecksumPayloadNotSet,
    /// `PUT checksum` with an empty `X-Docker-Checksum-Payload` header (400).
    #[error("Missing Image's checksum")]
    MissingChecksum,
    /// `PUT checksum` before any layer was uploaded (400; docker-registry crashed with a 500
    /// here, gotcha 3).
    #[error("Image layer not uploaded")]
    LayerNotUploaded,
    /// `PUT layer` from a docker daemon older than 0.10 (412).
    #[error("This endpoint does not support Docker daemons older than 0.10")]
    DockerTooOld,
    /// Registry authorization failed (401, `WWW-Authenticate: Token`).
    #[error("Requires authorization")]
    RequiresAuthorization,
    /// Index authorization failed (401, `WWW-Authenticate: Basic realm="auth required",Token`).
    #[error("Requires authorization")]
    IndexRequiresAuthorization,
    /// The account exists but its e-mail was never confirmed (403).
    #[error("Account is not Active")]
    AccountNotActive,
    /// Authenticated, but not allowed to do this (403).
    #[error("Access denied")]
    AccessDenied,
    /// The repository has no stored data (404).
    #[error("Repository not found")]
    RepositoryNotFound,
    /// `GET …/tags/{tag}` of a tag that does not exist (404).
    #[error("Tag not found")]
    TagNotFound,
    /// `DELETE …/tags/{tag}` of a tag that does not exist (404).
    #[error("Tag not found: {tag}")]
    TagNotFoundNamed {
        /// The tag exactly as it appeared in the URL (percent-decoded).
        tag: String,
    },
    /// A tag does not match `^[\w][\w.-]{0,127}$` (400).
    #[error("Invalid tag name (must match ^[\\w][\\w.-]{{0,127}}$)")]
    InvalidTag {
        /// Byte offset of the first offending character, or the input length when only the
        /// length is wrong.
        position: usize,
    },
    /// A body that is JSON but of the wrong shape (tag body not a string, image list not a
    /// list, properties not an object) (400).
    #[error("Invalid data")]
    InvalidData,
    /// A body that is not JSON at all, for the Index emulation endpoints (400).
    #[error("Error Decoding JSON")]
    ErrorDecodingJson,
    /// `GET …/images` of a repository the Index never created (404).
    #[error("images not found")]
    ImagesNotFound,
    /// `POST /v1/users/` for a taken username or e-mail (400). The body is the bare JSON string
    /// `"Username or email already exists"`, which docker compares byte for byte.
    #[error("Username or email already exists")]
    UserAlreadyExists,
    /// `PUT /v1/users/{name}/` for an unknown user (404).
    #[error("User not found")]
    UserNotFound,
    /// A username does not match `^[a-z0-9_]{4,30}$` (400).
    #[error("Invalid username (must match ^[a-z0-9_]{{4,30}}$)")]
    InvalidUsername {
        /// Byte offset of the first offending character, or the input length when only the
        /// length is wrong.
        position: usize,
    },
    /// A password shorter than 5 characters (400). The password itself is never kept.
    #[error("Invalid password (must be at least 5 characters)")]
    InvalidPassword,
    /// An e-mail address that is not `local@domain.tld` (400).
    #[error("Invalid email address")]
    InvalidEmail,
    /// A user body lacks a required field (400).
    #[error("Missing field `{field}'")]
    MissingField {
        /// The JSON key that is missing.
        field: &'static str,
    },
    /// A namespace breaks the selected naming rule (400).
    #[error("Invalid namespace name")]
    InvalidNamespace {
        /// Byte offset of the first offending character, or the input length when only the
        /// length is wrong.
        position: usize,
    },
    /// A repository name breaks the selected naming rule (400).
    #[error("Invalid repository name")]
    InvalidRepositoryName {
        /// Byte offset of the first offending character, or the input length when only the
        /// length is wrong.
        position: usize,
    },
    /// `GET files` of a layer that is not a readable tar (400).
    #[error("Layer format not supported")]
    LayerFormatNotSupported,
    /// `GET diff` when no diff worker is configured (400).
    #[error("Diff queue is disabled")]
    DiffQueueDisabled,
}

impl ModelError {
    /// The HTTP status code docker-registry (or the Index) answered with for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::ImageAlreadyExists | Self::CannotSetChecksum => StatusCode::CONFLICT,
            Self::ImageNotFound
            | Self::InvalidImageId { .. }
            | Self::RepositoryNotFound
            | Self::TagNotFound
            | Self::TagNotFoundNamed { .. }
            | Self::ImagesNotFound
            | Self::UserNotFound => StatusCode::NOT_FOUND,
            Self::ChecksumPayloadNotSet | Self::DockerTooOld => StatusCode::PRECONDITION_FAILED,
            Self::RequiresAuthorization | Self::IndexRequiresAuthorization => {
                StatusCode::UNAUTHORIZED
            }
            Self::AccountNotActive | Self::AccessDenied => StatusCode::FORBIDDEN,
            Self::ImageInProgress
            | Self::ParentNotFound
            | Self::UnauthorizedParent
            | Self::ImageNotInRepository
            | Self::JsonIdMismatch
            | Self::InvalidJson
            | Self::MissingJsonId
            | Self::ChecksumMismatch
            | Self::MissingChecksum
            | Self::LayerNotUploaded
            | Self::InvalidTag { .. }
            | Self::InvalidData
            | Self::ErrorDecodingJson
            | Self::UserAlreadyExists
            | Self::InvalidUsername { .. }
            | Self::InvalidPassword
            | Self::InvalidEmail
            | Self::MissingField { .. }
            | Self::InvalidNamespace { .. }
            | Self::InvalidRepositoryName { .. }
            | Self::LayerFormatNotSupported
            | Self::DiffQueueDisabled => StatusCode::BAD_REQUEST,
        }
    }

    /// The exact response body: `{"error": "<message>"}`, except for
    /// [`ModelError::UserAlreadyExists`], whose body is the bare JSON string
    /// `"Username or email already exists"`.
    ///
    /// ```
    /// use berth_model::ModelError;
    /// assert_eq!(&ModelError::ImageAlreadyExists.body()[..], br#"{"error": "Image already exists"}"#);
    /// assert_eq!(&ModelError::UserAlreadyExists.body()[..], br#""Username or email already exists""#);
    /// ```
    pub fn body(&self) -> Bytes {
        let message = self.to_string();
        if matches!(self, Self::UserAlreadyExists) {
            return Bytes::from(crate::pyjson::string(&message));
        }
        error_body(&message)
    }

    /// The `WWW-Authenticate` value that must accompany this error, if any: `Token` for the
    /// registry's 401, `Basic realm="auth required",Token` for the Index's.
    pub fn challenge(&self) -> Option<&'static str> {
        match self {
            Self::RequiresAuthorization => Some(REGISTRY_CHALLENGE),
            Self::IndexRequiresAuthorization => Some(INDEX_CHALLENGE),
            _ => None,
        }
    }

    /// Whether this error means "the image exists already" to a docker client, which then skips
    /// pushing it.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Self::ImageAlreadyExists)
    }
}

/// Formats a registry error body `{"error": "<message>"}` with Python's separators and escaping.
///
/// ```
/// assert_eq!(&berth_model::error_body("Not ok")[..], br#"{"error": "Not ok"}"#);
/// ```
pub fn error_body(message: &str) -> Bytes {
    let mut out = String::with_capacity(message.len() + 14);
    out.push_str("{\"error\": ");
    crate::pyjson::write_str(&mut out, message);
    out.push('}');
    Bytes::from(out)
}

/// Extracts the message of a registry error body (`{"error": "…"}`), as the Docker client does
/// when it looks for `Image already exists`. Returns `None` for any other shape.
pub fn parse_error_body(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: String,
    }
    serde_json::from_slice::<Envelope>(body)
        .ok()
        .map(|e| e.error)
}
