//! The engine's streaming JSON progress messages (`POST /images/create`, `POST /images/{name}/push`).
//!
//! Docker 1.x answers pulls and pushes with a stream of JSON objects (engine-api.md §1):
//!
//! ```text
//! JSONMessage{ stream string `json:"stream,omitempty"`; status string `json:"status,omitempty"`;
//!              progressDetail *{current, total, start} `json:"progressDetail,omitempty"`;
//!              progress string `json:"progress,omitempty"`; id string `json:"id,omitempty"`;
//!              from string; time int64; errorDetail *{code, message}; error string }
//! ```
//!
//! * [`ProgressMessage`] is that type, with Go's `omitempty` rules for both serde and [`ProgressMessage::encode`].
//! * [`ProgressMessage::encode`] frames like docker's `StreamFormatter`: status and error messages end in
//!   `\r\n`, progress messages (those with a `progressDetail`) have **no terminator**.
//! * [`ProgressDecoder`] is a streaming decoder: feed it arbitrary chunks, it yields whole messages and
//!   never needs separators; memory is bounded by a per-message cap.
//! * The message texts of flows.md are constructors on [`ProgressMessage`] (module `text`).
//!
//! ```
//! use berth_model::progress::{ProgressDecoder, ProgressDetail, ProgressMessage};
//!
//! let mut wire = Vec::new();
//! ProgressMessage::pulling_repository("busybox").encode(&mut wire);
//! ProgressMessage::downloading("df7546f9f060", ProgressDetail::new(65536, 2433303)).encode(&mut wire);
//! ProgressMessage::download_complete("df7546f9f060").encode(&mut wire);
//! assert!(wire.starts_with(b"{\"status\":\"Pulling repository busybox\"}\r\n{\"status\":\"Downloading\""));
//!
//! let mut decoder = ProgressDecoder::new();
//! let mut out = Vec::new();
//! for chunk in wire.chunks(7) {
//!     decoder.decode(chunk, &mut out).unwrap();
//! }
//! decoder.finish().unwrap();
//! assert_eq!(out.len(), 3);
//! assert_eq!(out[2].status, "Download complete");
//! ```

mod decode;
mod encode;
mod text;

pub use decode::{DEFAULT_MAX_MESSAGE, ProgressDecoder, ProgressError};
pub use encode::human_size;
pub use text::short_id;

use serde::{Deserialize, Serialize};

/// One message of the engine progress stream (Go `jsonmessage.JSONMessage`).
///
/// Every field is `omitempty`: empty strings, zero numbers and `None` are not written.
/// Field order on the wire is the Go struct order: `stream`, `status`, `progressDetail`,
/// `progress`, `id`, `from`, `time`, `errorDetail`, `error`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressMessage {
    /// Build output text (`stream`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stream: String,
    /// Human readable status (`status`), e.g. `Downloading`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Structured progress (`progressDetail`); present (possibly `{}`) on every `FormatProgress` message.
    #[serde(
        rename = "progressDetail",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub progress_detail: Option<ProgressDetail>,
    /// Pre-rendered progress bar (`progress`, deprecated by docker but still sent).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub progress: String,
    /// Short image id the message is about (`id`, 12 hex characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Origin of an event (`from`), used by the events API.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    /// Unix time of an event (`time`), used by the events API.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub time: i64,
    /// Structured error (`errorDetail`).
    #[serde(
        rename = "errorDetail",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_detail: Option<ErrorDetail>,
    /// Deprecated duplicate of `errorDetail.message` (`error`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// Go `jsonmessage.JSONProgress`: byte counts of a transfer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressDetail {
    /// Bytes done so far (`current`).
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub current: i64,
    /// Expected total bytes (`total`); zero when unknown.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub total: i64,
    /// Unix time the transfer started (`start`), used by docker for the ETA; zero when unset.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub start: i64,
}

/// Go `jsonmessage.JSONError`: an error carried in-band (HTTP status stays 200).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// HTTP-like code (`code`); docker's CLI treats 401 as "please log in".
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub code: i64,
    /// Error text (`message`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// How a message is terminated on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Framing {
    /// Status, stream and error messages: followed by `\r\n` (`FormatStatus`, `FormatError`).
    Line,
    /// Progress messages: no terminator at all (`FormatProgress`).
    Bare,
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

impl ProgressDetail {
    /// A detail with `current` and `total` bytes and no start time.
    pub fn new(current: i64, total: i64) -> Self {
        Self {
            current,
            total,
            start: 0,
        }
    }
}

impl ProgressMessage {
    /// The framing docker 1.x used for this message.
    ///
    /// Only `FormatProgress` sets `progressDetail` (to `{}` when there is no progress), and only
    /// `FormatProgress` omits the `\r\n` terminator, so the presence of `progressDetail` decides.
    pub fn framing(&self) -> Framing {
        if self.progress_detail.is_some() {
            Framing::Bare
        } else {
            Framing::Line
        }
    }

    /// Whether this message reports an error (`errorDetail` or `error` set).
    pub fn is_error(&self) -> bool {
        self.error_detail.is_some() || !self.error.is_empty()
    }
}
