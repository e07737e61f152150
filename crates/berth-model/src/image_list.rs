//! Index image lists: `[{"id": …, "checksum"?: …, "Tag"?: …}]` (index-api.md §2, §5).

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use berth_auth::gojson;

use crate::{ImageId, ModelError, pyjson};

/// One entry of an Index image list.
///
/// Docker's Go struct is `ImgData{ID "id", Checksum "checksum,omitempty", Tag ",omitempty"}`:
/// note the capital **`Tag`** key. Other keys are dropped on parse.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ImageListEntry {
    /// The image id.
    pub id: ImageId,
    /// The checksum, if the key was present (possibly empty).
    #[serde(default, deserialize_with = "string_or_null")]
    pub checksum: Option<String>,
    /// The tag of this (image, tag) pair, if the key was present.
    #[serde(default, rename = "Tag", deserialize_with = "string_or_null")]
    pub tag: Option<String>,
}

fn string_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

impl ImageListEntry {
    /// An entry with only an id.
    pub fn new(id: ImageId) -> Self {
        Self {
            id,
            checksum: None,
            tag: None,
        }
    }
}

/// An Index image list, as sent by `PUT /v1/repositories/{repo}/` and `…/images` and served by
/// `GET …/images`.
///
/// ```
/// use berth_model::ImageList;
/// // index-api.md §2: what docker ≥0.8 sends when starting a push.
/// let body = br#"[{"id":"deadbeef01451234"},{"id":"cafebabe01451234","Tag":"latest"}]"#;
/// let list = ImageList::parse(body)?;
/// assert_eq!(list.0[1].tag.as_deref(), Some("latest"));
/// assert_eq!(&list.to_docker_body()[..], &body[..]);
/// assert_eq!(
///     &list.to_body()[..],
///     br#"[{"id": "deadbeef01451234"}, {"Tag": "latest", "id": "cafebabe01451234"}]"#
/// );
/// # Ok::<(), berth_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageList(pub Vec<ImageListEntry>);

