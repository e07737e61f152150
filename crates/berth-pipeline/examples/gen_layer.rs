//! Writes deterministic test layers for `cargo xtask bench --compare`: a tar and its gzip
//! (level 6, as docker pushes), from a seed, no downloads.
//!
//! ```text
//! gen_layer large|small SEED MEGABYTES OUT.tar   # also writes OUT.tar.gz
//! ```
//!
//! `large`: files of 0 to 4 MiB (log-uniform sizes) until MEGABYTES of tar. `small`: 100,000
//! files of 0 to 4 KiB (MEGABYTES ignored). Contents mix text-like, binary-like and
//! incompressible stretches so that gzip -6 shrinks the tar about 2 times, like a `/usr/lib`.

use std::fs::File;
use std::io::{BufWriter, Write as _};

/// A xorshift64* generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// Vocabularies shared by all files, so that gzip finds repeats like in real libraries.
struct Vocab {
    words: Vec<Vec<u8>>,
    symbols: Vec<[u8; 8]>,
}

impl Vocab {
    fn new(rng: &mut Rng) -> Self {
        let words = (0..2048)
            .map(|_| {
                let len = 2 + rng.below(10) as usize;
                (0..len)
                    .map(|_| b"etaoinshrdlucmfwypvbgkqjxz_"[rng.below(27) as usize])
                    .collect()
            })
            .collect();
        let symbols = (0..4096).map(|_| rng.next().to_le_bytes()).collect();
        Self { words, symbols }
    }

    /// `len` bytes in stretches of text, machine-code-like words, and random bytes.
    fn content(&self, rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
        out.clear();
        while out.len() < len {
            let stretch = 256 + rng.below(4096) as usize;
            let end = (out.len() + stretch).min(len);
            match rng.below(20) {
                0..=7 => {
                    while out.len() < end {
                        out.extend_from_slice(&self.words[rng.below(2048) as usize]);
                        out.push(if rng.below(8) == 0 { b'\n' } else { b' ' });
                    }
                }
                8..=18 => {
                    while out.len() < end {
                        let r = rng.next();
                        if r % 6 == 0 {
                            out.extend_from_slice(&r.to_le_bytes()[..4]);
                        } else {
                            out.extend_from_slice(&self.symbols[(r >> 20) as usize % 512]);
                        }
                    }
                }
                _ => {
                    while out.len() < end {
                        out.extend_from_slice(&rng.next().to_le_bytes());
                    }
                }
            }
            out.truncate(end);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, seed, mb, out] = &args[..] else {
        panic!("usage: gen_layer large|small SEED MEGABYTES OUT.tar");
    };
    let seed: u64 = seed.parse().expect("seed");
    let target = mb.parse::<u64>().expect("megabytes") * 1_000_000;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let vocab = Vocab::new(&mut rng);
    let file = BufWriter::with_capacity(1 << 20, File::create(out).expect("create the tar"));
    let mut b = tar::Builder::new(file);
    let mut data = Vec::new();
    let mut written = 0u64;
    let mut i = 0u64;
    loop {
        let size = match kind.as_str() {
            "small" if i >= 100_000 => break,
            "small" => rng.below(4097) as usize,
            _ if written >= target => break,
            _ => {
                let bits = rng.below(23);
                rng.below(1 << bits) as usize
            }
        };
        if i % 64 == 0 {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_mtime(1_400_000_000);
            h.set_size(0);
            b.append_data(&mut h, format!("usr/lib/pkg{}/", i / 64), &[][..])
                .expect("write");
        }
        vocab.content(&mut rng, size, &mut data);
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_400_000_000 + i);
        h.set_size(size as u64);
        b.append_data(
            &mut h,
            format!("usr/lib/pkg{}/lib{i}.so.1", i / 64),
            &data[..],
        )
        .expect("write");
        written += 512 + size.div_ceil(512) as u64 * 512;
        i += 1;
    }
    b.into_inner()
        .expect("finish the tar")
        .flush()
        .expect("flush");
    let tar_len = std::fs::metadata(out).expect("stat").len();
    let gz_path = format!("{out}.gz");
    let mut e = flate2::write::GzEncoder::new(
        BufWriter::with_capacity(1 << 20, File::create(&gz_path).expect("create the gzip")),
        flate2::Compression::new(6),
    );
    std::io::copy(&mut File::open(out).expect("reopen"), &mut e).expect("gzip");
    e.finish().expect("finish the gzip").flush().expect("flush");
    let gz_len = std::fs::metadata(&gz_path).expect("stat").len();
    println!(
        "{out}: {tar_len} bytes, {i} files; {gz_path}: {gz_len} bytes (ratio {:.2})",
        tar_len as f64 / gz_len as f64
    );
}
