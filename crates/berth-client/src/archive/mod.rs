//! `docker save` / `docker load` archives in the v1 layout (image-format.md §5).

mod read;
mod sample;
mod stream;
mod write;

use std::collections::BTreeMap;

pub use read::{ArchiveImage, SavedArchive};
pub use sample::{SAMPLE_IDS, SAMPLE_REPO, write_sample_archive};
pub use stream::LayerStream;
pub use write::{ArchiveWriter, LayerEntry};

/// The `repositories` file: repository name → tag → image id.
pub type RepositoriesMap = BTreeMap<String, BTreeMap<String, String>>;

/// Whether `s` is a 64-lowercase-hex image id (docker's `ValidateID`).
pub fn is_image_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
