//! Ways to split one input into chunks, derived from the input itself.
//!
//! Streaming decoders must give the same result however their input is split. A fuzz input is
//! a single byte string, so the split points are computed from its bytes: the fuzzer explores
//! chunkings as it explores contents, and a replayed seed always splits the same way.

/// Inputs up to this length are also fed one byte at a time (longer ones would slow fuzzing).
const BYTEWISE_MAX: usize = 1 << 12;

/// Several chunkings of `data`; the first is always the whole input as one chunk.
///
/// The others are: one byte at a time (for inputs up to 4 KiB), two halves, three cuts at
/// pseudo-random points, fixed-size chunks of a pseudo-random size, and chunks of 511, 512 and
/// 513 bytes (tar block boundaries). Empty chunks are included at the cut points, since a
/// decoder must accept them.
pub fn chunkings(data: &[u8]) -> Vec<Vec<&[u8]>> {
    let len = data.len();
    let mut rng = XorShift::seeded(data);
    let mut all = vec![vec![data]];
    if len <= BYTEWISE_MAX {
        all.push(data.chunks(1).collect());
    }
    all.push(split_at_points(data, &[len / 2]));
    let mut cuts = [rng.below(len + 1), rng.below(len + 1), rng.below(len + 1)];
    cuts.sort_unstable();
    all.push(split_at_points(data, &cuts));
    let size = 1 + rng.below(len.clamp(1, 4096));
    all.push(data.chunks(size).collect());
    for size in [511, 512, 513] {
        all.push(data.chunks(size).collect());
    }
    all
}

/// `data` cut at each of the sorted `points`, keeping empty pieces.
fn split_at_points<'a>(data: &'a [u8], points: &[usize]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::with_capacity(points.len() + 1);
    let mut start = 0;
    for &point in points {
        let point = point.clamp(start, data.len());
        pieces.push(&data[start..point]);
        start = point;
    }
    pieces.push(&data[start..]);
    pieces
}

/// A tiny deterministic generator seeded from the input (FNV-1a, then xorshift64).
struct XorShift(u64);

impl XorShift {
    fn seeded(data: &[u8]) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &byte in data {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Self(hash | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..bound` (`bound` > 0).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chunking_covers_the_input_in_order() {
        let data: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 251) as u8).collect();
        for input in [&data[..], &data[..1], &[][..], &data[..513]] {
            let chunkings = chunkings(input);
            assert_eq!(chunkings[0], [input]);
            assert!(chunkings.len() >= 7);
            for chunks in chunkings {
                assert_eq!(chunks.concat(), input);
            }
        }
    }

    #[test]
    fn chunkings_depend_on_the_data() {
        let a = chunkings(b"0123456789abcdefghijklmnopqrstuvwxyz");
        let b = chunkings(b"0123456789abcdefghijklmnopqrstuvwxyZ");
        let lengths = |c: &Vec<Vec<&[u8]>>| -> Vec<Vec<usize>> {
            c.iter()
                .map(|chunks| chunks.iter().map(|x| x.len()).collect())
                .collect()
        };
        assert_eq!(
            lengths(&a),
            lengths(&chunkings(b"0123456789abcdefghijklmnopqrstuvwxyz"))
        );
        assert_ne!(lengths(&a), lengths(&b));
    }
}
