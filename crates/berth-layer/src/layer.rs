//! The single-threaded composition of the three stages: [`BlobDigester`], [`Decoder`],
//! [`TarDigester`].

use crate::blob::{BlobDigester, BlobDigests};
use crate::decoder::{Compression, Decoder};
use crate::error::LayerError;
use crate::tar::{TarDigester, TarDigests};

/// Default limit for one PAX header or GNU long name/link body: 1 MiB (as Go ≥1.10's
/// `maxSpecialFileSize`).
pub const DEFAULT_MAX_META_SIZE: u64 = 1 << 20;

/// What to compute and how strict to be.
///
/// ```
/// let opts = berth_layer::LayerOptions::new().extra(b"{}".to_vec()).lenient(true);
/// assert!(opts.tarsum_v0 && opts.tarsum_v1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayerOptions {
    /// The image JSON: prepended to the final TarSum hash (docker passes `jsonRaw`) and to the
    /// payload checksum (`json || "\n" || blob`). Empty by default.
    pub extra: Vec<u8>,
    /// Lenient mode: `update` never fails, and `finish` always returns the blob digests, with
    /// the archive outcome in [`LayerDigests::archive`]. For a registry, which stores any bytes
    /// as a layer. Off by default (strict: the first archive error is returned by `update`).
    pub lenient: bool,
    /// Compute `tarsum+sha256` (Version0). On by default.
    pub tarsum_v0: bool,
    /// Compute `tarsum.v1+sha256` and `tarsum.dev+sha256` (same digest). On by default.
    pub tarsum_v1: bool,
    /// Largest accepted PAX header or GNU long name/link body, in bytes
    /// ([`DEFAULT_MAX_META_SIZE`] by default); larger ones are [`LayerError::MetaTooLarge`].
    pub max_meta_size: u64,
}

impl Default for LayerOptions {
    fn default() -> Self {
        Self {
            extra: Vec::new(),
            lenient: false,
            tarsum_v0: true,
            tarsum_v1: true,
            max_meta_size: DEFAULT_MAX_META_SIZE,
        }
    }
}

impl LayerOptions {
    /// The defaults: strict, both TarSum versions, no extra, 1 MiB meta limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`LayerOptions::extra`] (the image JSON bytes).
    pub fn extra(mut self, json: Vec<u8>) -> Self {
        self.extra = json;
        self
    }

    /// Sets [`LayerOptions::lenient`].
    pub fn lenient(mut self, on: bool) -> Self {
        self.lenient = on;
        self
    }

    /// Sets which TarSums to compute (`v1` covers `tarsum.dev` too); with both off only the
    /// blob digests, tar stream digest and entry count are computed.
    pub fn tarsums(mut self, v0: bool, v1: bool) -> Self {
        self.tarsum_v0 = v0;
        self.tarsum_v1 = v1;
        self
    }

    /// Sets [`LayerOptions::max_meta_size`].
    pub fn max_meta_size(mut self, bytes: u64) -> Self {
        self.max_meta_size = bytes;
        self
    }
}

/// Everything computed for one layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerDigests {
    /// Digests of the bytes exactly as given; always available.
    pub blob: BlobDigests,
    /// The compression detected from the first bytes (`None` for an empty blob).
    pub compression: Compression,
    /// Digests of the archive inside; in strict mode `finish` returns the error itself, so this
    /// is always `Ok` there.
    pub archive: Result<TarDigests, LayerError>,
}

impl LayerDigests {
    /// The archive digests, if the blob was a valid (gzipped) tar.
    pub fn tar(&self) -> Option<&TarDigests> {
        self.archive.as_ref().ok()
    }

    /// All results as `(label, value)` pairs, in a stable order, for printing or JSON.
    ///
    /// Labels: `blob_sha256`, `blob_size`, `payload_checksum`, `compression`, then either
    /// `tar_sha256`, `tar_size`, `tarsum_v0`, `tarsum_v1`, `tarsum_dev` (the enabled ones),
    /// `entries`, or `archive_error`.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("blob_sha256", self.blob.sha256.to_string()),
            ("blob_size", self.blob.size.to_string()),
            ("payload_checksum", self.blob.payload.to_string()),
            ("compression", self.compression.name().to_string()),
        ];
        match &self.archive {
            Ok(t) => {
                v.push(("tar_sha256", t.sha256.to_string()));
                v.push(("tar_size", t.size.to_string()));
                let sums = [
                    ("tarsum_v0", t.tarsum_v0),
                    ("tarsum_v1", t.tarsum_v1),
                    ("tarsum_dev", t.tarsum_dev),
                ];
                for (label, sum) in sums {
                    if let Some(s) = sum {
                        v.push((label, s.to_string()));
                    }
                }
                v.push(("entries", t.entries.to_string()));
            }
            Err(e) => v.push(("archive_error", e.to_string())),
        }
        v
    }
}

