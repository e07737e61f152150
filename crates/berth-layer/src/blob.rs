//! The blob stage: SHA-256, size and payload checksum of the bytes exactly as given.

use berth_sha256x::{Sha256, update_lanes};

use crate::digest::Digest;

/// Digests of the blob, the layer bytes exactly as stored or transmitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlobDigests {
    /// `sha256:` of the blob bytes.
    pub sha256: Digest,
    /// Number of blob bytes.
    pub size: u64,
    /// The docker "simple" payload checksum: `sha256(json || "\n" || blob)`, the value of
    /// `X-Docker-Checksum-Payload` (json = [`crate::LayerOptions::extra`], possibly empty).
    pub payload: Digest,
}

/// Hashes blob bytes twice: plainly, and prefixed with `json || "\n"` for the payload checksum.
///
/// The two hashes advance in lockstep ([`berth_sha256x::update_lanes`]), which on CPUs with the
/// SHA extensions costs little more than one.
///
/// It never fails, whatever the bytes are; this is the stage the registry relies on to store
/// any upload.
#[derive(Clone, Debug)]
pub struct BlobDigester {
    sha256: Sha256,
    payload: Sha256,
    size: u64,
}

impl BlobDigester {
    /// Starts a blob digest; `json` is the image JSON prefixed to the payload checksum.
    ///
    /// > checksum_payload = "sha256:" + lowercase_hex( SHA256( json_bytes || 0x0A || layer_bytes ) )
    pub fn new(json: &[u8]) -> Self {
        let mut payload = Sha256::new();
        payload.update(json);
        payload.update(b"\n");
        Self {
            sha256: Sha256::new(),
            payload,
            size: 0,
        }
    }

    /// Hashes the next blob bytes.
    pub fn update(&mut self, chunk: &[u8]) {
        update_lanes([&mut self.sha256, &mut self.payload], chunk);
        self.size += chunk.len() as u64;
    }

    /// Number of bytes hashed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Returns the digests.
    pub fn finish(self) -> BlobDigests {
        BlobDigests {
            sha256: Digest::from_bytes(self.sha256.finalize()),
            size: self.size,
            payload: Digest::from_bytes(self.payload.finalize()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors from docker-registry `tests/lib/test_checksums.py` (spec checksums.md §1).
    #[test]
    fn payload_of_json_alone() {
        let d = BlobDigester::new(b"").finish();
        assert_eq!(
            d.payload.to_string(),
            "sha256:01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b"
        );
        let d = BlobDigester::new(b"test").finish();
        assert_eq!(
            d.payload.to_string(),
            "sha256:f2ca1bb6c7e907d06dafe4687e579fce76b37e4e93b7605022da52e6ccc26fd2"
        );
        assert_eq!(d.size, 0);
        assert_eq!(
            d.sha256.to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
