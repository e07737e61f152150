//! `ParallelGzip` writes one standard gzip member that decodes to its input, whatever the
//! input, block size, level, thread count and the consumer's read sizes; its size matches
//! single-threaded zlib because each block is primed with the input before it.

use std::cell::RefCell;
use std::io::{self, Read, Write as _};
use std::rc::Rc;

use berth_pipeline::{DEFAULT_BLOCK, ParallelGzip};
use flate2::read::{GzDecoder, MultiGzDecoder};
use proptest::prelude::*;

/// Reads `gz` to its end with reads of at most `chunk` bytes.
fn read_in_chunks(mut r: impl Read, chunk: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk.max(1)];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn compress(data: &[u8], level: u32, threads: usize, block: usize) -> Vec<u8> {
    let gz = ParallelGzip::new(data, level, threads).block_size(block);
    read_in_chunks(gz, 64 * 1024).unwrap()
}

/// Decodes `gz` as exactly one gzip member with nothing after it, and also with the
/// multi-member decoder; both must agree.
fn decode_one_member(gz: &[u8]) -> Vec<u8> {
    let mut one = GzDecoder::new(gz);
    let mut out = Vec::new();
    one.read_to_end(&mut out).unwrap();
    assert!(one.into_inner().is_empty(), "bytes after the first member");
    let mut multi = Vec::new();
    MultiGzDecoder::new(gz).read_to_end(&mut multi).unwrap();
    assert_eq!(multi, out);
    out
}

/// Text with structure at every distance: numbered lines made of words from a vocabulary,
/// with earlier lines quoted back now and then.
fn text(len: usize) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "layer", "image", "registry", "push", "pull", "tarsum", "checksum", "json", "parent",
        "ancestry", "token", "index", "docker", "berth", "gzip", "block",
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::with_capacity(len + 200);
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut i = 0u64;
    while out.len() < len {
        let r = next();
        let start = out.len();
        if r % 5 == 0 && !lines.is_empty() {
            let (s, e) = lines[(r >> 8) as usize % lines.len()];
            out.extend_from_within(s..e);
        } else {
            write!(out, "{i:08} ").unwrap();
            for k in 0..(r % 9 + 3) {
                out.extend_from_slice(WORDS[((r >> (4 * k)) & 15) as usize].as_bytes());
                out.push(b' ');
            }
            out.push(b'\n');
        }
        lines.push((start, out.len()));
        i += 1;
    }
    out.truncate(len);
    out
}

fn gzip_single(data: &[u8], level: u32) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn sizes_around_the_block_boundaries_round_trip() {
    let block = 4096;
    let data = text(40 * block + 100);
    for len in [
        0,
        1,
        block - 1,
        block,
        block + 1,
        2 * block,
        7 * block + 13,
        40 * block,
    ] {
        for threads in [1, 2, 3] {
            let gz = compress(&data[..len], 6, threads, block);
            assert_eq!(&gz[..3], &[0x1f, 0x8b, 8], "gzip header, deflate");
            assert_eq!(decode_one_member(&gz), &data[..len], "len {len}");
            let isize = u32::from_le_bytes(gz[gz.len() - 4..].try_into().unwrap());
            assert_eq!(isize as usize, len);
        }
    }
}

#[test]
fn the_default_block_size_round_trips_large_input() {
    let data = text(3 * DEFAULT_BLOCK + 12_345);
    for exact in [DEFAULT_BLOCK, 2 * DEFAULT_BLOCK, data.len()] {
        let gz = ParallelGzip::new(&data[..exact], 1, 2);
        let gz = read_in_chunks(gz, 8192).unwrap();
        assert_eq!(decode_one_member(&gz), &data[..exact]);
    }
}

