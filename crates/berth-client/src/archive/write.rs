//! Writing `docker load` archives (v1 layout) atomically.
//!
//! The archive is built in a temporary file next to its destination and renamed into place only
//! by [`ArchiveWriter::finish`]; dropping the writer (an error, an interrupt) deletes the temporary
//! file, so a failed pull never leaves a half-written archive behind.

use std::collections::BTreeSet;
use std::io::{self, Read, Seek, SeekFrom, Write};
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
        check_id(id)?;
        if self.written.contains(id) {
            return Ok(());
        }
        self.append_image_meta(id, json)?;
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

    /// Starts image `id` whose layer size is not known yet: writes `<id>/`, `<id>/VERSION`,
    /// `<id>/json` and a `<id>/layer.tar` header that [`end_layer`](Self::end_layer) completes.
    /// The layer's bytes are written to [`layer_out`](Self::layer_out) in between.
    pub fn begin_layer(&mut self, id: &str, json: &[u8]) -> anyhow::Result<LayerEntry> {
        check_id(id)?;
        if self.written.contains(id) {
            bail!("image {id} is already in the archive");
        }
        let start = self.position()?;
        self.append_image_meta(id, json)?;
        let header_at = self.position()?;
        let placeholder = layer_header(id, 0)?;
        let out = self.builder.get_mut();
        out.write_all(placeholder.as_bytes())?;
        out.flush()?;
        Ok(LayerEntry {
            id: id.to_owned(),
            start,
            data_at: header_at + 512,
        })
    }

    /// Writes `<id>/`, `<id>/VERSION` (`1.0`) and `<id>/json` (verbatim).
    fn append_image_meta(&mut self, id: &str, json: &[u8]) -> anyhow::Result<()> {
        let mut dir = header(tar::EntryType::Directory, 0o755, 0);
        self.builder
            .append_data(&mut dir, format!("{id}/"), io::empty())?;
        let mut version = header(tar::EntryType::Regular, 0o644, 3);
        self.builder
            .append_data(&mut version, format!("{id}/VERSION"), &b"1.0"[..])?;
        let mut json_header = header(tar::EntryType::Regular, 0o644, json.len() as u64);
        self.builder
            .append_data(&mut json_header, format!("{id}/json"), json)?;
        Ok(())
    }

    /// Where the bytes of the layer started by [`begin_layer`](Self::begin_layer) go.
    ///
    /// That is the archive file itself, not the buffer in front of it: layer bytes come in
    /// large batches, and copying them through the buffer would only cost time.
    pub fn layer_out(&mut self) -> &mut (impl Write + Send + use<>) {
        // `begin_layer` left the buffer empty.
        self.builder.get_mut().get_mut()
    }

    /// Completes the layer started by [`begin_layer`](Self::begin_layer): its size is what
    /// was written to [`layer_out`](Self::layer_out) since.
    pub fn end_layer(&mut self, entry: LayerEntry) -> anyhow::Result<u64> {
        let end = self.position()?;
        let size = end
            .checked_sub(entry.data_at)
            .context("the archive shrank while a layer was written")?;
        let padding = (512 - size % 512) % 512;
        let out = self.builder.get_mut();
        out.write_all(&[0u8; 512][..usize::try_from(padding).unwrap_or(0)])?;
        out.flush()?;
        let file = out.get_mut();
        file.seek(SeekFrom::Start(entry.data_at - 512))?;
        file.write_all(layer_header(&entry.id, size)?.as_bytes())?;
        file.seek(SeekFrom::End(0))?;
        self.written.insert(entry.id);
        Ok(size)
    }

    /// Removes the image started by [`begin_layer`](Self::begin_layer) (its layer broke off).
    pub fn abandon_layer(&mut self, entry: LayerEntry) -> anyhow::Result<()> {
        let out = self.builder.get_mut();
        out.flush()?;
        let file = out.get_mut();
        file.as_file().set_len(entry.start)?;
        file.seek(SeekFrom::Start(entry.start))?;
        Ok(())
    }

    /// The archive's length so far (flushes the buffer).
    fn position(&mut self) -> anyhow::Result<u64> {
        let out = self.builder.get_mut();
        out.flush()?;
        Ok(out.get_mut().stream_position()?)
    }

    /// Records `repo:tag` → `id` for the `repositories` file.
    pub fn add_tag(&mut self, repo: &str, tag: &str, id: &str) {
        self.repositories
            .entry(repo.to_owned())
            .or_default()
            .insert(tag.to_owned(), id.to_owned());
    }

    /// Writes `repositories`, flushes, and renames the archive into place.
    ///
    /// The archive is not `fsync`ed, like the output of `docker save`, `tar` or `curl -o`: the
    /// rename guarantees that an interrupted pull never leaves a partial archive under the final
    /// name, and `fsync` would only add the disk's write time (about 2 s for 1 GiB here) to
    /// every pull.
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

/// An image whose `layer.tar` is being written; see [`ArchiveWriter::begin_layer`].
#[derive(Debug)]
pub struct LayerEntry {
    id: String,
    /// Archive offset of the image's first entry (`<id>/`).
    start: u64,
    /// Archive offset of the layer's first byte.
    data_at: u64,
}

/// Refuses anything but a 64-hex image id as a directory name in the archive.
fn check_id(id: &str) -> anyhow::Result<()> {
    if !is_image_id(id) {
        bail!("refusing to write image {id:?}: not a 64-hex image id");
    }
    Ok(())
}

/// The complete header of `<id>/layer.tar` holding `size` bytes.
fn layer_header(id: &str, size: u64) -> anyhow::Result<tar::Header> {
    let mut header = header(tar::EntryType::Regular, 0o644, size);
    header.set_path(format!("{id}/layer.tar"))?;
    header.set_cksum();
    Ok(header)
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
