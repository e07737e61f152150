//! The decode stage: compression detection, then gzip (resumable header/trailer parsing around
//! raw deflate) or plain passthrough, turning blob bytes into tar bytes.
//!
//! Concatenated gzip members are decoded one after the other, as Go's `gzip.Reader` does by
//! default (multistream): the tar stream is the concatenation of all members. Bytes after a
//! complete member that do not start another member are an error ([`LayerError::GzipMagic`]),
//! as in Go. The trailer CRC32 and ISIZE of every member are verified (the CRC32 possibly by
//! the sink, on another thread: [`Decoder::with_deferred_crc`]).

use flate2::Crc;

use crate::error::LayerError;
use crate::gzip::GzipState;

/// The compression of a blob, detected from its first bytes like docker's `DetectCompression`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// No known magic: treated as a plain tar stream.
    None,
    /// `1f 8b`: gzip (decoded).
    Gzip,
    /// `42 5a 68` (`BZh`): bzip2 (detected, not decoded).
    Bzip2,
    /// `fd 37 7a 58 5a 00`: xz (detected, not decoded).
    Xz,
    /// `28 b5 2f fd`: zstd (detected, not decoded).
    Zstd,
}

impl Compression {
    /// A short lowercase name: `none`, `gzip`, `bzip2`, `xz`, `zstd`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
            Self::Bzip2 => "bzip2",
            Self::Xz => "xz",
            Self::Zstd => "zstd",
        }
    }
}

/// Magic numbers, longest six bytes.
const MAGICS: [(&[u8], Compression); 4] = [
    (&[0x1f, 0x8b], Compression::Gzip),
    (b"BZh", Compression::Bzip2),
    (&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], Compression::Xz),
    (&[0x28, 0xb5, 0x2f, 0xfd], Compression::Zstd),
];

/// Decides the compression from a prefix, or `None` if more bytes are needed.
fn detect(prefix: &[u8], at_end: bool) -> Option<Compression> {
    let mut open = false;
    for (magic, c) in MAGICS {
        let n = prefix.len().min(magic.len());
        if prefix[..n] == magic[..n] {
            if n == magic.len() {
                return Some(c);
            }
            open = true;
        }
    }
    if open && !at_end {
        None
    } else {
        Some(Compression::None)
    }
}

/// The CRC32 check of one gzip member, left to the sink by a decoder made with
/// [`Decoder::with_deferred_crc`]: the CRC32 of all tar bytes the sink received since the
/// previous member's end (or the start) must be `expected`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CrcCheck {
    /// The CRC32 stored in the member's trailer.
    pub expected: u32,
    /// Blob offset of the member's trailer (where the error is reported).
    pub offset: u64,
}

impl CrcCheck {
    /// Compares the CRC32 computed over the member's tar bytes with the trailer's; a mismatch
    /// is the decoder's own error, [`LayerError::GzipCrc`].
    pub fn verify(&self, actual: u32) -> Result<(), LayerError> {
        if actual == self.expected {
            Ok(())
        } else {
            Err(LayerError::GzipCrc {
                offset: self.offset,
                expected: self.expected,
                actual,
            })
        }
    }
}

/// Where [`Decoder::update_owned`] puts its output: tar bytes and, with
/// [`Decoder::with_deferred_crc`], the CRC32 checks of gzip members, in stream order.
///
/// Any method may fail (e.g. the tar stage rejecting the stream); the error is returned from
/// the decoder's call and the decoder stays failed.
pub trait TarSink {
    /// Tar bytes of an uncompressed blob: the input slices themselves (no copy).
    fn bytes(&mut self, tar: &[u8]) -> Result<(), LayerError>;

    /// Inflated tar bytes, the whole of `tar`, handed over with their buffer (full, or the
    /// last output of a member). Returns the buffer to inflate into next: its contents are
    /// discarded and its capacity is the size of the next output (a buffer without capacity
    /// makes the decoder allocate 128 KiB).
    fn buffer(&mut self, tar: Vec<u8>) -> Result<Vec<u8>, LayerError>;

    /// The trailer of a gzip member was read and its CRC32 was not computed by the decoder
    /// (only with [`Decoder::with_deferred_crc`]): the sink checks it with
    /// [`CrcCheck::verify`] over the bytes it received for this member. Called after the
    /// member's last [`buffer`](Self::buffer) and before the decoder checks ISIZE (a size
    /// error comes after a CRC error in stream order).
    fn member_end(&mut self, check: CrcCheck) -> Result<(), LayerError>;
}

