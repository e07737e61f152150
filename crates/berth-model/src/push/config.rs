//! Inputs of the push session: images, configuration, layer checksums.

use bytes::Bytes;

use crate::{ImageId, ImageList, ImageListEntry, RepoName, Tag};

/// One image to push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushImage {
    /// The image id.
    pub id: ImageId,
    /// The raw json bytes exactly as stored locally (docker's file ends in `\n`); sent verbatim.
    pub json: Bytes,
    /// The parent id, if any (informational: the list order already puts parents first).
    pub parent: Option<ImageId>,
    /// The layer size, if known (informational, for progress).
    pub layer_size: Option<u64>,
    /// Tags of this image being pushed, in order.
    pub tags: Vec<Tag>,
}

/// What to push and how.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// The repository (`ns/repo`; sent as `ns/repo` on every URL).
    pub repo: RepoName,
    /// The Index base URL, e.g. `https://index.docker.io/v1/`; its scheme is used for the endpoints.
    pub index: String,
    /// The image list, base first (see [`image_list`]).
    pub images: Vec<PushImage>,
    /// Whether the adapter has credentials (Index calls then carry Basic auth).
    pub has_credentials: bool,
    /// Standalone private registry over HTTPS: Basic auth on every request, no token (auth.md §4).
    pub basic_everywhere: bool,
    /// Existence checks in flight at once (docker 1.5+: 5; older: 1).
    pub max_lookups: usize,
}

impl PushConfig {
    /// A configuration with credentials, token auth and docker 1.5+'s 5 parallel lookups.
    pub fn new(repo: RepoName, index: impl Into<String>, images: Vec<PushImage>) -> Self {
        Self {
            repo,
            index: index.into(),
            images,
            has_credentials: true,
            basic_everywhere: false,
            max_lookups: 5,
        }
    }
}

/// Checksums the adapter computed while streaming a layer upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerUpload {
    /// `sha256:<hex>` of `json + "\n" + the bytes sent` (`X-Docker-Checksum-Payload`).
    pub payload_checksum: String,
    /// `tarsum+sha256:<hex>` (TarSum v0, `X-Docker-Checksum`); empty to omit the header.
    pub tarsum: String,
}

/// Builds docker's image list from per-tag chains (each base first): chains are concatenated,
/// images already collected are dropped, and the tags of duplicates are merged
/// (`getImageList` walks each tag up to an already collected image, then reverses).
pub fn image_list(chains: impl IntoIterator<Item = Vec<PushImage>>) -> Vec<PushImage> {
    let mut out: Vec<PushImage> = Vec::new();
    for chain in chains {
        for image in chain {
            if let Some(seen) = out.iter_mut().find(|i| i.id == image.id) {
                for tag in image.tags {
                    if !seen.tags.contains(&tag) {
                        seen.tags.push(tag);
                    }
                }
            } else {
                out.push(image);
            }
        }
    }
    out
}

/// The image index body: one `{"id","Tag"}` per (id, tag), one `{"id"}` per untagged id, in list
/// order (docker's `createImageIndex`, written as Go `json.Marshal` of `[]*ImgData`).
pub(super) fn image_index_body(images: &[PushImage]) -> Bytes {
    let mut list = ImageList::default();
    for image in images {
        if image.tags.is_empty() {
            list.0.push(ImageListEntry::new(image.id.clone()));
        }
        for tag in &image.tags {
            let mut entry = ImageListEntry::new(image.id.clone());
            entry.tag = Some(tag.to_string());
            list.0.push(entry);
        }
    }
    list.to_docker_body()
}
