//! Writing `docker load` archives (v1 layout) atomically.
//!
//! The archive is built in a temporary file next to its destination and renamed into place only
//! by [`ArchiveWriter::finish`]; dropping the writer (an error, an interrupt) deletes the temporary
//! file, so a failed pull never leaves a half-written archive behind.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tempfile::NamedTempFile;

use super::{RepositoriesMap, is_image_id};

/// Builds a `docker load` archive in a temporary file.
pub struct ArchiveWriter {
    builder: tar::Builder<io::BufWriter<NamedTempFile>>,
    dest: PathBuf,
    written: BTreeSet<String>,
    repositories: RepositoriesMap,
}

impl std::fmt::Debug for ArchiveWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveWriter")
            .field("dest", &self.dest)
            .finish_non_exhaustive()
    }
}

impl ArchiveWriter {
    /// Starts an archive that [`finish`](Self::finish) will rename to `dest`.
    pub fn create(dest: &Path) -> anyhow::Result<Self> {
        let dir = match dest.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".berth-pull-")
            .suffix(".tar.partial")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        Ok(Self {
            builder: tar::Builder::new(io::BufWriter::with_capacity(1 << 20, tmp)),
            dest: dest.to_owned(),
            written: BTreeSet::new(),
            repositories: RepositoriesMap::new(),
        })
    }

    /// Number of image directories added so far.
    pub fn len(&self) -> usize {
        self.written.len()
    }

    /// Whether no image was added yet.
    pub fn is_empty(&self) -> bool {
        self.written.is_empty()
    }

    /// Whether the image directory `id` was already added.
    pub fn contains(&self, id: &str) -> bool {
        self.written.contains(id)
    }

    /// Adds `<id>/`, `<id>/VERSION` (`1.0`), `<id>/json` (verbatim) and `<id>/layer.tar`
    /// (`layer_size` bytes read from `layer`). Adding the same id twice is a no-op.
    pub fn add_image(
        &mut self,
        id: &str,
        json: &[u8],
        layer: &mut dyn Read,
        layer_size: u64,
    ) -> anyhow::Result<()> {
        if !is_image_id(id) {
            bail!("refusing to write image {id:?}: not a 64-hex image id");
        }
        if self.written.contains(id) {
            return Ok(());
        }
        let mut dir = header(tar::EntryType::Directory, 0o755, 0);
        self.builder
            .append_data(&mut dir, format!("{id}/"), io::empty())?;
        let mut version = header(tar::EntryType::Regular, 0o644, 3);
        self.builder
            .append_data(&mut version, format!("{id}/VERSION"), &b"1.0"[..])?;
        let mut json_header = header(tar::EntryType::Regular, 0o644, json.len() as u64);
        self.builder
            .append_data(&mut json_header, format!("{id}/json"), json)?;
        let mut layer_header = header(tar::EntryType::Regular, 0o644, layer_size);
        let mut exact = ExactReader {
            inner: layer,
            left: layer_size,
        };
        self.builder
            .append_data(&mut layer_header, format!("{id}/layer.tar"), &mut exact)
            .with_context(|| format!("cannot write {id}/layer.tar"))?;
        self.written.insert(id.to_owned());
        Ok(())
    }

    /// Records `repo:tag` → `id` for the `repositories` file.
    pub fn add_tag(&mut self, repo: &str, tag: &str, id: &str) {
        self.repositories
            .entry(repo.to_owned())
            .or_default()
            .insert(tag.to_owned(), id.to_owned());
    }

    /// Writes `repositories`, flushes, and renames the archive into place.
    pub fn finish(mut self) -> anyhow::Result<PathBuf> {
        for tags in self.repositories.values() {
            for id in tags.values() {
                if !self.written.contains(id) {
                    bail!("tag points to image {id}, which was not written");
                }
            }
        }
        if !self.repositories.is_empty() {
            let body = serde_json::to_vec(&self.repositories)?;
            let mut repos = header(tar::EntryType::Regular, 0o644, body.len() as u64);
            self.builder
                .append_data(&mut repos, "repositories", &body[..])?;
        }
        let tmp = self
            .builder
            .into_inner()
            .context("cannot finish the archive")?
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .context("cannot finish the archive")?;
        tmp.as_file()
            .sync_all()
            .context("cannot flush the archive to disk")?;
        // Temporary files are created 0600; an archive is an ordinary output file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        tmp.persist(&self.dest)
            .with_context(|| format!("cannot move the archive to {}", self.dest.display()))?;
        Ok(self.dest)
    }
}

/// A tar header with deterministic metadata (owner root, mtime 0).
fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}

/// Reads exactly `left` bytes from `inner`, failing on early end of input.
struct ExactReader<'a> {
    inner: &'a mut dyn Read,
    left: u64,
}

impl Read for ExactReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "layer ended early",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// How a layer blob served by a registry is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip (what docker pushes).
    Gzip,
    /// bzip2 (accepted by docker on pull; not supported by Berth).
    Bzip2,
    /// xz (docker ≤0.5; not supported by Berth).
    Xz,
    /// A plain tar.
    None,
}

impl Compression {
    /// Detects the compression from the first bytes of a blob, as docker's `DetectCompression`.
    pub fn detect(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b, 0x08]) {
            Self::Gzip
        } else if head.starts_with(b"BZh") {
            Self::Bzip2
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Self::Xz
        } else {
            Self::None
        }
    }
}

/// Decompresses the layer blob at `blob` into a temporary file in `tmp_dir` and returns it
/// rewound, with its size. gzip and plain tar are supported.
pub fn decompress_layer(blob: &Path, tmp_dir: &Path) -> anyhow::Result<(File, u64)> {
    let mut input = File::open(blob).with_context(|| format!("cannot open {}", blob.display()))?;
    let mut head = [0u8; 6];
    let mut got = 0;
    while got < head.len() {
        let n = input.read(&mut head[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    input.seek(SeekFrom::Start(0))?;
    let mut out = tempfile::tempfile_in(tmp_dir)
        .with_context(|| format!("cannot create a temporary file in {}", tmp_dir.display()))?;
    // 1 MiB writes (io::copy fills the BufWriter's buffer directly) instead of 8 KiB ones.
    let mut sink = io::BufWriter::with_capacity(1 << 20, &mut out);
    let size = match Compression::detect(&head[..got]) {
        Compression::Gzip => {
            let input = BufReader::with_capacity(1 << 20, input);
            let mut decoder = flate2::read::MultiGzDecoder::new(input);
            io::copy(&mut decoder, &mut sink).context("the layer is not valid gzip")?
        }
        Compression::None => io::copy(&mut input, &mut sink)?,
        other => bail!("layer compression {other:?} is not supported by berth; only gzip and tar"),
    };
    io::Write::flush(&mut sink)?;
    drop(sink);
    out.seek(SeekFrom::Start(0))?;
    Ok((out, size))
}
