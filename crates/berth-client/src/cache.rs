//! The layer cache used by pulls: layer blobs exactly as the registry served them, with their json.
//!
//! A layer is streamed into `<id>.partial` while being digested; only a complete, verified body
//! is renamed to `<id>.layer`, and its json is written to `<id>.json` next to it. A later pull
//! finds complete layers here and does not download them again.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use berth_layer::BlobDigester;

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

    /// Starts (offset 0) or continues (offset = bytes already received) the download of `id`.
    pub fn begin(
        &self,
        id: &str,
        json: &[u8],
        previous: Option<Download>,
        offset: u64,
    ) -> anyhow::Result<Download> {
        let path = self.partial_path(id);
        match previous {
            Some(mut download) if offset > 0 && download.received == offset => {
                download.file.flush()?;
                Ok(download)
            }
            _ => {
                let file = OpenOptions::new()
                    .create(true)
                    .write(true)
                    .truncate(true)
                    .open(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                if offset > 0 {
                    anyhow::bail!(
                        "cannot resume the layer of {id} at byte {offset}: nothing was kept"
                    );
                }
                Ok(Download {
                    file,
                    digester: BlobDigester::new(json),
                    received: 0,
                    path,
                })
            }
        }
    }

    /// Moves a finished download into place with its json; returns the payload checksum.
    pub fn complete(&self, id: &str, json: &[u8], download: Download) -> anyhow::Result<String> {
        let Download {
            mut file,
            digester,
            path,
            ..
        } = download;
        file.flush()?;
        file.sync_all()?;
        drop(file);
        let json_tmp = self.dir.join(format!("{id}.json.partial"));
        fs::write(&json_tmp, json)?;
        fs::rename(&json_tmp, self.json_path(id))?;
        fs::rename(&path, self.layer_path(id))
            .with_context(|| format!("cannot store the layer of {id} in the cache"))?;
        Ok(digester.finish().payload.to_string())
    }

    /// Forgets a failed download.
    pub fn discard(&self, download: Download) {
        let path = download.path.clone();
        drop(download);
        let _ = fs::remove_file(path);
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
}

impl Download {
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
