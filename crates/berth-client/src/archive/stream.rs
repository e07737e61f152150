//! Decompressing a layer blob into the archive on a worker thread while it is received.
//!
//! A pull hands each chunk of the body to [`LayerStream::update`] as it arrives (after writing
//! it to the cache and hashing it); a scoped worker thread decodes it with the engine's
//! [`Decoder`] (gzip or plain tar, detected like docker's `DetectCompression`; CRC-32 and size of
//! every gzip member checked) and a second one writes the tar bytes into the archive's
//! `layer.tar` entry. So inflating, the slow part of a pull, runs beside the download and the
//! page-cache copies of the writes, and nothing is decompressed twice.
//!
//! Chunks are batched into 256 KiB buffers that are recycled, and at most `DEPTH` (8) are in flight,
//! so memory stays flat whatever the layer size.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

use anyhow::Context;
use berth_layer::{Decoder, LayerError};

/// Bytes batched into one message to the worker.
const BATCH: usize = 256 * 1024;

/// Most batches queued for the worker at once.
const DEPTH: usize = 8;

/// A layer blob being unpacked into `out` while it is fed, on two scoped worker threads: one
/// decodes it with the engine's [`Decoder`] (gzip or plain tar, detected like docker's
/// `DetectCompression`, the CRC-32 and size of every gzip member checked), the other writes the
/// tar bytes. Bytes are batched into recycled 256 KiB buffers, a few in flight, so memory stays
/// flat whatever the layer size.
pub struct LayerStream<'scope> {
    input: Batcher,
    decoder: ScopedJoinHandle<'scope, anyhow::Result<u64>>,
    writer: ScopedJoinHandle<'scope, io::Result<()>>,
}

impl std::fmt::Debug for LayerStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayerStream")
            .field("batched", &self.input.batch.len())
            .finish_non_exhaustive()
    }
}

impl<'scope> LayerStream<'scope> {
    /// Starts the workers in `scope`: one decodes, the other writes the tar bytes to `out`.
    pub fn start<'env, W>(scope: &'scope Scope<'scope, 'env>, out: &'scope mut W) -> Self
    where
        W: Write + Send,
    {
        let (input, blob, blob_free) = Batcher::new();
        let (tar, tar_batches, tar_free) = Batcher::new();
        let decoder = scope.spawn(move || decode(&blob, &blob_free, tar));
        let writer = scope.spawn(move || write(out, &tar_batches, &tar_free));
        Self {
            input,
            decoder,
            writer,
        }
    }

    /// Queues the next bytes of the blob. Fails when a worker has stopped on an error (the
    /// blob is not gzip or tar, or the archive cannot be written); the error is returned by
    /// [`finish`](Self::finish).
    pub fn update(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.input.push(bytes)
    }

    /// Ends the blob: waits for the workers and returns the size of the decoded tar.
    pub fn finish(mut self) -> anyhow::Result<u64> {
        let sent = self.input.flush();
        self.input.close();
        let decoded = join(self.decoder);
        let written = join(self.writer);
        // A write error explains a failed decode (its output stopped), and a worker's error
        // explains a failed send better than the send itself.
        written.context("cannot write the layer into the archive")?;
        let size = decoded?;
        sent?;
        Ok(size)
    }

    /// Stops the workers without checking that the blob was complete (the download broke off).
    pub fn abandon(mut self) {
        self.input.close();
        drop(join(self.decoder));
        drop(join(self.writer));
    }
}

fn join<T>(worker: ScopedJoinHandle<'_, T>) -> T {
    match worker.join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Batches bytes into [`BATCH`]-sized buffers sent to a worker, which hands them back to
/// be reused.
struct Batcher {
    batch: Vec<u8>,
    to: Option<SyncSender<Vec<u8>>>,
    free: Receiver<Vec<u8>>,
}

impl Batcher {
    /// The batcher, the worker's receiver, and the worker's way to give buffers back.
    fn new() -> (Self, Receiver<Vec<u8>>, SyncSender<Vec<u8>>) {
        let (to, batches) = sync_channel(DEPTH);
        let (to_free, free) = sync_channel(DEPTH + 1);
        let batcher = Self {
            batch: Vec::with_capacity(BATCH),
            to: Some(to),
            free,
        };
        (batcher, batches, to_free)
    }

    fn push(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let take = (BATCH - self.batch.len()).min(bytes.len());
            self.batch.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.batch.len() == BATCH {
                self.send()?;
            }
        }
        Ok(())
    }

    /// Sends what is batched.
    fn flush(&mut self) -> io::Result<()> {
        if self.batch.is_empty() {
            Ok(())
        } else {
            self.send()
        }
    }

    /// Tells the worker that nothing more comes.
    fn close(&mut self) {
        self.to = None;
    }

    fn send(&mut self) -> io::Result<()> {
        let mut next = self
            .free
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        next.clear();
        let full = std::mem::replace(&mut self.batch, next);
        let stopped = || io::Error::other("the layer worker stopped");
        self.to
            .as_ref()
            .ok_or_else(stopped)?
            .send(full)
            .map_err(|_| stopped())
    }
}

