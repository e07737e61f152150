//! The layer cache used by pulls: layer blobs exactly as the registry served them, with their json.
//!
//! A layer is streamed into `<id>.partial` while being digested; only a complete, verified body
//! is renamed to `<id>.layer`, and its json and its payload checksum and size are written to
//! `<id>.json` and `<id>.sum` next to it. A later pull finds complete layers here and does not
//! download them again.
//!
//! The cache is not `fsync`ed (neither is docker's layer store): instead a cached layer is
//! verified against its `<id>.sum` every time it is used ([`LayerCache::read_verified`]), so a
//! file damaged by a crash, a full disk or anything else is found, removed, and downloaded again
//! by the next pull rather than trusted.
//!
//! A pull that fails keeps its `<id>.partial` files ([`LayerCache::keep`]); the next pull offers
//! them to the session ([`LayerCache::partial_ids`]), which asks the registry for the rest with
//! `Range`. Resuming re-hashes the kept bytes ([`LayerCache::begin`]) because the payload checksum
//! covers the whole layer. A `.partial` file is never taken for a complete layer: only
//! [`LayerCache::complete`] turns one into a `.layer`, after the session accepted it.
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use berth_layer::{BlobDigester, LayerOptions};

use crate::archive::is_image_id;

/// Bytes read from the network or a kept file at a time.
const CHUNK: usize = 256 * 1024;

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

    fn sum_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.sum"))
    }

    /// The cached json of `id`, if its layer is complete too.
    pub fn complete_json(&self, id: &str) -> Option<Vec<u8>> {
        if !is_image_id(id) || !self.layer_path(id).is_file() || !self.sum_path(id).is_file() {
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
            .filter(|id| {
                is_image_id(id) && self.json_path(id).is_file() && self.sum_path(id).is_file()
            })
            .collect()
    }

    /// Reads the complete layer of `id` into `consume`, checking it against the payload
    /// checksum and size recorded when it was stored (`json` is the image's json). Returns
    /// `Ok(false)` if `consume` refused the bytes before the end.
    ///
    /// A layer that does not match is removed from the cache, and the error says to pull again.
    pub fn read_verified(
        &self,
        id: &str,
        json: &[u8],
        consume: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> anyhow::Result<bool> {
        let path = self.layer_path(id);
        let recorded = fs::read_to_string(self.sum_path(id))
            .with_context(|| format!("cannot read the checksum of the cached layer of {id}"))?;
        let mut file =
            File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut digester = BlobDigester::new(json);
        let mut refused = false;
        let read = read_chunks(&mut file, &mut |bytes| {
            digester.update(bytes);
            consume(bytes).inspect_err(|_| refused = true)
        });
        if refused {
            return Ok(false);
        }
        read.with_context(|| format!("cannot read {}", path.display()))?;
        let size = digester.size();
        let found = format!("{} {size}\n", digester.finish().payload);
        if found != recorded {
            self.forget(id);
            anyhow::bail!(
                "the cached layer of {id} is damaged (it does not match its checksum); it was \
                 removed from the cache {}, pull again",
                self.dir.display()
            );
        }
        Ok(true)
    }

    /// Removes the complete entry of `id` (layer, json and checksum).
    pub fn forget(&self, id: &str) {
        let _ = fs::remove_file(self.layer_path(id));
        let _ = fs::remove_file(self.sum_path(id));
        let _ = fs::remove_file(self.json_path(id));
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
    ///
    /// The `offset` bytes kept are passed to `kept`, in order, so that whatever consumes the
    /// layer (the archive being written) sees it from its first byte.
    pub fn begin(
        &self,
        id: &str,
        json: &[u8],
        previous: Option<Download>,
        offset: u64,
        kept: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> anyhow::Result<Download> {
        let path = self.partial_path(id);
        if let Some(mut download) = previous {
            if offset > 0 && download.received == offset {
                download.file.flush()?;
                let reread =
                    File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
                if read_chunks(&mut reread.take(offset), kept)? != offset {
                    anyhow::bail!("{} changed while it was read", path.display());
                }
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
        let on_disk = file.metadata()?.len();
        if on_disk < offset {
            anyhow::bail!(
                "cannot resume the layer of {id} at byte {offset}: only {on_disk} bytes were kept"
            );
        }
        file.set_len(offset)?;
        // The payload checksum covers the whole layer: hash the kept bytes first.
        let mut digester = BlobDigester::new(json);
        read_chunks(&mut file, &mut |bytes| {
            digester.update(bytes);
            kept(bytes)
        })?;
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

    /// Moves a finished download, accepted by the session, into place with its json and its
    /// payload checksum and size (`<id>.sum`, written last: an entry without it is incomplete).
    pub fn complete(&self, id: &str, json: &[u8], finished: Finished) -> anyhow::Result<()> {
        let _ = fs::remove_file(self.sum_path(id));
        let json_tmp = self.dir.join(format!("{id}.json.partial"));
        fs::write(&json_tmp, json)?;
        fs::rename(&json_tmp, self.json_path(id))?;
        fs::rename(&finished.path, self.layer_path(id))
            .with_context(|| format!("cannot store the layer of {id} in the cache"))?;
        let sum_tmp = self.dir.join(format!("{id}.sum.partial"));
        fs::write(
            &sum_tmp,
            format!("{} {}\n", finished.payload_checksum, finished.received),
        )?;
        fs::rename(&sum_tmp, self.sum_path(id))?;
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

/// Reads `reader` to its end in [`CHUNK`] pieces, each passed to `each`; returns the bytes read.
fn read_chunks(
    reader: &mut dyn Read,
    each: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<u64> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        each(&buf[..n])?;
        total += n as u64;
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

    /// Ends a download whose body ended normally: flushes the file (not to disk: see the
    /// [module docs](self)) and computes the payload checksum `sha256(json + "\n" + layer)`.
    /// The file stays `<id>.partial` until [`LayerCache::complete`].
    pub fn finish(self) -> anyhow::Result<Finished> {
        let Self {
            mut file,
            digester,
            received,
            path,
            reused,
        } = self;
        file.flush()?;
        drop(file);
        Ok(Finished {
            payload_checksum: digester.finish().payload.to_string(),
            received,
            reused,
            path,
        })
    }

    /// Copies `body` into the partial file, the digester and `forward` until it ends or
    /// breaks; calls `on_progress(received)` as bytes arrive. Returns `Ok(())` when the body
    /// ended normally.
    pub fn receive(
        &mut self,
        body: &mut dyn Read,
        forward: &mut dyn FnMut(&[u8]) -> io::Result<()>,
        on_progress: &mut dyn FnMut(u64),
    ) -> Result<(), ReceiveError> {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(ReceiveError::Network(err)),
            };
            self.file
                .write_all(&buf[..n])
                .map_err(ReceiveError::Local)?;
            self.digester.update(&buf[..n]);
            forward(&buf[..n]).map_err(ReceiveError::Forward)?;
            self.received += n as u64;
            on_progress(self.received);
        }
    }
}

/// Why a layer body could not be received completely.
#[derive(Debug)]
pub enum ReceiveError {
    /// Reading the body failed (connection closed, timeout): the download may be resumed.
    Network(io::Error),
    /// Writing the cache file failed (disk full, permissions): the pull must stop.
    Local(io::Error),
    /// The consumer of the bytes (the archive being written) refused them: the pull must stop.
    Forward(io::Error),
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
        download
            .receive(&mut reader, &mut |_| Ok(()), &mut |_| {})
            .unwrap();
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
        let mut first = cache.begin(ID, JSON, None, 0, &mut |_| Ok(())).unwrap();
        receive(&mut first, &layer[..70_000]);
        cache.keep(first);
        assert_eq!(cache.partial_ids(), [(ID.to_owned(), 70_000)]);
        assert!(
            cache.complete_ids().is_empty(),
            "a partial is never complete"
        );

        // The registry honoured `bytes=60000-`: the kept bytes are cut to the offset, and
        // handed on again from the first byte.
        let mut fed = Vec::new();
        let mut second = cache
            .begin(ID, JSON, None, 60_000, &mut |b| {
                fed.extend_from_slice(b);
                Ok(())
            })
            .unwrap();
        assert_eq!(fed, layer[..60_000]);
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
    fn a_download_resumed_in_the_same_run_hands_on_its_bytes_again() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        let layer: Vec<u8> = (0..700_000u32).map(|i| (i % 253) as u8).collect();
        let mut forwarded = Vec::new();
        let mut first = cache.begin(ID, JSON, None, 0, &mut |_| Ok(())).unwrap();
        first
            .receive(
                &mut &layer[..600_000],
                &mut |b| {
                    forwarded.extend_from_slice(b);
                    Ok(())
                },
                &mut |_| {},
            )
            .unwrap();
        assert_eq!(forwarded, layer[..600_000]);
        // The connection broke; the registry resumes at 600000 in the same run.
        let mut fed = Vec::new();
        let mut again = cache
            .begin(ID, JSON, Some(first), 600_000, &mut |b| {
                fed.extend_from_slice(b);
                Ok(())
            })
            .unwrap();
        assert!(!again.reused(), "no bytes of an earlier run");
        assert_eq!(fed, layer[..600_000]);
        receive(&mut again, &layer[600_000..]);
        let finished = again.finish().unwrap();
        assert_eq!(finished.payload_checksum, whole_checksum(&layer));
    }

    #[test]
    fn a_refusing_consumer_stops_the_download() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        let mut download = cache.begin(ID, JSON, None, 0, &mut |_| Ok(())).unwrap();
        let result = download.receive(
            &mut &b"not a layer"[..],
            &mut |_| Err(io::Error::other("refused")),
            &mut |_| {},
        );
        assert!(matches!(result, Err(ReceiveError::Forward(e)) if e.to_string() == "refused"));
    }

    #[test]
    fn a_cached_layer_is_checked_against_its_recorded_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        let layer: Vec<u8> = (0..300_000u32).map(|i| (i % 249) as u8).collect();
        let mut download = cache.begin(ID, JSON, None, 0, &mut |_| Ok(())).unwrap();
        receive(&mut download, &layer);
        cache
            .complete(ID, JSON, download.finish().unwrap())
            .unwrap();
        assert_eq!(cache.complete_ids(), [ID.to_owned()]);

        let mut read = Vec::new();
        let whole = cache
            .read_verified(ID, JSON, &mut |b| {
                read.extend_from_slice(b);
                Ok(())
            })
            .unwrap();
        assert!(whole);
        assert_eq!(read, layer);

        // One flipped byte: refused and removed.
        let mut damaged = layer.clone();
        damaged[123_456] ^= 1;
        fs::write(cache.layer_path(ID), &damaged).unwrap();
        let err = cache.read_verified(ID, JSON, &mut |_| Ok(())).unwrap_err();
        assert!(format!("{err:#}").contains("is damaged"), "{err:#}");
        assert!(cache.complete_ids().is_empty());
        assert!(cache.complete_json(ID).is_none());
    }

    #[test]
    fn offset_zero_truncates_and_too_large_an_offset_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        let mut first = cache.begin(ID, JSON, None, 0, &mut |_| Ok(())).unwrap();
        receive(&mut first, b"stale bytes");
        cache.keep(first);
        let err = cache
            .begin(ID, JSON, None, 12, &mut |_| Ok(()))
            .unwrap_err();
        assert!(
            format!("{err:#}").contains("only 11 bytes were kept"),
            "{err:#}"
        );

        // The registry ignored Range (200): start again from nothing.
        let mut again = cache.begin(ID, JSON, None, 0, &mut |_| Ok(())).unwrap();
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

        let mut good = cache.begin(ID, JSON, None, 0, &mut |_| Ok(())).unwrap();
        receive(&mut good, &gz);
        good.finish().unwrap().check_archive().unwrap();

        let mut bad_bytes = gz.clone();
        let middle = bad_bytes.len() / 2;
        bad_bytes[middle] ^= 0x55;
        let mut bad = cache.begin(ID, JSON, None, 0, &mut |_| Ok(())).unwrap();
        receive(&mut bad, &bad_bytes);
        assert!(bad.finish().unwrap().check_archive().is_err());
    }
}
