//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::io::Write as _;
use std::path::PathBuf;

use berth_layer::{LayerDigester, LayerDigests, LayerError, LayerOptions};

/// `testdata/tarsum/<rel>` at the workspace root.
pub fn tarsum_data(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/tarsum")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Gzip-compresses `data` with flate2's encoder at the default level.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Digests `blob` fed in `chunk`-sized pieces.
pub fn digest_chunked(
    blob: &[u8],
    opts: LayerOptions,
    chunk: usize,
) -> Result<LayerDigests, LayerError> {
    let mut d = LayerDigester::new(opts);
    for c in blob.chunks(chunk.max(1)) {
        d.update(c)?;
    }
    d.finish()
}

/// Digests `blob` in one piece.
pub fn digest(blob: &[u8], opts: LayerOptions) -> Result<LayerDigests, LayerError> {
    digest_chunked(blob, opts, blob.len().max(1))
}
