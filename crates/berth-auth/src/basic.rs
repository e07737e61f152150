//! HTTP Basic credentials (`Authorization: Basic base64(user ":" password)`).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};

use crate::error::base64_error;
use crate::{AuthError, Secret, scheme};

/// Standard base64 that accepts the payload with or without `=` padding.
pub(crate) const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A username and password, as carried by HTTP Basic and docker config files.
///
/// `Debug` shows the username and redacts the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The username (may not contain `:` if it is to survive a Basic round trip).
    pub username: String,
    /// The password.
    pub password: Secret,
}

impl Credentials {
    /// Builds credentials from a username and a password.
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// Formats these credentials as an `Authorization` value, like [`encode_basic`].
    ///
    /// This exposes the password (base64 is not encryption): send it, never log it.
    pub fn to_header_value(&self) -> String {
        encode_basic(&self.username, self.password.expose())
    }
}

/// Formats `Basic base64(user ":" password)` with standard base64 and padding, byte for byte as
/// Go's `Request.SetBasicAuth` does.
///
/// ```
/// assert_eq!(berth_auth::encode_basic("user", "pass"), "Basic dXNlcjpwYXNz");
/// assert_eq!(berth_auth::encode_basic("", ""), "Basic Og==");
/// ```
pub fn encode_basic(user: &str, password: &str) -> String {
    let mut plain = String::with_capacity(user.len() + 1 + password.len());
    plain.push_str(user);
    plain.push(':');
    plain.push_str(password);
    let mut out = String::with_capacity(6 + plain.len().div_ceil(3) * 4);
    out.push_str("Basic ");
    STANDARD.encode_string(plain.as_bytes(), &mut out);
    out
}

/// Parses an `Authorization: Basic …` value.
///
/// The scheme is matched case-insensitively and whitespace around the value and between scheme
/// and payload is tolerated.
/// The payload is standard base64, with or without padding.
/// The decoded text is split on the **first** `:`, so passwords may contain colons.
///
/// `Basic Og==` (empty username and password) is what docker sends when the user is not logged
/// in; it is reported as [`AuthError::AnonymousBasic`], distinct from
/// [`AuthError::EmptyUsername`] (empty username, non-empty password).
///
/// ```
/// use berth_auth::{AuthError, parse_basic};
///
/// let c = parse_basic("Basic dXNlcjpwYXNz").unwrap();
/// assert_eq!((c.username.as_str(), c.password.expose()), ("user", "pass"));
/// assert_eq!(parse_basic("basic Og=="), Err(AuthError::AnonymousBasic));
/// ```
pub fn parse_basic(header_value: &str) -> Result<Credentials, AuthError> {
    let split = scheme::split(header_value)?;
    if !split.scheme.eq_ignore_ascii_case("basic") {
        return Err(split.wrong_scheme("Basic"));
    }
    if split.rest.is_empty() {
        return Err(AuthError::MissingCredentials { scheme: "Basic" });
    }
    decode_user_pass(split.rest, split.rest_pos)
}

/// Decodes base64 `user:password` (the Basic payload and the config-file `auth` value).
pub(crate) fn decode_user_pass(b64: &str, pos: usize) -> Result<Credentials, AuthError> {
    let bytes = STANDARD_LENIENT
        .decode(b64)
        .map_err(|e| base64_error(e, pos, b64.len()))?;
    let text = String::from_utf8(bytes).map_err(|e| AuthError::NotUtf8 {
        pos: e.utf8_error().valid_up_to(),
    })?;
    let (user, pass) = text.split_once(':').ok_or(AuthError::MissingColon)?;
    match (user.is_empty(), pass.is_empty()) {
        (true, true) => Err(AuthError::AnonymousBasic),
        (true, false) => Err(AuthError::EmptyUsername),
        _ => Ok(Credentials::new(user, pass)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_first_colon() {
        // base64("user:pa:ss") = "dXNlcjpwYTpzcw==".
        let c = parse_basic("Basic dXNlcjpwYTpzcw==").unwrap();
        assert_eq!(c.username, "user");
        assert_eq!(c.password.expose(), "pa:ss");
    }

    #[test]
    fn positions_point_into_the_original_value() {
        assert_eq!(
            parse_basic("  Basic  dXN!"),
            Err(AuthError::BadBase64 { pos: 12 })
        );
    }

    #[test]
    fn padding_is_optional() {
        let c = parse_basic("Basic dXNlcjpwYXNzMQ").unwrap();
        assert_eq!(c.password.expose(), "pass1");
    }
}
