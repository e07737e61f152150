//! Tag names.

use std::fmt;

use crate::ModelError;

/// A tag name.
///
/// ```text
/// tag ::= word-char (word-char | "." | "-"){0,127}     ; ^[\w][\w.-]{0,127}$
/// word-char ::= [A-Za-z0-9_]                           ; Python 2 `\w` without re.UNICODE
/// ```
///
/// "Tag must match `^[\w][\w.-]{0,127}$` (Python 2 `\w` = `[A-Za-z0-9_]`) → else 400
/// `Invalid tag name (must match ^[\w][\w.-]{0,127}$)`" (registry-api.md §3, docker ≥1.x).
///
/// ```
/// use berth_model::Tag;
/// assert_eq!(Tag::parse("_valid")?.as_str(), "_valid");
/// assert!(Tag::parse(".invalid").is_err());
/// assert_eq!(Tag::latest().as_str(), "latest");
/// # Ok::<(), berth_model::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Maximum length of a tag (1 + 127).
    pub const MAX_LEN: usize = 128;

    /// Parses a tag name; errors with [`ModelError::InvalidTag`].
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let bytes = s.as_bytes();
        let Some(&first) = bytes.first() else {
            return Err(ModelError::InvalidTag { position: 0 });
        };
        if !is_word(first) {
            return Err(ModelError::InvalidTag { position: 0 });
        }
        if let Some(i) = bytes
            .iter()
            .position(|&b| !(is_word(b) || b == b'.' || b == b'-'))
        {
            return Err(ModelError::InvalidTag { position: i });
        }
        if bytes.len() > Self::MAX_LEN {
            return Err(ModelError::InvalidTag {
                position: Self::MAX_LEN,
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The tag `latest`, docker's default.
    pub fn latest() -> Self {
        Self("latest".to_owned())
    }

    /// Whether this is the `latest` tag (whose metadata doubles as the repository JSON).
    pub fn is_latest(&self) -> bool {
        self.0 == "latest"
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", self.0)
    }
}

crate::newtype::string_newtype!(Tag);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_test_suite_names() {
        // tests.md C: `$<invalid>`, `.invalid`, `-invalid` → 400; `_valid` → 200.
        for bad in ["$invalid", ".invalid", "-invalid", "", "a/b", "é"] {
            assert!(Tag::parse(bad).is_err(), "{bad}");
        }
        for good in ["_valid", "latest", "1.0-rc.1", "A_b-C.d"] {
            assert_eq!(Tag::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn length_limit() {
        assert!(Tag::parse(&"a".repeat(128)).is_ok());
        assert_eq!(
            Tag::parse(&"a".repeat(129)),
            Err(ModelError::InvalidTag { position: 128 })
        );
    }

    #[test]
    fn message_is_exact() {
        assert_eq!(
            ModelError::InvalidTag { position: 0 }.to_string(),
            r"Invalid tag name (must match ^[\w][\w.-]{0,127}$)"
        );
    }
}
