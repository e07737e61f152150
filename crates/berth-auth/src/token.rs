//! Docker v1 tokens: `signature=…,repository="ns/repo",access=read|write|delete`.
//!
//! The Index hands a token out in `X-Docker-Token` (and `WWW-Authenticate: Token …`); the client
//! sends it back to registries as `Authorization: Token …`, joining all `X-Docker-Token` values with
//! `,`.

use std::fmt;

use crate::{AuthError, Secret};

/// What a Docker token allows, checked against the HTTP method by [`Access::allows_method`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Access {
    /// `access=read`: GET and HEAD.
    Read,
    /// `access=write`: PUT and POST.
    Write,
    /// `access=delete`: DELETE.
    Delete,
}

impl Access {
    /// The wire spelling: `read`, `write` or `delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Delete => "delete",
        }
    }

    /// Parses `read`, `write` or `delete`, ignoring ASCII case; anything else is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Read, Self::Write, Self::Delete]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(value))
    }

    /// Returns whether a token with this access may be used for an HTTP `method` (case-sensitive,
    /// as HTTP methods are).
    ///
    /// docker-registry (`toolkit.check_token`): "`write` ⇒ only `POST`/`PUT`; `read` ⇒ only `GET`;
    /// `delete` ⇒ only `DELETE`".
    /// Unlike docker-registry, `read` also allows `HEAD`, which docker 0.12–1.1 sends before layer
    /// downloads (gotcha 13).
    ///
    /// ```
    /// use berth_auth::Access;
    /// assert!(Access::Read.allows_method("HEAD"));
    /// assert!(!Access::Read.allows_method("PUT"));
    /// assert!(Access::Write.allows_method("POST"));
    /// ```
    pub fn allows_method(self, method: &str) -> bool {
        match self {
            Self::Read => matches!(method, "GET" | "HEAD"),
            Self::Write => matches!(method, "PUT" | "POST"),
            Self::Delete => method == "DELETE",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Docker v1 token.
///
/// Invariant: the signature and repository are non-empty printable ASCII without `"`, `,` or
/// whitespace, so the token always formats into a value every parser (ours and docker-registry's)
/// reads back unchanged.
///
/// `Debug` and `Display` redact the signature.
/// [`to_header_value`](Self::to_header_value) and
/// [`to_authorization_value`](Self::to_authorization_value) are the only ways to get the
/// signature onto the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerToken {
    signature: Secret,
    repository: String,
    access: Access,
}

impl DockerToken {
    /// Builds a token, checking that the signature and repository can be carried by the wire
    /// format (see the type's invariant).
    pub fn new(
        signature: impl Into<Secret>,
        repository: impl Into<String>,
        access: Access,
    ) -> Result<Self, AuthError> {
        let signature = signature.into();
        let repository = repository.into();
        check_field("signature", signature.expose(), None)?;
        check_field("repository", &repository, None)?;
        Ok(Self {
            signature,
            repository,
            access,
        })
    }

    /// The opaque signature.
    pub fn signature(&self) -> &Secret {
        &self.signature
    }

    /// The repository, `<namespace>/<name>` (`library/<name>` for official repositories).
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The access the token grants.
    pub fn access(&self) -> Access {
        self.access
    }

    /// Formats the `X-Docker-Token` response header value, byte for byte as the Hub did:
    /// `signature=<sig>,repository="<ns>/<repo>",access=<access>`.
    ///
    /// This exposes the signature.
    pub fn to_header_value(&self) -> String {
        format!(
            "signature={},repository=\"{}\",access={}",
            self.signature.expose(),
            self.repository,
            self.access
        )
    }

    /// Formats `Token signature=…,repository="…",access=…`, the value of both
    /// `Authorization` (client to registry) and `WWW-Authenticate` (Index to client).
    ///
    /// This exposes the signature.
    pub fn to_authorization_value(&self) -> String {
        format!("Token {}", self.to_header_value())
    }
}

impl fmt::Display for DockerToken {
    /// Prints the header form with the signature replaced by `<redacted>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "signature={},repository=\"{}\",access={}",
            self.signature, self.repository, self.access
        )
    }
}

/// Checks that a signature or repository can travel in a token.
fn check_field(field: &'static str, value: &str, pos: Option<usize>) -> Result<(), AuthError> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b',');
    if ok {
        Ok(())
    } else {
        Err(AuthError::InvalidTokenField { field, pos })
    }
}

/// Parses exactly one token (an `X-Docker-Token` value with a single token).
///
/// ```
/// use berth_auth::{Access, parse_docker_token};
///
/// let t = parse_docker_token(
///     r#"signature=7c438fd617eb7a8f2ad7476a9a3f2c6f8c1961fa,repository="google/cadvisor",access=read"#,
/// ).unwrap();
/// assert_eq!((t.repository(), t.access()), ("google/cadvisor", Access::Read));
/// ```
pub fn parse_docker_token(value: &str) -> Result<DockerToken, AuthError> {
    let mut tokens = parse_docker_tokens(value)?;
    match tokens.len() {
        1 => Ok(tokens.remove(0)),
        count => Err(AuthError::TokenCount { count }),
    }
}

