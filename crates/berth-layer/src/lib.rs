//! Streaming layer digests for Docker Registry v1 layers: blob SHA-256 and size, the "simple"
//! payload checksum, the uncompressed tar SHA-256, and TarSum v0 / v1 / dev, in one pass.
//!
//! # In scope
//! * Push-based digesting of a layer blob in any chunking ([`LayerDigester`]): gzip (with
//!   concatenated members, CRC32 and ISIZE checked) or plain tar, detected from the first bytes.
//! * TarSum exactly as docker 1.9's `pkg/tarsum` computes it over what Go's `archive/tar`
//!   reader (Go 1.4–1.9) presents: ustar, GNU (long names, base-256 numbers) and PAX (including
//!   `SCHILY.xattr.*`), duplicate names ordered as docker does.
//! * The payload checksum `sha256(json || "\n" || blob)` (`X-Docker-Checksum-Payload`).
//! * A lenient mode for registries, which store any bytes as a layer: the blob digests are
//!   always produced, the archive digests are a `Result` ([`LayerOptions::lenient`]).
//! * Separate stages ([`BlobDigester`], [`Decoder`], [`TarDigester`]) so that an adapter can run
//!   inflate and hashing on different threads.
//!
//! # Out of scope
//! * bzip2, xz and zstd layers: detected and reported as [`LayerError::UnsupportedCompression`]
//!   (the blob digests remain available in lenient mode).
//! * GNU sparse files ([`LayerError::UnsupportedSparse`]), extracting files, writing tars, and
//!   TarSum with hashes other than SHA-256.
//!
//! This crate performs no I/O: it never touches files, sockets, threads or clocks; the caller
//! reads bytes from wherever they come from and passes them in. Memory is bounded: one 128 KiB
//! inflate buffer, at most [`LayerOptions::max_meta_size`] for a PAX or long-name header, and
//! 80 bytes per archive entry for the TarSum list.
//!
//! # Compatibility decisions
//! TarSum depends on how Go's `archive/tar` presents entries, which changed across Go releases.
//! This crate follows the readers of the Go releases docker 1.9–17.x were built with (Go
//! 1.4–1.9), against which moby's TarSum vectors were asserted; where those differ, the choice
//! and the releases it matches are given:
//! * the typeflag is hashed as the raw byte (Go ≤1.9; Go ≥1.10 turns `'\0'` into `'0'`);
//! * device numbers are read only for character and block devices (Go ≤1.9);
//! * every entry's data is read according to its size, whatever its type (Go ≤1.6, i.e. docker
//!   1.9–1.12, GNU tar and the `tar` crate; Go ≥1.7 treats links, directories, devices and FIFOs
//!   as header-only);
//! * a PAX global header (`g`) is an ordinary entry, its records hashed as its content (Go ≤1.9);
//! * an `x` header replaces earlier pending PAX/long-name records, `L`/`K` add `path`/`linkpath`
//!   (Go 1.8–1.9; Go 1.4 merged an `x` header into whatever header came next);
//! * the ustar `prefix` is joined for ustar and GNU headers (Go ≤1.9 did so for GNU too), the
//!   131-byte star prefix for star headers;
//! * PAX records are validated strictly (lengths, newline, `=`) like Go ≥1.8, where Go 1.4 could
//!   panic; PAX and long-name bodies are capped (1 MiB by default, like Go ≥1.10);
//! * the archive ends at two zero blocks, at the end of the stream on a block boundary, after a
//!   single zero block, or inside the padding after an entry; anything after two zero blocks
//!   is ignored (but included in the tar stream SHA-256).
//!
//! Duplicate names are ordered as docker 1.9 does (name = `TrimSuffix(TrimPrefix(name, "./"), "/")`,
//! equal names keep archive order). That comparison is not a consistent order when equal names
//! interleave with other sums; for up to 12 entries this crate reproduces Go's insertion sort
//! exactly, for more it uses a stable merge sort (Go's own result differs between Go 1.4, 1.6
//! and 1.19 in that case).
//!
//! Gzip: concatenated members are decoded in sequence (Go's default multistream mode); each
//! member's CRC32 and ISIZE are verified; bytes after a member that do not start a new member
//! are an error ([`LayerError::GzipMagic`]), as in Go. An empty blob is an empty archive.
//!
//! # Drive loop
//! ```text
//! new(opts) ──▶ update(chunk)* ──▶ finish() ──▶ LayerDigests { blob, compression, archive }
//! ```
//!
//! # Example
//! ```
//! use berth_layer::{LayerDigester, LayerOptions};
//!
//! // An empty tar archive: two zero blocks.
//! let layer = vec![0u8; 1024];
//! let mut d = LayerDigester::new(LayerOptions::new());
//! for chunk in layer.chunks(100) {
//!     d.update(chunk)?;
//! }
//! let out = d.finish()?;
//! let tar = out.tar().expect("a valid archive");
//! assert_eq!(tar.entries, 0);
//! assert_eq!(
//!     tar.tarsum_v0.unwrap().to_string(),
//!     "tarsum+sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
//! );
//! assert_eq!(out.blob.size, 1024);
//! assert!(out.blob.payload.to_string().starts_with("sha256:"));
//! # Ok::<(), berth_layer::LayerError>(())
//! ```
//!
//! # Features
//! None.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

mod blob;
mod decoder;
mod digest;
mod error;
mod gzip;
mod layer;
mod tar;
mod tarsum;

pub use blob::{BlobDigester, BlobDigests};
pub use decoder::{Compression, CrcCheck, Decoder, TarSink};
pub use digest::{Digest, Hex, ParseDigestError, TarSum, TarSumVersion};
pub use error::{LayerError, TarField};
pub use layer::{DEFAULT_MAX_META_SIZE, LayerDigester, LayerDigests, LayerOptions};
pub use tar::{TarDigester, TarDigests};
