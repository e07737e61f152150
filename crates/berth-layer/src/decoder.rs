//! The decode stage: compression detection, then gzip (resumable header/trailer parsing around
//! raw deflate) or plain passthrough, turning blob bytes into tar bytes.
//!
//! Concatenated gzip members are decoded one after the other, as Go's `gzip.Reader` does by
//! default (multistream): the tar stream is the concatenation of all members. Bytes after a
//! complete member that do not start another member are an error ([`LayerError::GzipMagic`]),
//! as in Go. The trailer CRC32 and ISIZE of every member are verified.

use flate2::{Crc, Decompress, FlushDecompress, Status};

use crate::error::LayerError;

/// Size of the reusable inflate output buffer.
const OUT_BUF: usize = 128 * 1024;

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

/// gzip header flag bits (RFC 1952).
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;

/// Where the gzip parser is.
#[derive(Clone, Copy, Debug)]
enum Gz {
    /// Collecting the fixed 10-byte member header.
    Header { len: usize },
    /// Collecting the 2-byte FEXTRA length.
    ExtraLen { len: usize },
    /// Skipping FEXTRA data.
    Extra { remaining: usize },
    /// Skipping the NUL-terminated FNAME.
    Name,
    /// Skipping the NUL-terminated FCOMMENT.
    Comment,
    /// Collecting the 2-byte header CRC16.
    HeaderCrc { len: usize },
    /// Inflating.
    Deflate,
    /// Collecting the 8-byte trailer.
    Trailer { len: usize },
    /// Between members: the stream may end here.
    MemberEnd,
}

/// Gzip decoding state, allocated once gzip is detected.
struct GzipState {
    phase: Gz,
    flags: u8,
    buf: [u8; 10],
    header_crc: Crc,
    crc: Crc,
    inflate: Decompress,
    out: Vec<u8>,
    out_len: usize,
}

/// The decode stage: blob bytes in, tar bytes out through a sink callback.
///
/// The sink receives the plain input slices directly (no copy) for uncompressed blobs, and
/// slices of an internal 128 KiB inflate buffer for gzip. It may fail (e.g. the tar stage
/// rejecting the stream); the error is returned from [`Decoder::update`] and the decoder stays
/// failed.
pub struct Decoder {
    compression: Option<Compression>,
    prefix: [u8; 6],
    prefix_len: usize,
    gzip: Option<Box<GzipState>>,
    offset: u64,
    failed: Option<LayerError>,
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
    /// A decoder that detects the compression from the first bytes.
    pub fn new() -> Self {
        Self {
            compression: None,
            prefix: [0; 6],
            prefix_len: 0,
            gzip: None,
            offset: 0,
            failed: None,
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
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.update_inner(chunk, &mut sink);
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
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if self.compression.is_none() {
            let c = detect(&self.prefix[..self.prefix_len], true).unwrap_or(Compression::None);
            self.start(c)?;
            let prefix = self.prefix;
            self.feed(&prefix[..self.prefix_len], &mut sink)?;
        }
        let c = self.compression.unwrap_or(Compression::None);
        if let Some(gz) = &self.gzip {
            if !matches!(gz.phase, Gz::MemberEnd) {
                return Err(LayerError::GzipTruncated {
                    offset: self.offset,
                });
            }
        }
        Ok(c)
    }

    fn update_inner(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), LayerError>,
    ) -> Result<(), LayerError> {
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

    /// What detection will decide once `chunk` is fed (`None` if still undecided).
    pub(crate) fn detect_with(&self, chunk: &[u8]) -> Option<Compression> {
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
                self.gzip = Some(Box::new(GzipState {
                    phase: Gz::Header { len: 0 },
                    flags: 0,
                    buf: [0; 10],
                    header_crc: Crc::new(),
                    crc: Crc::new(),
                    inflate: Decompress::new(false),
                    out: vec![0; OUT_BUF],
                    out_len: 0,
                }));
                Ok(())
            }
            compression => Err(LayerError::UnsupportedCompression { compression }),
        }
    }

    fn feed(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), LayerError>,
    ) -> Result<(), LayerError> {
        match &mut self.gzip {
            None => {
                self.offset += input.len() as u64;
                if input.is_empty() {
                    Ok(())
                } else {
                    sink(input)
                }
            }
            Some(gz) => gz.feed(input, &mut self.offset, sink),
        }
    }
}