/// Parses one or more tokens: an `X-Docker-Token` value, several of them joined with `,` (as the
/// client does), or the part of `Authorization: Token …` after the scheme.
///
/// Accepted grammar (lenient; docker-registry's `(\w+)[:=][\s"]?([^",]+)"?` is the reference):
///
/// ```text
/// tokens = item *( "," item )                 ; empty items are skipped
/// item   = OWS *( "Token" 1*WSP ) key OWS ( "=" / ":" ) OWS value OWS
/// key    = 1*( ALPHA / DIGIT / "_" )          ; matched case-insensitively, unknown keys ignored
/// value  = DQUOTE *( %x21-7E except DQUOTE "," ) [ DQUOTE ]
///        / 1*( %x21-7E except DQUOTE "," ) [ DQUOTE ]
/// ```
///
/// A key that is already set in the current token starts the next token, so
/// `signature=a,repository="x/y",access=read,signature=b,…` yields two tokens.
/// The `Token ` prefix may repeat (`Token Token signature=…`, gotcha 23) and may start any item.
/// An input with no token at all is [`AuthError::NoToken`].
pub fn parse_docker_tokens(value: &str) -> Result<Vec<DockerToken>, AuthError> {
    let mut tokens = Vec::new();
    let mut current = Partial::default();
    let mut item_start = 0;
    for item in value.split(',') {
        let pos = item_start;
        item_start += item.len() + 1;
        let Some(field) = parse_item(item, pos)? else {
            continue;
        };
        let already_set = match field.key {
            Key::Signature => current.signature.is_some(),
            Key::Repository => current.repository.is_some(),
            Key::Access => current.access.is_some(),
            Key::Other => continue,
        };
        if already_set {
            tokens.push(current.finish()?);
            current = Partial::default();
        }
        current.start.get_or_insert(field.key_pos);
        match field.key {
            Key::Signature => {
                check_field("signature", field.value, Some(field.value_pos))?;
                current.signature = Some(field.value);
            }
            Key::Repository => {
                check_field("repository", field.value, Some(field.value_pos))?;
                current.repository = Some(field.value);
            }
            Key::Access => {
                let access = Access::parse(field.value).ok_or(AuthError::UnknownAccess {
                    pos: field.value_pos,
                })?;
                current.access = Some(access);
            }
            Key::Other => {}
        }
    }
    if current.start.is_some() {
        tokens.push(current.finish()?);
    }
    if tokens.is_empty() {
        return Err(AuthError::NoToken);
    }
    Ok(tokens)
}

/// The known token keys.
#[derive(Clone, Copy)]
enum Key {
    Signature,
    Repository,
    Access,
    Other,
}

/// One parsed `key=value` item.
struct Field<'a> {
    key: Key,
    key_pos: usize,
    value: &'a str,
    value_pos: usize,
}

/// A token being assembled from items.
#[derive(Default)]
struct Partial<'a> {
    start: Option<usize>,
    signature: Option<&'a str>,
    repository: Option<&'a str>,
    access: Option<Access>,
}

impl Partial<'_> {
    fn finish(&self) -> Result<DockerToken, AuthError> {
        let pos = self.start.unwrap_or(0);
        let missing = |field| AuthError::TokenMissingField { field, pos };
        Ok(DockerToken {
            signature: Secret::new(self.signature.ok_or(missing("signature"))?),
            repository: self.repository.ok_or(missing("repository"))?.to_owned(),
            access: self.access.ok_or(missing("access"))?,
        })
    }
}

/// Parses one comma-separated item; `Ok(None)` for an empty item or a lone `Token` word.
fn parse_item(item: &str, base: usize) -> Result<Option<Field<'_>>, AuthError> {
    let bytes = item.as_bytes();
    let mut i = skip_ws(bytes, 0);
    // Strip any number of `Token` scheme words (gotcha 23: `Token Token signature=…`).
    loop {
        let word = i + bytes[i..].iter().take_while(|b| is_word(**b)).count();
        if word - i == 5 && item[i..word].eq_ignore_ascii_case("token") {
            let next = skip_ws(bytes, word);
            if next == bytes.len() {
                return Ok(None);
            }
            if next > word {
                i = next;
                continue;
            }
        }
        break;
    }
    if i == bytes.len() {
        return Ok(None);
    }
    let key_pos = i;
    let key_end = i + bytes[i..].iter().take_while(|b| is_word(**b)).count();
    if key_end == key_pos {
        return Err(syntax(base + i, "a key"));
    }
    let key = &item[key_pos..key_end];
    i = skip_ws(bytes, key_end);
    if !matches!(bytes.get(i), Some(b'=' | b':')) {
        return Err(syntax(base + i, "'=' or ':'"));
    }
    i = skip_ws(bytes, i + 1);
    let end = item.trim_end_matches(crate::scheme::is_ws).len().max(i);
    let mut raw = &item[i..end];
    let mut value_pos = i;
    if let Some(inner) = raw.strip_prefix('"') {
        raw = inner;
        value_pos += 1;
    }
    // docker-registry's regex tolerates a missing or stray closing quote; so do we.
    let value = raw.strip_suffix('"').unwrap_or(raw);
    let key = if key.eq_ignore_ascii_case("signature") {
        Key::Signature
    } else if key.eq_ignore_ascii_case("repository") {
        Key::Repository
    } else if key.eq_ignore_ascii_case("access") {
        Key::Access
    } else {
        Key::Other
    };
    Ok(Some(Field {
        key,
        key_pos: base + key_pos,
        value,
        value_pos: base + value_pos,
    }))
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

fn syntax(pos: usize, expected: &'static str) -> AuthError {
    AuthError::TokenSyntax { pos, expected }
}
