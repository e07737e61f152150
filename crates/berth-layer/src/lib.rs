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
mod layer;
mod tar;
mod tarsum;

pub use blob::{BlobDigester, BlobDigests};
pub use decoder::{Compression, Decoder};
pub use digest::{Digest, Hex, ParseDigestError, TarSum, TarSumVersion};
pub use error::{LayerError, TarField};
pub use layer::{DEFAULT_MAX_META_SIZE, LayerDigester, LayerDigests, LayerOptions};
pub use tar::{TarDigester, TarDigests};
