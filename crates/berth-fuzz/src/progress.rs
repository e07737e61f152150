//! The engine progress stream (`berth_model::progress`).

use berth_model::progress::{ProgressDecoder, ProgressError, ProgressMessage};

use crate::chunks::chunkings;

/// Decodes `data` as an engine progress stream, whole and in several chunkings.
///
/// Invariants: no panic; every chunking yields the same messages and the same error (at the
/// same offset); every decoded message re-encodes (Go framing) to bytes that decode to itself.
pub fn progress_stream(data: &[u8]) {
    let mut results = chunkings(data).into_iter().map(|chunks| decode(&chunks));
    let first = results
        .next()
        .expect("chunkings starts with the whole input");
    for other in results {
        assert_eq!(
            first, other,
            "the progress decoder's result depends on chunking"
        );
    }
    for message in first.0 {
        let mut wire = Vec::new();
        message.encode(&mut wire);
        let (again, error) = decode(&[&wire]);
        assert_eq!(error, None, "an encoded message does not decode: {wire:?}");
        assert_eq!(again, [message], "encode then decode changed the message");
    }
}

/// Messages decoded before the end or the first error, and that error.
fn decode(chunks: &[&[u8]]) -> (Vec<ProgressMessage>, Option<ProgressError>) {
    let mut decoder = ProgressDecoder::new();
    let mut out = Vec::new();
    for chunk in chunks {
        if let Err(err) = decoder.decode(chunk, &mut out) {
            return (out, Some(err));
        }
    }
    (out, decoder.finish().err())
}
