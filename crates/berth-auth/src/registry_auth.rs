//! `X-Registry-Auth`: the docker CLI's credentials for the daemon, base64url(JSON AuthConfig).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE};
use serde_json::Value;

use crate::basic::STANDARD_LENIENT;
use crate::error::{base64_error, json_error};
use crate::{AuthError, Credentials, Secret, gojson, scheme};

/// URL-safe base64 that accepts the payload with or without `=` padding.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Docker's `AuthConfig`, as carried by `X-Registry-Auth`, the `POST /auth` body and (minus
/// `serveraddress`) the Index's `POST /v1/users/` body.
///
/// `Debug` redacts `password` and `auth`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryAuth {
    /// `username` (omitted from JSON when empty).
    pub username: String,
    /// `password` (omitted from JSON when empty).
    pub password: Secret,
    /// `auth`: base64 of `username:password` as stored in config files (always written).
    pub auth: Secret,
    /// `email` (always written).
    pub email: String,
    /// `serveraddress`, e.g. `https://index.docker.io/v1/` (omitted from JSON when empty).
    pub serveraddress: String,
}

impl RegistryAuth {
    /// Serialises to compact JSON exactly as Go's `json.Marshal(AuthConfig)` did:
    /// `username,omitempty`, `password,omitempty`, `auth`, `email`, `serveraddress,omitempty`,
    /// in that order.
    ///
    /// This exposes the password and `auth`.
    ///
    /// ```
    /// use berth_auth::RegistryAuth;
    ///
    /// let a = RegistryAuth { username: "u".into(), email: "e@x".into(), ..Default::default() };
    /// assert_eq!(a.to_json(), r#"{"username":"u","auth":"","email":"e@x"}"#);
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        let field = |out: &mut String, name: &str, value: &str, omitempty: bool| {
            if omitempty && value.is_empty() {
                return;
            }
            if out.len() > 1 {
                out.push(',');
            }
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
            gojson::write_str(out, value);
        };
        field(&mut out, "username", &self.username, true);
        field(&mut out, "password", self.password.expose(), true);
        field(&mut out, "auth", self.auth.expose(), false);
        field(&mut out, "email", &self.email, false);
        field(&mut out, "serveraddress", &self.serveraddress, true);
        out.push('}');
        out
    }

    /// Formats the `X-Registry-Auth` header value: URL-safe base64 *with* padding of
    /// [`to_json`](Self::to_json) (Go's `base64.URLEncoding`).
    ///
    /// This exposes the password and `auth`.
    pub fn to_header_value(&self) -> String {
        URL_SAFE.encode(self.to_json())
    }

    /// Parses the JSON form with Go's `json.Unmarshal` rules: unknown keys are ignored, keys match
    /// field names exactly or else ignoring case, `null` leaves a field empty, and a later
    /// duplicate wins.
    pub fn from_json(json: &[u8]) -> Result<Self, AuthError> {
        let value: Value = serde_json::from_slice(json).map_err(|e| json_error(&e))?;
        let mut out = Self::default();
        let object = match value {
            Value::Object(map) => map,
            Value::Null => return Ok(out),
            _ => {
                return Err(AuthError::JsonType {
                    field: "(top level)".to_owned(),
                    expected: "an object",
                });
            }
        };
        const FIELDS: [&str; 5] = ["username", "password", "auth", "email", "serveraddress"];
        for (key, value) in object {
            let Some(name) = FIELDS
                .iter()
                .find(|f| **f == key)
                .or_else(|| FIELDS.iter().find(|f| f.eq_ignore_ascii_case(&key)))
            else {
                continue;
            };
            let text = match value {
                Value::String(s) => s,
                Value::Null => continue,
                _ => {
                    return Err(AuthError::JsonType {
                        field: (*name).to_owned(),
                        expected: "a string",
                    });
                }
            };
            match *name {
                "username" => out.username = text,
                "password" => out.password = Secret::from(text),
                "auth" => out.auth = Secret::from(text),
                "email" => out.email = text,
                _ => out.serveraddress = text,
            }
        }
        Ok(out)
    }

    /// The credentials this config carries: `username`/`password` when `username` is set,
    /// otherwise those decoded from `auth` (standard base64 of `user:password`), if any.
    pub fn credentials(&self) -> Option<Credentials> {
        if !self.username.is_empty() {
            return Some(Credentials::new(
                self.username.clone(),
                self.password.clone(),
            ));
        }
        if self.auth.is_empty() {
            return None;
        }
        crate::basic::decode_user_pass(self.auth.expose(), 0).ok()
    }

    /// Builds the config for `credentials`, filling `auth` with `base64(user:password)` as
    /// docker's config files do.
    pub fn from_credentials(credentials: &Credentials, email: &str, serveraddress: &str) -> Self {
        let plain = format!("{}:{}", credentials.username, credentials.password.expose());
        Self {
            username: credentials.username.clone(),
            password: credentials.password.clone(),
            auth: Secret::from(STANDARD.encode(plain)),
            email: email.to_owned(),
            serveraddress: serveraddress.to_owned(),
        }
    }
}

/// Parses an `X-Registry-Auth` value.
///
/// Accepts URL-safe base64 with or without padding and, leniently, standard base64 (`+`, `/`).
/// The daemon silently fell back to an empty (anonymous) config on any decode error; that policy
/// is the caller's: this function reports the error.
///
/// ```
/// use berth_auth::parse_registry_auth;
///
/// let a = parse_registry_auth("eyJ1c2VybmFtZSI6InUiLCJhdXRoIjoiIiwiZW1haWwiOiIifQ").unwrap();
/// assert_eq!(a.username, "u");
/// ```
pub fn parse_registry_auth(value: &str) -> Result<RegistryAuth, AuthError> {
    let start = value.len() - value.trim_start_matches(scheme::is_ws).len();
    let payload = value.trim_matches(scheme::is_ws);
    if payload.is_empty() {
        return Err(AuthError::Empty);
    }
    let engine = if payload.contains(['+', '/']) {
        &STANDARD_LENIENT
    } else {
        &URL_SAFE_LENIENT
    };
    let json = engine
        .decode(payload)
        .map_err(|e| base64_error(e, start, payload.len()))?;
    RegistryAuth::from_json(&json)
}
