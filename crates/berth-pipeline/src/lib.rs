//! Layer digests on two threads, with the same results as [`berth_layer::LayerDigester`].
//!
//! [`berth_layer`] splits the work into stages ([`BlobDigester`], [`Decoder`],
//! [`TarDigester`](berth_layer::TarDigester)); this adapter runs them on two cores:
//!
//! ```text
//!             caller's thread                         worker thread
//! gzip:   Decoder (inflate) ── inflate buffers ──▶ gzip CRC-32, TarDigester (tar sha256,
//!                                                  TarSum v0 + v1)
//!         blob bytes ──────────────────────────▶ BlobDigester (blob sha256 + payload)
//! plain:  BlobDigester (blob sha256 + payload)
//!         Decoder (passthrough) ─ same buffers ──▶ TarDigester (TarSum v0 + v1)
//! ```
//!
//! For gzip, inflating is the slow part and everything else hides behind it; for plain tar
//! the four SHA-256 streams are split two and two, each pair interleaved on its core
//! (`berth-sha256x` lanes inside `berth-layer`). Read buffers are 64 KiB, small enough to stay
//! in L2 between the read and the hashing; they are shared between the threads without
//! copying (plain). For gzip the inflater's own 128 KiB output buffers are handed to the
//! worker ([`Decoder::update_owned`]) and the member CRC-32s are computed there too
//! ([`Decoder::with_deferred_crc`]), so the caller's thread only reads and inflates. Buffers
//! are recycled; at most [`DEPTH`] are in
//! flight, so memory stays flat (a few MiB; 5–7 MiB peak RSS for 0.6–3 GB layers) whatever
//! the layer size; only TarSum's per-entry list (80 bytes an entry) grows with the number of
//! files.
//!
//! [`ParallelGzip`] is the other direction, for pushes: gzip compressed on every core (pigz's
//! method), one standard gzip member.
//!
//! Errors: in strict mode an archive error found by the worker is returned by a later
//! [`update`](PipelinedDigester::update) or by [`finish`](PipelinedDigester::finish); the
//! error returned is the one the single-threaded engine returns.
//!
//! ```
//! use berth_layer::{LayerDigester, LayerOptions};
//! use berth_pipeline::{PipelinedDigester, digest_reader};
//!
//! let layer = vec![0u8; 1024]; // an empty tar archive
//! let opts = LayerOptions::new().extra(b"{}".to_vec());
//! let mut one = LayerDigester::new(opts.clone());
//! one.update(&layer)?;
//! let mut two = PipelinedDigester::new(opts.clone());
//! two.update(&layer)?;
//! let expected = one.finish()?;
//! assert_eq!(two.finish()?, expected);
//! assert_eq!(digest_reader(&layer[..], opts)?, expected);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod buffers;
mod gzip;
mod split;
mod worker;

use std::io::Read;
use std::sync::Arc;

use berth_layer::{
    BlobDigester, Compression, CrcCheck, Decoder, LayerDigests, LayerError, LayerOptions, TarSink,
};

use buffers::{BUF, Buf, Pool};
pub use gzip::{DEFAULT_BLOCK, ParallelGzip, default_threads};
pub use split::SplitDigester;
use worker::{Msg, Worker};

/// Most buffers queued for the worker at once.
pub const DEPTH: usize = 32;

/// Streaming layer digests computed on two threads; the same API and results as
/// [`berth_layer::LayerDigester`].
pub struct PipelinedDigester {
    /// `None` only once `finish` took it.
    worker: Option<Worker>,
    pool: Pool,
    /// Bytes given to `update` not yet dispatched.
    cur: Option<Buf>,
    decoder: Decoder,
    decoder_error: Option<LayerError>,
    /// The blob digester when the blob is hashed on this thread (not gzip).
    blob: BlobDigester,
    /// `Some(true)` once gzip was detected (blob hashed by the worker), `Some(false)` for
    /// anything else; `None` while undecided.
    blob_on_worker: Option<bool>,
    /// Buffers seen before the compression was decided (a few bytes at most).
    pending: Vec<Arc<Buf>>,
    lenient: bool,
    size: u64,
}