/// The decode worker: decodes every blob batch and batches the tar bytes for the writer.
fn decode(
    batches: &Receiver<Vec<u8>>,
    free: &SyncSender<Vec<u8>>,
    mut tar: Batcher,
) -> anyhow::Result<u64> {
    let mut decoder = Decoder::new();
    let mut size = 0u64;
    // The decoder's sink can only fail with a `LayerError`. When the writer has stopped,
    // the decoder is stopped with a placeholder; `finish` reports the writer's error.
    let mut sink = |bytes: &[u8]| -> Result<(), LayerError> {
        size += bytes.len() as u64;
        tar.push(bytes)
            .map_err(|_| LayerError::GzipTruncated { offset: 0 })
    };
    let mut result = Ok(());
    for batch in batches {
        result = decoder.update(&batch, &mut sink);
        // The caller may have stopped taking buffers back; then this one is dropped.
        let _ = free.try_send(batch);
        if result.is_err() {
            break;
        }
    }
    let result = result.and_then(|()| decoder.finish(&mut sink).map(drop));
    result.context("the layer is not a valid gzip or tar archive")?;
    tar.flush()
        .context("cannot write the layer into the archive")?;
    Ok(size)
}

/// The write worker: writes every tar batch to `out`.
fn write<W: Write>(
    out: &mut W,
    batches: &Receiver<Vec<u8>>,
    free: &SyncSender<Vec<u8>>,
) -> io::Result<()> {
    for batch in batches {
        out.write_all(&batch)?;
        let _ = free.try_send(batch);
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn run(blob: &[u8], chunk: usize) -> (anyhow::Result<u64>, Vec<u8>) {
        let mut out = Vec::new();
        let result = std::thread::scope(|s| {
            let mut stream = LayerStream::start(s, &mut out);
            for piece in blob.chunks(chunk) {
                if stream.update(piece).is_err() {
                    break;
                }
            }
            stream.finish()
        });
        (result, out)
    }

    fn content() -> Vec<u8> {
        (0..3 * BATCH + 17).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn gzip_and_plain_blobs_decode_for_any_chunking() {
        let tar = content();
        for blob in [gzip(&tar), tar.clone()] {
            for chunk in [1 << 20, BATCH, 4096, 7] {
                let (size, out) = run(&blob, chunk);
                assert_eq!(size.unwrap(), tar.len() as u64);
                assert_eq!(out, tar);
            }
        }
    }

    #[test]
    fn a_corrupt_or_truncated_gzip_blob_is_an_error() {
        let blob = gzip(&content());
        let (result, _) = run(&blob[..blob.len() - 3], 4096);
        let err = format!("{:#}", result.unwrap_err());
        assert!(err.contains("truncated"), "{err}");
        let mut bad = blob.clone();
        let crc_at = bad.len() - 8;
        bad[crc_at] ^= 0xff;
        let (result, _) = run(&bad, 4096);
        let err = format!("{:#}", result.unwrap_err());
        assert!(err.contains("crc32 mismatch"), "{err}");
    }

    #[test]
    fn a_write_error_is_reported_as_such() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let blob = gzip(&content());
        let mut out = Full;
        let result = std::thread::scope(|s| {
            let mut stream = LayerStream::start(s, &mut out);
            for piece in blob.chunks(4096) {
                if stream.update(piece).is_err() {
                    break;
                }
            }
            stream.finish()
        });
        let err = format!("{:#}", result.unwrap_err());
        assert_eq!(err, "cannot write the layer into the archive: disk full");
    }
}
