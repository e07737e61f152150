//! INTERIM stand-ins for `berth-model` pieces that are not published yet (image lists and their
//! merge rule, the layer `Range` plan, user bodies, `X-Docker-Endpoints`). Each is replaced by the
//! core's function as soon as it lands.

use berth_model::{ImageId, ModelError};
use serde_json::Value;

/// An Index image list: `[{"id": …, "checksum": …, "Tag": …}, …]`.
pub(crate) struct ImageList(Vec<serde_json::Map<String, Value>>);

impl ImageList {
    pub(crate) fn parse(raw: &[u8]) -> Result<Self, ModelError> {
        let value: Value =
            serde_json::from_slice(raw).map_err(|_| ModelError::ErrorDecodingJson)?;
        let Value::Array(items) = value else {
            return Err(ModelError::InvalidData);
        };
        let mut out = Vec::new();
        for item in items {
            let Value::Object(map) = item else {
                return Err(ModelError::InvalidData);
            };
            match map.get("id").and_then(Value::as_str) {
                Some(id) if ImageId::parse(id).is_ok() => out.push(map),
                _ => return Err(ModelError::InvalidData),
            }
        }
        Ok(Self(out))
    }

    pub(crate) fn ids(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str))
    }

    pub(crate) fn contains(&self, id: &ImageId) -> bool {
        self.ids().any(|i| i == id.as_str())
    }

    /// docker-registry's `update_index_images`.
    pub(crate) fn merge_stored(stored: Option<&[u8]>, new: &[u8]) -> Vec<u8> {
        let Some(stored) = stored else {
            return new.to_vec();
        };
        let (Ok(old), Ok(new)) = (Self::parse(stored), Self::parse(new)) else {
            return stored.to_vec();
        };
        let mut merged: Vec<serde_json::Map<String, Value>> = Vec::new();
        for entry in new.0.into_iter().chain(old.0) {
            let id = entry.get("id").cloned().unwrap_or(Value::Null);
            let checksum = entry
                .get("checksum")
                .filter(|c| c.as_str().is_some_and(|s| !s.is_empty()))
                .cloned();
            if let Some(existing) = merged.iter_mut().find(|m| m.get("id") == Some(&id)) {
                if existing.get("checksum").is_none() {
                    if let Some(c) = checksum {
                        existing.insert("checksum".into(), c);
                    }
                }
                continue;
            }
            let mut m = serde_json::Map::new();
            m.insert("id".into(), id);
            if let Some(c) = checksum {
                m.insert("checksum".into(), c);
            }
            merged.push(m);
        }
        let list = Value::Array(merged.into_iter().map(Value::Object).collect());
        berth_model::pyjson::dumps(&list).into_bytes()
    }
}

/// What to answer to a layer GET.
pub(crate) enum RangePlan {
    Full,
    Partial { start: u64, end: u64 },
    Unsatisfiable,
}

/// `Range: bytes=a-b` / `bytes=a-`, end clamped to `size - 1`, 416 when `a >= size`; anything
/// malformed is ignored.
pub(crate) fn plan_range(header: Option<&str>, size: u64) -> RangePlan {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangePlan::Full;
    };
    let Some((a, b)) = spec.split_once('-') else {
        return RangePlan::Full;
    };
    let Ok(start) = a.trim().parse::<u64>() else {
        return RangePlan::Full;
    };
    let end = if b.trim().is_empty() {
        size.saturating_sub(1)
    } else {
        match b.trim().parse::<u64>() {
            Ok(e) if e >= start => e.min(size.saturating_sub(1)),
            _ => return RangePlan::Full,
        }
    };
    if start >= size {
        RangePlan::Unsatisfiable
    } else {
        RangePlan::Partial { start, end }
    }
}

/// The sign-up body.
pub(crate) struct SignUp {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) email: String,
}

pub(crate) fn parse_sign_up(raw: &[u8]) -> Result<SignUp, ModelError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(raw) else {
        return Err(ModelError::ErrorDecodingJson);
    };
    let field = |k: &'static str| {
        map.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(ModelError::MissingField { field: k })
    };
    let (username, password, email) = (field("username")?, field("password")?, field("email")?);
    check_username(&username)?;
    check_password(&password)?;
    check_email(&email)?;
    Ok(SignUp {
        username,
        password,
        email,
    })
}

pub(crate) struct UserUpdate {
    pub(crate) password: Option<String>,
    pub(crate) email: Option<String>,
}

pub(crate) fn parse_user_update(raw: &[u8]) -> Result<UserUpdate, ModelError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(raw) else {
        return Err(ModelError::ErrorDecodingJson);
    };
    let password = map
        .get("password")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let email = map.get("email").and_then(Value::as_str).map(str::to_owned);
    if let Some(p) = &password {
        check_password(p)?;
    }
    if let Some(e) = &email {
        check_email(e)?;
    }
    Ok(UserUpdate { password, email })
}

fn check_username(u: &str) -> Result<(), ModelError> {
    let ok = (4..=30).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ModelError::InvalidUsername { position: 0 })
    }
}

fn check_password(p: &str) -> Result<(), ModelError> {
    if p.chars().count() >= 5 {
        Ok(())
    } else {
        Err(ModelError::InvalidPassword)
    }
}

fn check_email(e: &str) -> Result<(), ModelError> {
    match e.split_once('@') {
        Some((a, b)) if !a.is_empty() && b.contains('.') && !e.contains(char::is_whitespace) => {
            Ok(())
        }
        _ => Err(ModelError::InvalidEmail),
    }
}

/// `X-Docker-Endpoints`: comma-separated `host[:port]`.
pub(crate) fn format_endpoints(endpoints: &[String]) -> String {
    endpoints.join(",")
}

/// `PUT …/properties` body: `{"access": "private"|"public"}`.
pub(crate) fn parse_properties(raw: &[u8]) -> Result<bool, ModelError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(raw) else {
        return Err(ModelError::InvalidData);
    };
    match map.get("access").and_then(Value::as_str) {
        Some("private") => Ok(true),
        Some("public") => Ok(false),
        _ => Err(ModelError::InvalidData),
    }
}

/// `{"access": "private"|"public"}`.
pub(crate) fn properties_body(private: bool) -> String {
    let mut map = serde_json::Map::new();
    map.insert(
        "access".into(),
        Value::from(if private { "private" } else { "public" }),
    );
    berth_model::pyjson::dumps(&Value::Object(map))
}

/// `{"access": true|false}`.
pub(crate) fn layer_access_body(allowed: bool) -> String {
    let mut map = serde_json::Map::new();
    map.insert("access".into(), Value::from(allowed));
    berth_model::pyjson::dumps(&Value::Object(map))
}
