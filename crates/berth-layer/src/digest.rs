//! Digest labels: `sha256:<hex>` and `tarsum[.v1|.dev]+sha256:<hex>`.
//!
//! ```text
//! digest ::= "sha256:" 64*lowercase-hex
//! tarsum ::= ("tarsum" | "tarsum.v1" | "tarsum.dev") "+sha256:" 64*lowercase-hex
//! ```

use std::fmt;
use std::str::FromStr;

/// Lowercase hexadecimal digits.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes the lowercase hex encoding of `bytes` into `out` (which must be twice as long).
pub(crate) fn encode_hex(bytes: &[u8; 32], out: &mut [u8; 64]) {
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 0x0f)];
    }
}

/// The 64 lowercase hex digits of a SHA-256 value, kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hex([u8; 64]);

impl Hex {
    /// The hex digits as a string slice.
    pub fn as_str(&self) -> &str {
        // The buffer only ever holds ASCII hex digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl AsRef<str> for Hex {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Why a `sha256:<hex>` or `tarsum…+sha256:<hex>` label did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseDigestError {
    /// The label before the hex digits is not one this crate knows.
    #[error("unknown digest label (expected `sha256:` or `tarsum[.v1|.dev]+sha256:`)")]
    UnknownLabel,
    /// The hex part is not exactly 64 characters long.
    #[error("digest hex must be 64 characters, got {len}")]
    BadLength {
        /// The length found.
        len: usize,
    },
    /// A character of the hex part is not a lowercase hex digit.
    #[error("invalid lowercase hex digit at byte {pos}")]
    InvalidHex {
        /// Byte position in the whole input string.
        pos: usize,
    },
}

/// Parses 64 lowercase hex digits; `start` is their position in the whole input, for errors.
fn parse_hex(s: &str, start: usize) -> Result<[u8; 32], ParseDigestError> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return Err(ParseDigestError::BadLength { len: b.len() });
    }
    let nibble = |i: usize| -> Result<u8, ParseDigestError> {
        match b[i] {
            c @ b'0'..=b'9' => Ok(c - b'0'),
            c @ b'a'..=b'f' => Ok(c - b'a' + 10),
            _ => Err(ParseDigestError::InvalidHex { pos: start + i }),
        }
    };
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nibble(2 * i)? << 4) | nibble(2 * i + 1)?;
    }
    Ok(out)
}

/// A SHA-256 digest, displayed and parsed as `sha256:<64 lowercase hex>`.
///
/// This is the form docker-registry stores for payload checksums (`X-Docker-Checksum-Payload`)
/// and the form used for blob and tar stream digests.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The label prefix, `sha256:`.
    pub const PREFIX: &'static str = "sha256:";

    /// Wraps raw SHA-256 output.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64 lowercase hex digits, without the `sha256:` label, without allocating.
    pub fn hex(&self) -> Hex {
        let mut out = [0u8; 64];
        encode_hex(&self.0, &mut out);
        Hex(out)
    }

    /// Parses `sha256:<64 lowercase hex>`.
    pub fn parse(s: &str) -> Result<Self, ParseDigestError> {
        let hex = s
            .strip_prefix(Self::PREFIX)
            .ok_or(ParseDigestError::UnknownLabel)?;
        parse_hex(hex, Self::PREFIX.len()).map(Self)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::PREFIX)?;
        f.write_str(self.hex().as_str())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl FromStr for Digest {
    type Err = ParseDigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The TarSum algorithm version, which is also the label before `+sha256:`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TarSumVersion {
    /// `tarsum`: Version0, what docker 0.6–1.9 send to v1 registries (`X-Docker-Checksum`).
    V0,
    /// `tarsum.v1`: Version1 (no mtime, xattrs included).
    V1,
    /// `tarsum.dev`: VersionDev, the same rules as `tarsum.v1` in docker 1.9.
    Dev,
}

impl TarSumVersion {
    /// The label, e.g. `tarsum.v1`.
    pub const fn label(self) -> &'static str {
        match self {
            Self::V0 => "tarsum",
            Self::V1 => "tarsum.v1",
            Self::Dev => "tarsum.dev",
        }
    }
}

/// A TarSum result, displayed and parsed as `<version>+sha256:<hex>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TarSum {
    /// The algorithm version (the label).
    pub version: TarSumVersion,
    /// The final SHA-256 value.
    pub digest: Digest,
}

impl TarSum {
    /// Parses `tarsum+sha256:<hex>`, `tarsum.v1+sha256:<hex>` or `tarsum.dev+sha256:<hex>`.
    pub fn parse(s: &str) -> Result<Self, ParseDigestError> {
        let (label, rest) = s.split_once('+').ok_or(ParseDigestError::UnknownLabel)?;
        let version = match label {
            "tarsum" => TarSumVersion::V0,
            "tarsum.v1" => TarSumVersion::V1,
            "tarsum.dev" => TarSumVersion::Dev,
            _ => return Err(ParseDigestError::UnknownLabel),
        };
        let hex = rest
            .strip_prefix(Digest::PREFIX)
            .ok_or(ParseDigestError::UnknownLabel)?;
        let start = label.len() + 1 + Digest::PREFIX.len();
        Ok(Self {
            version,
            digest: Digest(parse_hex(hex, start)?),
        })
    }
}

impl fmt::Display for TarSum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.version.label())?;
        f.write_str("+")?;
        fmt::Display::fmt(&self.digest, f)
    }
}

impl fmt::Debug for TarSum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TarSum({self})")
    }
}

impl FromStr for TarSum {
    type Err = ParseDigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn digest_round_trip() {
        let s = format!("sha256:{EMPTY}");
        let d = Digest::parse(&s).unwrap();
        assert_eq!(d.to_string(), s);
        assert_eq!(d.hex().as_str(), EMPTY);
        assert_eq!(d.as_bytes()[0], 0xe3);
    }

    #[test]
    fn digest_errors() {
        assert_eq!(Digest::parse(EMPTY), Err(ParseDigestError::UnknownLabel));
        assert_eq!(
            Digest::parse("sha256:abc"),
            Err(ParseDigestError::BadLength { len: 3 })
        );
        let upper = format!("sha256:{}", EMPTY.to_uppercase());
        assert_eq!(
            Digest::parse(&upper),
            Err(ParseDigestError::InvalidHex { pos: 7 })
        );
    }

    #[test]
    fn tarsum_round_trip() {
        for label in ["tarsum", "tarsum.v1", "tarsum.dev"] {
            let s = format!("{label}+sha256:{EMPTY}");
            let t = TarSum::parse(&s).unwrap();
            assert_eq!(t.version.label(), label);
            assert_eq!(t.to_string(), s);
        }
        assert_eq!(
            TarSum::parse(&format!("tarsum.v2+sha256:{EMPTY}")),
            Err(ParseDigestError::UnknownLabel)
        );
        assert_eq!(
            TarSum::parse(&format!("tarsum+sha256:{}x", &EMPTY[..63])),
            Err(ParseDigestError::InvalidHex { pos: 14 + 63 })
        );
    }
}
