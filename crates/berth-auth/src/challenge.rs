//! `WWW-Authenticate` challenges: the two fixed values the v1 protocol uses, and a tolerant parser.

use std::fmt;

use crate::AuthError;
use crate::scheme::is_tchar;

/// The Index's 401 challenge, byte for byte as the Hub sent it (index-api.md conventions).
pub const INDEX_CHALLENGE: &str = "Basic realm=\"auth required\",Token";

/// A registry's 401 challenge (`toolkit.requires_auth` failure).
///
/// A successful Index call instead carries `WWW-Authenticate: Token signature=…`, produced by
/// [`DockerToken::to_authorization_value`](crate::DockerToken::to_authorization_value).
pub const REGISTRY_CHALLENGE: &str = "Token";

/// One parsed challenge: a scheme with either parameters or a token68.
///
/// `Debug` redacts the token68 and any parameter named `signature`.
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge {
    scheme: String,
    token68: Option<String>,
    params: Vec<(String, String)>,
}

impl Challenge {
    /// The auth-scheme as written (compare with `eq_ignore_ascii_case`).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The token68 form of the credentials, if the challenge used it.
    pub fn token68(&self) -> Option<&str> {
        self.token68.as_deref()
    }

    /// The parameters in order, names as written, quoted values unescaped.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The first parameter whose name matches `name` ignoring ASCII case.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Params<'a>(&'a [(String, String)]);
        impl fmt::Debug for Params<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut m = f.debug_map();
                for (k, v) in self.0 {
                    if k.eq_ignore_ascii_case("signature") {
                        m.entry(k, &format_args!("<redacted>"));
                    } else {
                        m.entry(k, v);
                    }
                }
                m.finish()
            }
        }
        f.debug_struct("Challenge")
            .field("scheme", &self.scheme)
            .field(
                "token68",
                &self.token68.as_ref().map(|_| format_args!("<redacted>")),
            )
            .field("params", &Params(&self.params))
            .finish()
    }
}

/// Parses a `WWW-Authenticate` value into its challenges.
///
/// Accepted grammar (RFC 7235 with leniencies):
///
/// ```text
/// challenges = *( "," OWS ) challenge *( OWS "," *( OWS "," ) OWS challenge ) *( OWS "," ) OWS
/// challenge  = auth-scheme [ 1*WSP ( token68 / auth-param *( OWS "," OWS auth-param ) ) ]
/// auth-param = token OWS "=" OWS ( quoted-string / value )
/// value      = 1*( any char except whitespace, control, "," and DQUOTE )   ; RFC: token
/// token68    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
/// ```
///
/// After a `,`, a token followed by `=` continues the current challenge's parameters; any other
/// token starts a new challenge (so `Basic realm="auth required",Token` is two challenges).
///
/// ```
/// use berth_auth::{INDEX_CHALLENGE, parse_challenges};
///
/// let c = parse_challenges(INDEX_CHALLENGE).unwrap();
/// assert_eq!(c.len(), 2);
/// assert_eq!((c[0].scheme(), c[0].param("realm")), ("Basic", Some("auth required")));
/// assert_eq!(c[1].scheme(), "Token");
/// ```
pub fn parse_challenges(value: &str) -> Result<Vec<Challenge>, AuthError> {
    let b = value.as_bytes();
    let mut out = Vec::new();
    let mut i = skip_separators(b, 0);
    while i < b.len() {
        let scheme_end = token_end(b, i);
        if scheme_end == i {
            return Err(err(i, "an auth-scheme"));
        }
        let mut ch = Challenge {
            scheme: value[i..scheme_end].to_owned(),
            token68: None,
            params: Vec::new(),
        };
        let j = skip_ws(b, scheme_end);
        if j == b.len() || b[j] == b',' {
            out.push(ch);
            i = skip_separators(b, j);
            continue;
        }
        if j == scheme_end {
            return Err(err(j, "whitespace after the auth-scheme"));
        }
        if let Some(end) = token68_end(b, j) {
            ch.token68 = Some(value[j..end].to_owned());
            out.push(ch);
            i = skip_separators(b, end);
            continue;
        }
        i = parse_params(value, j, &mut ch.params)?;
        out.push(ch);
    }
    if out.is_empty() {
        return Err(err(i, "an auth-scheme"));
    }
    Ok(out)
}

/// Parses `auth-param *( "," auth-param )` from `i`; returns where the next challenge starts.
fn parse_params(
    value: &str,
    mut i: usize,
    params: &mut Vec<(String, String)>,
) -> Result<usize, AuthError> {
    let b = value.as_bytes();
    loop {
        let name_end = token_end(b, i);
        if name_end == i {
            return Err(err(i, "an auth-param name"));
        }
        let name = value[i..name_end].to_owned();
        let mut k = skip_ws(b, name_end);
        if b.get(k) != Some(&b'=') {
            return Err(err(k, "'='"));
        }
        k = skip_ws(b, k + 1);
        let (v, end) = if b.get(k) == Some(&b'"') {
            quoted(value, k)?
        } else {
            let end = k + b[k..].iter().take_while(|c| is_value_byte(**c)).count();
            if end == k {
                return Err(err(k, "an auth-param value"));
            }
            (value[k..end].to_owned(), end)
        };
        params.push((name, v));
        k = skip_ws(b, end);
        if k == b.len() {
            return Ok(k);
        }
        if b[k] != b',' {
            return Err(err(k, "','"));
        }
        let next = skip_separators(b, k);
        let next_name = token_end(b, next);
        // A token followed by "=" is another parameter; anything else starts a new challenge.
        if next_name == next || b.get(skip_ws(b, next_name)) != Some(&b'=') {
            return Ok(next);
        }
        i = next;
    }
}

/// Parses a quoted-string starting at the opening quote; returns the unescaped text and the
/// offset after the closing quote.
fn quoted(value: &str, open: usize) -> Result<(String, usize), AuthError> {
    let mut out = String::new();
    let mut chars = value[open + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            '"' => return Ok((out, open + 1 + off + 1)),
            '\\' => match chars.next() {
                Some((_, e)) => out.push(e),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(err(
        open,
        "a closing '\"' for the quoted-string starting here",
    ))
}

/// End of a token68 starting at `i`, if the text there is a token68 followed by `,` or the end.
fn token68_end(b: &[u8], i: usize) -> Option<usize> {
    let mut k = i;
    while b
        .get(k)
        .is_some_and(|c| c.is_ascii_alphanumeric() || b"-._~+/".contains(c))
    {
        k += 1;
    }
    if k == i {
        return None;
    }
    while b.get(k) == Some(&b'=') {
        k += 1;
    }
    let after = skip_ws(b, k);
    (after == b.len() || b[after] == b',').then_some(k)
}

fn token_end(b: &[u8], i: usize) -> usize {
    i + b[i.min(b.len())..]
        .iter()
        .take_while(|c| is_tchar(**c))
        .count()
}

fn is_value_byte(c: u8) -> bool {
    c >= 0x80 || (c > 0x20 && c != 0x7f && c != b',' && c != b'"')
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| *c == b' ' || *c == b'\t') {
        i += 1;
    }
    i
}

fn skip_separators(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t' | b',')) {
        i += 1;
    }
    i
}

fn err(pos: usize, expected: &'static str) -> AuthError {
    AuthError::ChallengeSyntax { pos, expected }
}
