//! Image ids.

use std::fmt;

use crate::ModelError;

/// An image id.
///
/// ```text
/// image-id ::= 64 lowercase hex            ; docker ValidateID: ^([a-f0-9]{64})$
///            | 16 lowercase hex            ; legacy, accepted by docker-registry 0.9.1 on URLs
/// ```
///
/// Choice: [`ImageId::parse`] accepts **both** forms, because docker-registry 0.9.1 validated URL
/// ids with `^([a-f0-9]{16}|[a-f0-9]{64})$` and its own test suite uses 16-hex ids; a server
/// built on this crate therefore passes that suite. Docker clients (≥0.7) only ever create and
/// accept 64-hex ids, so client code should use [`ImageId::parse_strict`] (or check
/// [`ImageId::is_legacy`]) on ids it receives from a registry.
///
/// ```
/// use berth_model::ImageId;
/// let id = ImageId::parse("511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158")?;
/// assert_eq!(id.short(), "511136ea3c5a");
/// assert!(!id.is_legacy());
/// assert!(ImageId::parse("cafebabe01451234")?.is_legacy());
/// assert!(ImageId::parse_strict("cafebabe01451234").is_err());
/// # Ok::<(), berth_model::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageId(String);

impl ImageId {
    /// Length of a modern image id.
    pub const LEN: usize = 64;
    /// Length of a legacy (docker-registry test-suite) image id.
    pub const LEGACY_LEN: usize = 16;
    /// Length of the short form shown by docker (`docker images`, progress lines).
    pub const SHORT_LEN: usize = 12;

    /// Parses a 64-hex id or a legacy 16-hex id.
    ///
    /// Errors with [`ModelError::InvalidImageId`] ("Invalid image ID", 404 on image routes).
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        check_hex(s)?;
        if s.len() != Self::LEN && s.len() != Self::LEGACY_LEN {
            return Err(ModelError::InvalidImageId {
                position: s.len().min(Self::LEN),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// Parses a 64-hex id only (`^([a-f0-9]{64})$`, docker's `ValidateID`).
    pub fn parse_strict(s: &str) -> Result<Self, ModelError> {
        check_hex(s)?;
        if s.len() != Self::LEN {
            return Err(ModelError::InvalidImageId {
                position: s.len().min(Self::LEN),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// Builds an id from 32 bytes (docker draws them at random), hex-encoded.
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(Self::LEN);
        for b in bytes {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        Self(s)
    }

    /// Whether this is a legacy 16-hex id (which docker clients reject).
    pub fn is_legacy(&self) -> bool {
        self.0.len() == Self::LEGACY_LEN
    }

    /// The 12-character short form (the whole id for ids of 12 characters or fewer, which
    /// cannot occur).
    pub fn short(&self) -> &str {
        self.0.get(..Self::SHORT_LEN).unwrap_or(&self.0)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether docker would reject this id as a new random id: its short form parses as a
    /// decimal integer (docker re-draws such ids so short ids are never all digits).
    pub fn short_is_numeric(&self) -> bool {
        self.short().bytes().all(|b| b.is_ascii_digit())
    }
}

fn check_hex(s: &str) -> Result<(), ModelError> {
    match s
        .bytes()
        .position(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Some(position) => Err(ModelError::InvalidImageId { position }),
        None => Ok(()),
    }
}

impl fmt::Debug for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ImageId({})", self.0)
    }
}

crate::newtype::string_newtype!(ImageId);
