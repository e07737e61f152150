//! The error type of this crate.

use crate::decoder::Compression;

/// A numeric field of a tar header, named in [`LayerError::BadNumericField`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TarField {
    /// The `mode` field.
    Mode,
    /// The `uid` field.
    Uid,
    /// The `gid` field.
    Gid,
    /// The `size` field.
    Size,
    /// The `mtime` field.
    Mtime,
    /// The `chksum` field.
    Checksum,
    /// The `devmajor` field.
    DevMajor,
    /// The `devminor` field.
    DevMinor,
    /// The star `atime` or `ctime` field.
    StarTime,
}

/// Why a layer could not be decoded or digested.
///
/// Offsets named `offset` are byte offsets in the blob (the bytes given to `update`) for gzip
/// errors, and in the uncompressed tar stream for tar errors, as each variant says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// The blob starts with the magic bytes of a compression this crate does not decode
    /// (bzip2, xz or zstd); docker can pull such layers, but only gzip and plain tar are digested here.
    #[error("unsupported layer compression: {compression:?}")]
    UnsupportedCompression {
        /// The compression detected from the first bytes.
        compression: Compression,
    },
    /// A gzip member header does not start with `1f 8b`, e.g. non-gzip bytes after a complete member.
    #[error("bad gzip magic at blob offset {offset}")]
    GzipMagic {
        /// Blob offset of the member header.
        offset: u64,
    },
    /// A gzip member header names a compression method other than deflate (8).
    #[error("unsupported gzip method {method} at blob offset {offset}")]
    GzipMethod {
        /// Blob offset of the member header.
        offset: u64,
        /// The method byte found.
        method: u8,
    },
    /// The optional gzip header CRC16 (FHCRC) does not match the header bytes.
    #[error("gzip header crc mismatch at blob offset {offset}")]
    GzipHeaderCrc {
        /// Blob offset of the CRC16 field.
        offset: u64,
    },
    /// The deflate data is corrupt.
    #[error("corrupt deflate data near blob offset {offset}")]
    Deflate {
        /// Blob offset of the first byte of the input chunk that failed.
        offset: u64,
    },
    /// The CRC32 in a gzip member trailer does not match the decompressed data.
    #[error(
        "gzip crc32 mismatch at blob offset {offset}: trailer says {expected:08x}, data has {actual:08x}"
    )]
    GzipCrc {
        /// Blob offset of the trailer.
        offset: u64,
        /// The CRC32 stored in the trailer.
        expected: u32,
        /// The CRC32 of the decompressed member.
        actual: u32,
    },
    /// The ISIZE in a gzip member trailer does not match the decompressed length mod 2^32.
    #[error(
        "gzip size mismatch at blob offset {offset}: trailer says {expected}, data has {actual}"
    )]
    GzipSize {
        /// Blob offset of the trailer.
        offset: u64,
        /// The ISIZE stored in the trailer.
        expected: u32,
        /// The decompressed member length mod 2^32.
        actual: u32,
    },
    /// The blob ended inside a gzip member (header, deflate data or trailer).
    #[error("gzip stream truncated at blob offset {offset}")]
    GzipTruncated {
        /// Blob length, where the data stopped.
        offset: u64,
    },
    /// A tar header block fails the checksum test (neither the unsigned nor the signed sum matches).
    #[error("tar header checksum mismatch at tar offset {offset}")]
    TarChecksum {
        /// Tar stream offset of the header block.
        offset: u64,
    },
    /// A numeric tar header field is neither valid octal nor in-range base-256.
    #[error("invalid tar {field:?} field at tar offset {offset}")]
    BadNumericField {
        /// Tar stream offset of the header block.
        offset: u64,
        /// Which field.
        field: TarField,
    },
    /// An entry's size (header or PAX `size`) is negative.
    #[error("negative tar entry size at tar offset {offset}")]
    NegativeSize {
        /// Tar stream offset of the header block.
        offset: u64,
    },
    /// A zero block is followed by a non-zero block (Go's `archive/tar` rejects this).
    #[error("zero block followed by a non-zero block at tar offset {offset}")]
    ZeroBlockThenData {
        /// Tar stream offset of the non-zero block.
        offset: u64,
    },
    /// The tar stream ended inside a header block, an entry's data or a second end block.
    #[error("tar stream truncated at tar offset {offset}")]
    TarTruncated {
        /// Tar stream length, where the data stopped.
        offset: u64,
    },
    /// A PAX extended header or GNU long name/link is larger than the configured limit.
    #[error(
        "tar meta header of {size} bytes at tar offset {offset} exceeds the {limit} byte limit"
    )]
    MetaTooLarge {
        /// Tar stream offset of the header block.
        offset: u64,
        /// The size the header announces.
        size: u64,
        /// The limit ([`crate::LayerOptions::max_meta_size`]).
        limit: u64,
    },
    /// A PAX record is malformed (bad length, missing `=` or newline, length past the end).
    #[error("malformed PAX record at tar offset {offset}")]
    BadPaxRecord {
        /// Tar stream offset of the PAX header block.
        offset: u64,
    },
    /// A PAX record's value does not parse (`uid`, `gid`, `size`, `mtime`).
    #[error("invalid PAX {key} value for the header at tar offset {offset}")]
    BadPaxValue {
        /// Tar stream offset of the header the record applies to.
        offset: u64,
        /// The PAX key.
        key: &'static str,
    },
    /// A GNU sparse entry (typeflag `S` or `GNU.sparse.*` PAX records); not supported.
    #[error("unsupported GNU sparse entry at tar offset {offset}")]
    UnsupportedSparse {
        /// Tar stream offset of the header block.
        offset: u64,
    },
}

impl From<LayerError> for std::io::Error {
    fn from(e: LayerError) -> Self {
        Self::new(std::io::ErrorKind::InvalidData, e)
    }
}
