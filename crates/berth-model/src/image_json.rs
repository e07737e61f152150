//! Image JSON (`images/<id>/json`): parsed fields next to the exact raw bytes.
//!
//! "Docker pushes the on-disk json file unchanged [...] The registry stores the request body
//! verbatim and serves it verbatim; the payload checksum covers these exact bytes."
//! [`ImageJson`] therefore never re-encodes: [`ImageJson::raw`] is the input, byte for byte.

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::{ImageId, ModelError};

/// A parsed image JSON document that keeps its raw bytes.
///
/// Known fields are typed (a known key holding a value of an unexpected type is left in
/// [`ImageJson::other`] instead); every other key is kept in [`ImageJson::other`].
///
/// ```
/// use berth_model::ImageJson;
/// let raw = bytes::Bytes::from_static(
///     b"{\"id\":\"cafebabe01451234\",\"Size\":12,\"x\":1}\n",
/// );
/// let img = ImageJson::parse(raw.clone())?;
/// assert_eq!(img.id().as_str(), "cafebabe01451234");
/// assert_eq!(img.size(), Some(12));
/// assert_eq!(img.raw(), &raw);
/// assert!(img.other().contains_key("x"));
/// # Ok::<(), berth_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ImageJson {
    raw: Bytes,
    id: ImageId,
    parent: Option<ImageId>,
    created: Option<String>,
    container: Option<String>,
    container_config: Option<Value>,
    config: Option<Value>,
    docker_version: Option<String>,
    author: Option<String>,
    architecture: Option<String>,
    os: Option<String>,
    size: Option<i64>,
    comment: Option<String>,
    other: Map<String, Value>,
}

impl ImageJson {
    /// Parses image JSON. Errors: [`ModelError::InvalidJson`] (not a non-empty JSON object),
    /// [`ModelError::MissingJsonId`], [`ModelError::InvalidImageId`] (`id` not an image id),
    /// [`ModelError::ParentNotFound`] (`parent` set but not an image id).
    pub fn parse(raw: Bytes) -> Result<Self, ModelError> {
        let map = object(&raw)?;
        let id = match map.get("id") {
            None => return Err(ModelError::MissingJsonId),
            Some(Value::String(s)) => ImageId::parse(s)?,
            Some(_) => return Err(ModelError::InvalidImageId { position: 0 }),
        };
        Self::from_map(raw, id, map)
    }

    /// The checks of `PUT /v1/images/{id}/json` that need only the body, in docker-registry's
    /// order:
    ///
    /// 1. "body must parse as a JSON **object** → else `Invalid JSON`" (an empty object `{}` is
    ///    falsy in Python and also fails here);
    /// 2. "must contain `id` → else ``Missing key `id' in JSON``";
    /// 3. "`id` must equal the URL id → else `JSON data contains invalid id`".
    ///
    /// A `parent` that is not a valid image id yields [`ModelError::ParentNotFound`] (no json
    /// can exist for it). The storage-dependent checks (parent exists, already exists, upload
    /// marker) are the server's.
    pub fn validate_put(url_id: &ImageId, raw: Bytes) -> Result<Self, ModelError> {
        let map = object(&raw)?;
        match map.get("id") {
            None => Err(ModelError::MissingJsonId),
            Some(Value::String(s)) if s == url_id.as_str() => {
                Self::from_map(raw, url_id.clone(), map)
            }
            Some(_) => Err(ModelError::JsonIdMismatch),
        }
    }

