//! Response header sets and fixed bodies the spec requires, as data the server copies.
//!
//! Header values are `&'static str` pairs so that any HTTP stack can use them; the server turns
//! them into `http::HeaderMap` entries.

use bytes::Bytes;
use http::HeaderName;

/// `X-Docker-Token`: `true` in requests asking for a token; the token in Index answers.
pub const X_DOCKER_TOKEN: HeaderName = HeaderName::from_static("x-docker-token");
/// `X-Docker-Endpoints`: registries handed out by the Index (see [`crate::parse_endpoints`]).
pub const X_DOCKER_ENDPOINTS: HeaderName = HeaderName::from_static("x-docker-endpoints");
/// `X-Docker-Size`: stored layer size, on `GET json` (docker ≤0.10 requires it).
pub const X_DOCKER_SIZE: HeaderName = HeaderName::from_static("x-docker-size");
/// `X-Docker-Checksum`: TarSum sent with `PUT checksum` (ignored by registry ≥0.9).
pub const X_DOCKER_CHECKSUM: HeaderName = HeaderName::from_static("x-docker-checksum");
/// `X-Docker-Checksum-Payload`: `sha256:<hex>` payload checksum (`PUT checksum`, `GET json`).
pub const X_DOCKER_CHECKSUM_PAYLOAD: HeaderName =
    HeaderName::from_static("x-docker-checksum-payload");
/// `X-Docker-Payload-Checksum`: the registry 0.7–0.8 name of the payload checksum on `GET json`.
pub const X_DOCKER_PAYLOAD_CHECKSUM: HeaderName =
    HeaderName::from_static("x-docker-payload-checksum");
/// `X-Docker-Registry-Version`: sent on `_ping` (docker ≤0.10 requires it).
pub const X_DOCKER_REGISTRY_VERSION: HeaderName =
    HeaderName::from_static("x-docker-registry-version");
/// `X-Docker-Registry-Standalone`: see [`StandaloneMode`].
pub const X_DOCKER_REGISTRY_STANDALONE: HeaderName =
    HeaderName::from_static("x-docker-registry-standalone");
/// `X-Docker-Registry-Config`: the registry's config flavour (informative).
pub const X_DOCKER_REGISTRY_CONFIG: HeaderName =
    HeaderName::from_static("x-docker-registry-config");

/// `WWW-Authenticate` value sent by a registry with a 401 (registry-api.md §0.3).
pub const REGISTRY_CHALLENGE: &str = "Token";

/// `WWW-Authenticate` value sent by the Index (Hub) with a 401 (index-api.md, gotcha 26).
pub const INDEX_CHALLENGE: &str = "Basic realm=\"auth required\",Token";

/// Default headers of every JSON response from docker-registry's `toolkit.response`:
/// "`Cache-Control: no-cache`, `Pragma: no-cache`, `Expires: -1`,
/// `Content-Type: application/json`".
pub const JSON_HEADERS: [(&str, &str); 4] = [
    ("Cache-Control", "no-cache"),
    ("Pragma", "no-cache"),
    ("Expires", "-1"),
    ("Content-Type", "application/json"),
];

/// Cache headers added to immutable reads (`GET json`, `layer`, `ancestry`, `files`, `diff`),
/// except `Expires`, which is "now + 1 year" and therefore computed by the caller (the core has
/// no clock); see [`IMMUTABLE_MAX_AGE_SECS`].
pub const IMMUTABLE_CACHE_HEADERS: [(&str, &str); 2] = [
    ("Cache-Control", "public, max-age=31536000"),
    ("Last-Modified", "Thu, 01 Jan 1970 00:00:00 GMT"),
];

/// Seconds to add to "now" for the `Expires` header of immutable reads (one year).
pub const IMMUTABLE_MAX_AGE_SECS: u64 = 31_536_000;

/// `Content-Type` of layer downloads.
pub const LAYER_CONTENT_TYPE: &str = "application/octet-stream";

/// Version advertised in `X-Docker-Registry-Version` when the server has nothing better; docker
/// ≤0.10 refuses a `_ping` without this header (gotcha 16).
pub const DEFAULT_REGISTRY_VERSION: &str = "0.9.1";

