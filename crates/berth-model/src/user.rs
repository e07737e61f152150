//! Index accounts: usernames, passwords, e-mail addresses and the `/v1/users` bodies.

use std::fmt;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use berth_auth::gojson;

use crate::ModelError;

/// A Hub username.
///
/// ```text
/// username ::= [a-z0-9_]{4,30}
/// ```
///
/// "**username** 4–30 characters matching `[a-z0-9_]`" (index-api.md §1).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    /// Parses a username; errors with [`ModelError::InvalidUsername`].
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
        if let Some(position) = s.bytes().position(|b| !ok(b)) {
            return Err(ModelError::InvalidUsername { position });
        }
        if !(4..=30).contains(&s.len()) {
            return Err(ModelError::InvalidUsername {
                position: s.len().min(30),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The username as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({})", self.0)
    }
}

crate::newtype::string_newtype!(Username);

/// A password: at least 5 characters (Unicode scalar values).
///
/// `Debug` and `Display` never show it; read it with [`Password::expose_secret`]. Serialising
/// writes the real password (it is the wire format of the user bodies).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Minimum length in characters.
    pub const MIN_LEN: usize = 5;

    /// Checks the length rule; errors with [`ModelError::InvalidPassword`] (which does not
    /// contain the password).
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        if s.chars().count() < Self::MIN_LEN {
            return Err(ModelError::InvalidPassword);
        }
        Ok(Self(s.to_owned()))
    }

    /// The password text. Keep it out of logs.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for Password {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for Password {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An e-mail address, checked with a deliberately simple rule.
///
/// ```text
/// email  ::= local "@" domain                  ; at most 254 bytes
/// local  ::= 1*64 printable ASCII except whitespace, "@" and ()<>[]\,;:"
/// domain ::= label 1*("." label)               ; at least two labels
/// label  ::= 1*63 [A-Za-z0-9-], not starting or ending with "-"
/// ```
///
/// The Hub also confirmed addresses by mail; that is the adapter's business.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Parses an address; errors with [`ModelError::InvalidEmail`].
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let err = Err(ModelError::InvalidEmail);
        if s.len() > 254 {
            return err;
        }
        let Some((local, domain)) = s.split_once('@') else {
            return err;
        };
        let local_ok = |b: u8| b.is_ascii_graphic() && !br#"@()<>[]\,;:""#.contains(&b);
        if local.is_empty() || local.len() > 64 || !local.bytes().all(local_ok) {
            return err;
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return err;
        }
        Ok(Self(s.to_owned()))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

crate::newtype::string_newtype!(Email);

/// A `POST /v1/users/` or `PUT /v1/users/{name}/` body, as received (nothing validated yet).
///
/// Docker sends its AuthConfig minus `serveraddress`:
/// `{"username":"u","password":"p","auth":"","email":"e"}` (`auth` and `email` always present,
/// possibly empty; `username`/`password` omitted when empty).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct UserBody {
    /// `username`, if present and a string.
    pub username: Option<String>,
    /// `password`, if present and a string (never shown by `Debug`).
    pub password: Option<String>,
    /// `email`, if present and a string.
    pub email: Option<String>,
}

impl fmt::Debug for UserBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserBody")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("email", &self.email)
            .finish()
    }
}

/// A validated registration: what the Index needs to create an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The username.
    pub username: Username,
    /// The password.
    pub password: Password,
    /// The e-mail address.
    pub email: Email,
}

/// A validated account update (`PUT /v1/users/{name}/`): either field, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdate {
    /// A new password.
    pub password: Option<Password>,
    /// An e-mail address to add.
    pub email: Option<Email>,
}

