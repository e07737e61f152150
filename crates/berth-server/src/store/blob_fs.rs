//! [`BlobStore`] on the local file system.
//!
//! Layout: `images/<id>/json`, `images/<id>/layer`, and `tmp/` for uploads in flight.
//! Every write goes to a fresh file under `tmp/`, is fsync'ed, then renamed into place. Layer
//! uploads start writing back to disk in the background as they arrive (`fdatasync` every
//! 64 MiB on a blocking thread), so the final `fsync` is short.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;

use super::{BlobStore, ByteRange, LayerRead, LayerUpload};

/// Files under a data directory.
#[derive(Debug)]
pub struct FsBlobStore {
    root: PathBuf,
    counter: AtomicU64,
}

impl FsBlobStore {
    /// A store rooted at `root` (created when missing).
    pub fn open(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root.join("images"))?;
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Self {
            root: root.to_path_buf(),
            counter: AtomicU64::new(0),
        })
    }

    fn image_dir(&self, id: &str) -> PathBuf {
        // Ids are validated hex before they reach storage, so they are safe path components.
        self.root.join("images").join(id)
    }

    fn temp_path(&self) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let nonce: u64 = rand::random();
        self.root.join("tmp").join(format!("{n}-{nonce:016x}.part"))
    }
}

/// Removes the file when dropped unless disarmed.
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

async fn write_atomically(tmp: PathBuf, dest: PathBuf, data: Bytes) -> std::io::Result<()> {
    let guard = TempGuard(Some(tmp.clone()));
    let mut file = tokio::fs::File::create(&tmp).await?;
    file.write_all(&data).await?;
    file.sync_all().await?;
    drop(file);
    if let Some(dir) = dest.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    tokio::fs::rename(&tmp, &dest).await?;
    std::mem::forget(guard);
    Ok(())
}

impl BlobStore for FsBlobStore {
    fn put_json(&self, id: &str, json: Bytes) -> BoxFuture<'_, std::io::Result<()>> {
        let dest = self.image_dir(id).join("json");
        write_atomically(self.temp_path(), dest, json).boxed()
    }

    fn get_json(&self, id: &str) -> BoxFuture<'_, std::io::Result<Option<Bytes>>> {
        let path = self.image_dir(id).join("json");
        async move {
            match tokio::fs::read(&path).await {
                Ok(data) => Ok(Some(Bytes::from(data))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        }
        .boxed()
    }

    fn begin_layer(&self, id: &str) -> BoxFuture<'_, std::io::Result<Box<dyn LayerUpload>>> {
        let tmp = self.temp_path();
        let dest = self.image_dir(id).join("layer");
        async move {
            let file = tokio::fs::File::create(&tmp).await?;
            let flusher = std::sync::Arc::new(file.try_clone().await?.into_std().await);
            let upload = FsUpload {
                file: tokio::io::BufWriter::with_capacity(256 << 10, file),
                guard: TempGuard(Some(tmp)),
                dest,
                flusher,
                unflushed: 0,
                flushing: None,
            };
            Ok(Box::new(upload) as Box<dyn LayerUpload>)
        }
        .boxed()
    }

    fn open_layer(
        &self,
        id: &str,
        range: Option<ByteRange>,
    ) -> BoxFuture<'_, std::io::Result<Option<LayerRead>>> {
        let path = self.image_dir(id).join("layer");
        async move {
            let mut file = match tokio::fs::File::open(&path).await {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let size = file.metadata().await?.len();
            let body = match range {
                None => ReaderStream::with_capacity(file, 256 << 10).boxed(),
                Some(r) => {
                    file.seek(SeekFrom::Start(r.start)).await?;
                    let len = r.end.saturating_sub(r.start) + 1;
                    ReaderStream::with_capacity(file.take(len), 256 << 10).boxed()
                }
            };
            Ok(Some(LayerRead { size, body }))
        }
        .boxed()
    }

    fn clean_temporary(&self) -> BoxFuture<'_, std::io::Result<()>> {
        let dir = self.root.join("tmp");
        async move {
            let mut entries = tokio::fs::read_dir(&dir).await?;
            while let Some(entry) = entries.next_entry().await? {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
            Ok(())
        }
        .boxed()
    }
}

/// Bytes written between two background write-backs of an upload.
const FLUSH_EVERY: u64 = 64 << 20;

struct FsUpload {
    file: tokio::io::BufWriter<tokio::fs::File>,
    guard: TempGuard,
    dest: PathBuf,
    /// The same file, for `fdatasync` on a blocking thread while the upload goes on.
    flusher: std::sync::Arc<std::fs::File>,
    /// Bytes written since the last write-back started.
    unflushed: u64,
    flushing: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl FsUpload {
    /// Starts writing what the kernel holds of the upload to disk every [`FLUSH_EVERY`]
    /// bytes, without waiting: the disk works while the body still arrives, so the `fsync`
    /// of [`LayerUpload::commit`] has only the tail left (a 1 GiB layer otherwise waits about
    /// 2 s there on this machine's disk). A failure shows again in that `fsync`.
    fn write_back_in_background(&mut self) {
        if self.unflushed < FLUSH_EVERY || self.flushing.as_ref().is_some_and(|h| !h.is_finished())
        {
            return;
        }
        self.unflushed = 0;
        let file = std::sync::Arc::clone(&self.flusher);
        self.flushing = Some(tokio::task::spawn_blocking(move || file.sync_data()));
    }
}

impl LayerUpload for FsUpload {
    fn write<'a>(&'a mut self, chunk: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>> {
        async move {
            self.file.write_all(chunk).await?;
            self.unflushed += chunk.len() as u64;
            self.write_back_in_background();
            Ok(())
        }
        .boxed()
    }

    fn commit(self: Box<Self>) -> BoxFuture<'static, std::io::Result<()>> {
        let Self {
            mut file,
            mut guard,
            dest,
            flushing,
            ..
        } = *self;
        async move {
            if let Some(flushing) = flushing {
                // Its outcome is checked again by the `sync_all` below.
                let _ = flushing.await;
            }
            file.flush().await?;
            file.get_ref().sync_all().await?;
            drop(file);
            if let Some(dir) = dest.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let tmp = guard.0.take().unwrap_or_default();
            if let Err(e) = tokio::fs::rename(&tmp, &dest).await {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
            Ok(())
        }
        .boxed()
    }
}
