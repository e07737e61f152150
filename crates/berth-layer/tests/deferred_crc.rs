//! The decoder's owned-buffer output ([`Decoder::update_owned`]) and its deferred CRC-32
//! ([`Decoder::with_deferred_crc`]) give the same tar bytes and the same errors as the
//! default decoder, in any chunking, with any output buffer size.

use berth_layer::{Compression, CrcCheck, Decoder, LayerError, TarSink};
use flate2::Crc;
use proptest::prelude::*;

#[path = "common/blobs.rs"]
mod blobs;
use blobs::{cut_or_flip, gzip_with_trailers, split};

/// Output and outcome of a decoder run.
type Run = (Vec<u8>, Result<Compression, LayerError>);

/// The default decoder with a slice callback.
fn by_slices(mut d: Decoder, blob: &[u8], cuts: &[usize]) -> Run {
    let mut out = Vec::new();
    for part in split(blob, cuts) {
        if let Err(e) = d.update(part, |tar| {
            out.extend_from_slice(tar);
            Ok(())
        }) {
            return (out, Err(e));
        }
    }
    let r = d.finish(|tar| {
        out.extend_from_slice(tar);
        Ok(())
    });
    (out, r)
}

/// A sink that keeps what it receives, checks deferred CRC-32s itself and hands back
/// buffers of `capacity`.
struct Collect {
    out: Vec<u8>,
    crc: Crc,
    checks: Vec<CrcCheck>,
    capacity: usize,
    /// Length of each buffer received.
    buffers: Vec<usize>,
}

impl TarSink for Collect {
    fn bytes(&mut self, tar: &[u8]) -> Result<(), LayerError> {
        self.out.extend_from_slice(tar);
        Ok(())
    }

    fn buffer(&mut self, tar: Vec<u8>) -> Result<Vec<u8>, LayerError> {
        assert!(!tar.is_empty());
        self.buffers.push(tar.len());
        self.crc.update(&tar);
        self.out.extend_from_slice(&tar);
        Ok(Vec::with_capacity(self.capacity))
    }

    fn member_end(&mut self, check: CrcCheck) -> Result<(), LayerError> {
        self.checks.push(check);
        let actual = self.crc.sum();
        self.crc.reset();
        check.verify(actual)
    }
}

fn by_buffers(mut d: Decoder, blob: &[u8], cuts: &[usize], capacity: usize) -> (Run, Collect) {
    let mut sink = Collect {
        out: Vec::new(),
        crc: Crc::new(),
        checks: Vec::new(),
        capacity,
        buffers: Vec::new(),
    };
    for part in split(blob, cuts) {
        if let Err(e) = d.update_owned(part, &mut sink) {
            return ((std::mem::take(&mut sink.out), Err(e)), sink);
        }
    }
    let r = d.finish_owned(&mut sink);
    ((std::mem::take(&mut sink.out), r), sink)
}

/// A blob (plain, or gzip in 1 to 3 members), possibly damaged: 0 none, 1 cut, 2 a flipped
/// byte, 3 a trailer's CRC-32 byte, 4 a trailer's ISIZE byte, 5 both.
fn blob() -> impl Strategy<Value = Vec<u8>> {
    let data = prop::collection::vec(any::<u8>(), 0..5000);
    (data, 0..4usize, 0..6u8, any::<usize>()).prop_map(|(data, members, damage, at)| {
        let (mut blob, trailers) = if members == 0 {
            (data, Vec::new())
        } else {
            gzip_with_trailers(&data, members)
        };
        if damage >= 3 && !trailers.is_empty() {
            let t = trailers[at % trailers.len()] + (at / 8) % 4;
            if damage != 4 {
                blob[t] ^= 0x11;
            }
            if damage != 3 {
                blob[t + 4] ^= 0x01;
            }
            return blob;
        }
        cut_or_flip(&mut blob, damage, at);
        blob
    })
}

