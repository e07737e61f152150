//! Issuing and verifying Docker tokens with HMAC-SHA256.

use std::fmt;

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::{Access, AuthError, DockerToken};

type HmacSha256 = Hmac<Sha256>;

/// Domain separation prefix of the MAC input.
const DOMAIN: &[u8] = b"berth-token-v1\0";

/// Issues and verifies Docker tokens with a server-held key.
///
/// The v1 wire format has only `signature`, `repository` and `access`, so the expiry travels
/// inside the signature:
///
/// ```text
/// signature = expires-at "." mac
/// expires-at = "0" / ( %x31-39 *DIGIT )        ; Unix seconds, canonical decimal, fits in u64
/// mac        = 64( DIGIT / %x61-66 )            ; lowercase hex HMAC-SHA256
/// ```
///
/// It contains no `"`, `,` or whitespace, so docker-registry's `(\w+)[:=][\s"]?([^",]+)"?` reads
/// it back whole.
/// The MAC covers an unambiguous encoding of repository, access and expiry:
///
/// ```text
/// "berth-token-v1" 0x00 | u64be(len(repository)) | repository | access byte (1 read, 2 write, 3 delete) | u64be(expires-at)
/// ```
///
/// `Debug` never prints the key.
///
/// ```
/// use berth_auth::{Access, AuthError, TokenSigner};
///
/// let signer = TokenSigner::new(b"a 32-byte or longer random server key");
/// let token = signer.sign("library/busybox", Access::Read, 1_000).unwrap();
/// let claims = signer.verify(&token, 999).unwrap();
/// assert_eq!(claims.repository, "library/busybox");
/// assert!(claims.authorize("HEAD", Some("library/busybox")).is_ok());
/// assert!(matches!(signer.verify(&token, 1_000), Err(AuthError::Expired { .. })));
/// ```
#[derive(Clone)]
pub struct TokenSigner {
    /// HMAC state already keyed, cloned for every operation.
    mac: HmacSha256,
}

/// What a verified token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The repository the token is for (`ns/repo`).
    pub repository: String,
    /// The access it grants.
    pub access: Access,
    /// When it stops being valid, Unix seconds (valid while `now < expires_at`).
    pub expires_at: u64,
}

impl TokenSigner {
    /// Creates a signer from a secret key (use at least 32 random bytes).
    pub fn new(secret: &[u8]) -> Self {
        // HMAC (RFC 2104) hashes keys longer than the block and zero-pads shorter ones; doing it
        // here makes construction infallible without relying on `new_from_slice` never failing.
        let mut block = Key::<HmacSha256>::default();
        if secret.len() > block.len() {
            let digest = Sha256::digest(secret);
            block[..digest.len()].copy_from_slice(&digest);
        } else {
            block[..secret.len()].copy_from_slice(secret);
        }
        Self {
            mac: <HmacSha256 as KeyInit>::new(&block),
        }
    }

    /// Issues a token for `repository` with `access`, valid while `now < expires_at` (Unix
    /// seconds, chosen by the caller).
    ///
    /// Fails with [`AuthError::InvalidTokenField`] if `repository` cannot travel in a token
    /// (empty, or containing `"`, `,`, whitespace or non-ASCII).
    pub fn sign(
        &self,
        repository: &str,
        access: Access,
        expires_at: u64,
    ) -> Result<DockerToken, AuthError> {
        let mac = self
            .mac_for(repository, access, expires_at)
            .finalize()
            .into_bytes();
        let mut signature = String::with_capacity(20 + 1 + 64);
        signature.push_str(&expires_at.to_string());
        signature.push('.');
        for b in mac {
            signature.push(char::from(HEX[usize::from(b >> 4)]));
            signature.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        DockerToken::new(signature, repository, access)
    }

    /// Checks a token's MAC (in constant time) and then its expiry.
    ///
    /// Errors: [`AuthError::BadSignatureFormat`] when the signature is not one this signer
    /// issues, [`AuthError::BadMac`] when the MAC does not match repository, access and expiry,
    /// [`AuthError::Expired`] when `now >= expires_at`.
    pub fn verify(&self, token: &DockerToken, now: u64) -> Result<TokenClaims, AuthError> {
        let (expires_at, mac) = split_signature(token.signature().expose())?;
        self.mac_for(token.repository(), token.access(), expires_at)
            .verify_slice(&mac)
            .map_err(|_| AuthError::BadMac)?;
        if now >= expires_at {
            return Err(AuthError::Expired { expires_at, now });
        }
        Ok(TokenClaims {
            repository: token.repository().to_owned(),
            access: token.access(),
            expires_at,
        })
    }

    fn mac_for(&self, repository: &str, access: Access, expires_at: u64) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(DOMAIN);
        mac.update(&(repository.len() as u64).to_be_bytes());
        mac.update(repository.as_bytes());
        mac.update(&[match access {
            Access::Read => 1,
            Access::Write => 2,
            Access::Delete => 3,
        }]);
        mac.update(&expires_at.to_be_bytes());
        mac
    }
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSigner { key: <redacted> }")
    }
}