/// Streaming digests of one layer blob: push bytes with [`update`](Self::update) in any
/// chunking, then [`finish`](Self::finish).
///
/// It composes three stages that can also be driven separately (e.g. on two threads by an
/// adapter): [`BlobDigester`] over the blob bytes, [`Decoder`] from blob bytes to tar bytes,
/// and [`TarDigester`] over the tar bytes.
///
/// ```text
/// blob bytes ──┬─▶ BlobDigester ──▶ blob sha256, size, payload checksum
///              └─▶ Decoder (detect; gzip | plain) ──▶ TarDigester ──▶ tar sha256, TarSums, entries
/// ```
///
/// Driving the stages by hand gives the same results; a pipelined adapter would run the first
/// two on one thread and hand the decoded chunks (copied out of the sink) to a `TarDigester`
/// on another:
///
/// ```
/// use berth_layer::{BlobDigester, Decoder, LayerDigester, LayerOptions, TarDigester};
///
/// let blob = vec![0u8; 1024]; // an empty tar archive
/// let opts = LayerOptions::new().extra(b"{}".to_vec());
///
/// let mut blob_stage = BlobDigester::new(&opts.extra);
/// let mut decoder = Decoder::new();
/// let mut tar_stage = TarDigester::new(&opts);
/// for chunk in blob.chunks(300) {
///     blob_stage.update(chunk);
///     decoder.update(chunk, |tar| tar_stage.update(tar))?;
/// }
/// let compression = decoder.finish(|tar| tar_stage.update(tar))?;
/// let (blob_digests, tar_digests) = (blob_stage.finish(), tar_stage.finish()?);
///
/// let mut all = LayerDigester::new(opts);
/// all.update(&blob)?;
/// let all = all.finish()?;
/// assert_eq!(all.blob, blob_digests);
/// assert_eq!(all.compression, compression);
/// assert_eq!(all.archive, Ok(tar_digests));
/// # Ok::<(), berth_layer::LayerError>(())
/// ```
#[derive(Debug)]
pub struct LayerDigester {
    blob: BlobDigester,
    decoder: Decoder,
    tar: TarDigester,
    lenient: bool,
    error: Option<LayerError>,
}

impl LayerDigester {
    /// Starts digesting a layer.
    pub fn new(opts: LayerOptions) -> Self {
        Self {
            blob: BlobDigester::new(&opts.extra),
            decoder: Decoder::new(),
            tar: TarDigester::new(&opts),
            lenient: opts.lenient,
            error: None,
        }
    }

    /// Feeds the next blob bytes. In strict mode the first archive error is returned (and
    /// returned again by later calls); in lenient mode this never fails.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), LayerError> {
        self.blob.update(chunk);
        if let Some(e) = &self.error {
            return if self.lenient { Ok(()) } else { Err(e.clone()) };
        }
        if self.decoder.compression().is_none()
            && self.decoder.detect_with(chunk) == Some(Compression::None)
        {
            // An uncompressed tar stream is the blob itself: its SHA-256 is the blob's.
            self.tar.skip_stream_hash();
        }
        let tar = &mut self.tar;
        match self.decoder.update(chunk, |b| tar.update(b)) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.error = Some(e.clone());
                if self.lenient { Ok(()) } else { Err(e) }
            }
        }
    }

    /// Number of blob bytes fed so far.
    pub fn blob_size(&self) -> u64 {
        self.blob.size()
    }

    /// Ends the blob and returns all digests. In strict mode an invalid archive is an error;
    /// in lenient mode this never fails and the archive outcome is in [`LayerDigests::archive`].
    pub fn finish(self) -> Result<LayerDigests, LayerError> {
        let blob = self.blob.finish();
        let mut tar = self.tar;
        let compression = self.decoder.compression();
        let archive = match self.error {
            Some(e) => Err(e),
            None => match self.decoder.finish(|b| tar.update(b)) {
                Ok(c) => {
                    let stream = (c == Compression::None).then_some(blob.sha256);
                    tar.finish_with(stream).map(|t| (c, t))
                }
                Err(e) => Err(e),
            },
        };
        let (compression, archive) = match archive {
            Ok((c, t)) => (c, Ok(t)),
            Err(e) => (compression.unwrap_or(Compression::None), Err(e)),
        };
        if !self.lenient {
            if let Err(e) = archive {
                return Err(e);
            }
        }
        Ok(LayerDigests {
            blob,
            compression,
            archive,
        })
    }
}

impl std::io::Write for LayerDigester {
    /// Same as [`LayerDigester::update`]; an archive error becomes `io::ErrorKind::InvalidData`.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
