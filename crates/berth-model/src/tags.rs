//! Tag bodies: the tag map, the single-tag body and per-tag metadata.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::{ImageId, ModelError, Tag, pyjson};

/// The tags of a repository: `GET …/tags` → `{"<tag>": "<image_id>", …}` with sorted keys.
///
/// ```
/// use berth_model::TagMap;
/// // tests.md I: the mirror test's exact body.
/// let body = br#"{"latest": "cafebabe01451234", "0.1.2": "cafebabe01451234"}"#;
/// let tags = TagMap::parse(body)?;
/// assert_eq!(&tags.to_body()[..], br#"{"0.1.2": "cafebabe01451234", "latest": "cafebabe01451234"}"#);
/// # Ok::<(), berth_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagMap(pub BTreeMap<Tag, ImageId>);

impl TagMap {
    /// Parses a tag map; errors with [`ModelError::InvalidData`] unless it is a JSON object of
    /// valid tag names to valid image ids.
    pub fn parse(body: &[u8]) -> Result<Self, ModelError> {
        serde_json::from_slice(body)
            .map(Self)
            .map_err(|_| ModelError::InvalidData)
    }

    /// The body as `json.dumps(tags, sort_keys=True)`: `{"a": "<id>", "b": "<id>"}` (`{}` when
    /// empty).
    pub fn to_body(&self) -> Bytes {
        let mut out = String::with_capacity(self.0.len() * 80 + 2);
        out.push('{');
        // `Tag` orders by its text, i.e. by code point, as Python's `sort_keys`.
        for (i, (tag, id)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            pyjson::write_str(&mut out, tag.as_str());
            out.push_str(": ");
            pyjson::write_str(&mut out, id.as_str());
        }
        out.push('}');
        Bytes::from(out)
    }

    /// The image a tag points to.
    pub fn get(&self, tag: &Tag) -> Option<&ImageId> {
        self.0.get(tag)
    }
}

/// Parses a `PUT …/tags/{tag}` body: a JSON string holding the image id.
///
/// "Body not a JSON string → 400 `Invalid data`." A string that is not a valid image id names
/// an image whose json cannot exist, so it yields [`ModelError::ImageNotFound`] (404), as the
/// registry answered.
pub fn parse_tag_body(body: &[u8]) -> Result<ImageId, ModelError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::String(s)) => ImageId::parse(&s).map_err(|_| ModelError::ImageNotFound),
        _ => Err(ModelError::InvalidData),
    }
}

/// Formats a single-tag body, `"<image_id>"` (what docker sends and `GET …/tags/{tag}` answers).
pub fn tag_body(id: &ImageId) -> Bytes {
    Bytes::from(format!("\"{id}\""))
}

/// The body of `GET …/tags/{tag}/json` (and `GET …/json`) when nothing was stored.
pub const DEFAULT_TAG_JSON: &[u8] = br#"{"arch": "amd64", "docker_go_version": null, "docker_version": null, "kernel": null, "last_update": null, "os": "linux"}"#;

/// Per-tag metadata recorded from the `User-Agent` of the tagging request.
///
/// Keys are present only if the corresponding `name/value` token was in the User-Agent
/// (`docker/`, `go/`, `arch/`, `kernel/`, `os/`; the last three lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagMetadata {
    /// Unix seconds of the tagging (supplied by the caller: the core has no clock).
    pub last_update: Option<i64>,
    /// The `docker/<v>` token.
    pub docker_version: Option<String>,
    /// The `go/<v>` token.
    pub docker_go_version: Option<String>,
    /// The `arch/<v>` token, lower-cased.
    pub arch: Option<String>,
    /// The `kernel/<v>` token, lower-cased.
    pub kernel: Option<String>,
    /// The `os/<v>` token, lower-cased.
    pub os: Option<String>,
}

impl TagMetadata {
    /// Builds the metadata docker-registry stored at tag time: `last_update = now_unix` plus the
    /// User-Agent tokens, found with `re.findall('([^\s/]+)/([^\s/]+)', ua)` (the last
    /// occurrence of a key wins, as in Python's `dict()`).
    ///
    /// ```
    /// use berth_model::TagMetadata;
    /// let m = TagMetadata::from_user_agent("docker/0.7.2-dev go/go1.2 os/ostest arch/archtest", 1);
    /// assert_eq!(m.docker_version.as_deref(), Some("0.7.2-dev"));
    /// assert_eq!(m.docker_go_version.as_deref(), Some("go1.2"));
    /// assert_eq!((m.os.as_deref(), m.arch.as_deref()), (Some("ostest"), Some("archtest")));
    /// ```
    pub fn from_user_agent(user_agent: &str, now_unix: i64) -> Self {
        let mut m = Self {
            last_update: Some(now_unix),
            ..Self::default()
        };
        for (key, value) in user_agent_pairs(user_agent) {
            match key {
                "docker" => m.docker_version = Some(value.to_owned()),
                "go" => m.docker_go_version = Some(value.to_owned()),
                "arch" => m.arch = Some(value.to_ascii_lowercase()),
                "kernel" => m.kernel = Some(value.to_ascii_lowercase()),
                "os" => m.os = Some(value.to_ascii_lowercase()),
                _ => {}
            }
        }
        m
    }

