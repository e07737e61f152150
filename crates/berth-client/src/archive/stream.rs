//! Decompressing a layer blob into the archive on worker threads while it is received.
//!
//! A pull hands each chunk of the body to [`LayerStream::update`] as it arrives (after writing
//! it to the cache and hashing it); a scoped worker thread decodes it with the engine's
//! [`Decoder`] (gzip or plain tar, detected like docker's `DetectCompression`) and a second one
//! writes the tar bytes into the archive's `layer.tar` entry. So inflating, the slow part of a
//! pull, runs beside the download and the page-cache copies of the writes, and nothing is
//! decompressed twice. The inflating thread does nothing else: its output buffers go to the
//! writer by ownership (no copy), and the writer checks each gzip member's CRC-32 and size
//! trailer (`Decoder::with_deferred_crc`) on the bytes it writes.
//!
//! Buffers are recycled and at most `DEPTH` (8) are queued for each worker, so memory stays
//! flat whatever the layer size.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

use berth_layer::{CrcCheck, Decoder, LayerError, TarSink};
use flate2::Crc;

/// Bytes batched into one message to the worker.
const BATCH: usize = 256 * 1024;

/// Most batches queued for the worker at once.
const DEPTH: usize = 8;

/// A layer blob being unpacked into `out` while it is fed, on two scoped worker threads: one
/// decodes it with the engine's [`Decoder`] (gzip or plain tar, detected like docker's
/// `DetectCompression`), the other writes the tar bytes and checks the CRC-32 of every gzip
/// member. Buffers are recycled, a few in flight, so memory stays flat whatever the layer size.
pub struct LayerStream<'scope> {
    input: Batcher,
    decoder: ScopedJoinHandle<'scope, Result<u64, LayerError>>,
    writer: ScopedJoinHandle<'scope, Result<(), WriteFailure>>,
}

/// What the decoding thread sends the writing thread, in stream order.
enum ToWriter {
    /// Tar bytes to write (the whole vector).
    Tar(Vec<u8>),
    /// A gzip member ended: the CRC-32 of its tar bytes must match.
    MemberEnd(CrcCheck),
}

/// Why the writing thread stopped.
enum WriteFailure {
    /// Writing the archive failed.
    Io(io::Error),
    /// A gzip member's CRC-32 did not match its trailer.
    Layer(LayerError),
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
        let (to_writer, from_decoder) = sync_channel(DEPTH);
        let (tar_free, tar_spare) = sync_channel(DEPTH + 2);
        let decoder = scope.spawn(move || {
            let mut sink = WriterSink {
                to: to_writer,
                spare: tar_spare,
                plain: Vec::with_capacity(BATCH),
                size: 0,
            };
            decode(&blob, &blob_free, &mut sink)
        });
        let writer = scope.spawn(move || write(out, &from_decoder, &tar_free));
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
        // A write error explains a failed decode (its output stopped); a CRC-32 error of the
        // writer is about bytes before any error of the decoder; and a worker's error explains
        // a failed send better than the send itself.
        match written {
            Err(WriteFailure::Io(err)) => {
                return Err(
                    anyhow::Error::new(err).context("cannot write the layer into the archive")
                );
            }
            Err(WriteFailure::Layer(err)) => return Err(invalid(err)),
            Ok(()) => {}
        }
        let size = decoded.map_err(invalid)?;
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

/// The error of a blob that is not a layer.
fn invalid(err: LayerError) -> anyhow::Error {
    anyhow::Error::new(err).context("the layer is not a valid gzip or tar archive")
}

/// The decoder's output, sent on to the writing thread.
struct WriterSink {
    to: SyncSender<ToWriter>,
    /// Buffers the writer is done with.
    spare: Receiver<Vec<u8>>,
    /// Plain tar bytes batched here (the decoder passes plain input through as slices).
    plain: Vec<u8>,
    /// Tar bytes passed on so far.
    size: u64,
}

impl WriterSink {
    fn send(&self, msg: ToWriter) -> Result<(), LayerError> {
        // The writer stopped on an error, which `finish` reports; stop the decoder too.
        self.to
            .send(msg)
            .map_err(|_| LayerError::GzipTruncated { offset: 0 })
    }

    fn spare(&self) -> Vec<u8> {
        self.spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(Decoder::OUT_BUF))
    }

    /// Sends the plain bytes batched so far.
    fn flush_plain(&mut self) -> Result<(), LayerError> {
        if self.plain.is_empty() {
            return Ok(());
        }
        let mut next = self.spare();
        next.clear();
        let full = std::mem::replace(&mut self.plain, next);
        self.send(ToWriter::Tar(full))
    }
}

impl TarSink for WriterSink {
    fn bytes(&mut self, mut tar: &[u8]) -> Result<(), LayerError> {
        self.size += tar.len() as u64;
        while !tar.is_empty() {
            let take = (BATCH - self.plain.len()).min(tar.len());
            self.plain.extend_from_slice(&tar[..take]);
            tar = &tar[take..];
            if self.plain.len() == BATCH {
                self.flush_plain()?;
            }
        }
        Ok(())
    }

    fn buffer(&mut self, tar: Vec<u8>) -> Result<Vec<u8>, LayerError> {
        self.size += tar.len() as u64;
        self.send(ToWriter::Tar(tar))?;
        Ok(self.spare())
    }

    fn member_end(&mut self, check: CrcCheck) -> Result<(), LayerError> {
        self.send(ToWriter::MemberEnd(check))
    }
}

/// The decode worker: decodes every blob batch into `sink`; returns the tar size.
fn decode(
    batches: &Receiver<Vec<u8>>,
    free: &SyncSender<Vec<u8>>,
    sink: &mut WriterSink,
) -> Result<u64, LayerError> {
    let mut decoder = Decoder::with_deferred_crc();
    for batch in batches {
        let result = decoder.update_owned(&batch, sink);
        // The caller may have stopped taking buffers back; then this one is dropped.
        let _ = free.try_send(batch);
        result?;
    }
    decoder.finish_owned(sink)?;
    sink.flush_plain()?;
    Ok(sink.size)
}

/// The write worker: writes the tar bytes to `out`, checking each gzip member's CRC-32.
fn write<W: Write>(
    out: &mut W,
    from: &Receiver<ToWriter>,
    free: &SyncSender<Vec<u8>>,
) -> Result<(), WriteFailure> {
    let mut crc = Crc::new();
    for msg in from {
        match msg {
            ToWriter::Tar(tar) => {
                crc.update(&tar);
                out.write_all(&tar).map_err(WriteFailure::Io)?;
                let _ = free.try_send(tar);
            }
            ToWriter::MemberEnd(check) => {
                check.verify(crc.sum()).map_err(WriteFailure::Layer)?;
                crc.reset();
            }
        }
    }
    out.flush().map_err(WriteFailure::Io)
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
    fn every_member_of_a_multi_member_gzip_is_written_and_checked() {
        let tar = content();
        let (a, b) = tar.split_at(BATCH + 5);
        let mut blob = gzip(a);
        let first_len = blob.len();
        blob.extend_from_slice(&gzip(b));
        let (size, out) = run(&blob, 4096);
        assert_eq!(size.unwrap(), tar.len() as u64);
        assert_eq!(out, tar);
        // The first member's CRC-32 is checked by the writer, before the second member.
        let mut bad = blob.clone();
        bad[first_len - 8] ^= 0x01;
        let (result, _) = run(&bad, 4096);
        let err = format!("{:#}", result.unwrap_err());
        assert!(
            err.contains(&format!("crc32 mismatch at blob offset {}", first_len - 8)),
            "{err}"
        );
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
