//! docker client credential files as pure functions over bytes.
//!
//! Three shapes are read (auth.md §8):
//!
//! * docker ≥1.7 `~/.docker/config.json`: `{"auths": {<server>: {"auth": …, "email": …}}, …}`;
//! * docker ≤1.6 `~/.dockercfg`: the `auths` map itself;
//! * the pre-0.6 two-line `~/.dockercfg`: `auth = <base64>` / `email = <addr>`, for the official
//!   index.
//!
//! Only the `config.json` shape is written, keeping every unknown top-level key (`HttpHeaders`,
//! `psFormat`, …) and every unknown per-server key.
//! Reading and writing the file and its 0600 mode are the caller's job.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde::ser::SerializeMap as _;
use serde_json::{Map, Value};

use crate::basic::STANDARD_LENIENT;
use crate::error::json_error;
use crate::{AuthError, Credentials, Secret};

/// The config key of the official index (docker's `INDEXSERVER`).
pub const INDEX_SERVER: &str = "https://index.docker.io/v1/";

/// Which file shape [`DockerConfig::parse`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigFormat {
    /// docker ≥1.7 `config.json` (`{"auths": …}`), or empty input.
    ConfigJson,
    /// docker ≤1.6 `.dockercfg` JSON map.
    DockerCfg,
    /// pre-0.6 two-line `.dockercfg`.
    LegacyText,
}

/// A docker client credential file (auth.md §8).
///
/// Reads docker ≥1.7 `~/.docker/config.json` (`{"auths": {<server>: {"auth": …, "email": …}}, …}`),
/// the docker ≤1.6 `~/.dockercfg` map and the pre-0.6 two-line `.dockercfg`
/// (`auth = <base64>` / `email = <addr>`, for the official index).
/// Writes only the `config.json` shape, keeping every unknown top-level key (`HttpHeaders`,
/// `psFormat`, …) and every unknown per-server key.
/// Reading and writing the file, and its 0600 mode, are the caller's job.
///
/// ```
/// use berth_auth::{Credentials, DockerConfig};
///
/// let mut config = DockerConfig::parse(br#"{"auths": {}, "psFormat": "table {{.ID}}"}"#)?;
/// config.set("https://localhost:5000/v1/", &Credentials::new("user", "pass"), "");
/// assert_eq!(config.get("localhost:5000"), Some(Credentials::new("user", "pass")));
/// let text = String::from_utf8(config.to_vec()).unwrap();
/// assert!(text.contains(r#""localhost:5000": {"#) && text.contains(r#""auth": "dXNlcjpwYXNz""#));
/// assert!(text.contains(r#""psFormat": "table {{.ID}}""#));
/// # Ok::<(), berth_auth::AuthError>(())
/// ```
///
/// `Debug` lists the servers and other keys, never the `auth` values.
#[derive(Clone, PartialEq)]
pub struct DockerConfig {
    /// The `auths` map; invariant: every value is an object.
    auths: Map<String, Value>,
    /// Every other top-level key, in file order.
    other: Map<String, Value>,
    format: ConfigFormat,
}

impl Default for DockerConfig {
    fn default() -> Self {
        Self {
            auths: Map::new(),
            other: Map::new(),
            format: ConfigFormat::ConfigJson,
        }
    }
}

