//! Reading `docker save` archives (v1 layout) without holding layers in memory.
//!
//! The layout (image-format.md §5) is an uncompressed tar holding `<id>/VERSION`, `<id>/json` and
//! `<id>/layer.tar` per image, plus an optional `repositories` file mapping names to tags to ids.
//! Reading indexes the archive once: small files (json, `repositories`) are kept in memory, and for
//! each `layer.tar` only its byte offset and size are recorded so it can be streamed later.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Take};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::{RepositoriesMap, is_image_id};

/// The largest image json or `repositories` file accepted (docker's are a few KiB).
const MAX_METADATA_BYTES: u64 = 8 * 1024 * 1024;

/// One image of an archive.
#[derive(Debug, Clone)]
pub struct ArchiveImage {
    /// The 64-hex image id (the directory name, equal to the json `id`).
    pub id: String,
    /// The parent id from the json, if any.
    pub parent: Option<String>,
    /// The image json exactly as stored in the archive.
    pub json: Vec<u8>,
    /// Offset of the uncompressed `layer.tar` data inside the archive file.
    layer_offset: u64,
    /// Size in bytes of the uncompressed `layer.tar`.
    pub layer_size: u64,
}

/// An indexed `docker save` archive.
#[derive(Debug)]
pub struct SavedArchive {
    path: PathBuf,
    images: HashMap<String, ArchiveImage>,
    repositories: RepositoriesMap,
}

/// Files found for one image directory while scanning.
#[derive(Default)]
struct Partial {
    json: Option<Vec<u8>>,
    layer: Option<(u64, u64)>,
}

/// The fields of an image json the client needs; everything else stays opaque bytes.
#[derive(serde::Deserialize)]
struct JsonIds {
    id: String,
    #[serde(default)]
    parent: Option<String>,
}

impl SavedArchive {
    /// Indexes the archive at `path`, checking that every image has a json naming it, a
    /// `layer.tar`, and a parent that is also in the archive.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut archive = tar::Archive::new(file);
        let mut partial: BTreeMap<String, Partial> = BTreeMap::new();
        let mut repositories = None;
        let entries = archive
            .entries()
            .with_context(|| format!("{} is not a tar archive", path.display()))?;
        for entry in entries {
            let mut entry =
                entry.with_context(|| format!("{} is not a valid tar archive", path.display()))?;
            let name = entry
                .path()?
                .to_string_lossy()
                .trim_start_matches("./")
                .to_owned();
            let size = entry.size();
            if name == "repositories" {
                repositories = Some(read_small(&mut entry, size, "repositories")?);
                continue;
            }
            let Some((dir, file)) = name.split_once('/') else {
                continue;
            };
            if !is_image_id(dir) {
                continue;
            }
            let slot = partial.entry(dir.to_owned()).or_default();
            match file {
                "json" => slot.json = Some(read_small(&mut entry, size, &name)?),
                "layer.tar" => slot.layer = Some((entry.raw_file_position(), size)),
                _ => {}
            }
        }
        let mut images = HashMap::new();
        for (id, found) in partial {
            let Some(json) = found.json else {
                // Directories without json (e.g. stray entries) are ignored unless referenced.
                continue;
            };
            let ids: JsonIds = serde_json::from_slice(&json)
                .with_context(|| format!("{id}/json is not valid image json"))?;
            if ids.id != id {
                bail!("{id}/json names a different image id {:?}", ids.id);
            }
            let Some((layer_offset, layer_size)) = found.layer else {
                bail!("{id}/layer.tar is missing from {}", path.display());
            };
            let parent = ids.parent.filter(|p| !p.is_empty());
            images.insert(
                id.clone(),
                ArchiveImage {
                    id,
                    parent,
                    json,
                    layer_offset,
                    layer_size,
                },
            );
        }
        if images.is_empty() {
            bail!(
                "{} contains no images (expected `docker save` layout)",
                path.display()
            );
        }
        for image in images.values() {
            if let Some(parent) = &image.parent {
                if !images.contains_key(parent) {
                    bail!(
                        "image {} has parent {parent}, which is not in {}",
                        image.id,
                        path.display()
                    );
                }
            }
        }
        let repositories = match repositories {
            None => RepositoriesMap::new(),
            Some(bytes) => serde_json::from_slice(&bytes)
                .context("the `repositories` file is not a {\"name\": {\"tag\": \"id\"}} object")?,
        };
        for (repo, tags) in &repositories {
            for (tag, id) in tags {
                if !images.contains_key(id) {
                    bail!("tag {repo}:{tag} points to image {id}, which is not in the archive");
                }
            }
        }
        Ok(Self {
            path: path.to_owned(),
            images,
            repositories,
        })
    }

    /// The `repositories` map (empty when the archive has none).
    pub fn repositories(&self) -> &RepositoriesMap {
        &self.repositories
    }

    /// Looks up an image by id.
    pub fn image(&self, id: &str) -> Option<&ArchiveImage> {
        self.images.get(id)
    }

    /// Images no other image names as parent (the tops of the chains), sorted by id.
    pub fn heads(&self) -> Vec<&ArchiveImage> {
        let parents: std::collections::HashSet<&str> = self
            .images
            .values()
            .filter_map(|i| i.parent.as_deref())
            .collect();
        let mut heads: Vec<&ArchiveImage> = self
            .images
            .values()
            .filter(|i| !parents.contains(i.id.as_str()))
            .collect();
        heads.sort_by(|a, b| a.id.cmp(&b.id));
        heads
    }

    /// Number of images in the archive.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Whether the archive holds no image (never true for an opened archive).
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// The chain of `id`: the base image first, `id` last.
    pub fn chain(&self, id: &str) -> anyhow::Result<Vec<&ArchiveImage>> {
        let mut chain = Vec::new();
        let mut next = Some(id.to_owned());
        while let Some(current) = next {
            let image = self
                .images
                .get(&current)
                .with_context(|| format!("image {current} is not in the archive"))?;
            if chain.len() > self.images.len() {
                bail!("the parent links of image {id} form a cycle");
            }
            next = image.parent.clone();
            chain.push(image);
        }
        chain.reverse();
        Ok(chain)
    }

    /// Opens a reader over the uncompressed `layer.tar` of `image`.
    pub fn open_layer(&self, image: &ArchiveImage) -> anyhow::Result<Take<File>> {
        let mut file = File::open(&self.path)
            .with_context(|| format!("cannot open {}", self.path.display()))?;
        file.seek(SeekFrom::Start(image.layer_offset))?;
        Ok(file.take(image.layer_size))
    }
}

fn read_small(reader: &mut impl Read, size: u64, name: &str) -> anyhow::Result<Vec<u8>> {
    if size > MAX_METADATA_BYTES {
        bail!("{name} is {size} bytes, larger than the {MAX_METADATA_BYTES}-byte limit");
    }
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {name}"))?;
    Ok(buf)
}
