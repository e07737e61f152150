//! Cutting a blob at arbitrary points, for the tests that feed an engine chunk by chunk
//! (shared by berth-layer's and berth-pipeline's tests through `#[path]`).

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
