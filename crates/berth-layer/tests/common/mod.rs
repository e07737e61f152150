//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub, unused_imports)]

use berth_layer::{LayerDigester, LayerDigests, LayerError, LayerOptions};

pub mod vector_rows;
pub(crate) use vector_rows::{gzip, tarsum_data};

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