impl TokenClaims {
    /// Checks that these claims allow a request, as docker-registry's `check_token` did.
    ///
    /// `repository` is the request's `ns/repo` (after `library` defaulting) for repository-scoped
    /// routes and `None` for image routes, which carry no repository.
    /// The method must be allowed by [`Access::allows_method`].
    pub fn authorize(&self, method: &str, repository: Option<&str>) -> Result<(), AuthError> {
        // toolkit.check_token: "the token's repository must equal the URL's <ns>/<repo> exactly".
        if let Some(expected) = repository {
            if expected != self.repository {
                return Err(AuthError::RepositoryMismatch {
                    expected: expected.to_owned(),
                    token: self.repository.clone(),
                });
            }
        }
        if !self.access.allows_method(method) {
            let mut end = method.len().min(32);
            while !method.is_char_boundary(end) {
                end -= 1;
            }
            return Err(AuthError::MethodNotAllowed {
                access: self.access,
                method: method[..end].to_owned(),
            });
        }
        Ok(())
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Splits `<expires_at>.<64 lowercase hex>` into the expiry and the 32 MAC bytes.
fn split_signature(signature: &str) -> Result<(u64, [u8; 32]), AuthError> {
    let bad = AuthError::BadSignatureFormat;
    let (expires, hex) = signature.split_once('.').ok_or(bad.clone())?;
    let canonical = !expires.is_empty()
        && expires.bytes().all(|b| b.is_ascii_digit())
        && (expires == "0" || !expires.starts_with('0'));
    if !canonical || hex.len() != 64 {
        return Err(bad);
    }
    let expires_at = expires.parse::<u64>().map_err(|_| bad.clone())?;
    let mut mac = [0u8; 32];
    for (out, pair) in mac.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let hi = nibble(pair[0]).ok_or(bad.clone())?;
        let lo = nibble(pair[1]).ok_or(bad.clone())?;
        *out = (hi << 4) | lo;
    }
    Ok((expires_at, mac))
}

fn nibble(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hmac_hex(key: &[u8], data: &[u8]) -> String {
        let mut mac = TokenSigner::new(key).mac;
        mac.update(data);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn key_normalisation_matches_rfc4231() {
        // RFC 4231 test case 1 (short key).
        assert_eq!(
            hmac_hex(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // RFC 4231 test case 6 (131-byte key, hashed first).
        assert_eq!(
            hmac_hex(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn signature_shape() {
        let t = TokenSigner::new(b"k")
            .sign("a/b", Access::Write, 42)
            .unwrap();
        let sig = t.signature().expose();
        let (exp, hex) = sig.split_once('.').unwrap();
        assert_eq!(exp, "42");
        assert_eq!(hex.len(), 64);
        assert!(hex.bytes().all(|b| HEX.contains(&b)));
    }

    #[test]
    fn rejects_non_canonical_signatures() {
        let hex = "0".repeat(64);
        for sig in [
            format!("042.{hex}"),
            format!(".{hex}"),
            format!("+42.{hex}"),
            format!("42.{}", hex.to_uppercase().replace('0', "A")),
            format!("42.{}", &hex[1..]),
            "18446744073709551616.".to_owned() + &hex,
            hex.clone(),
        ] {
            assert_eq!(
                split_signature(&sig),
                Err(AuthError::BadSignatureFormat),
                "{sig}"
            );
        }
        assert_eq!(split_signature(&format!("0.{hex}")), Ok((0, [0; 32])));
    }
}
