//! Prints the best-of-N throughput of `sha2` and of 1 to 4 interleaved lanes (SHA work per
//! second: bytes times lanes), for a quick look on a busy machine.

use std::time::Instant;

use berth_sha256x::{Sha256, update_lanes};

fn run<const N: usize>(data: &[u8]) -> [u8; 32] {
    let mut hs: [Sha256; N] = std::array::from_fn(|i| {
        let mut h = Sha256::new();
        h.update(&vec![0; i * 17]);
        h
    });
    for c in data.chunks(128 << 10) {
        update_lanes(hs.each_mut(), c);
    }
    hs[0].clone().finalize()
}

fn best(name: &str, bytes: usize, mut f: impl FnMut() -> [u8; 32]) {
    let mut t = f64::MAX;
    for _ in 0..15 {
        let s = Instant::now();
        std::hint::black_box(f());
        t = t.min(s.elapsed().as_secs_f64());
    }
    println!("{name:10} {:8.0} MB/s", bytes as f64 / t / 1e6);
}

fn main() {
    let n = 16 << 20;
    let data: Vec<u8> = (0..n as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    println!("backend {:?}", berth_sha256x::backend());
    best("sha2", n, || {
        <sha2::Sha256 as sha2::Digest>::digest(&data).into()
    });
    best("lanes/1", n, || run::<1>(&data));
    best("lanes/2", 2 * n, || run::<2>(&data));
    best("lanes/3", 3 * n, || run::<3>(&data));
    best("lanes/4", 4 * n, || run::<4>(&data));
}
