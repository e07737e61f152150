//! A string that must never be printed: passwords, token signatures, `auth` strings.

use std::fmt;

use subtle::ConstantTimeEq;

/// A secret string (password, token signature, base64 `auth` string).
///
/// `Debug` and `Display` print `<redacted>` instead of the value, so a `Secret` can sit inside
/// structures that are logged.
/// Equality runs in constant time with respect to the contents (`subtle`); only the length may
/// leak through timing.
///
/// [`Secret::expose`] is the only way to read the value; grep for it when auditing where secrets go.
///
/// ```
/// use berth_auth::Secret;
///
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s} {s:?}"), "<redacted> Secret(<redacted>)");
/// assert_eq!(s.expose(), "hunter2");
/// assert_eq!(s, Secret::new("hunter2"));
/// ```
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret value; the only way to read it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Consumes the wrapper and returns the secret value.
    pub fn into_exposed(self) -> String {
        self.0
    }

    /// Returns true when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        // `ct_eq` on slices returns false at once when the lengths differ and otherwise compares
        // every byte.
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_in_debug_and_display() {
        let s = Secret::new("s3cr3t");
        assert!(!format!("{s:?}").contains("s3cr3t"));
        assert!(!format!("{s}").contains("s3cr3t"));
        assert!(!format!("{s:#?}").contains("s3cr3t"));
    }

    #[test]
    fn equality_compares_contents() {
        assert_eq!(Secret::new("a"), Secret::from("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
        assert_ne!(Secret::new("a"), Secret::new("aa"));
        assert_eq!(Secret::default(), Secret::new(""));
        assert!(Secret::default().is_empty());
        assert_eq!(Secret::new("x").into_exposed(), "x");
    }
}