/// Adapts a slice callback to [`TarSink`], checking deferred CRC32s itself.
struct SliceSink<'a, F> {
    sink: &'a mut F,
    /// The running CRC32 of the member, when the decoder defers it.
    crc: Option<&'a mut Crc>,
}

impl<F> TarSink for SliceSink<'_, F>
where
    F: FnMut(&[u8]) -> Result<(), LayerError>,
{
    fn bytes(&mut self, tar: &[u8]) -> Result<(), LayerError> {
        (self.sink)(tar)
    }

    fn buffer(&mut self, tar: Vec<u8>) -> Result<Vec<u8>, LayerError> {
        if let Some(crc) = &mut self.crc {
            crc.update(&tar);
        }
        (self.sink)(&tar)?;
        Ok(tar)
    }

    fn member_end(&mut self, check: CrcCheck) -> Result<(), LayerError> {
        match &mut self.crc {
            Some(crc) => {
                let actual = crc.sum();
                crc.reset();
                check.verify(actual)
            }
            None => Ok(()),
        }
    }
}

/// The decode stage: blob bytes in, tar bytes out through a sink.
///
/// The sink receives the plain input slices directly (no copy) for uncompressed blobs, and
/// an internal 128 KiB inflate buffer for gzip: borrowed by the callback of
/// [`Decoder::update`], handed over by [`Decoder::update_owned`]. It may fail (e.g. the tar
/// stage rejecting the stream); the error is returned from the update and the decoder stays
/// failed.
pub struct Decoder {
    compression: Option<Compression>,
    prefix: [u8; 6],
    prefix_len: usize,
    gzip: Option<Box<GzipState>>,
    offset: u64,
    failed: Option<LayerError>,
    /// Whether gzip member CRC32s are left to the sink.
    defer_crc: bool,
    /// The running member CRC32 computed for slice callbacks when deferred.
    slice_crc: Crc,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("compression", &self.compression)
            .field("offset", &self.offset)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// Size of the buffers the decoder inflates into unless a [`TarSink`] hands back others:
    /// a gzip member's tar bytes are passed on in pieces of this size (the last one
    /// shorter), which decides how much output a stage has seen when a decoder error comes.
    pub const OUT_BUF: usize = crate::gzip::OUT_BUF;

    /// A decoder that detects the compression from the first bytes.
    pub fn new() -> Self {
        Self {
            compression: None,
            prefix: [0; 6],
            prefix_len: 0,
            gzip: None,
            offset: 0,
            failed: None,
            defer_crc: false,
            slice_crc: Crc::new(),
        }
    }

    /// A decoder that does not compute gzip member CRC32s itself: [`Decoder::update_owned`]
    /// reports each member's check to [`TarSink::member_end`], in stream order with the tar
    /// bytes, so that the sink can compute the CRC32 elsewhere (e.g. on another thread, with
    /// the hashing). The errors are the same as [`Decoder::new`]'s once the sink verifies the
    /// checks. [`Decoder::update`] and [`Decoder::finish`] still check every CRC32 (use one
    /// kind of update for the whole blob: the two do not share a member's running CRC32).
    pub fn with_deferred_crc() -> Self {
        Self {
            defer_crc: true,
            ..Self::new()
        }
    }

    /// The detected compression, once enough bytes have been seen.
    pub fn compression(&self) -> Option<Compression> {
        self.compression
    }

    /// Feeds the next blob bytes; decoded tar bytes go to `sink`.
    pub fn update<F>(&mut self, chunk: &[u8], mut sink: F) -> Result<(), LayerError>
    where
        F: FnMut(&[u8]) -> Result<(), LayerError>,
    {
        let mut crc = std::mem::replace(&mut self.slice_crc, Crc::new());
        let r = self.update_owned(
            chunk,
            &mut SliceSink {
                sink: &mut sink,
                crc: self.defer_crc.then_some(&mut crc),
            },
        );
        self.slice_crc = crc;
        r
    }

