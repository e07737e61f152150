//! [`SplitDigester`]: digests of a gzip layer that the caller is compressing itself (a push),
//! from the tar bytes it compresses and the blob bytes it sends, without inflating again.

use std::sync::Arc;

use berth_layer::{Compression, LayerDigests, LayerError, LayerOptions};

use crate::buffers::{Buf, Pool};
use crate::worker::{Msg, Worker};

/// Digests of a gzip layer built by the caller, computed on a worker thread.
///
/// The caller passes the uncompressed tar bytes it compresses ([`update_tar`]) and the gzip
/// bytes it produces ([`update_blob`]); the tar digests come from the former, the blob digests
/// from the latter, so nothing is inflated. The results equal
/// [`berth_layer::LayerDigester`]'s over the blob when the blob is the gzip of the tar (which
/// this type trusts, the caller having made it).
///
/// ```
/// use std::io::Write as _;
/// use berth_layer::{LayerDigester, LayerOptions};
/// use berth_pipeline::SplitDigester;
///
/// let tar = vec![0u8; 1024]; // an empty tar archive
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
/// gz.write_all(&tar)?;
/// let blob = gz.finish()?;
///
/// let opts = LayerOptions::new().extra(b"{}".to_vec());
/// let mut split = SplitDigester::new(opts.clone());
/// split.update_tar(&tar)?;
/// split.update_blob(&blob);
/// let mut one = LayerDigester::new(opts);
/// one.update(&blob)?;
/// assert_eq!(split.finish()?, one.finish()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`update_tar`]: SplitDigester::update_tar
/// [`update_blob`]: SplitDigester::update_blob
pub struct SplitDigester {
    worker: Option<Worker>,
    pool: Pool,
    tar: Option<Buf>,
    blob: Option<Buf>,
    lenient: bool,
}

impl std::fmt::Debug for SplitDigester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplitDigester").finish_non_exhaustive()
    }
}

impl SplitDigester {
    /// Starts the digests of a gzip layer; spawns the worker thread.
    pub fn new(opts: LayerOptions) -> Self {
        Self {
            worker: Some(Worker::spawn(&opts)),
            pool: Pool::new(),
            tar: None,
            blob: None,
            lenient: opts.lenient,
        }
    }

    /// Feeds the next uncompressed tar bytes. In strict mode a tar error found so far is
    /// returned; in lenient mode this never fails.
    pub fn update_tar(&mut self, chunk: &[u8]) -> Result<(), LayerError> {
        feed(&self.worker, &self.pool, &mut self.tar, chunk, Msg::Tar);
        match self.worker.as_ref().and_then(Worker::error) {
            Some(e) if !self.lenient => Err(e.clone()),
            _ => Ok(()),
        }
    }

    /// Feeds the next gzip bytes of the blob.
    pub fn update_blob(&mut self, chunk: &[u8]) {
        feed(&self.worker, &self.pool, &mut self.blob, chunk, Msg::Blob);
    }

    /// Ends both streams and returns the digests (compression: gzip).
    pub fn finish(mut self) -> Result<LayerDigests, LayerError> {
        let Some(worker) = self.worker.take() else {
            unreachable!("the worker is taken only here")
        };
        for (cur, msg) in [
            (self.tar.take(), Msg::Tar as fn(Arc<Buf>) -> Msg),
            (self.blob.take(), Msg::Blob),
        ] {
            if let Some(b) = cur.filter(|b| b.len() > 0) {
                worker.send(msg(Arc::new(b)));
            }
        }
        let out = worker.join();
        let archive = match out.error {
            Some(e) => Err(e),
            None => out.tar.finish(),
        };
        if !self.lenient {
            archive.clone()?;
        }
        Ok(LayerDigests {
            blob: out.blob.finish(),
            compression: Compression::Gzip,
            archive,
        })
    }
}

/// Copies `chunk` into the current buffer of one stream, sending each full buffer.
fn feed(
    worker: &Option<Worker>,
    pool: &Pool,
    cur: &mut Option<Buf>,
    mut chunk: &[u8],
    msg: fn(Arc<Buf>) -> Msg,
) {
    let Some(worker) = worker else { return };
    while !chunk.is_empty() {
        let b = cur.get_or_insert_with(|| pool.get());
        let n = b.append(chunk);
        chunk = &chunk[n..];
        if b.is_full() {
            if let Some(b) = cur.take() {
                worker.send(msg(Arc::new(b)));
            }
        }
    }
}
