//! Resumable gzip member parsing (RFC 1952) around raw deflate (`flate2::Decompress`).
//!
//! Header fields FEXTRA, FNAME, FCOMMENT and FHCRC are skipped (FHCRC verified) byte by byte as
//! they arrive; the trailer CRC32 and ISIZE are verified (the CRC32 possibly by the sink, see
//! [`crate::Decoder::with_deferred_crc`]); members may follow each other.

use flate2::{Crc, Decompress, FlushDecompress, Status};

use crate::decoder::{CrcCheck, TarSink};
use crate::error::LayerError;

/// Size of the inflate output buffer the decoder allocates itself (a sink may hand back
/// buffers of another capacity).
pub(crate) const OUT_BUF: usize = 128 * 1024;

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
pub(crate) struct GzipState {
    phase: Gz,
    flags: u8,
    buf: [u8; 10],
    header_crc: Crc,
    /// CRC32 of the member's output so far (unused when deferred).
    crc: Crc,
    /// Whether the sink checks the CRC32 ([`TarSink::member_end`]) instead of this parser.
    defer_crc: bool,
    /// Output bytes of the member so far, modulo 2^32 (ISIZE).
    size: u32,
    inflate: Decompress,
    /// Inflated bytes not yet passed on; filled up to its capacity.
    out: Vec<u8>,
}

impl GzipState {
    /// A parser expecting the first member header.
    /// With `defer_crc`, member CRC32s are left to the sink.
    pub(crate) fn new(defer_crc: bool) -> Self {
        Self {
            phase: Gz::Header { len: 0 },
            flags: 0,
            buf: [0; 10],
            header_crc: Crc::new(),
            crc: Crc::new(),
            defer_crc,
            size: 0,
            inflate: Decompress::new(false),
            out: Vec::with_capacity(OUT_BUF),
        }
    }

    /// Whether the stream may end here (after a complete member).
    pub(crate) fn at_member_end(&self) -> bool {
        matches!(self.phase, Gz::MemberEnd)
    }

    /// Runs the gzip state machine over `input`; `offset` is the blob offset of `input[0]`.
    pub(crate) fn feed(
        &mut self,
        mut input: &[u8],
        offset: &mut u64,
        sink: &mut dyn TarSink,
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
        sink: &mut dyn TarSink,
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
                let check = CrcCheck {
                    expected: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                    offset: offset - len as u64,
                };
                if self.defer_crc {
                    sink.member_end(check)?;
                } else {
                    check.verify(self.crc.sum())?;
                }
                let at = check.offset;
                let expected = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
                let actual = self.size;
                if expected != actual {
                    return Err(LayerError::GzipSize {
                        offset: at,
                        expected,
                        actual,
                    });
                }
                self.crc.reset();
                self.size = 0;
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
    ///
    /// `decompress_vec` writes into the buffer's spare capacity, so recycled buffers are
    /// never cleared byte by byte.
    fn inflate(
        &mut self,
        input: &[u8],
        offset: u64,
        sink: &mut dyn TarSink,
    ) -> Result<usize, LayerError> {
        let mut used = 0;
        loop {
            let before_in = self.inflate.total_in();
            let before_out = self.inflate.total_out();
            let status = self
                .inflate
                .decompress_vec(&input[used..], &mut self.out, FlushDecompress::None)
                .map_err(|_| LayerError::Deflate { offset })?;
            let consumed = (self.inflate.total_in() - before_in) as usize;
            let produced = (self.inflate.total_out() - before_out) as usize;
            used += consumed;
            let end = matches!(status, Status::StreamEnd);
            if end || self.out.len() == self.out.capacity() {
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

    /// Passes buffered output to the sink, which hands back the buffer to fill next.
    fn flush(&mut self, sink: &mut dyn TarSink) -> Result<(), LayerError> {
        if self.out.is_empty() {
            return Ok(());
        }
        if !self.defer_crc {
            self.crc.update(&self.out);
        }
        // ISIZE is the size modulo 2^32 (RFC 1952); a buffer is far smaller than 4 GiB.
        self.size = self.size.wrapping_add(self.out.len() as u32);
        let mut next = sink.buffer(std::mem::take(&mut self.out))?;
        next.clear();
        if next.capacity() == 0 {
            next.reserve_exact(OUT_BUF);
        }
        self.out = next;
        Ok(())
    }
}
