//! The payload checksum of an uploaded layer, computed in the same pass that stores it.

/// Computes `sha256:` + hex(sha256(json + "\n" + layer)) over the exact uploaded bytes with
/// `berth_layer`'s blob stage, which accepts any bytes (gzip, tar or not).
pub(crate) struct PayloadDigester {
    inner: berth_layer::BlobDigester,
}

impl PayloadDigester {
    /// Starts a digest of a layer belonging to image `json` (the stored bytes).
    pub(crate) fn new(json: &[u8]) -> Self {
        Self {
            inner: berth_layer::BlobDigester::new(json),
        }
    }

    /// Feeds layer bytes.
    pub(crate) fn update(&mut self, chunk: &[u8]) {
        self.inner.update(chunk);
    }

    /// The payload checksum, `sha256:<hex>`.
    pub(crate) fn finish(self) -> String {
        self.inner.finish().payload.to_string()
    }
}
