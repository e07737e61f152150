//! The layer cache used by pulls: layer blobs exactly as the registry served them, with their json.
//!
//! A layer is streamed into `<id>.partial` while being digested; only a complete, verified body
//! is renamed to `<id>.layer`, and its json is written to `<id>.json` next to it. A later pull
//! finds complete layers here and does not download them again.
//!
//! A pull that fails keeps its `<id>.partial` files ([`LayerCache::keep`]); the next pull offers
//! them to the session ([`LayerCache::partial_ids`]), which asks the registry for the rest with
//! `Range`. Resuming re-hashes the kept bytes ([`LayerCache::begin`]) because the payload checksum
//! covers the whole layer. A `.partial` file is never taken for a complete layer: only
//! [`LayerCache::complete`] turns one into a `.layer`, after the session accepted it.
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use berth_layer::{BlobDigester, LayerOptions};

use crate::archive::is_image_id;

/// A directory of cached layers.
#[derive(Debug, Clone)]
pub struct LayerCache {
    dir: PathBuf,
}

impl LayerCache {
    /// Opens (creating it if needed) the cache at `dir`.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the layer cache {}", dir.display()))?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// `$BERTH_CACHE_DIR`, else `$XDG_CACHE_HOME/berth/layers`, else `~/.cache/berth/layers`,
    /// else a `berth-layers` directory in the system temporary directory.
    pub fn default_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("BERTH_CACHE_DIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir).join("berth").join("layers");
        }
        if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(home)
                .join(".cache")
                .join("berth")
                .join("layers");
        }
        std::env::temp_dir().join("berth-layers")
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the complete layer blob of `id`.
    pub fn layer_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.layer"))
    }

    fn json_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn partial_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.partial"))
    }

    /// The cached json of `id`, if its layer is complete too.
    pub fn complete_json(&self, id: &str) -> Option<Vec<u8>> {
        if !is_image_id(id) || !self.layer_path(id).is_file() {
            return None;
        }
        fs::read(self.json_path(id)).ok()
    }

    /// Ids of every complete entry.
    pub fn complete_ids(&self) -> Vec<String> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".layer"))
                    .map(str::to_owned)
            })
            .filter(|id| is_image_id(id) && self.json_path(id).is_file())
            .collect()
    }

    /// Layers partly downloaded by an earlier pull: `(id, bytes kept)`, for
    /// `PullConfig::partial`. Empty files and ids that are complete are left out.
    pub fn partial_ids(&self) -> Vec<(String, u64)> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let id = e.file_name().to_str()?.strip_suffix(".partial")?.to_owned();
                let len = e.metadata().ok().filter(fs::Metadata::is_file)?.len();
                Some((id, len))
            })
            .filter(|(id, len)| *len > 0 && is_image_id(id) && !self.layer_path(id).exists())
            .collect()
    }

    /// Starts the download of `id` so that the body that follows is appended after `offset`
    /// bytes: `offset` is the one `LayerDownloadStarted` gave.
    ///
    /// * `previous` (the download of this run that broke off) is reused when it holds exactly
    ///   `offset` bytes;
    /// * otherwise `offset` 0 truncates `<id>.partial`, and a larger `offset` reopens the bytes an
    ///   earlier run kept there: they are cut to `offset` and hashed again with `json`.
    pub fn begin(
        &self,
        id: &str,
        json: &[u8],
        previous: Option<Download>,
        offset: u64,
    ) -> anyhow::Result<Download> {
        let path = self.partial_path(id);
        if let Some(mut download) = previous {
            if offset > 0 && download.received == offset {
                download.file.flush()?;
                return Ok(download);
            }
        }
        if offset == 0 {
            let file = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            return Ok(Download {
                file,
                digester: BlobDigester::new(json),
                received: 0,
                path,
                reused: false,
            });
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| {
                format!("cannot resume the layer of {id} at byte {offset}: nothing was kept")
            })?;
        let kept = file.metadata()?.len();
        if kept < offset {
            anyhow::bail!(
                "cannot resume the layer of {id} at byte {offset}: only {kept} bytes were kept"
            );
        }
        file.set_len(offset)?;
        // The payload checksum covers the whole layer: hash the kept bytes first.
        let mut digester = BlobDigester::new(json);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            digester.update(&buf[..n]);
        }
        if digester.size() != offset {
            anyhow::bail!("{} changed while it was read", path.display());
        }
        file.seek(SeekFrom::End(0))?;
        Ok(Download {
            file,
            digester,
            received: offset,
            path,
            reused: true,
        })
    }

    /// Moves a finished download, accepted by the session, into place with its json.
    pub fn complete(&self, id: &str, json: &[u8], finished: Finished) -> anyhow::Result<()> {
        let json_tmp = self.dir.join(format!("{id}.json.partial"));
        fs::write(&json_tmp, json)?;
        fs::rename(&json_tmp, self.json_path(id))?;
        fs::rename(&finished.path, self.layer_path(id))
            .with_context(|| format!("cannot store the layer of {id} in the cache"))?;
        Ok(())
    }

    /// Keeps the bytes of a download that broke off in `<id>.partial`, for a later pull.
    pub fn keep(&self, download: Download) {
        let Download { mut file, path, .. } = download;
        if file.flush().and_then(|()| file.sync_all()).is_err() {
            drop(file);
            let _ = fs::remove_file(path);
        }
    }

    /// Forgets a failed download.
    pub fn discard(&self, download: Download) {
        let path = download.path.clone();
        drop(download);
        let _ = fs::remove_file(path);
    }

    /// Forgets a finished download that was refused (checksum mismatch, invalid layer).
    pub fn discard_finished(&self, finished: Finished) {
        let _ = fs::remove_file(finished.path);
    }
}

