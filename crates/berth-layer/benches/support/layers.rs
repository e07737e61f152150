//! Deterministic layer generator shared by the bench and the `gen_layers` example.
#![allow(dead_code, unreachable_pub)]

use std::io::Write as _;

/// A xorshift64 generator (fixed seed, no randomness crate).
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// File content that compresses roughly like binaries (about 2–3x): words from a small
/// vocabulary mixed with random bytes.
fn content(rng: &mut XorShift, len: usize) -> Vec<u8> {
    let words: Vec<[u8; 8]> = (0..256)
        .map(|i| (i as u64 * 0x9e37_79b9_7f4a_7c15).to_le_bytes())
        .collect();
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        let r = rng.next();
        if r % 4 == 0 {
            v.extend_from_slice(&r.to_le_bytes());
        } else {
            v.extend_from_slice(&words[(r >> 8) as usize % words.len()]);
        }
    }
    v.truncate(len);
    v
}

/// A tar with `files` entries whose sizes are drawn up to `max_size` bytes (plus a directory per 50 files).
pub fn layer(seed: u64, files: usize, max_size: usize) -> Vec<u8> {
    let mut rng = XorShift::new(seed);
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..files {
        if i % 50 == 0 {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_mtime(1_400_000_000);
            h.set_size(0);
            b.append_data(&mut h, format!("usr/lib/d{}/", i / 50), &[][..])
                .unwrap();
        }
        let size = (rng.next() as usize) % (max_size + 1);
        let data = content(&mut rng, size);
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_mtime(1_400_000_000 + i as u64);
        h.set_size(size as u64);
        b.append_data(
            &mut h,
            format!("usr/lib/d{}/file-{i}.so", i / 50),
            &data[..],
        )
        .unwrap();
    }
    b.into_inner().unwrap()
}

/// Many small files: 4000 files of up to 4 KiB (about 8 MiB).
pub fn small_files() -> Vec<u8> {
    layer(1, 4000, 4096)
}

/// Few large files: 4 files of up to 8 MiB (about 16 MiB).
pub fn large_files() -> Vec<u8> {
    layer(2, 4, 8 << 20)
}

/// gzip at the default level, as docker pushes layers.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}