    /// Feeds the next blob bytes; decoded tar bytes go to `sink`, inflated ones with their
    /// buffer (see [`TarSink`]).
    pub fn update_owned(&mut self, chunk: &[u8], sink: &mut dyn TarSink) -> Result<(), LayerError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.update_inner(chunk, sink);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    /// Ends the blob: flushes bytes held for detection and checks that the stream is complete.
    pub fn finish<F>(mut self, mut sink: F) -> Result<Compression, LayerError>
    where
        F: FnMut(&[u8]) -> Result<(), LayerError>,
    {
        let mut crc = std::mem::replace(&mut self.slice_crc, Crc::new());
        let defer = self.defer_crc;
        self.finish_owned(&mut SliceSink {
            sink: &mut sink,
            crc: defer.then_some(&mut crc),
        })
    }

    /// Ends the blob like [`Decoder::finish`], with a [`TarSink`].
    pub fn finish_owned(mut self, sink: &mut dyn TarSink) -> Result<Compression, LayerError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if self.compression.is_none() {
            let c = detect(&self.prefix[..self.prefix_len], true).unwrap_or(Compression::None);
            self.start(c)?;
            let prefix = self.prefix;
            self.feed(&prefix[..self.prefix_len], sink)?;
        }
        let c = self.compression.unwrap_or(Compression::None);
        if let Some(gz) = &self.gzip {
            if !gz.at_member_end() {
                return Err(LayerError::GzipTruncated {
                    offset: self.offset,
                });
            }
        }
        Ok(c)
    }

    fn update_inner(&mut self, chunk: &[u8], sink: &mut dyn TarSink) -> Result<(), LayerError> {
        if self.compression.is_none() {
            let take = (self.prefix.len() - self.prefix_len).min(chunk.len());
            self.prefix[self.prefix_len..self.prefix_len + take].copy_from_slice(&chunk[..take]);
            let decided = detect(&self.prefix[..self.prefix_len + take], false);
            let Some(c) = decided else {
                self.prefix_len += take;
                return Ok(());
            };
            // Replay the bytes held from earlier chunks, then continue with this chunk.
            let held = self.prefix_len;
            self.start(c)?;
            let prefix = self.prefix;
            self.feed(&prefix[..held], sink)?;
        }
        self.feed(chunk, sink)
    }

    /// What detection will decide once `chunk` is fed (`None` if still undecided), without
    /// feeding it: lets a caller prepare the tar stage (e.g. [`crate::TarDigester::skip_stream_hash`]
    /// for an uncompressed blob) before the first tar bytes come out.
    pub fn detect_with(&self, chunk: &[u8]) -> Option<Compression> {
        if self.compression.is_some() {
            return self.compression;
        }
        let mut prefix = self.prefix;
        let take = (prefix.len() - self.prefix_len).min(chunk.len());
        prefix[self.prefix_len..self.prefix_len + take].copy_from_slice(&chunk[..take]);
        detect(&prefix[..self.prefix_len + take], false)
    }

    fn start(&mut self, c: Compression) -> Result<(), LayerError> {
        self.compression = Some(c);
        match c {
            Compression::None => Ok(()),
            Compression::Gzip => {
                self.gzip = Some(Box::new(GzipState::new(self.defer_crc)));
                Ok(())
            }
            compression => Err(LayerError::UnsupportedCompression { compression }),
        }
    }

    fn feed(&mut self, input: &[u8], sink: &mut dyn TarSink) -> Result<(), LayerError> {
        match &mut self.gzip {
            None => {
                self.offset += input.len() as u64;
                if input.is_empty() {
                    Ok(())
                } else {
                    sink.bytes(input)
                }
            }
            Some(gz) => gz.feed(input, &mut self.offset, sink),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_magics() {
        assert_eq!(detect(&[0x1f], false), None);
        assert_eq!(detect(&[0x1f], true), Some(Compression::None));
        assert_eq!(detect(&[0x1f, 0x8b], false), Some(Compression::Gzip));
        assert_eq!(detect(b"BZh9", false), Some(Compression::Bzip2));
        assert_eq!(
            detect(&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], false),
            Some(Compression::Xz)
        );
        assert_eq!(
            detect(&[0x28, 0xb5, 0x2f, 0xfd], false),
            Some(Compression::Zstd)
        );
        assert_eq!(detect(b"etc/", false), Some(Compression::None));
        assert_eq!(detect(b"", false), None);
    }
}