#[test]
fn empty_input_is_a_complete_empty_member() {
    let gz = compress(b"", 6, 2, DEFAULT_BLOCK);
    // Header (10), an empty final fixed block (2), CRC-32 0 and ISIZE 0 (8).
    assert_eq!(gz.len(), 20, "{gz:02x?}");
    assert_eq!(&gz[10..], &[3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert!(decode_one_member(&gz).is_empty());
}

#[test]
fn header_and_trailer_match_rfc_1952() {
    let data = text(100_000);
    for (level, xfl) in [(1, 4), (6, 0), (9, 2)] {
        let gz = compress(&data, level, 2, 16 * 1024);
        // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL OS=unknown.
        assert_eq!(&gz[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
        let mut crc = flate2::Crc::new();
        crc.update(&data);
        let n = gz.len();
        assert_eq!(gz[n - 8..n - 4], crc.sum().to_le_bytes());
        assert_eq!(gz[n - 4..], 100_000u32.to_le_bytes());
    }
}

#[test]
fn the_output_does_not_depend_on_the_thread_count() {
    let data = text(2 << 20);
    for level in [1, 6] {
        let one = compress(&data, level, 1, 64 * 1024);
        for threads in [2, 3, 4] {
            assert!(
                compress(&data, level, threads, 64 * 1024) == one,
                "level {level}, {threads} threads"
            );
        }
    }
}

/// Raw deflate of each block on its own (no dictionary), as a reference for the loss.
fn independent_blocks_size(data: &[u8], block: usize) -> usize {
    let mut total = 18;
    for part in data.chunks(block) {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        e.write_all(part).unwrap();
        total += e.finish().unwrap().len();
    }
    total
}

#[test]
fn level_6_size_matches_single_threaded_zlib_thanks_to_the_dictionary() {
    let data = text(8 << 20);
    let block = 16 * 1024;
    let single = gzip_single(&data, 6).len() as f64;
    let parallel = compress(&data, 6, 2, block).len() as f64;
    let independent = independent_blocks_size(&data, block) as f64;
    assert!(
        parallel <= single * 1.01,
        "parallel {parallel} vs single {single}"
    );
    // Without the dictionary every block would start cold: clearly bigger.
    assert!(
        independent > single * 1.05,
        "independent {independent} vs single {single}"
    );
    let default = compress(&data, 6, 2, DEFAULT_BLOCK).len() as f64;
    assert!(default <= single * 1.005, "default {default} vs {single}");
}

#[test]
fn a_reader_around_the_input_sees_every_byte_in_order_on_this_thread() {
    /// Records what passes through it; `Rc` makes it `!Send`, so it cannot be on a worker.
    struct Tap<'a> {
        inner: &'a [u8],
        seen: Rc<RefCell<Vec<u8>>>,
    }
    impl Read for Tap<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.seen.borrow_mut().extend_from_slice(&buf[..n]);
            Ok(n)
        }
    }
    let data = text(300_000);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let tap = Tap {
        inner: &data,
        seen: Rc::clone(&seen),
    };
    let mut gz = ParallelGzip::new(tap, 6, 2).block_size(8192);
    let out = read_in_chunks(&mut gz, 1000).unwrap();
    assert_eq!(gz.total_in(), data.len() as u64);
    assert_eq!(*seen.borrow(), data);
    assert_eq!(decode_one_member(&out), data);
}

/// Yields `good` bytes, then fails.
struct Failing {
    good: usize,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.good == 0 {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "disk gone"));
        }
        let n = buf.len().min(self.good);
        buf[..n].fill(b'x');
        self.good -= n;
        Ok(n)
    }
}

#[test]
fn an_input_error_is_returned_and_stays() {
    let mut gz = ParallelGzip::new(Failing { good: 50_000 }, 6, 2).block_size(4096);
    let err = read_in_chunks(&mut gz, 4096).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    assert!(gz.read(&mut [0u8; 16]).is_err(), "no output after an error");
}

#[test]
fn interrupted_reads_are_retried() {
    struct Jumpy<'a> {
        inner: &'a [u8],
        flip: bool,
    }
    impl Read for Jumpy<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.flip = !self.flip;
            if self.flip {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(777);
            self.inner.read(&mut buf[..n])
        }
    }
    let data = text(50_000);
    let gz = ParallelGzip::new(
        Jumpy {
            inner: &data,
            flip: false,
        },
        6,
        2,
    )
    .block_size(4096);
    let out = read_in_chunks(gz, 3000).unwrap();
    assert_eq!(decode_one_member(&out), data);
}

#[test]
fn dropping_early_stops_the_workers() {
    // An endless input: if dropping did not close the queues and join, this would hang.
    for threads in [1, 2, 4] {
        let mut gz = ParallelGzip::new(io::repeat(7), 6, threads).block_size(4096);
        let mut head = [0u8; 1000];
        gz.read_exact(&mut head).unwrap();
        assert_eq!(&head[..2], &[0x1f, 0x8b]);
        drop(gz);
    }
    // Dropped before the first read: no threads were started.
    drop(ParallelGzip::new(io::repeat(7), 6, 2));
}

/// Input with long runs, text and random bytes.
fn mixed() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            (any::<u8>(), 1usize..20_000).prop_map(|(b, n)| vec![b; n]),
            (0usize..30_000).prop_map(text),
            prop::collection::vec(any::<u8>(), 0..10_000),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_input_round_trips(
        data in mixed(),
        level in 0u32..=9,
        threads in 1usize..=4,
        block in 4096usize..40_000,
        chunk in 1usize..70_000,
    ) {
        let gz = ParallelGzip::new(&data[..], level, threads).block_size(block);
        let out = read_in_chunks(gz, chunk).unwrap();
        prop_assert_eq!(decode_one_member(&out), data);
    }
}