/// Whether two runs agree: the same outcome, and the same output if it is complete; after
/// an error, buffers of another size may have passed on more or less of the same output.
fn agree(got: &Run, want: &Run, same_buffers: bool) -> bool {
    let (short, long) = if got.0.len() <= want.0.len() {
        (&got.0, &want.0)
    } else {
        (&want.0, &got.0)
    };
    got.1 == want.1
        && if same_buffers || want.1.is_ok() {
            got.0 == want.0
        } else {
            long.starts_with(short)
        }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn owned_and_deferred_output_agree_with_the_default(
        blob in blob(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        capacity in prop_oneof![Just(0usize), 1..300usize, Just(Decoder::OUT_BUF)],
    ) {
        let want = by_slices(Decoder::new(), &blob, &cuts);
        prop_assert_eq!(&by_slices(Decoder::with_deferred_crc(), &blob, &cuts), &want);
        let same = capacity == 0 || capacity == Decoder::OUT_BUF;
        let (owned, sink) = by_buffers(Decoder::new(), &blob, &cuts, capacity);
        prop_assert!(agree(&owned, &want, same), "{owned:?} vs {want:?}");
        prop_assert!(sink.checks.is_empty());
        let (deferred, _) = by_buffers(Decoder::with_deferred_crc(), &blob, &cuts, capacity);
        prop_assert!(agree(&deferred, &want, same), "{deferred:?} vs {want:?}");
    }
}

/// Each member's check comes at its trailer's offset with its stored CRC-32, after all of
/// its tar bytes, and output buffers are as large as the sink makes them.
#[test]
fn checks_come_at_each_trailer() {
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
    let (blob, trailers) = gzip_with_trailers(&data, 3);
    for capacity in [0, 1000, 64 << 10] {
        let ((out, r), sink) =
            by_buffers(Decoder::with_deferred_crc(), &blob, &[5, 70_000], capacity);
        assert_eq!(r, Ok(Compression::Gzip));
        assert_eq!(out, data);
        let offsets: Vec<usize> = sink.checks.iter().map(|c| c.offset as usize).collect();
        assert_eq!(offsets, trailers);
        for (c, &t) in sink.checks.iter().zip(&trailers) {
            let stored = u32::from_le_bytes([blob[t], blob[t + 1], blob[t + 2], blob[t + 3]]);
            assert_eq!(c.expected, stored);
        }
        // The first buffer is the decoder's own; then they are the sink's.
        let per = if capacity == 0 {
            Decoder::OUT_BUF
        } else {
            capacity
        };
        assert!(sink.buffers[0] <= Decoder::OUT_BUF);
        assert!(sink.buffers[1..].iter().all(|&n| n <= per));
        assert!(sink.buffers.len() >= 3);
        if capacity == 1000 {
            assert!(sink.buffers.len() >= (data.len() - Decoder::OUT_BUF) / 1000);
        }
        assert_eq!(sink.buffers.iter().sum::<usize>(), data.len());
    }
}

/// A wrong CRC-32 is the same error whether the decoder or the sink computes it.
#[test]
fn a_wrong_crc_is_reported_at_its_trailer() {
    let data = vec![42u8; 10_000];
    let (mut blob, trailers) = gzip_with_trailers(&data, 2);
    let t = trailers[1];
    blob[t] ^= 0xff;
    let (_, want) = by_slices(Decoder::new(), &blob, &[]);
    let Err(LayerError::GzipCrc {
        offset,
        expected,
        actual,
    }) = want.clone()
    else {
        panic!("expected a CRC error, got {want:?}");
    };
    assert_eq!(offset, trailers[1] as u64);
    assert_eq!(expected ^ actual, 0xff);
    let ((_, got), sink) = by_buffers(Decoder::with_deferred_crc(), &blob, &[1], 4096);
    assert_eq!(got, want);
    assert_eq!(sink.checks.len(), 2);
    // A sink that ignores the checks: the decoder itself then only checks ISIZE.
    let ((out, r), _) = by_buffers(Decoder::new(), &blob, &[], 4096);
    assert_eq!((out.len(), r), (data.len(), want));
}