impl ImageList {
    /// Parses a list body. "Body must be JSON (else 400 `Error Decoding JSON`) **list** (else
    /// 400 `Invalid data`; `[]` is fine)." Elements must be objects with a valid string `id`
    /// (else `Invalid data`).
    pub fn parse(body: &[u8]) -> Result<Self, ModelError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|_| ModelError::ErrorDecodingJson)?;
        if !value.is_array() {
            return Err(ModelError::InvalidData);
        }
        serde_json::from_value(value)
            .map(Self)
            .map_err(|_| ModelError::InvalidData)
    }

    /// The merge rule of `update_index_images`: new entries, then stored ones, de-duplicated by
    /// `id`; only `id` and `checksum` are kept (so `Tag` is dropped); an entry that has a
    /// checksum wins over one that does not (between two with checksums, the first wins).
    /// Entries keep the position of the first occurrence of their id.
    ///
    /// "On the very first PUT (no stored list) the raw request body is stored unchanged
    /// (including `Tag`)": that case is the caller's (store the body bytes, do not merge).
    pub fn merge(new: &Self, stored: &Self) -> Self {
        let mut out: Vec<ImageListEntry> = Vec::with_capacity(new.0.len() + stored.0.len());
        for entry in new.0.iter().chain(stored.0.iter()) {
            let kept = ImageListEntry {
                id: entry.id.clone(),
                checksum: entry.checksum.clone(),
                tag: None,
            };
            match out.iter_mut().find(|e| e.id == entry.id) {
                Some(existing) if existing.checksum.is_some() => {}
                Some(existing) => *existing = kept,
                None => out.push(kept),
            }
        }
        Self(out)
    }

    /// The body as docker-registry writes it: Python formatting, keys sorted
    /// (`[{"Tag": "latest", "checksum": "…", "id": "…"}]`).
    pub fn to_body(&self) -> Bytes {
        let mut out = String::with_capacity(self.0.len() * 90 + 2);
        out.push('[');
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push('{');
            if let Some(tag) = &e.tag {
                out.push_str("\"Tag\": ");
                pyjson::write_str(&mut out, tag);
                out.push_str(", ");
            }
            if let Some(sum) = &e.checksum {
                out.push_str("\"checksum\": ");
                pyjson::write_str(&mut out, sum);
                out.push_str(", ");
            }
            out.push_str("\"id\": ");
            pyjson::write_str(&mut out, e.id.as_str());
            out.push('}');
        }
        out.push(']');
        Bytes::from(out)
    }

    /// The body as a docker client writes it: Go `encoding/json`, compact, field order `id`,
    /// `checksum` (omitted when empty), `Tag` (omitted when empty).
    pub fn to_docker_body(&self) -> Bytes {
        let mut out = String::with_capacity(self.0.len() * 80 + 2);
        out.push('[');
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"id\":");
            gojson::write_str(&mut out, e.id.as_str());
            if let Some(sum) = e.checksum.as_deref().filter(|s| !s.is_empty()) {
                out.push_str(",\"checksum\":");
                gojson::write_str(&mut out, sum);
            }
            if let Some(tag) = e.tag.as_deref().filter(|s| !s.is_empty()) {
                out.push_str(",\"Tag\":");
                gojson::write_str(&mut out, tag);
            }
            out.push('}');
        }
        out.push(']');
        Bytes::from(out)
    }

    /// The ids in list order.
    pub fn ids(&self) -> impl Iterator<Item = &ImageId> {
        self.0.iter().map(|e| &e.id)
    }

    /// Whether `id` is listed (the token-mode `PUT json` check "This image does not belong to
    /// the repository").
    pub fn contains(&self, id: &ImageId) -> bool {
        self.0.iter().any(|e| &e.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, sum: Option<&str>, tag: Option<&str>) -> ImageListEntry {
        ImageListEntry {
            id: ImageId::parse(id).unwrap(),
            checksum: sum.map(str::to_owned),
            tag: tag.map(str::to_owned),
        }
    }

    const A: &str = "aaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbb";
    const C: &str = "cccccccccccccccc";

    #[test]
    fn parse_errors() {
        assert_eq!(
            ImageList::parse(b"nope"),
            Err(ModelError::ErrorDecodingJson)
        );
        assert_eq!(ImageList::parse(b"{}"), Err(ModelError::InvalidData));
        assert_eq!(ImageList::parse(b"[1]"), Err(ModelError::InvalidData));
        assert_eq!(ImageList::parse(b"[]"), Ok(ImageList::default()));
        // index-api.md §2: the docs' final-PUT example with checksums.
        let l =
            ImageList::parse(br#"[{"id": "aaaaaaaaaaaaaaaa", "checksum": "sha256:00"}]"#).unwrap();
        assert_eq!(l.0[0].checksum.as_deref(), Some("sha256:00"));
    }

    #[test]
    fn merge_rule() {
        let stored = ImageList(vec![e(A, Some("s1"), None), e(B, None, None)]);
        let new = ImageList(vec![
            e(A, None, Some("latest")),
            e(B, Some("s2"), None),
            e(C, None, Some("v1")),
        ]);
        let merged = ImageList::merge(&new, &stored);
        assert_eq!(
            merged.0,
            vec![
                e(A, Some("s1"), None),
                e(B, Some("s2"), None),
                e(C, None, None)
            ]
        );
        assert_eq!(
            &merged.to_body()[..],
            br#"[{"checksum": "s1", "id": "aaaaaaaaaaaaaaaa"}, {"checksum": "s2", "id": "bbbbbbbbbbbbbbbb"}, {"id": "cccccccccccccccc"}]"#
        );
        // docker 0.8–1.9 always finish a push with `[]`: nothing changes.
        assert_eq!(ImageList::merge(&ImageList::default(), &merged), merged);
    }
}
