//! The body of `PUT …/layer`: `layer.tar` as it is or gzipped on every core, digested on the way.

use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::rc::Rc;

use anyhow::Context;
use berth_layer::{LayerDigests, LayerOptions};
use berth_model::ImageId;
use berth_model::progress::{ProgressDetail, ProgressMessage};
use berth_model::push::LayerUpload;
use berth_pipeline::{ParallelGzip, PipelinedDigester, SplitDigester};

use crate::progress::Progress;

/// Emit a byte-progress message at most every this many bytes.
const PROGRESS_STEP: u64 = 256 * 1024;

/// How `berth push` sends each `layer.tar`.
///
/// Registries store a layer's bytes verbatim and serve them back as they are; docker's pull
/// detects gzip, bzip2, xz or plain tar by the first bytes, so every choice here is a valid
/// layer. Only the bytes sent differ (and with them the payload checksum); the TarSum is the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum LayerCompression {
    /// gzip at level 6, what docker pushes (Go's `gzip.DefaultCompression`).
    #[default]
    Default,
    /// gzip at level 1: about twice as fast to compress, about a fifth larger.
    Fast,
    /// The tar unchanged: no compression work at all, the most bytes on the wire.
    None,
}

impl LayerCompression {
    /// The gzip level, or `None` for a plain tar.
    pub fn gzip_level(self) -> Option<u32> {
        match self {
            Self::Default => Some(6),
            Self::Fast => Some(1),
            Self::None => None,
        }
    }
}

/// How `berth push` prepares layers; see [`Client::push_with`](crate::Client::push_with).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushOptions {
    /// What is done to each `layer.tar` before it is sent.
    pub compression: LayerCompression,
    /// Threads compressing a layer (gzip only); defaults to the available parallelism.
    pub threads: usize,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            compression: LayerCompression::Default,
            threads: berth_pipeline::default_threads(),
        }
    }
}

impl PushOptions {
    /// The defaults with `compression`.
    pub fn with_compression(compression: LayerCompression) -> Self {
        Self {
            compression,
            ..Self::default()
        }
    }
}

/// Where the bytes sent come from.
enum Source<R> {
    /// `layer.tar` → gzip on several threads.
    Gzip(Box<ParallelGzip<Counting<R>>>),
    /// `layer.tar` as it is.
    Plain(Counting<R>),
}

/// Who digests them.
enum Digests {
    /// gzip: the tar digests from the bytes read from the archive, the blob digests from the
    /// gzip bytes sent, on a worker thread; nothing is inflated again.
    Split(Rc<RefCell<SplitDigester>>),
    /// Plain: the bytes sent are the tar; digested exactly as a pull would.
    Whole(Box<PipelinedDigester>),
}

/// The upload body: `layer.tar` → (gzip) → (digester, progress) → HTTP.
pub(super) struct UploadStream<'p, R: Read> {
    source: Source<R>,
    digests: Digests,
    consumed: Rc<Cell<u64>>,
    id: String,
    total: u64,
    last_report: u64,
    progress: &'p mut dyn Progress,
}

impl<'p, R: Read> UploadStream<'p, R> {
    pub(super) fn new(
        layer: R,
        json: &[u8],
        id: &ImageId,
        total: u64,
        options: &PushOptions,
        progress: &'p mut dyn Progress,
    ) -> Self {
        let digest_options = LayerOptions::new()
            .extra(json.to_vec())
            .tarsums(true, false);
        let consumed = Rc::new(Cell::new(0));
        let (source, digests) = match options.compression.gzip_level() {
            Some(level) => {
                let digester = Rc::new(RefCell::new(SplitDigester::new(digest_options)));
                let counting = Counting {
                    inner: layer,
                    count: Rc::clone(&consumed),
                    digester: Some(Rc::clone(&digester)),
                };
                let gzip = ParallelGzip::new(counting, level, options.threads);
                (Source::Gzip(Box::new(gzip)), Digests::Split(digester))
            }
            None => {
                let counting = Counting {
                    inner: layer,
                    count: Rc::clone(&consumed),
                    digester: None,
                };
                let digester = PipelinedDigester::new(digest_options);
                (Source::Plain(counting), Digests::Whole(Box::new(digester)))
            }
        };
        Self {
            source,
            digests,
            consumed,
            id: id.as_str().to_owned(),
            total,
            last_report: 0,
            progress,
        }
    }

    fn report(&mut self, force: bool) {
        let current = self.consumed.get();
        if force || current >= self.last_report + PROGRESS_STEP {
            self.last_report = current;
            let detail = ProgressDetail::new(
                i64::try_from(current).unwrap_or(i64::MAX),
                i64::try_from(self.total).unwrap_or(i64::MAX),
            );
            self.progress
                .emit(&ProgressMessage::pushing(&self.id, Some(detail)));
        }
    }

