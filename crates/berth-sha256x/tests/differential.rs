//! `update_lanes` against `sha2`, over random data, lengths, prefixes and split points.

use berth_sha256x::{Sha256, finalize_lanes, update_lanes, update_lanes_each};
use proptest::prelude::*;
use sha2::Digest as _;

fn reference(prefix: &[u8], data: &[u8]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update(prefix);
    h.update(data);
    h.finalize().into()
}

/// Feeds `data` to lanes started with different prefixes, in chunks cut at `cuts`.
fn lanes<const N: usize>(prefixes: &[Vec<u8>], data: &[u8], cuts: &[usize]) -> Vec<[u8; 32]> {
    let mut hs: [Sha256; N] = std::array::from_fn(|i| {
        let mut h = Sha256::new();
        h.update(&prefixes[i]);
        h
    });
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(data.len());
    for c in cuts {
        update_lanes(hs.each_mut(), &data[at..c]);
        at = c;
    }
    hs.into_iter().map(Sha256::finalize).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn lanes_match_sha2(
        prefixes in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 4),
        data in prop::collection::vec(any::<u8>(), 0..3000),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let want: Vec<[u8; 32]> = prefixes.iter().map(|p| reference(p, &data)).collect();
        prop_assert_eq!(&lanes::<1>(&prefixes, &data, &cuts)[..], &want[..1]);
        prop_assert_eq!(&lanes::<2>(&prefixes, &data, &cuts)[..], &want[..2]);
        prop_assert_eq!(&lanes::<3>(&prefixes, &data, &cuts)[..], &want[..3]);
        prop_assert_eq!(&lanes::<4>(&prefixes, &data, &cuts)[..], &want[..4]);
    }

    #[test]
    fn distinct_lanes_match_sha2(
        parts in prop::collection::vec(prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 3), 1..6),
    ) {
        // Three lanes, each fed its own bytes in several rounds, finished together.
        let mut hs = [Sha256::new(), Sha256::new(), Sha256::new()];
        let mut refs = [sha2::Sha256::new(), sha2::Sha256::new(), sha2::Sha256::new()];
        for round in &parts {
            update_lanes_each(hs.each_mut(), [&round[0][..], &round[1][..], &round[2][..]]);
            for (r, p) in refs.iter_mut().zip(round) {
                r.update(p);
            }
        }
        let got = finalize_lanes(hs);
        let want: Vec<[u8; 32]> = refs.into_iter().map(|r| r.finalize().into()).collect();
        prop_assert_eq!(&got[..], &want[..]);
    }

    #[test]
    fn single_stream_matches_sha2(
        data in prop::collection::vec(any::<u8>(), 0..5000),
        cut in any::<usize>(),
    ) {
        let cut = cut % (data.len() + 1);
        let mut h = Sha256::new();
        h.update(&data[..cut]);
        h.update(&data[cut..]);
        prop_assert_eq!(h.len(), data.len() as u64);
        prop_assert_eq!(h.finalize(), reference(b"", &data));
    }
}

/// Every length around the padding boundaries (55, 56, 63, 64 bytes in the last block).
#[test]
fn padding_boundaries() {
    let data: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
    for n in 0..data.len() {
        assert_eq!(
            Sha256::digest(&data[..n]),
            reference(b"", &data[..n]),
            "{n}"
        );
    }
}