impl DockerConfig {
    /// Parses any of the three shapes; empty (or whitespace-only) input is an empty config.
    ///
    /// A JSON object with an `auths` key is `config.json`; a non-empty JSON object whose values
    /// are all objects with an `auth` key is a legacy `.dockercfg` map; any other JSON object is a
    /// `config.json` without credentials; non-JSON text is tried as the two-line format.
    /// Every non-empty `auth` must decode (docker refused to load such files too).
    pub fn parse(bytes: &[u8]) -> Result<Self, AuthError> {
        let trimmed = bytes.trim_ascii();
        if trimmed.is_empty() {
            return Ok(Self::default());
        }
        if trimmed[0] != b'{' {
            return parse_legacy_text(trimmed);
        }
        let mut root: Map<String, Value> =
            serde_json::from_slice(bytes).map_err(|e| json_error(&e))?;
        let legacy = !root.contains_key("auths")
            && !root.is_empty()
            && root
                .values()
                .all(|v| v.as_object().is_some_and(|e| e.contains_key("auth")));
        let (auths, format) = if legacy {
            (std::mem::take(&mut root), ConfigFormat::DockerCfg)
        } else {
            let auths = match root.shift_remove("auths") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(m)) => m,
                Some(_) => return Err(type_error("auths", "an object")),
            };
            (auths, ConfigFormat::ConfigJson)
        };
        let mut checked = Map::new();
        for (server, entry) in auths {
            let entry = match entry {
                Value::Null => Map::new(),
                Value::Object(m) => m,
                _ => return Err(type_error(&server, "an object")),
            };
            match entry.get("auth") {
                None | Some(Value::Null) => {}
                Some(Value::String(a)) if a.is_empty() => {}
                Some(Value::String(a)) => {
                    decode_auth(a).map_err(|reason| AuthError::ConfigAuth {
                        server: server.clone(),
                        reason,
                    })?;
                }
                Some(_) => return Err(type_error(&format!("{server}.auth"), "a string")),
            }
            checked.insert(server, Value::Object(entry));
        }
        Ok(Self {
            auths: checked,
            other: root,
            format,
        })
    }

    /// Which shape was parsed.
    pub fn format(&self) -> ConfigFormat {
        self.format
    }

    /// The server keys, in file order.
    pub fn servers(&self) -> impl Iterator<Item = &str> {
        self.auths.keys().map(String::as_str)
    }

    /// The credentials stored for `server`, matched as docker's `ResolveAuthConfig` does.
    ///
    /// An exact key match wins; otherwise keys and `server` are compared by host: `http://` or
    /// `https://` and any path are stripped (`https://host:5000/v1/` matches `host:5000`), hosts
    /// compared ignoring ASCII case.
    /// `docker.io`, `index.docker.io` and [`INDEX_SERVER`] all name the official index.
    /// Entries without `auth`, or whose username is empty, give `None`.
    pub fn get(&self, server: &str) -> Option<Credentials> {
        let key = self.find_key(server)?;
        let auth = self.auths.get(key)?.get("auth")?.as_str()?;
        decode_auth(auth).ok().filter(|c| !c.username.is_empty())
    }

    /// The e-mail stored for `server` (same matching as [`get`](Self::get)).
    pub fn email(&self, server: &str) -> Option<&str> {
        let key = self.find_key(server)?;
        self.auths.get(key)?.get("email")?.as_str()
    }

    /// Stores credentials for `server`, as `docker login` does.
    ///
    /// An existing matching entry is updated in place (its key and unknown keys kept, stale
    /// plain-text `username`/`password` keys dropped); otherwise a new entry is keyed
    /// [`INDEX_SERVER`] for the official index and `host[:port]` for others.
    pub fn set(&mut self, server: &str, credentials: &Credentials, email: &str) {
        let key = match self.find_key(server) {
            Some(k) => k.to_owned(),
            None if is_official(host(server)) => INDEX_SERVER.to_owned(),
            None => host(server).to_owned(),
        };
        let plain = format!("{}:{}", credentials.username, credentials.password.expose());
        let entry = self
            .auths
            .entry(key)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(entry) = entry {
            entry.insert("auth".to_owned(), Value::String(STANDARD.encode(plain)));
            entry.insert("email".to_owned(), Value::String(email.to_owned()));
            entry.shift_remove("username");
            entry.shift_remove("password");
        }
    }

    /// Removes every entry matching `server` (as `docker logout`); returns whether any existed.
    pub fn remove(&mut self, server: &str) -> bool {
        let doomed: Vec<String> = self
            .auths
            .keys()
            .filter(|k| key_matches(k, server))
            .cloned()
            .collect();
        for k in &doomed {
            self.auths.shift_remove(k);
        }
        !doomed.is_empty()
    }

    /// Serialises the docker ≥1.7 `config.json` shape: `auths` first, then the other top-level
    /// keys in their original order; tab-indented like Go's `MarshalIndent(…, "", "\t")`, with a
    /// trailing newline.
    ///
    /// The output contains the `auth` secrets.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            serde_json::ser::PrettyFormatter::with_indent(b"\t"),
        );
        // Writing a `Map` of JSON values into a `Vec` cannot fail: there is no I/O, every key is a
        // string and `Value` holds no non-finite numbers.
        if (ConfigJson { config: self }).serialize(&mut ser).is_ok() {
            out.push(b'\n');
        }
        out
    }

    /// The key docker would use for `server`: exact match first, then [`INDEX_SERVER`] for the
    /// official index, then the first host match in file order.
    fn find_key(&self, server: &str) -> Option<&str> {
        let auths = &self.auths;
        if let Some((k, _)) = auths.get_key_value(server) {
            return Some(k);
        }
        if is_official(host(server)) {
            if let Some((k, _)) = auths.get_key_value(INDEX_SERVER) {
                return Some(k);
            }
        }
        auths
            .keys()
            .find(|k| key_matches(k, server))
            .map(String::as_str)
    }
}