/// Body of a successful registry call with nothing to say: `true`.
pub const BODY_TRUE: &[u8] = b"true";

/// Body of `GET /v1/_ping` (registry ≥0.9): `{}`.
pub const BODY_PING: &[u8] = b"{}";

/// Body of the Index emulation's answers to repository PUT/DELETE: the JSON string `""`.
pub const BODY_EMPTY_STRING: &[u8] = b"\"\"";

/// Body of `GET /v1/users/` and `PUT …/auth`: the JSON string `"OK"`.
pub const BODY_OK: &[u8] = b"\"OK\"";

/// Body of a successful `POST /v1/users/` (201): the JSON string `"User Created"`.
pub const BODY_USER_CREATED: &[u8] = b"\"User Created\"";

/// Body of `GET /`: the JSON string `"docker-registry server"`.
pub const BODY_ROOT: &[u8] = b"\"docker-registry server\"";

/// The value of `X-Docker-Registry-Standalone` for a `_ping` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StandaloneMode {
    /// A standalone registry that also plays the Index (`True`).
    Standalone,
    /// A registry that relies on a separate Index (`False`).
    WithIndex,
    /// A pull-through mirror (`mirror`).
    Mirror,
}

impl StandaloneMode {
    /// The header value as docker-registry rendered it (Python `True`/`False`, or `mirror`).
    pub fn header_value(self) -> &'static str {
        match self {
            Self::Standalone => "True",
            Self::WithIndex => "False",
            Self::Mirror => "mirror",
        }
    }

    /// How a docker client (0.11–1.9 `pingV1`) reads the header: `true` (any case) or `1` ⇒
    /// standalone, any other non-empty value ⇒ not standalone, absent ⇒ standalone.
    pub fn client_reads_standalone(value: Option<&str>) -> bool {
        match value {
            None | Some("") => true,
            Some(v) => v.eq_ignore_ascii_case("true") || v == "1",
        }
    }
}

/// The headers of a `_ping` answer: `X-Docker-Registry-Version` (always sent, gotcha 16) and
/// `X-Docker-Registry-Standalone`, in addition to [`JSON_HEADERS`].
pub fn ping_headers(version: &str, mode: StandaloneMode) -> [(HeaderName, String); 2] {
    [
        (X_DOCKER_REGISTRY_VERSION, version.to_owned()),
        (X_DOCKER_REGISTRY_STANDALONE, mode.header_value().to_owned()),
    ]
}

/// Body `true` as [`Bytes`].
pub fn body_true() -> Bytes {
    Bytes::from_static(BODY_TRUE)
}

/// A JSON string body (`"…"`, Python escaping), as the Index emulation returns.
pub fn json_string_body(s: &str) -> Bytes {
    Bytes::from(crate::pyjson::string(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standalone_values() {
        assert_eq!(StandaloneMode::Standalone.header_value(), "True");
        assert!(StandaloneMode::client_reads_standalone(Some("True")));
        assert!(StandaloneMode::client_reads_standalone(Some("1")));
        assert!(StandaloneMode::client_reads_standalone(None));
        assert!(!StandaloneMode::client_reads_standalone(Some("False")));
        assert!(!StandaloneMode::client_reads_standalone(Some("mirror")));
    }

    #[test]
    fn ping() {
        let [version, standalone] = ping_headers(DEFAULT_REGISTRY_VERSION, StandaloneMode::Mirror);
        assert_eq!(version.0.as_str(), "x-docker-registry-version");
        assert_eq!(version.1, "0.9.1");
        assert_eq!(
            (standalone.0.as_str(), standalone.1.as_str()),
            ("x-docker-registry-standalone", "mirror")
        );
    }

    #[test]
    fn string_bodies() {
        assert_eq!(&json_string_body("OK")[..], BODY_OK);
        assert_eq!(&json_string_body("User Created")[..], BODY_USER_CREATED);
        assert_eq!(&json_string_body("")[..], BODY_EMPTY_STRING);
    }
}
