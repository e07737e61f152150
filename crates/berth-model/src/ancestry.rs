//! Ancestry: `GET /v1/images/{id}/ancestry` → `["<id>", "<parent>", …, "<base>"]`.

use bytes::Bytes;

use crate::{ImageId, ModelError};

/// An image's ancestry: the image itself first, then its parent, …, the base image last.
///
/// "Derived by the registry when the json is PUT: `ancestry(id) = [id] + ancestry(parent)`."
/// Clients download from the **end** of the list (base) towards the front
/// ([`Ancestry::pull_order`]).
///
/// ```
/// use berth_model::{Ancestry, ImageId};
/// let base = ImageId::parse("deadbeef01451234")?;
/// let top = ImageId::parse("cafebabe01451234")?;
/// let a = Ancestry::for_new_image(top.clone(), Some(&Ancestry::for_new_image(base.clone(), None)));
/// assert_eq!(&a.to_body()[..], br#"["cafebabe01451234", "deadbeef01451234"]"#);
/// assert_eq!(a.pull_order().collect::<Vec<_>>(), [&base, &top]);
/// # Ok::<(), berth_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ancestry(Vec<ImageId>);

impl Ancestry {
    /// Parses an ancestry body; errors with [`ModelError::InvalidData`] unless it is a non-empty
    /// JSON array of valid, distinct image ids.
    pub fn parse(body: &[u8]) -> Result<Self, ModelError> {
        let ids: Vec<ImageId> =
            serde_json::from_slice(body).map_err(|_| ModelError::InvalidData)?;
        validate_ancestry(&ids)?;
        Ok(Self(ids))
    }

    /// Builds the ancestry of a newly stored image: `[id] + ancestry(parent)`.
    pub fn for_new_image(id: ImageId, parent: Option<&Self>) -> Self {
        let mut ids = Vec::with_capacity(1 + parent.map_or(0, |p| p.0.len()));
        ids.push(id);
        if let Some(p) = parent {
            ids.extend(p.0.iter().cloned());
        }
        Self(ids)
    }

    /// Wraps a list after [`validate_ancestry`].
    pub fn from_ids(ids: Vec<ImageId>) -> Result<Self, ModelError> {
        validate_ancestry(&ids)?;
        Ok(Self(ids))
    }

    /// The image itself (first entry).
    pub fn id(&self) -> &ImageId {
        // Invariant: never empty (checked by every constructor).
        &self.0[0]
    }

    /// The parent, if any.
    pub fn parent(&self) -> Option<&ImageId> {
        self.0.get(1)
    }

    /// The base image (last entry).
    pub fn base(&self) -> &ImageId {
        &self.0[self.0.len() - 1]
    }

    /// The ids, image first.
    pub fn ids(&self) -> &[ImageId] {
        &self.0
    }

    /// Number of images (never zero).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: an ancestry contains at least the image itself.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The ids in download order: base first, the image itself last.
    pub fn pull_order(&self) -> impl DoubleEndedIterator<Item = &ImageId> {
        self.0.iter().rev()
    }

    /// The body with Python formatting: `["<id>", "<parent>"]`.
    pub fn to_body(&self) -> Bytes {
        let mut out = String::with_capacity(self.0.len() * 68 + 2);
        out.push('[');
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push('"');
            out.push_str(id.as_str());
            out.push('"');
        }
        out.push(']');
        Bytes::from(out)
    }
}

/// Checks that an ancestry list is non-empty and has no repeated id (a cycle).
pub fn validate_ancestry(ids: &[ImageId]) -> Result<(), ModelError> {
    if ids.is_empty() {
        return Err(ModelError::InvalidData);
    }
    let mut seen: Vec<&ImageId> = ids.iter().collect();
    seen.sort_unstable();
    if seen.windows(2).any(|w| w[0] == w[1]) {
        return Err(ModelError::InvalidData);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_reject() {
        let a = Ancestry::parse(br#"["cafebabe01451234","deadbeef01451234"]"#).unwrap();
        assert_eq!(a.id().as_str(), "cafebabe01451234");
        assert_eq!(a.parent().unwrap().as_str(), "deadbeef01451234");
        assert_eq!(a.base().as_str(), "deadbeef01451234");
        assert_eq!(Ancestry::parse(&a.to_body()).unwrap(), a);
        for bad in [
            &b"[]"[..],
            b"{}",
            b"[1]",
            br#"["zz"]"#,
            br#"["cafebabe01451234","cafebabe01451234"]"#,
        ] {
            assert_eq!(Ancestry::parse(bad), Err(ModelError::InvalidData));
        }
    }
}
