//! The decode stage: compression detection, then gzip (resumable header/trailer parsing around
//! raw deflate) or plain passthrough, turning blob bytes into tar bytes.
//!
//! Concatenated gzip members are decoded one after the other, as Go's `gzip.Reader` does by
//! default (multistream): the tar stream is the concatenation of all members. Bytes after a
//! complete member that do not start another member are an error ([`LayerError::GzipMagic`]),
//! as in Go. The trailer CRC32 and ISIZE of every member are verified.

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
            if !gz.at_member_end() {
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
                self.gzip = Some(Box::new(GzipState::new()));
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
