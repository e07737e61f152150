//! Building HTTP responses from the core's header sets, bodies and errors.

use axum::body::Body;
use axum::response::Response;
use berth_model::ModelError;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};

/// A handler result: a response, or a protocol error to render.
pub(crate) type Reply = Result<Response, Failure>;

/// Why a handler did not produce a response.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A protocol error with its exact status, body and challenge.
    Model(ModelError),
    /// A request body larger than allowed (413).
    TooLarge,
    /// No such endpoint here (404).
    NotFound,
    /// `If-Modified-Since` on an immutable read (304, no body).
    NotModified {
        /// The current time, for the `Expires` header.
        now: u64,
    },
    /// The client went away or sent a broken body; nothing was stored.
    Aborted(String),
    /// An internal error (500); the detail is logged, not sent.
    Internal(anyhow::Error),
}

impl From<ModelError> for Failure {
    fn from(e: ModelError) -> Self {
        Self::Model(e)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl Failure {
    /// Renders the failure.
    pub(crate) fn into_response(self) -> Response {
        match self {
            Self::Model(e) => {
                let mut resp = json(e.status(), e.body());
                if let Some(challenge) = e.challenge() {
                    set(&mut resp, http::header::WWW_AUTHENTICATE, challenge);
                }
                resp
            }
            Self::TooLarge => json(
                StatusCode::PAYLOAD_TOO_LARGE,
                berth_model::error_body("Request body too large"),
            ),
            Self::NotFound => json(StatusCode::NOT_FOUND, berth_model::error_body("Not found")),
            Self::NotModified { now } => {
                let mut resp = Response::new(Body::empty());
                *resp.status_mut() = StatusCode::NOT_MODIFIED;
                set_immutable_cache(&mut resp, now);
                resp
            }
            Self::Aborted(reason) => {
                tracing::debug!(%reason, "request body aborted");
                json(
                    StatusCode::BAD_REQUEST,
                    berth_model::error_body("Incomplete request body"),
                )
            }
            Self::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    berth_model::error_body("Internal server error"),
                )
            }
        }
    }
}

/// A JSON response with docker-registry's default headers.
pub(crate) fn json(status: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut resp = Response::new(Body::from(body.into()));
    *resp.status_mut() = status;
    for (name, value) in berth_model::response::JSON_HEADERS {
        set_named(&mut resp, name, value);
    }
    resp
}

/// `200 true`.
pub(crate) fn ok_true() -> Response {
    json(StatusCode::OK, berth_model::response::body_true())
}

/// Sets a header whose value is known to be valid; invalid values are skipped.
pub(crate) fn set(resp: &mut Response, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// Sets the cache headers of immutable reads (registry-api.md §0.6).
pub(crate) fn set_immutable_cache(resp: &mut Response, now_unix: u64) {
    for (name, value) in berth_model::response::IMMUTABLE_CACHE_HEADERS {
        set_named(resp, name, value);
    }
    let expires = std::time::UNIX_EPOCH
        + std::time::Duration::from_secs(now_unix + berth_model::response::IMMUTABLE_MAX_AGE_SECS);
    set(
        resp,
        http::header::EXPIRES,
        &httpdate::fmt_http_date(expires),
    );
    resp.headers_mut().remove(http::header::PRAGMA);
}

/// Sets a header named by a string from the core's tables (any case).
pub(crate) fn set_named(resp: &mut Response, name: &str, value: &str) {
    if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
        set(resp, name, value);
    }
}

/// Sends the response of a `GET`-shaped reply with no body for `HEAD`.
pub(crate) fn strip_for_head(mut resp: Response, head: bool) -> Response {
    if head {
        let len = resp.headers().get(http::header::CONTENT_LENGTH).cloned();
        let (parts, body) = resp.into_parts();
        let known = axum::body::HttpBody::size_hint(&body).exact();
        resp = Response::from_parts(parts, Body::empty());
        match (len, known) {
            (Some(v), _) => {
                resp.headers_mut().insert(http::header::CONTENT_LENGTH, v);
            }
            (None, Some(n)) => set(&mut resp, http::header::CONTENT_LENGTH, &n.to_string()),
            (None, None) => {}
        }
    }
    resp
}
