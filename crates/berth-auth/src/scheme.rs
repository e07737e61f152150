//! Splitting `Authorization`-style values into a scheme word and the rest.

use crate::AuthError;

/// A header value split as `scheme 1*WSP rest`, with offsets into the original value.
pub(crate) struct Split<'a> {
    /// The scheme word.
    pub(crate) scheme: &'a str,
    /// Whether the scheme word was followed by whitespace (and so is a separate word).
    pub(crate) separate: bool,
    /// Everything after the scheme and the whitespace that follows it, trimmed at the end.
    pub(crate) rest: &'a str,
    /// Byte offset of `rest` in the original value.
    pub(crate) rest_pos: usize,
}

/// Returns true for the whitespace tolerated around and inside header values.
pub(crate) fn is_ws(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// Returns true for an RFC 7230 `tchar`.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Splits a header value into its scheme word and the rest, tolerating surrounding whitespace.
pub(crate) fn split(value: &str) -> Result<Split<'_>, AuthError> {
    let start = value.len() - value.trim_start_matches(is_ws).len();
    let trimmed = value.trim_matches(is_ws);
    if trimmed.is_empty() {
        return Err(AuthError::Empty);
    }
    let scheme_len = trimmed.find(is_ws).unwrap_or(trimmed.len());
    let scheme = &trimmed[..scheme_len];
    let after = &trimmed[scheme_len..];
    let rest = after.trim_start_matches(is_ws);
    let rest_pos = start + scheme_len + (after.len() - rest.len());
    Ok(Split {
        scheme,
        separate: !after.is_empty(),
        rest,
        rest_pos,
    })
}

impl Split<'_> {
    /// Builds the [`AuthError::WrongScheme`] for this value, echoing the scheme only when it is
    /// clearly a scheme word and not a bare credential.
    pub(crate) fn wrong_scheme(&self, expected: &'static str) -> AuthError {
        let shown = self.separate && self.scheme.len() <= 32 && self.scheme.bytes().all(is_tchar);
        AuthError::WrongScheme {
            expected,
            found: shown.then(|| self.scheme.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_offsets() {
        let s = split("  Basic \t abc  ").unwrap();
        assert_eq!(s.scheme, "Basic");
        assert!(s.separate);
        assert_eq!(s.rest, "abc");
        assert_eq!(s.rest_pos, 10);
        let s = split("Token").unwrap();
        assert_eq!(
            (s.scheme, s.separate, s.rest, s.rest_pos),
            ("Token", false, "", 5)
        );
        assert_eq!(split(" \t ").err(), Some(AuthError::Empty));
    }

    #[test]
    fn wrong_scheme_hides_bare_credentials() {
        let bare = split("dXNlcjpwYXNz").unwrap();
        assert_eq!(
            bare.wrong_scheme("Basic"),
            AuthError::WrongScheme {
                expected: "Basic",
                found: None
            }
        );
        let bearer = split("Bearer abc").unwrap();
        assert_eq!(
            bearer.wrong_scheme("Basic"),
            AuthError::WrongScheme {
                expected: "Basic",
                found: Some("Bearer".into())
            }
        );
    }
}
