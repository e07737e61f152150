//! URLs, authorization state and the small response bodies the sessions read.

use bytes::{BufMut, Bytes, BytesMut};
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue, Method, Uri};
use percent_encoding::utf8_percent_encode;
use std::fmt;

use super::{Auth, Body, Request, ResponseMode, SessionError, Step};
use crate::{RepoName, SEGMENT};

/// Largest body a session accepts in `handle_response` (8 MiB); adapters should stop reading there.
///
/// The largest buffered body is the Index image list of a big repository (~100 bytes per image).
pub const MAX_BODY: usize = 8 << 20;

/// The token cache and the Basic-auth decision (docker 1.7–1.9 `authTransport`).
pub(crate) struct AuthState {
    /// The `X-Docker-Token` values last seen, joined with `,`.
    token: Option<Bytes>,
    has_credentials: bool,
    basic_everywhere: bool,
}

impl fmt::Debug for AuthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthState")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("has_credentials", &self.has_credentials)
            .field("basic_everywhere", &self.basic_everywhere)
            .finish()
    }
}

impl AuthState {
    pub(crate) fn new(has_credentials: bool, basic_everywhere: bool) -> Self {
        Self {
            token: None,
            has_credentials,
            basic_everywhere,
        }
    }

    /// Any response carrying `X-Docker-Token` replaces the cached token, whichever host sent it.
    pub(crate) fn observe(&mut self, headers: &HeaderMap) {
        let mut values = headers.get_all("x-docker-token").iter().peekable();
        if values.peek().is_none() {
            return;
        }
        let mut joined = BytesMut::new();
        for (i, v) in values.enumerate() {
            if i > 0 {
                joined.put_u8(b',');
            }
            joined.put_slice(v.as_bytes());
        }
        self.token = Some(joined.freeze());
    }

    pub(crate) fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Adds `Authorization: Token …` to `headers` or says the adapter must add Basic.
    ///
    /// `index_call` is true for requests flagged `X-Docker-Token: true`.
    pub(crate) fn apply(&self, headers: &mut HeaderMap, index_call: bool) -> Auth {
        if self.basic_everywhere || (index_call && self.has_credentials) {
            return Auth::Basic;
        }
        if let Some(token) = &self.token {
            let mut value = BytesMut::with_capacity(token.len() + 6);
            value.put_slice(b"Token ");
            value.put_slice(token);
            // Token bytes came from a header value, so they are valid header bytes.
            if let Ok(mut v) = HeaderValue::from_maybe_shared(value.freeze()) {
                v.set_sensitive(true);
                headers.insert(AUTHORIZATION, v);
            }
        }
        Auth::None
    }

    /// A request with its authorization decided by [`Self::apply`].
    pub(crate) fn request(
        &self,
        method: Method,
        url: Uri,
        mut headers: HeaderMap,
        index_call: bool,
        body: Body,
        response: ResponseMode,
    ) -> Request {
        let auth = self.apply(&mut headers, index_call);
        Request {
            method,
            url,
            headers,
            auth,
            body,
            response,
        }
    }
}

/// Refuses a response body larger than [`MAX_BODY`].
pub(crate) fn check_body_len(body: &[u8]) -> Result<(), SessionError> {
    if body.len() > MAX_BODY {
        return Err(SessionError::BodyTooLarge {
            len: body.len(),
            limit: MAX_BODY,
        });
    }
    Ok(())
}

/// The index URL split into the parts the sessions need.
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    /// The index base, always ending in `/` (`https://index.docker.io/v1/`).
    pub(crate) index: String,
    /// `http` or `https`.
    pub(crate) scheme: String,
    /// `host[:port]` of the index.
    pub(crate) authority: String,
}

impl Urls {
    pub(crate) fn new(index: &str) -> Result<Self, SessionError> {
        let invalid = || SessionError::InvalidUrl {
            url: index.to_owned(),
        };
        let uri: Uri = index.parse().map_err(|_| invalid())?;
        let scheme = uri.scheme_str().ok_or_else(invalid)?;
        if scheme != "http" && scheme != "https" {
            return Err(invalid());
        }
        let authority = uri.authority().ok_or_else(invalid)?.as_str().to_owned();
        let mut base = index.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Self {
            index: base,
            scheme: scheme.to_owned(),
            authority,
        })
    }

    /// The index URL followed by `suffix`.
    pub(crate) fn index_url(&self, suffix: &str) -> Result<Uri, SessionError> {
        join_endpoint(&self.index, suffix)
    }

    /// `<index scheme>://<authority>/v1/`, the endpoint used when the Index names none (pull).
    pub(crate) fn index_host_endpoint(&self) -> String {
        format!("{}://{}/v1/", self.scheme, self.authority)
    }
}

/// `endpoint` (ending in `/`) followed by `suffix`, as an absolute URL.
pub(crate) fn join_endpoint(endpoint: &str, suffix: &str) -> Result<Uri, SessionError> {
    let url = format!("{endpoint}{suffix}");
    url.parse().map_err(|_| SessionError::InvalidUrl { url })
}

/// `ns/name` with each part percent-encoded as one path segment.
pub(crate) fn repo_path(repo: &RepoName) -> String {
    format!(
        "{}/{}",
        utf8_percent_encode(repo.namespace().as_str(), SEGMENT),
        utf8_percent_encode(repo.name(), SEGMENT)
    )
}

/// The first value of a header as text.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Builds `<index scheme>://<item>/v1/` for every endpoint of the `X-Docker-Endpoints` header(s)
/// ([`crate::parse_endpoints`], [`crate::endpoint_urls`]). Returns `None` when the header is
/// absent or names no endpoint; errors when an item is not a plain `host[:port]`.
pub(crate) fn build_endpoints(
    headers: &HeaderMap,
    urls: &Urls,
) -> Result<Option<Vec<String>>, SessionError> {
    let mut values = Vec::new();
    for value in headers.get_all("x-docker-endpoints") {
        values.push(value.to_str().map_err(|_| SessionError::InvalidHeader {
            name: "X-Docker-Endpoints",
        })?);
    }
    let hosts = crate::parse_endpoints(values);
    for host in &hosts {
        // Reject anything that is not a plain authority (a path, a scheme, spaces).
        if host.parse::<http::uri::Authority>().is_err() {
            return Err(SessionError::InvalidUrl {
                url: format!("{}://{host}/v1/", urls.scheme),
            });
        }
    }
    let out = crate::endpoint_urls(&hosts, &urls.scheme);
    Ok((!out.is_empty()).then_some(out))
}

/// The error for an unexpected `status` answering `step`, quoting the start of `body`.
pub(crate) fn status_error(step: Step, status: u16, body: &[u8]) -> SessionError {
    SessionError::Status {
        step,
        status,
        body: body_text(body),
    }
}

/// Lossy, truncated body text for error messages.
pub(crate) fn body_text(body: &[u8]) -> String {
    const MAX: usize = 1024;
    let cut = &body[..body.len().min(MAX)];
    String::from_utf8_lossy(cut).into_owned()
}