    /// The body: present keys only, sorted, Python formatting.
    pub fn to_body(&self) -> Bytes {
        let mut map = Map::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                map.insert(k.to_owned(), Value::String(v.clone()));
            }
        };
        put("arch", &self.arch);
        put("docker_go_version", &self.docker_go_version);
        put("docker_version", &self.docker_version);
        put("kernel", &self.kernel);
        put("os", &self.os);
        if let Some(t) = self.last_update {
            map.insert("last_update".to_owned(), Value::from(t));
        }
        Bytes::from(pyjson::dumps(&Value::Object(map)))
    }

    /// Parses a stored or served metadata body (`null` values count as absent; a fractional
    /// `last_update` is truncated). Errors with [`ModelError::InvalidData`] for non-objects.
    pub fn parse(body: &[u8]) -> Result<Self, ModelError> {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return Err(ModelError::InvalidData);
        };
        let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
        let last_update = map.get("last_update").and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        });
        Ok(Self {
            last_update,
            docker_version: text("docker_version"),
            docker_go_version: text("docker_go_version"),
            arch: text("arch"),
            kernel: text("kernel"),
            os: text("os"),
        })
    }
}

/// The `name/value` pairs of a User-Agent, as Python's
/// `re.findall('([^\s/]+)/([^\s/]+)', ua)` finds them (`\s` = ASCII whitespace).
pub fn user_agent_pairs(ua: &str) -> impl Iterator<Item = (&str, &str)> {
    let bytes = ua.as_bytes();
    let is_tok = |b: u8| !matches!(b, b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !is_tok(bytes[i]) {
                i += 1;
                continue;
            }
            let key_start = i;
            while i < bytes.len() && is_tok(bytes[i]) {
                i += 1;
            }
            let key_end = i;
            // Every shorter key starting later in this run fails the same way, so skipping the
            // run is equivalent to the regex engine's retry at each position.
            if bytes.get(i) != Some(&b'/') {
                continue;
            }
            let value_start = i + 1;
            let mut j = value_start;
            while j < bytes.len() && is_tok(bytes[j]) {
                j += 1;
            }
            if j == value_start {
                i = value_start;
                continue;
            }
            i = j;
            // Boundaries are ASCII bytes, so these slices are on char boundaries.
            return Some((ua.get(key_start..key_end)?, ua.get(value_start..j)?));
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UA: &str =
        "docker/0.10.1 go/go1.2.1 git-commit/3600720 kernel/3.8.0-19-generic os/linux arch/amd64";

    #[test]
    fn test_suite_user_agent() {
        let pairs: Vec<_> = user_agent_pairs(UA).collect();
        assert_eq!(pairs[2], ("git-commit", "3600720"));
        let m = TagMetadata::from_user_agent(UA, 1_400_000_000);
        assert_eq!(
            &m.to_body()[..],
            br#"{"arch": "amd64", "docker_go_version": "go1.2.1", "docker_version": "0.10.1", "kernel": "3.8.0-19-generic", "last_update": 1400000000, "os": "linux"}"#
        );
        assert_eq!(TagMetadata::parse(&m.to_body()).unwrap(), m);
    }

    #[test]
    fn regex_corner_cases() {
        let pairs: Vec<_> = user_agent_pairs("a/b/c d//e f/ g/h OS/X os/Linux").collect();
        assert_eq!(
            pairs,
            [("a", "b"), ("g", "h"), ("OS", "X"), ("os", "Linux")]
        );
        let m = TagMetadata::from_user_agent("os/Linux arch/X86_64 os/Darwin", 0);
        assert_eq!(
            (m.os.as_deref(), m.arch.as_deref()),
            (Some("darwin"), Some("x86_64"))
        );
        assert_eq!(user_agent_pairs("é/ü").collect::<Vec<_>>(), [("é", "ü")]);
    }

    #[test]
    fn default_object() {
        let m = TagMetadata::parse(DEFAULT_TAG_JSON).unwrap();
        assert_eq!(
            (m.arch.as_deref(), m.os.as_deref()),
            (Some("amd64"), Some("linux"))
        );
        assert_eq!((m.last_update, m.docker_version.as_ref()), (None, None));
    }

    #[test]
    fn tag_body_rules() {
        let id = ImageId::parse("cafebabe01451234").unwrap();
        assert_eq!(parse_tag_body(&tag_body(&id)), Ok(id));
        assert_eq!(
            parse_tag_body(b"cafebabe01451234"),
            Err(ModelError::InvalidData)
        );
        assert_eq!(parse_tag_body(b"{\"id\": 1}"), Err(ModelError::InvalidData));
        assert_eq!(parse_tag_body(b"42"), Err(ModelError::InvalidData));
        assert_eq!(parse_tag_body(b"\"nope\""), Err(ModelError::ImageNotFound));
        // tests.md C: the test suite PUTs `json.dumps(image_id)`.
        assert!(parse_tag_body(b"\"deadbeef01451234\"").is_ok());
    }

    #[test]
    fn empty_map() {
        assert_eq!(&TagMap::default().to_body()[..], b"{}");
        assert!(TagMap::parse(br#"{"$bad": "cafebabe01451234"}"#).is_err());
    }
}