impl GzipState {
    /// Runs the gzip state machine over `input`; `offset` is the blob offset of `input[0]`.
    fn feed(
        &mut self,
        mut input: &[u8],
        offset: &mut u64,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), LayerError>,
    ) -> Result<(), LayerError> {
        while !input.is_empty() {
            let used = self.step(input, *offset, sink)?;
            input = &input[used..];
            *offset += used as u64;
        }
        Ok(())
    }

    /// Consumes some bytes of `input` (at least one unless inflating needs only output room).
    fn step(
        &mut self,
        input: &[u8],
        offset: u64,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), LayerError>,
    ) -> Result<usize, LayerError> {
        match self.phase {
            Gz::MemberEnd => {
                self.header_crc.reset();
                self.phase = Gz::Header { len: 0 };
                Ok(0)
            }
            Gz::Header { len } => {
                let take = (10 - len).min(input.len());
                self.buf[len..len + take].copy_from_slice(&input[..take]);
                self.header_crc.update(&input[..take]);
                let start = offset - len as u64;
                let have = len + take;
                if self.buf[..have.min(2)] != [0x1f, 0x8b][..have.min(2)] {
                    return Err(LayerError::GzipMagic { offset: start });
                }
                if have >= 3 && self.buf[2] != 8 {
                    return Err(LayerError::GzipMethod {
                        offset: start,
                        method: self.buf[2],
                    });
                }
                if have < 10 {
                    self.phase = Gz::Header { len: have };
                } else {
                    self.flags = self.buf[3];
                    self.phase = Gz::ExtraLen { len: 0 };
                    self.next_optional_field();
                }
                Ok(take)
            }
            Gz::ExtraLen { len } => {
                let take = (2 - len).min(input.len());
                self.buf[len..len + take].copy_from_slice(&input[..take]);
                self.header_crc.update(&input[..take]);
                if len + take < 2 {
                    self.phase = Gz::ExtraLen { len: len + take };
                } else {
                    let remaining = usize::from(u16::from_le_bytes([self.buf[0], self.buf[1]]));
                    self.phase = Gz::Extra { remaining };
                    if remaining == 0 {
                        self.flags &= !FEXTRA;
                        self.next_optional_field();
                    }
                }
                Ok(take)
            }
            Gz::Extra { remaining } => {
                let take = remaining.min(input.len());
                self.header_crc.update(&input[..take]);
                if take == remaining {
                    self.flags &= !FEXTRA;
                    self.next_optional_field();
                } else {
                    self.phase = Gz::Extra {
                        remaining: remaining - take,
                    };
                }
                Ok(take)
            }
            Gz::Name | Gz::Comment => {
                let (take, done) = match memchr::memchr(0, input) {
                    Some(i) => (i + 1, true),
                    None => (input.len(), false),
                };
                self.header_crc.update(&input[..take]);
                if done {
                    let bit = if matches!(self.phase, Gz::Name) {
                        FNAME
                    } else {
                        FCOMMENT
                    };
                    self.flags &= !bit;
                    self.next_optional_field();
                }
                Ok(take)
            }
            Gz::HeaderCrc { len } => {
                let take = (2 - len).min(input.len());
                self.buf[len..len + take].copy_from_slice(&input[..take]);
                if len + take < 2 {
                    self.phase = Gz::HeaderCrc { len: len + take };
                } else {
                    let stored = u16::from_le_bytes([self.buf[0], self.buf[1]]);
                    // The CRC16 is the low 16 bits of the CRC32 of the header bytes before it.
                    if u32::from(stored) != self.header_crc.sum() & 0xffff {
                        return Err(LayerError::GzipHeaderCrc {
                            offset: offset - len as u64,
                        });
                    }
                    self.phase = Gz::Deflate;
                }
                Ok(take)
            }
            Gz::Deflate => self.inflate(input, offset, sink),
            Gz::Trailer { len } => {
                let take = (8 - len).min(input.len());
                self.buf[len..len + take].copy_from_slice(&input[..take]);
                if len + take < 8 {
                    self.phase = Gz::Trailer { len: len + take };
                    return Ok(take);
                }
                let b = self.buf;
                let at = offset - len as u64;
                let expected = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                let actual = self.crc.sum();
                if expected != actual {
                    return Err(LayerError::GzipCrc {
                        offset: at,
                        expected,
                        actual,
                    });
                }
                let expected = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
                let actual = self.crc.amount();
                if expected != actual {
                    return Err(LayerError::GzipSize {
                        offset: at,
                        expected,
                        actual,
                    });
                }
                self.crc.reset();
                self.inflate.reset(false);
                self.phase = Gz::MemberEnd;
                Ok(take)
            }
        }
    }

    /// Moves to the next optional header field still flagged, or to the deflate data.
    fn next_optional_field(&mut self) {
        self.phase = if self.flags & FEXTRA != 0 {
            Gz::ExtraLen { len: 0 }
        } else if self.flags & FNAME != 0 {
            Gz::Name
        } else if self.flags & FCOMMENT != 0 {
            Gz::Comment
        } else if self.flags & FHCRC != 0 {
            Gz::HeaderCrc { len: 0 }
        } else {
            Gz::Deflate
        };
    }

    /// Inflates from `input` into the output buffer, passing full buffers (and the last
    /// output of a member) to `sink`. Returns the number of input bytes consumed.
    fn inflate(
        &mut self,
        input: &[u8],
        offset: u64,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), LayerError>,
    ) -> Result<usize, LayerError> {
        let mut used = 0;
        loop {
            let before_in = self.inflate.total_in();
            let before_out = self.inflate.total_out();
            let status = self
                .inflate
                .decompress(
                    &input[used..],
                    &mut self.out[self.out_len..],
                    FlushDecompress::None,
                )
                .map_err(|_| LayerError::Deflate { offset })?;
            let consumed = (self.inflate.total_in() - before_in) as usize;
            let produced = (self.inflate.total_out() - before_out) as usize;
            used += consumed;
            self.out_len += produced;
            let end = matches!(status, Status::StreamEnd);
            if end || self.out_len == self.out.len() {
                self.flush(sink)?;
                if end {
                    self.phase = Gz::Trailer { len: 0 };
                    return Ok(used);
                }
                continue;
            }
            if used == input.len() {
                return Ok(used);
            }
            if consumed == 0 && produced == 0 {
                // No progress with input and output room left: the deflate data is corrupt.
                return Err(LayerError::Deflate { offset });
            }
        }
    }

    /// Passes buffered output to the sink.
    fn flush(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), LayerError>,
    ) -> Result<(), LayerError> {
        if self.out_len > 0 {
            let out = &self.out[..self.out_len];
            self.crc.update(out);
            self.out_len = 0;
            sink(out)?;
        }
        Ok(())
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
