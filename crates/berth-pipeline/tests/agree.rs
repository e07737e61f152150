//! The pipelined engine and the single-threaded one agree on random layers (plain, gzip,
//! multi-member gzip, cut short or corrupted), split at random points, strict and lenient.

use std::io::Write as _;

use berth_layer::{LayerDigester, LayerOptions};
use berth_pipeline::{PipelinedDigester, SplitDigester, digest_reader};
use proptest::prelude::*;

#[path = "../../berth-layer/tests/common/blobs.rs"]
mod blobs;
use blobs::{cut_or_flip, gzip_with_trailers, split};

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
    gzip_with_trailers(data, members).0
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

fn layer() -> impl Strategy<Value = Vec<u8>> {
    let files = prop::collection::vec(
        (any::<u16>(), prop::collection::vec(any::<u8>(), 0..3000)),
        0..12,
    );
    // 0: plain, 1: gzip, 2: gzip in 3 members; then damage: none, cut, flip a byte, or (gzip)
    // in one member's trailer flip a CRC-32 byte, an ISIZE byte, both, or an ISIZE byte and
    // a byte of the member's data.
    (files, 0..3u8, 0..7u8, any::<usize>()).prop_map(|(files, kind, damage, at)| {
        let tar = tar_of(&files);
        // Big layers cross the pipeline's 256 KiB buffers.
        let tar = if files.len() % 4 == 3 {
            [tar.clone(), vec![0; 300 << 10]].concat()
        } else {
            tar
        };
        let (mut blob, trailers) = match kind {
            0 => (tar, Vec::new()),
            1 => gzip_with_trailers(&tar, 1),
            _ => gzip_with_trailers(&tar, 3),
        };
        if damage >= 3 && !trailers.is_empty() {
            damage_trailer(&mut blob, &trailers, damage, at);
            return blob;
        }
        cut_or_flip(&mut blob, damage, at);
        blob
    })
}

/// Damages the trailer of the member picked by `at` (see [`layer`]).
fn damage_trailer(blob: &mut [u8], trailers: &[usize], damage: u8, at: usize) {
    let member = at % trailers.len();
    let trailer = trailers[member];
    let byte = (at / trailers.len()) % 4;
    let (crc, isize) = (trailer + byte, trailer + 4 + byte);
    match damage {
        3 => blob[crc] ^= 0x5a,
        4 => blob[isize] ^= 0x01,
        5 => {
            blob[crc] ^= 0x5a;
            blob[isize] ^= 0x01;
        }
        _ => {
            // A data byte of the same member (its output then fails the CRC, or earlier).
            let start = if member == 0 {
                0
            } else {
                trailers[member - 1] + 8
            };
            let data = start + 10 + (at / 16) % (trailer - start - 10);
            blob[data] ^= 0x20;
            blob[isize] ^= 0x01;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

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

/// Damaged trailers of multi-member gzip layers give the single-threaded engine's error,
/// at the trailer's offset, in every chunking: a CRC-32 checked on the worker thread, an
/// ISIZE on the caller's, and the CRC-32 error first when both are wrong.
#[test]
fn damaged_trailers_give_the_same_error() {
    use berth_layer::LayerError::{GzipCrc, GzipSize};
    // About 1 MB of tar: members of 250 KB cross the 128 KiB inflate buffers.
    let files: Vec<(u16, Vec<u8>)> = (0..20u16)
        .map(|i| {
            (
                i,
                (0..(i as usize * 5000))
                    .map(|j| (j * 7 + j / 5) as u8)
                    .collect(),
            )
        })
        .collect();
    let tar = tar_of(&files);
    let (blob, trailers) = gzip_with_trailers(&tar, 4);
    assert_eq!(trailers.len(), 4);
    let cuts_list = [vec![], vec![3, 65_536, 131_072, 200_001]];
    for (member, &trailer) in trailers.iter().enumerate() {
        for damage in 3..=6u8 {
            let mut bad = blob.clone();
            // `at` picks this member and byte 1 of the CRC-32 / ISIZE fields.
            damage_trailer(&mut bad, &trailers, damage, member + trailers.len());
            for lenient in [false, true] {
                let opts = LayerOptions::new().extra(b"{}".to_vec()).lenient(lenient);
                for cuts in &cuts_list {
                    let want = single(&bad, cuts, &opts);
                    let err = match &want {
                        Err(e) => e.clone(),
                        Ok(d) => d.archive.clone().unwrap_err(),
                    };
                    match (damage, &err) {
                        (3 | 5, GzipCrc { offset, .. }) | (4, GzipSize { offset, .. }) => {
                            assert_eq!(*offset, trailer as u64);
                        }
                        // A damaged data byte: a CRC-32 error or an earlier tar error.
                        (6, GzipCrc { offset, .. }) => assert_eq!(*offset, trailer as u64),
                        (6, _) => {}
                        _ => panic!("damage {damage} of member {member}: {err:?}"),
                    }
                    assert_eq!(normalized(pipelined(&bad, cuts, &opts)), normalized(want));
                }
            }
        }
    }
}

/// A gzip layer cut short inside its first inflate buffer: the single-threaded engine reports
/// the cut and never passes the (damaged) tar bytes on, so the pipeline must not report the
/// tar error found in them either.
#[test]
fn a_cut_hides_tar_errors_in_the_unfinished_buffer() {
    // Entries of 512 + 30,208 bytes: the sixth header, in the second inflate buffer, is
    // damaged (its checksum then fails); the blob is cut before that buffer is full.
    let files: Vec<(u16, Vec<u8>)> = (1..11u16).map(|i| (i, vec![i as u8; 30_000])).collect();
    let mut tar = tar_of(&files);
    tar[5 * 30_720 + 100] ^= 0x01;
    // Stored blocks: the output follows the input closely, so a cut is easy to place.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    e.write_all(&tar).unwrap();
    let mut blob = e.finish().unwrap();
    blob.truncate(240_000);
    let opts = LayerOptions::new().extra(b"{}".to_vec());
    for cuts in [vec![], vec![65_536], vec![1, 2, 199_999]] {
        let want = single(&blob, &cuts, &opts);
        assert!(
            matches!(want, Err(berth_layer::LayerError::GzipTruncated { .. })),
            "{want:?}"
        );
        assert_eq!(pipelined(&blob, &cuts, &opts), want);
    }
}