impl std::fmt::Debug for PipelinedDigester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelinedDigester")
            .field("size", &self.size)
            .field("decoder", &self.decoder)
            .finish_non_exhaustive()
    }
}

impl PipelinedDigester {
    /// Starts digesting a layer; spawns the worker thread.
    pub fn new(opts: LayerOptions) -> Self {
        Self {
            worker: Some(Worker::spawn(&opts)),
            pool: Pool::new(),
            cur: None,
            decoder: Decoder::with_deferred_crc(),
            decoder_error: None,
            blob: BlobDigester::new(&opts.extra),
            blob_on_worker: None,
            pending: Vec::new(),
            lenient: opts.lenient,
            size: 0,
        }
    }

    /// Number of blob bytes fed so far.
    pub fn blob_size(&self) -> u64 {
        self.size + self.cur.as_ref().map_or(0, |b| b.len() as u64)
    }

    /// Feeds the next blob bytes (copied into the pipeline's buffers). In strict mode an
    /// archive error found so far is returned; in lenient mode this never fails.
    pub fn update(&mut self, mut chunk: &[u8]) -> Result<(), LayerError> {
        while !chunk.is_empty() {
            let cur = self.cur.get_or_insert_with(|| self.pool.get());
            let n = cur.append(chunk);
            chunk = &chunk[n..];
            if cur.is_full() {
                if let Some(b) = self.cur.take() {
                    self.dispatch(b);
                }
            }
        }
        self.status()
    }

    /// Reads `reader` to its end straight into the pipeline's buffers (no extra copy).
    pub fn update_from(&mut self, reader: &mut impl Read) -> std::io::Result<()> {
        loop {
            let mut buf = self.cur.take().unwrap_or_else(|| self.pool.get());
            let eof = buf.fill_from(reader)?;
            if buf.is_full() {
                self.dispatch(buf);
            } else {
                self.cur = Some(buf);
            }
            self.status()?;
            if eof {
                return Ok(());
            }
        }
    }

    /// The first archive error so far in strict mode.
    fn status(&self) -> Result<(), LayerError> {
        if self.lenient {
            return Ok(());
        }
        let worker_error = self.worker.as_ref().and_then(Worker::error);
        match (worker_error, &self.decoder_error) {
            (Some(e), _) | (None, Some(e)) => Err(e.clone()),
            (None, None) => Ok(()),
        }
    }

    fn send(&self, msg: Msg) {
        if let Some(w) = &self.worker {
            w.send(msg);
        }
    }

    /// Decodes one buffer here and routes blob and tar bytes to where they are hashed.
    fn dispatch(&mut self, buf: Buf) {
        let buf = Arc::new(buf);
        self.size += buf.len() as u64;
        if self.blob_on_worker.is_none() {
            match self.decoder.detect_with(buf.bytes()) {
                None => {}
                Some(c) => {
                    if c == Compression::None {
                        self.send(Msg::SkipStream);
                    }
                    let on_worker = c == Compression::Gzip;
                    self.blob_on_worker = Some(on_worker);
                    for b in std::mem::take(&mut self.pending) {
                        self.hash_blob(b, on_worker);
                    }
                }
            }
        }
        if self.decoder_error.is_none() {
            let mut route = Route {
                worker: &self.worker,
                pool: &self.pool,
                whole: &buf,
            };
            let r = self.decoder.update_owned(buf.bytes(), &mut route);
            if let Err(e) = r {
                self.decoder_error = Some(e);
            }
        }
        match self.blob_on_worker {
            Some(on_worker) => self.hash_blob(buf, on_worker),
            None => self.pending.push(buf),
        }
    }

    fn hash_blob(&mut self, buf: Arc<Buf>, on_worker: bool) {
        if on_worker {
            self.send(Msg::Blob(buf));
        } else {
            self.blob.update(buf.bytes());
        }
    }

