//! Test blobs: gzip members with their trailer offsets, and cutting a blob at arbitrary
//! points, for the tests that feed an engine chunk by chunk (shared by berth-layer's and
//! berth-pipeline's tests through `#[path]`).

use std::io::Write as _;

/// `data` as `members` gzip members (or fewer, if `data` is short; at least one), with the
/// blob offset of each member's 8-byte trailer (CRC-32, ISIZE).
pub(crate) fn gzip_with_trailers(data: &[u8], members: usize) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::new();
    let mut trailers = Vec::new();
    let step = data.len() / members.max(1) + 1;
    for part in data.chunks(step) {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(part).unwrap();
        out.extend(e.finish().unwrap());
        trailers.push(out.len() - 8);
    }
    (out, trailers)
}

/// `blob` cut at `cuts` (each taken modulo `blob.len() + 1`, then sorted): the pieces, in
/// order, which concatenate back to `blob`; some may be empty.
pub(crate) fn split<'a>(blob: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (blob.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(blob.len());
    let mut at = 0;
    cuts.into_iter()
        .map(|c| {
            let p = &blob[at..c];
            at = c;
            p
        })
        .collect()
}

/// Damage kind `1` cuts `blob` at `at` (modulo its length + 1), kind `2` flips the bits of the
/// byte there (`^ 0x5a`); other kinds leave it whole.
pub(crate) fn cut_or_flip(blob: &mut Vec<u8>, damage: u8, at: usize) {
    let at = at % (blob.len() + 1);
    match damage {
        1 => blob.truncate(at),
        2 if at < blob.len() => blob[at] ^= 0x5a,
        _ => {}
    }
}
