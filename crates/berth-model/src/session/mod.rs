//! Pieces shared by the push and pull state machines: request ids, requests, outputs, auth and URLs.
//!
//! The machines ([`crate::push::PushSession`], [`crate::pull::PullSession`]) perform no I/O. They hand
//! out [`Request`]s through `poll_output` and are told what happened through `handle_*` calls.
//!
//! # Authorization (decision)
//!
//! Tokens are opaque bytes (docker never parses them), so the machines keep the last
//! `X-Docker-Token` values seen and write `Authorization: Token <values joined by ",">` into
//! [`Request::headers`] themselves, marked [sensitive](http::HeaderValue::set_sensitive) so that
//! `Debug` output redacts it. Passwords never enter the machines: when a request must carry HTTP
//! Basic credentials, [`Request::auth`] is [`Auth::Basic`] and the adapter adds
//! `Authorization: Basic …` (berth-auth's encoder). The rule is docker 1.7–1.9's `authTransport`:
//!
//! 1. standalone HTTPS private registry (`basic_everywhere`): Basic on every request, never a token;
//! 2. else a request flagged `X-Docker-Token: true` (the Index calls) gets Basic when credentials exist;
//! 3. else the cached token, if any, is sent as `Authorization: Token …`;
//! 4. any response carrying `X-Docker-Token` replaces the cached token, whichever host sent it.

mod error;
mod outbox;
mod wire;

pub use error::{SessionError, Step};
pub use wire::MAX_BODY;

pub(crate) use outbox::Outbox;
pub(crate) use wire::{
    AuthState, Urls, build_endpoints, check_body_len, header_str, join_endpoint, repo_path,
    status_error,
};

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};
use std::fmt;

use crate::ImageId;

/// Identifies one request handed out by a session; responses are reported with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What a session produces, one item per `poll_output` call.
#[derive(Debug)]
#[non_exhaustive]
// Outputs are moved out and consumed at once; boxing the request would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Output<E> {
    /// Send this request; report the response with the same [`RequestId`].
    Send(RequestId, Request),
    /// Something happened; informational or data the adapter must store.
    Event(E),
    /// Nothing to do until a `handle_*` call reports a response.
    Idle,
    /// The session is over (successfully, or after a `handle_*` call returned an error).
    Done,
}

/// Credentials the adapter must add to a request (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// No credentials from the adapter (a `Token` header may already be in [`Request::headers`]).
    None,
    /// Add `Authorization: Basic base64(user:password)`; the session never sees the password.
    Basic,
}

/// The body of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Body {
    /// No body.
    Empty,
    /// These exact bytes (JSON), sent with a `Content-Length`.
    Json(Bytes),
    /// The layer of this image, streamed by the adapter with `Transfer-Encoding: chunked`
    /// (`PUT …/layer`); the adapter reports the checksums it computed while streaming.
    Layer(ImageId),
}

/// How the adapter must deliver the response of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseMode {
    /// Read the whole body (at most [`MAX_BODY`] bytes) and pass it to `handle_response`.
    Buffer,
    /// Pass the head to `handle_response` with an empty body, then stream the body to storage
    /// and report the outcome with `handle_layer_downloaded` / `handle_layer_interrupted`.
    StreamLayer,
}

/// One HTTP request to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: Uri,
    /// Headers to send, in order. `Content-Length` and `Transfer-Encoding` are left to the adapter.
    pub headers: HeaderMap,
    /// Credentials the adapter must add.
    pub auth: Auth,
    /// The body.
    pub body: Body,
    /// How to hand the response back.
    pub response: ResponseMode,
}

impl Request {
    /// The URL as text.
    pub fn url_str(&self) -> String {
        self.url.to_string()
    }

    /// The first value of header `name` as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