    /// Ends the blob and returns all digests, exactly as [`berth_layer::LayerDigester::finish`].
    pub fn finish(mut self) -> Result<LayerDigests, LayerError> {
        if let Some(b) = self.cur.take() {
            if b.len() > 0 {
                self.dispatch(b);
            }
        }
        let detected = self.decoder.compression();
        let decoder = std::mem::take(&mut self.decoder);
        let end = match self.decoder_error.take() {
            Some(e) => Err(e),
            None => decoder.finish_owned(&mut Route {
                worker: &self.worker,
                pool: &self.pool,
                whole: &Arc::new(Buf::empty()),
            }),
        };
        let on_worker = self.blob_on_worker.unwrap_or(false);
        for b in std::mem::take(&mut self.pending) {
            self.hash_blob(b, on_worker);
        }
        let Some(worker) = self.worker.take() else {
            unreachable!("the worker is taken only here")
        };
        let out = worker.join();
        let blob_stage = if on_worker {
            out.blob
        } else {
            std::mem::replace(&mut self.blob, BlobDigester::new(b""))
        };
        let blob = blob_stage.finish();
        // The worker's error came from tar bytes before any decoder error, so it is the one
        // the single-threaded engine meets first.
        let archive = match (out.error, end) {
            (Some(e), _) | (None, Err(e)) => Err(e),
            (None, Ok(c)) => {
                let stream = (c == Compression::None).then_some(blob.sha256);
                out.tar.finish_with(stream).map(|t| (c, t))
            }
        };
        let (compression, archive) = match archive {
            Ok((c, t)) => (c, Ok(t)),
            Err(e) => (detected.unwrap_or(Compression::None), Err(e)),
        };
        if !self.lenient {
            archive.clone()?;
        }
        Ok(LayerDigests {
            blob,
            compression,
            archive,
        })
    }
}

/// Sends the decoder's output to the worker, without copying it: inflated buffers are handed
/// over (and replaced from the pool), plain tar goes as the very buffer it was read into.
struct Route<'a> {
    worker: &'a Option<Worker>,
    pool: &'a Pool,
    /// The buffer being decoded.
    whole: &'a Arc<Buf>,
}

impl TarSink for Route<'_> {
    fn bytes(&mut self, tar: &[u8]) -> Result<(), LayerError> {
        let Some(worker) = self.worker else {
            return Ok(());
        };
        let bytes = self.whole.bytes();
        if tar.as_ptr() == bytes.as_ptr() && tar.len() == bytes.len() {
            worker.send(Msg::Tar(Arc::clone(self.whole)));
            return Ok(());
        }
        // Part of a buffer (the bytes held for detection): copied.
        for piece in tar.chunks(BUF) {
            let mut b = self.pool.get();
            b.append(piece);
            worker.send(Msg::Tar(Arc::new(b)));
        }
        Ok(())
    }

    fn buffer(&mut self, tar: Vec<u8>) -> Result<Vec<u8>, LayerError> {
        if let Some(worker) = self.worker {
            worker.send(Msg::Inflated(self.pool.filled(tar)));
        }
        Ok(self.pool.get_vec())
    }

    fn member_end(&mut self, check: CrcCheck) -> Result<(), LayerError> {
        if let Some(worker) = self.worker {
            worker.send(Msg::MemberEnd(check));
        }
        Ok(())
    }
}

impl std::io::Write for PipelinedDigester {
    /// Same as [`PipelinedDigester::update`]; an archive error becomes `InvalidData`.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Digests everything `reader` yields with a [`PipelinedDigester`]; archive errors (strict
/// mode) come back as `io::ErrorKind::InvalidData` wrapping the [`LayerError`].
pub fn digest_reader(mut reader: impl Read, opts: LayerOptions) -> std::io::Result<LayerDigests> {
    let mut d = PipelinedDigester::new(opts);
    d.update_from(&mut reader)?;
    Ok(d.finish()?)
}