/// A layer body being received.
#[derive(Debug)]
pub struct Download {
    file: File,
    digester: BlobDigester,
    /// Bytes received so far (over all resumed requests).
    pub received: u64,
    path: PathBuf,
    /// Whether bytes kept by an earlier pull are part of it.
    reused: bool,
}

impl Download {
    /// Whether the download includes bytes kept by an earlier pull.
    pub fn reused(&self) -> bool {
        self.reused
    }

    /// Ends a download whose body ended normally: flushes the file and computes the payload
    /// checksum `sha256(json + "\n" + layer)`. The file stays `<id>.partial` until
    /// [`LayerCache::complete`].
    pub fn finish(self) -> anyhow::Result<Finished> {
        let Self {
            mut file,
            digester,
            received,
            path,
            reused,
        } = self;
        file.flush()?;
        file.sync_all()?;
        drop(file);
        Ok(Finished {
            payload_checksum: digester.finish().payload.to_string(),
            received,
            reused,
            path,
        })
    }

    /// Copies `body` into the partial file and the digester until it ends or breaks; calls
    /// `on_progress(received)` as bytes arrive. Returns `Ok(())` when the body ended normally.
    pub fn receive(
        &mut self,
        body: &mut dyn Read,
        on_progress: &mut dyn FnMut(u64),
    ) -> Result<(), ReceiveError> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(ReceiveError::Network(err)),
            };
            self.file
                .write_all(&buf[..n])
                .map_err(ReceiveError::Local)?;
            self.digester.update(&buf[..n]);
            self.received += n as u64;
            on_progress(self.received);
        }
    }
}

/// Why a layer body could not be received completely.
#[derive(Debug)]
pub enum ReceiveError {
    /// Reading the body failed (connection closed, timeout): the download may be resumed.
    Network(std::io::Error),
    /// Writing the cache file failed (disk full, permissions): the pull must stop.
    Local(std::io::Error),
}

/// A download whose body ended normally, not yet accepted into the cache.
#[derive(Debug)]
pub struct Finished {
    /// `sha256:<hex>` of `json + "\n" + layer`.
    pub payload_checksum: String,
    /// Bytes of the layer.
    pub received: u64,
    /// Whether bytes kept by an earlier pull are part of it.
    pub reused: bool,
    path: PathBuf,
}