impl UserBody {
    /// Parses a user body: a JSON object (else [`ModelError::ErrorDecodingJson`] for non-JSON,
    /// [`ModelError::InvalidData`] for other JSON). Non-string and empty fields count as absent.
    pub fn parse(body: &[u8]) -> Result<Self, ModelError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|_| ModelError::ErrorDecodingJson)?;
        let Value::Object(map) = value else {
            return Err(ModelError::InvalidData);
        };
        let field = |k: &str| {
            map.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(Self {
            username: field("username"),
            password: field("password"),
            email: field("email"),
        })
    }

    /// Validates a registration: all three fields present and valid.
    pub fn into_new_user(self) -> Result<NewUser, ModelError> {
        let username = self
            .username
            .ok_or(ModelError::MissingField { field: "username" })?;
        let password = self
            .password
            .ok_or(ModelError::MissingField { field: "password" })?;
        let email = self
            .email
            .ok_or(ModelError::MissingField { field: "email" })?;
        Ok(NewUser {
            username: Username::parse(&username)?,
            password: Password::parse(&password)?,
            email: Email::parse(&email)?,
        })
    }

    /// Validates an update: at least one of `password` and `email`, each valid.
    pub fn into_update(self) -> Result<UserUpdate, ModelError> {
        if self.password.is_none() && self.email.is_none() {
            return Err(ModelError::MissingField { field: "email" });
        }
        Ok(UserUpdate {
            password: self.password.as_deref().map(Password::parse).transpose()?,
            email: self.email.as_deref().map(Email::parse).transpose()?,
        })
    }

    /// The body exactly as a docker client sends it (Go field order, compact):
    /// `{"username":"u","password":"p","auth":"","email":"e"}`.
    pub fn to_docker_body(&self) -> Bytes {
        let mut out = String::from("{");
        if let Some(u) = self.username.as_deref().filter(|s| !s.is_empty()) {
            out.push_str("\"username\":");
            gojson::write_str(&mut out, u);
            out.push(',');
        }
        if let Some(p) = self.password.as_deref().filter(|s| !s.is_empty()) {
            out.push_str("\"password\":");
            gojson::write_str(&mut out, p);
            out.push(',');
        }
        out.push_str("\"auth\":\"\",\"email\":");
        gojson::write_str(&mut out, self.email.as_deref().unwrap_or(""));
        out.push('}');
        Bytes::from(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_registration_body() {
        let body =
            br#"{"username":"someone","password":"hunter22","auth":"","email":"a@example.com"}"#;
        let parsed = UserBody::parse(body).unwrap();
        assert_eq!(&parsed.to_docker_body()[..], &body[..]);
        let user = parsed.clone().into_new_user().unwrap();
        assert_eq!(user.username.as_str(), "someone");
        assert_eq!(user.password.expose_secret(), "hunter22");
        assert!(!format!("{parsed:?} {user:?} {}", user.password).contains("hunter22"));
    }

    #[test]
    fn registration_errors() {
        // tests.md D: the test suite posts the JSON string "JSON DATA PLACEHOLDER".
        assert_eq!(
            UserBody::parse(br#""JSON DATA PLACEHOLDER""#),
            Err(ModelError::InvalidData)
        );
        assert_eq!(UserBody::parse(b"{"), Err(ModelError::ErrorDecodingJson));
        let missing = UserBody::parse(br#"{"username":"someone","auth":"","email":""}"#).unwrap();
        assert_eq!(
            missing.into_new_user(),
            Err(ModelError::MissingField { field: "password" })
        );
        assert!(Username::parse("abc").is_err());
        assert!(Username::parse("Abcd").is_err());
        assert!(Username::parse(&"a".repeat(31)).is_err());
        assert!(Password::parse("1234").is_err());
        assert!(Password::parse("ééééé").is_ok());
    }

    #[test]
    fn emails() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "a", "@b.co", "a@b", "a@b..co", "a@-b.co", "a b@c.de", "a@b@c.de", "a@b.c_o",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn update_body() {
        let u = UserBody::parse(br#"{"email": "new@example.com"}"#)
            .unwrap()
            .into_update()
            .unwrap();
        assert_eq!(u.email.unwrap().as_str(), "new@example.com");
        assert!(u.password.is_none());
        assert!(UserBody::parse(b"{}").unwrap().into_update().is_err());
    }
}
