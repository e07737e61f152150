//! The pipelined engine and the single-threaded one agree on random layers (plain, gzip,
//! multi-member gzip, cut short or corrupted), split at random points, strict and lenient.

use std::io::Write as _;

use berth_layer::{LayerDigester, LayerOptions};
use berth_pipeline::{PipelinedDigester, SplitDigester, digest_reader};
use proptest::prelude::*;

/// A tar of the given files (name index, contents), some under PAX long names.
fn tar_of(files: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (i, (n, data)) in files.iter().enumerate() {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_mtime(1_400_000_000 + u64::from(*n));
        h.set_size(data.len() as u64);
        let name = if n % 7 == 0 {
            format!("{}/f{i}", "long".repeat(40))
        } else {
            format!("d{}/f{i}", n % 5)
        };
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(data: &[u8], members: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let step = data.len() / members.max(1) + 1;
    for part in data.chunks(step) {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(part).unwrap();
        out.extend(e.finish().unwrap());
    }
    out
}

/// Outcome of one run: finish's result.
type Outcome = Result<berth_layer::LayerDigests, berth_layer::LayerError>;

/// The outcome with the offset of a corrupt-deflate error cleared: it is documented as "near"
/// (the start of the input the inflater was given), so it depends on the chunking, and the
/// pipeline re-chunks into its own buffers.
fn normalized(o: Outcome) -> Outcome {
    use berth_layer::LayerError::Deflate;
    let fix = |e| match e {
        Deflate { .. } => Deflate { offset: 0 },
        e => e,
    };
    match o {
        Ok(mut d) => {
            d.archive = d.archive.map_err(fix);
            Ok(d)
        }
        Err(e) => Err(fix(e)),
    }
}

fn single(blob: &[u8], cuts: &[usize], opts: &LayerOptions) -> Outcome {
    let mut d = LayerDigester::new(opts.clone());
    for part in split(blob, cuts) {
        let _ = d.update(part);
    }
    d.finish()
}

fn pipelined(blob: &[u8], cuts: &[usize], opts: &LayerOptions) -> Outcome {
    let mut d = PipelinedDigester::new(opts.clone());
    for part in split(blob, cuts) {
        let _ = d.update(part);
    }
    d.finish()
}

fn split<'a>(blob: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
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

fn layer() -> impl Strategy<Value = Vec<u8>> {
    let files = prop::collection::vec(
        (any::<u16>(), prop::collection::vec(any::<u8>(), 0..3000)),
        0..12,
    );
    // 0: plain, 1: gzip, 2: gzip in 3 members; then damage: none, cut, flip a byte.
    (files, 0..3u8, 0..3u8, any::<usize>()).prop_map(|(files, kind, damage, at)| {
        let tar = tar_of(&files);
        // Big layers cross the pipeline's 256 KiB buffers.
        let tar = if files.len() % 4 == 3 {
            [tar.clone(), vec![0; 300 << 10]].concat()
        } else {
            tar
        };
        let mut blob = match kind {
            0 => tar,
            1 => gzip(&tar, 1),
            _ => gzip(&tar, 3),
        };
        let at = at % (blob.len() + 1);
        match damage {
            1 => blob.truncate(at),
            2 if at < blob.len() => blob[at] ^= 0x5a,
            _ => {}
        }
        blob
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pipelined_agrees_with_single(
        blob in layer(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
        lenient in any::<bool>(),
        json in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let opts = LayerOptions::new().extra(json).lenient(lenient);
        let want = normalized(single(&blob, &cuts, &opts));
        prop_assert_eq!(&normalized(pipelined(&blob, &cuts, &opts)), &want);
        let via_reader = digest_reader(&blob[..], opts.clone()).map_err(|e| {
            let e = e.into_inner().and_then(|e| e.downcast::<berth_layer::LayerError>().ok());
            e.map(|e| *e)
        });
        match (via_reader, want) {
            (Ok(got), Ok(want)) => prop_assert_eq!(normalized(Ok(got)), Ok(want)),
            (Err(Some(got)), Err(want)) => prop_assert_eq!(normalized(Err(got)), Err(want)),
            (got, want) => prop_assert!(false, "reader {got:?} vs {want:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The split digester over (tar, gzip(tar)) agrees with the single-threaded engine over
    /// gzip(tar), for valid, cut and corrupted tars.
    #[test]
    fn split_agrees_with_single(
        files in prop::collection::vec(
            (any::<u16>(), prop::collection::vec(any::<u8>(), 0..3000)),
            0..10,
        ),
        damage in 0..3u8,
        at in any::<usize>(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        lenient in any::<bool>(),
    ) {
        let mut tar = tar_of(&files);
        let at = at % (tar.len() + 1);
        match damage {
            1 => tar.truncate(at),
            2 if at < tar.len() => tar[at] ^= 0x5a,
            _ => {}
        }
        let blob = gzip(&tar, 1);
        let opts = LayerOptions::new().extra(b"{}".to_vec()).lenient(lenient);
        let want = single(&blob, &[], &opts);
        let mut d = SplitDigester::new(opts);
        // Interleave tar and blob pieces as a compressing writer would.
        let tar_parts = split(&tar, &cuts);
        let blob_parts = split(&blob, &cuts);
        for i in 0..tar_parts.len().max(blob_parts.len()) {
            if let Some(p) = tar_parts.get(i) {
                let _ = d.update_tar(p);
            }
            if let Some(p) = blob_parts.get(i) {
                d.update_blob(p);
            }
        }
        prop_assert_eq!(d.finish(), want);
    }
}

/// A layer far larger than the pipeline's buffers, in a few chunkings.
#[test]
fn large_layers_agree() {
    let files: Vec<(u16, Vec<u8>)> = (0..40u16)
        .map(|i| {
            (
                i,
                (0..(i as usize * 9000))
                    .map(|j| (j * 31 + j / 7) as u8)
                    .collect(),
            )
        })
        .collect();
    let tar = tar_of(&files);
    for blob in [tar.clone(), gzip(&tar, 1), gzip(&tar, 4)] {
        let opts = LayerOptions::new().extra(b"{\"id\":\"x\"}".to_vec());
        for cuts in [
            vec![],
            vec![1, 2, 3, 5],
            vec![100_000, 262_144, 262_145, 1 << 20],
        ] {
            let want = single(&blob, &cuts, &opts).unwrap();
            assert_eq!(pipelined(&blob, &cuts, &opts).unwrap(), want);
            assert!(want.tar().unwrap().entries >= 40);
        }
    }
}