impl Finished {
    /// Checks that the layer is a valid gzip-compressed or plain tar archive (gzip CRC32 and
    /// length, tar header checksums), for when no payload checksum vouches for the bytes.
    ///
    /// A plain tar whose file contents are corrupt still passes: nothing else can tell.
    pub fn check_archive(&self) -> anyhow::Result<()> {
        let file = File::open(&self.path)
            .with_context(|| format!("cannot open {}", self.path.display()))?;
        // Inflate on this thread, the tar checks on a worker (`berth_pipeline`).
        berth_pipeline::digest_reader(file, LayerOptions::new().tarsums(false, false))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "71a3fa84c4d137c59658698b2c05659660e0f2d99d064c07bb2cad4abcdd867f";
    const JSON: &[u8] = b"{\"id\":\"71a3\"}";

    fn receive(download: &mut Download, bytes: &[u8]) {
        let mut reader = bytes;
        download.receive(&mut reader, &mut |_| {}).unwrap();
    }

    fn whole_checksum(layer: &[u8]) -> String {
        let mut d = BlobDigester::new(JSON);
        d.update(layer);
        d.finish().payload.to_string()
    }

    #[test]
    fn kept_bytes_are_hashed_again_when_a_later_pull_resumes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        let layer: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut first = cache.begin(ID, JSON, None, 0).unwrap();
        receive(&mut first, &layer[..70_000]);
        cache.keep(first);
        assert_eq!(cache.partial_ids(), [(ID.to_owned(), 70_000)]);
        assert!(
            cache.complete_ids().is_empty(),
            "a partial is never complete"
        );

        // The registry honoured `bytes=60000-`: the kept bytes are cut to the offset.
        let mut second = cache.begin(ID, JSON, None, 60_000).unwrap();
        assert!(second.reused());
        assert_eq!(second.received, 60_000);
        receive(&mut second, &layer[60_000..]);
        let finished = second.finish().unwrap();
        assert_eq!(finished.received, 100_000);
        assert_eq!(finished.payload_checksum, whole_checksum(&layer));
        cache.complete(ID, JSON, finished).unwrap();
        assert_eq!(fs::read(cache.layer_path(ID)).unwrap(), layer);
        assert_eq!(cache.complete_ids(), [ID.to_owned()]);
        assert!(cache.partial_ids().is_empty());
    }

    #[test]
    fn offset_zero_truncates_and_too_large_an_offset_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        let mut first = cache.begin(ID, JSON, None, 0).unwrap();
        receive(&mut first, b"stale bytes");
        cache.keep(first);
        let err = cache.begin(ID, JSON, None, 12).unwrap_err();
        assert!(
            format!("{err:#}").contains("only 11 bytes were kept"),
            "{err:#}"
        );

        // The registry ignored Range (200): start again from nothing.
        let mut again = cache.begin(ID, JSON, None, 0).unwrap();
        assert!(!again.reused());
        receive(&mut again, b"fresh");
        let finished = again.finish().unwrap();
        assert_eq!(finished.payload_checksum, whole_checksum(b"fresh"));
        cache.discard_finished(finished);
        assert!(cache.partial_ids().is_empty());
    }

    #[test]
    fn only_non_empty_partials_of_image_ids_are_offered() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        fs::write(dir.path().join("not-an-id.partial"), b"x").unwrap();
        fs::write(dir.path().join(format!("{ID}.json.partial")), b"{}").unwrap();
        fs::write(dir.path().join(format!("{ID}.partial")), b"").unwrap();
        assert!(cache.partial_ids().is_empty());
        fs::write(dir.path().join(format!("{ID}.partial")), b"abc").unwrap();
        assert_eq!(cache.partial_ids(), [(ID.to_owned(), 3)]);
        fs::write(cache.layer_path(ID), b"abcdef").unwrap();
        assert!(cache.partial_ids().is_empty(), "complete layers win");
    }

    #[test]
    fn the_archive_check_refuses_a_corrupt_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        let mut tar = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_ustar();
        header.set_size(5);
        header.set_cksum();
        tar.append_data(&mut header, "a.txt", &b"hello"[..])
            .unwrap();
        let tar = tar.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        let gz = gz.finish().unwrap();

        let mut good = cache.begin(ID, JSON, None, 0).unwrap();
        receive(&mut good, &gz);
        good.finish().unwrap().check_archive().unwrap();

        let mut bad_bytes = gz.clone();
        let middle = bad_bytes.len() / 2;
        bad_bytes[middle] ^= 0x55;
        let mut bad = cache.begin(ID, JSON, None, 0).unwrap();
        receive(&mut bad, &bad_bytes);
        assert!(bad.finish().unwrap().check_archive().is_err());
    }
}