    fn from_map(raw: Bytes, id: ImageId, mut map: Map<String, Value>) -> Result<Self, ModelError> {
        map.remove("id");
        // Python: `parent_id = data.get('parent')`; `if parent_id and ...` — falsy means none.
        let parent = match map.get("parent") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => {
                Some(ImageId::parse(s).map_err(|_| ModelError::ParentNotFound)?)
            }
            Some(_) => return Err(ModelError::ParentNotFound),
        };
        if parent.is_some() {
            map.remove("parent");
        }
        let mut string = |key: &str| match map.get(key) {
            Some(Value::String(_)) => match map.remove(key) {
                Some(Value::String(s)) => Some(s),
                _ => None,
            },
            _ => None,
        };
        let created = string("created");
        let container = string("container");
        let docker_version = string("docker_version");
        let author = string("author");
        let architecture = string("architecture");
        let os = string("os");
        let comment = string("comment");
        let mut object_or_null = |key: &str| match map.get(key) {
            Some(Value::Object(_) | Value::Null) => map.remove(key),
            _ => None,
        };
        let container_config = object_or_null("container_config");
        let config = object_or_null("config");
        let size = match map.get("Size").and_then(Value::as_i64) {
            Some(n) => {
                map.remove("Size");
                Some(n)
            }
            None => None,
        };
        Ok(Self {
            raw,
            id,
            parent,
            created,
            container,
            container_config,
            config,
            docker_version,
            author,
            architecture,
            os,
            size,
            comment,
            other: map,
        })
    }

    /// The exact bytes as received (what the registry stores, serves and checksums).
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// Gives back the raw bytes.
    pub fn into_raw(self) -> Bytes {
        self.raw
    }

    /// `id`.
    pub fn id(&self) -> &ImageId {
        &self.id
    }

    /// `parent`, absent for base images (an empty string counts as absent).
    pub fn parent(&self) -> Option<&ImageId> {
        self.parent.as_ref()
    }

    /// `created`: RFC 3339 with nanoseconds, as text.
    pub fn created(&self) -> Option<&str> {
        self.created.as_deref()
    }

    /// `container`: id of the committed container.
    pub fn container(&self) -> Option<&str> {
        self.container.as_deref()
    }

    /// `container_config`: the runconfig of that container (object or `null`).
    pub fn container_config(&self) -> Option<&Value> {
        self.container_config.as_ref()
    }

    /// `config`: the runconfig to use when running the image (object or `null`).
    pub fn config(&self) -> Option<&Value> {
        self.config.as_ref()
    }

    /// `docker_version`, e.g. `0.9.1-dev`.
    pub fn docker_version(&self) -> Option<&str> {
        self.docker_version.as_deref()
    }

    /// `author` (`MAINTAINER`).
    pub fn author(&self) -> Option<&str> {
        self.author.as_deref()
    }

    /// `architecture`, e.g. `amd64`.
    pub fn architecture(&self) -> Option<&str> {
        self.architecture.as_deref()
    }

    /// `os`, e.g. `linux`.
    pub fn os(&self) -> Option<&str> {
        self.os.as_deref()
    }

    /// `Size` (capital S): uncompressed layer size in bytes.
    pub fn size(&self) -> Option<i64> {
        self.size
    }

    /// `comment`.
    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    /// Every key not exposed by a typed accessor, in document order.
    pub fn other(&self) -> &Map<String, Value> {
        &self.other
    }
}

/// Parses a non-empty JSON object, else `Invalid JSON`.
fn object(raw: &[u8]) -> Result<Map<String, Value>, ModelError> {
    match serde_json::from_slice::<Value>(raw) {
        Ok(Value::Object(map)) if !map.is_empty() => Ok(map),
        _ => Err(ModelError::InvalidJson),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158";

    fn url() -> ImageId {
        ImageId::parse("cafebabe01451234").unwrap()
    }

    #[test]
    fn put_validation_order_and_messages() {
        let check = |body: &'static str| {
            ImageJson::validate_put(&url(), Bytes::from_static(body.as_bytes()))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert_eq!(check("not json"), Err("Invalid JSON".into()));
        assert_eq!(check("[1]"), Err("Invalid JSON".into()));
        assert_eq!(check("{}"), Err("Invalid JSON".into()));
        assert_eq!(
            check(r#"{"parent": "x"}"#),
            Err("Missing key `id' in JSON".into())
        );
        assert_eq!(
            check(r#"{"id": "deadbeef01451234"}"#),
            Err("JSON data contains invalid id".into())
        );
        assert_eq!(
            check(r#"{"id": 5}"#),
            Err("JSON data contains invalid id".into())
        );
        assert_eq!(
            check(r#"{"id": "cafebabe01451234", "parent": "nope"}"#),
            Err("Image depends on a non existing parent".into())
        );
        assert_eq!(check(r#"{"id": "cafebabe01451234", "parent": ""}"#), Ok(()));
        // tests.md A: the test suite's compact `json.dumps` body.
        assert_eq!(
            check(r#"{"id": "cafebabe01451234", "parent": "deadbeef01451234"}"#),
            Ok(())
        );
    }

    #[test]
    fn typed_fields_and_unknown_keys() {
        let raw = format!(
            "{{\"id\":\"{BASE}\",\"comment\":\"Imported from -\",\"created\":\"2013-06-13T14:03:50.821769-07:00\",\
             \"container_config\":{{\"Hostname\":\"\",\"Cmd\":null}},\"docker_version\":\"0.4.0\",\
             \"architecture\":\"x86_64\",\"Size\":0,\"config\":null,\"parent_id\":\"x\"}}\n"
        );
        let img = ImageJson::parse(Bytes::from(raw.clone())).unwrap();
        assert_eq!(img.raw().as_ref(), raw.as_bytes());
        assert_eq!(img.id().as_str(), BASE);
        assert_eq!(img.parent(), None);
        assert_eq!(img.comment(), Some("Imported from -"));
        assert_eq!(img.created(), Some("2013-06-13T14:03:50.821769-07:00"));
        assert_eq!(img.docker_version(), Some("0.4.0"));
        assert_eq!(img.architecture(), Some("x86_64"));
        assert_eq!(img.size(), Some(0));
        assert_eq!(img.config(), Some(&Value::Null));
        assert_eq!(img.container_config().unwrap()["Hostname"], "");
        assert_eq!(img.other().keys().collect::<Vec<_>>(), ["parent_id"]);
    }

    #[test]
    fn wrong_types_stay_in_other() {
        let img = ImageJson::parse(Bytes::from_static(
            br#"{"id": "cafebabe01451234", "os": 3, "Size": "big"}"#,
        ))
        .unwrap();
        assert_eq!((img.os(), img.size()), (None, None));
        assert_eq!(img.other().len(), 2);
    }
}
