//! The one error type of the crate.

use crate::token::Access;

/// Everything that can go wrong while parsing, verifying or encoding credentials.
///
/// Messages never contain secrets: no passwords, signatures, base64 payloads or `auth` strings.
/// Positions (`pos`) are byte offsets into the string that was passed to the failing function,
/// unless a variant says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The header value is empty or only whitespace.
    #[error("empty header value")]
    Empty,
    /// The value does not start with the expected authentication scheme.
    #[error(
        "wrong authentication scheme{}, expected {expected}",
        found_scheme(found)
    )]
    WrongScheme {
        /// The scheme (or schemes) that were acceptable.
        expected: &'static str,
        /// The scheme word that was found, when it was a separate word of at most 32 token
        /// characters; `None` otherwise, so that a bare credential is never echoed.
        found: Option<String>,
    },
    /// The scheme word is present but nothing follows it (for example `Basic` alone).
    #[error("{scheme} scheme without credentials")]
    MissingCredentials {
        /// The scheme that was found.
        scheme: &'static str,
    },
    /// Base64 decoding failed.
    #[error("invalid base64 at byte {pos}")]
    BadBase64 {
        /// Offset of the offending byte (or of the end of the payload for a length error).
        pos: usize,
    },
    /// Decoded bytes are not UTF-8.
    #[error("decoded value is not UTF-8 (invalid byte at decoded offset {pos})")]
    NotUtf8 {
        /// Offset of the first invalid byte in the decoded bytes.
        pos: usize,
    },
    /// Decoded Basic credentials contain no `:` between username and password.
    #[error("basic credentials contain no ':'")]
    MissingColon,
    /// Basic credentials have an empty username but a non-empty password.
    #[error("basic credentials have an empty username")]
    EmptyUsername,
    /// `Basic Og==`: empty username and empty password.
    ///
    /// Docker sends exactly this when the user is not logged in (auth.md §4, registry#989), so a
    /// server should treat it as "no credentials" rather than as a failed login.
    /// [`parse_authorization`](crate::parse_authorization) reports it as
    /// [`Authorization::Anonymous`](crate::Authorization::Anonymous).
    #[error("anonymous basic credentials (empty username and password)")]
    AnonymousBasic,
    /// A Docker token list is malformed.
    #[error("malformed docker token at byte {pos}: expected {expected}")]
    TokenSyntax {
        /// Where the problem was found.
        pos: usize,
        /// What the parser expected there.
        expected: &'static str,
    },
    /// A Docker token lacks one of `signature`, `repository`, `access`.
    #[error("docker token starting at byte {pos} has no {field}")]
    TokenMissingField {
        /// The missing field.
        field: &'static str,
        /// Where the incomplete token starts.
        pos: usize,
    },
    /// A Docker token field has a value that cannot be carried by the wire format
    /// (empty, or containing `"`, `,`, whitespace or control characters).
    #[error("invalid docker token {field}{}", at_byte(pos))]
    InvalidTokenField {
        /// The field whose value is invalid.
        field: &'static str,
        /// Where the value starts, when it came from parsed text.
        pos: Option<usize>,
    },
    /// A Docker token's `access` is not `read`, `write` or `delete`.
    ///
    /// docker-registry let unknown values through unrestricted; Berth rejects them so that no token
    /// is broader than the three documented scopes.
    #[error("unknown docker token access value at byte {pos}")]
    UnknownAccess {
        /// Where the value starts.
        pos: usize,
    },
    /// A `Token` credential or a token list contains no token at all.
    #[error("no docker token")]
    NoToken,
    /// Exactly one token was expected.
    #[error("expected exactly one docker token, found {count}")]
    TokenCount {
        /// How many tokens were found.
        count: usize,
    },
    /// A token signature is not `<expires_at>.<64 lowercase hex>` as issued by
    /// [`TokenSigner`](crate::TokenSigner).
    #[error("malformed token signature")]
    BadSignatureFormat,
    /// The token's MAC does not match its repository, access and expiry.
    #[error("token signature does not match")]
    BadMac,
    /// The token's MAC is valid but it has expired (`now >= expires_at`).
    #[error("token expired at {expires_at} (now {now})")]
    Expired {
        /// Expiry carried by the token, Unix seconds.
        expires_at: u64,
        /// The time passed to the check, Unix seconds.
        now: u64,
    },
    /// The token's access does not allow the HTTP method.
    #[error("{access} token does not allow method {method}")]
    MethodNotAllowed {
        /// The token's access.
        access: Access,
        /// The request method (truncated to 32 bytes).
        method: String,
    },
    /// The token is for another repository than the one requested.
    #[error("token is for repository {token}, not {expected}")]
    RepositoryMismatch {
        /// The repository of the request.
        expected: String,
        /// The repository of the token.
        token: String,
    },
    /// A `WWW-Authenticate` value is malformed.
    #[error("malformed WWW-Authenticate at byte {pos}: expected {expected}")]
    ChallengeSyntax {
        /// Where the problem was found.
        pos: usize,
        /// What the parser expected there.
        expected: &'static str,
    },
    /// A JSON document (X-Registry-Auth payload or docker config file) is not valid JSON.
    #[error("invalid JSON at line {line}, column {column}")]
    JsonSyntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
    /// A JSON value has the wrong type.
    #[error("JSON value {field} is not {expected}")]
    JsonType {
        /// The field (or config key) whose value has the wrong type.
        field: String,
        /// The expected JSON type.
        expected: &'static str,
    },
    /// The `auth` entry stored for a server in a docker config file cannot be decoded.
    #[error("auth for {server} in docker config is invalid: {reason}")]
    ConfigAuth {
        /// The config key of the entry.
        server: String,
        /// Why it could not be decoded.
        reason: &'static str,
    },
    /// The pre-0.6 two-line `.dockercfg` (`auth = …` / `email = …`) is malformed.
    #[error("malformed legacy .dockercfg at line {line}: expected {expected}")]
    LegacyConfig {
        /// 1-based line of the problem.
        line: usize,
        /// What was expected there.
        expected: &'static str,
    },
}

fn found_scheme(found: &Option<String>) -> String {
    match found {
        Some(s) => format!(" {s:?}"),
        None => String::new(),
    }
}

fn at_byte(pos: &Option<usize>) -> String {
    match pos {
        Some(p) => format!(" at byte {p}"),
        None => String::new(),
    }
}

/// Maps a base64 decoding error to [`AuthError::BadBase64`], offsetting positions by `base`.
pub(crate) fn base64_error(err: base64::DecodeError, base: usize, len: usize) -> AuthError {
    let pos = match err {
        base64::DecodeError::InvalidByte(p, _) | base64::DecodeError::InvalidLastSymbol(p, _) => p,
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => len,
    };
    AuthError::BadBase64 { pos: base + pos }
}

/// Maps a serde_json error to [`AuthError::JsonSyntax`] without keeping its message, which may
/// quote the input.
pub(crate) fn json_error(err: &serde_json::Error) -> AuthError {
    AuthError::JsonSyntax {
        line: err.line(),
        column: err.column(),
    }
}
