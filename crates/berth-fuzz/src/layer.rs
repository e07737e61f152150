//! The layer engine (`berth_layer`): gzip detection and inflate, the tar block state machine,
//! TarSum, and the blob and payload checksums.

use berth_layer::{
    Compression, Digest, LayerDigester, LayerDigests, LayerError, LayerOptions, TarSum,
};
use sha2::{Digest as _, Sha256};

use crate::chunks::chunkings;

/// The image JSON prepended to TarSum and to the payload checksum in these runs.
const EXTRA: &[u8] = b"{\"id\":\"fuzz\"}";

/// Digests `data` as a layer blob, whole and in several chunkings, strict and lenient.
///
/// Invariants: no panic; every chunking gives identical results, in both modes (the same
/// digests, or the same error); the blob digests are the plain SHA-256 of the input and of
/// `EXTRA || "\n" || input`; when the strict mode succeeds, the lenient mode agrees with it; a
/// plain tar's stream digest is the blob's; every digest prints in a form that parses back.
pub fn layer_engine(data: &[u8]) {
    let chunkings = chunkings(data);
    let lenient = digest_all(&chunkings, true).expect("lenient mode never fails");
    check_blob(&lenient, data);
    let strict = digest_all(&chunkings, false);
    match (&strict, &lenient.archive) {
        (Ok(strict), _) => assert_eq!(strict, &lenient, "strict and lenient modes disagree"),
        (Err(strict), Err(lenient)) => assert_eq!(strict, lenient, "strict and lenient errors"),
        (Err(err), Ok(_)) => panic!("strict mode failed ({err}) where lenient found an archive"),
    }
    if let Ok(tar) = &lenient.archive {
        if lenient.compression == Compression::None {
            assert_eq!(
                tar.sha256, lenient.blob.sha256,
                "a plain tar's stream is the blob"
            );
            assert_eq!(tar.size, lenient.blob.size);
        }
        for sum in [tar.tarsum_v0, tar.tarsum_v1, tar.tarsum_dev]
            .into_iter()
            .flatten()
        {
            assert_eq!(
                TarSum::parse(&sum.to_string()),
                Ok(sum),
                "TarSum does not round trip"
            );
        }
        assert_eq!(Digest::parse(&tar.sha256.to_string()), Ok(tar.sha256));
    }
}

/// Runs the digester over each chunking and returns the common result.
fn digest_all(chunkings: &[Vec<&[u8]>], lenient: bool) -> Result<LayerDigests, LayerError> {
    let mut results = chunkings
        .iter()
        .map(|chunks| comparable(digest(chunks, lenient)));
    let first = results
        .next()
        .expect("chunkings starts with the whole input");
    for (n, other) in results.enumerate() {
        assert_eq!(
            first,
            other,
            "chunking #{} changes the result (lenient: {lenient})",
            n + 1
        );
    }
    first
}

/// The result with chunking-dependent details cleared.
///
/// `LayerError::Deflate { offset }` is documented as the blob offset of the first byte of the
/// input chunk in which inflate failed, so it depends on the chunking by design; the error
/// itself must not.
fn comparable(result: Result<LayerDigests, LayerError>) -> Result<LayerDigests, LayerError> {
    let clear = |err: LayerError| match err {
        LayerError::Deflate { .. } => LayerError::Deflate { offset: 0 },
        other => other,
    };
    match result {
        Ok(digests) => Ok(LayerDigests {
            archive: digests.archive.map_err(clear),
            ..digests
        }),
        Err(err) => Err(clear(err)),
    }
}

fn digest(chunks: &[&[u8]], lenient: bool) -> Result<LayerDigests, LayerError> {
    let options = LayerOptions::new().extra(EXTRA.to_vec()).lenient(lenient);
    let mut digester = LayerDigester::new(options);
    for chunk in chunks {
        digester.update(chunk)?;
    }
    assert_eq!(
        digester.blob_size(),
        chunks.iter().map(|c| c.len() as u64).sum::<u64>()
    );
    digester.finish()
}

fn check_blob(digests: &LayerDigests, data: &[u8]) {
    let blob = &digests.blob;
    assert_eq!(blob.size, data.len() as u64);
    assert_eq!(
        blob.sha256,
        Digest::from_bytes(Sha256::digest(data).into()),
        "blob sha256"
    );
    let payload = Sha256::new()
        .chain_update(EXTRA)
        .chain_update(b"\n")
        .chain_update(data);
    assert_eq!(
        blob.payload,
        Digest::from_bytes(payload.finalize().into()),
        "payload checksum"
    );
    assert_eq!(Digest::parse(&blob.payload.to_string()), Ok(blob.payload));
}