    /// The checksums of everything that was sent.
    pub(super) fn finish(self) -> anyhow::Result<LayerUpload> {
        let Self {
            source, digests, ..
        } = self;
        // The gzip reader holds the other reference to the split digester.
        drop(source);
        let digests: LayerDigests = match digests {
            Digests::Split(digester) => Rc::try_unwrap(digester)
                .map_err(|_| anyhow::anyhow!("the layer digester is still in use"))?
                .into_inner()
                .finish(),
            Digests::Whole(digester) => digester.finish(),
        }
        .context("the layer.tar in the archive is not a valid tar")?;
        let tarsum = digests
            .tar()
            .and_then(|t| t.tarsum_v0)
            .map(|t| t.to_string())
            .unwrap_or_default();
        Ok(LayerUpload {
            payload_checksum: digests.blob.payload.to_string(),
            tarsum,
        })
    }
}

impl<R: Read> Read for UploadStream<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match &mut self.source {
            Source::Gzip(gzip) => gzip.read(buf)?,
            Source::Plain(plain) => plain.read(buf)?,
        };
        if n > 0 {
            match &mut self.digests {
                Digests::Split(d) => d.borrow_mut().update_blob(&buf[..n]),
                Digests::Whole(d) => d.update(&buf[..n])?,
            }
            self.report(false);
        } else {
            self.report(true);
        }
        Ok(n)
    }
}

/// Counts the uncompressed bytes read from the archive (for progress against the layer size)
/// and, for gzip, passes them to the digester's tar side.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
    digester: Option<Rc<RefCell<SplitDigester>>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        if let Some(d) = &self.digester {
            d.borrow_mut().update_tar(&buf[..n])?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{SAMPLE_IDS, SavedArchive, write_sample_archive};

    /// Sends the sample's base layer with `compression`; returns the bytes sent, the
    /// checksums reported, the layer.tar and the last progress message.
    fn upload(compression: LayerCompression) -> (Vec<u8>, LayerUpload, Vec<u8>, ProgressDetail) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.tar");
        write_sample_archive(&path).unwrap();
        let archive = SavedArchive::open(&path).unwrap();
        let image = archive.image(SAMPLE_IDS[0]).unwrap();
        let id = ImageId::parse(&image.id).unwrap();
        let mut messages = Vec::new();
        let mut sink = |m: &ProgressMessage| messages.push(m.clone());
        let options = PushOptions {
            compression,
            threads: 2,
        };
        let layer = archive.open_layer(image).unwrap();
        let mut stream = UploadStream::new(
            layer,
            &image.json,
            &id,
            image.layer_size,
            &options,
            &mut sink,
        );
        let mut sent = Vec::new();
        stream.read_to_end(&mut sent).unwrap();
        let upload = stream.finish().unwrap();
        let mut tar = Vec::new();
        archive
            .open_layer(image)
            .unwrap()
            .read_to_end(&mut tar)
            .unwrap();
        // The checksums are those of a layer digester over the bytes sent.
        let mut one = berth_layer::LayerDigester::new(
            LayerOptions::new()
                .extra(image.json.clone())
                .tarsums(true, false),
        );
        one.update(&sent).unwrap();
        let expected = one.finish().unwrap();
        assert_eq!(upload.payload_checksum, expected.blob.payload.to_string());
        let tarsum = expected.tar().unwrap().tarsum_v0.unwrap().to_string();
        assert_eq!(upload.tarsum, tarsum);
        assert!(upload.tarsum.starts_with("tarsum+sha256:"));
        let last = messages.last().unwrap().progress_detail.unwrap();
        (sent, upload, tar, last)
    }

    #[test]
    fn upload_stream_digests_the_gzip_bytes_it_produces() {
        for compression in [LayerCompression::Default, LayerCompression::Fast] {
            let (sent, _, tar, last) = upload(compression);
            assert_eq!(&sent[..2], &[0x1f, 0x8b], "gzip on the wire");
            let mut inflated = Vec::new();
            flate2::read::GzDecoder::new(&sent[..])
                .read_to_end(&mut inflated)
                .unwrap();
            assert_eq!(inflated, tar);
            assert_eq!((last.current, last.total), (3584, 3584));
        }
    }

    #[test]
    fn upload_stream_sends_the_plain_tar_unchanged_when_asked() {
        let (sent, plain, tar, last) = upload(LayerCompression::None);
        assert_eq!(sent, tar);
        assert_eq!((last.current, last.total), (3584, 3584));
        // Same TarSum as a gzip push of the same layer, another payload checksum.
        let (_, gzip, _, _) = upload(LayerCompression::Default);
        assert_eq!(plain.tarsum, gzip.tarsum);
        assert_ne!(plain.payload_checksum, gzip.payload_checksum);
    }
}