impl fmt::Debug for DockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerConfig")
            .field("format", &self.format)
            .field("servers", &self.servers().collect::<Vec<_>>())
            .field("other_keys", &self.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The `config.json` shape: `auths` first, then the other keys.
struct ConfigJson<'a> {
    config: &'a DockerConfig,
}

impl Serialize for ConfigJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1 + self.config.other.len()))?;
        map.serialize_entry("auths", &self.config.auths)?;
        for (k, v) in &self.config.other {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Docker's `convertToHostname`: strips `http://` / `https://` and everything from the first `/`.
fn host(server: &str) -> &str {
    let lower_prefix = |p: &str| {
        server
            .get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    };
    let rest = if lower_prefix("http://") {
        &server[7..]
    } else if lower_prefix("https://") {
        &server[8..]
    } else {
        server
    };
    rest.split('/').next().unwrap_or(rest)
}

fn is_official(host: &str) -> bool {
    host.eq_ignore_ascii_case("docker.io") || host.eq_ignore_ascii_case("index.docker.io")
}

fn key_matches(key: &str, server: &str) -> bool {
    let (kh, sh) = (host(key), host(server));
    key == server || kh.eq_ignore_ascii_case(sh) || (is_official(kh) && is_official(sh))
}

/// Decodes a config `auth` value as docker's `decodeAuth`: standard base64 of `user:password`,
/// split on the first `:`, NULs trimmed from both ends of the password (Go `strings.Trim`).
fn decode_auth(auth: &str) -> Result<Credentials, &'static str> {
    let bytes = STANDARD_LENIENT
        .decode(auth)
        .map_err(|_| "invalid base64")?;
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8")?;
    let (user, pass) = text
        .split_once(':')
        .ok_or("no ':' between username and password")?;
    Ok(Credentials {
        username: user.to_owned(),
        password: Secret::new(pass.trim_matches('\0')),
    })
}

fn type_error(field: &str, expected: &'static str) -> AuthError {
    AuthError::JsonType {
        field: field.to_owned(),
        expected,
    }
}

/// Parses the pre-0.6 two-line format (`auth = <base64>` / `email = <addr>`).
fn parse_legacy_text(bytes: &[u8]) -> Result<DockerConfig, AuthError> {
    let text = std::str::from_utf8(bytes).map_err(|_| AuthError::LegacyConfig {
        line: 1,
        expected: "UTF-8 text",
    })?;
    let mut lines = text.lines();
    let mut field = |line: usize, name: &'static str, expected: &'static str| {
        let (k, v) = lines
            .next()
            .and_then(|l| l.split_once('='))
            .ok_or(AuthError::LegacyConfig { line, expected })?;
        if k.trim() != name {
            return Err(AuthError::LegacyConfig { line, expected });
        }
        Ok(v.trim().to_owned())
    };
    let auth = field(1, "auth", "`auth = <base64>`")?;
    let email = field(2, "email", "`email = <address>`")?;
    decode_auth(&auth).map_err(|reason| AuthError::ConfigAuth {
        server: INDEX_SERVER.to_owned(),
        reason,
    })?;
    let mut entry = Map::new();
    entry.insert("auth".to_owned(), Value::String(auth));
    entry.insert("email".to_owned(), Value::String(email));
    let mut config = DockerConfig {
        format: ConfigFormat::LegacyText,
        ..DockerConfig::default()
    };
    config
        .auths
        .insert(INDEX_SERVER.to_owned(), Value::Object(entry));
    Ok(config)
}
