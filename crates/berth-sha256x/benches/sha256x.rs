//! Throughput of the lane kernel (bytes counted once per lane: the SHA work done).

use berth_sha256x::{Sha256, update_lanes};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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

fn bench(c: &mut Criterion) {
    let data: Vec<u8> = (0..(16u32 << 20))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut g = c.benchmark_group("sha256x");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("sha2/1", |b| {
        b.iter(|| <[u8; 32]>::from(<sha2::Sha256 as sha2::Digest>::digest(&data)))
    });
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("lanes/1", |b| b.iter(|| run::<1>(&data)));
    g.throughput(Throughput::Bytes(2 * data.len() as u64));
    g.bench_function("lanes/2", |b| b.iter(|| run::<2>(&data)));
    g.throughput(Throughput::Bytes(3 * data.len() as u64));
    g.bench_function("lanes/3", |b| b.iter(|| run::<3>(&data)));
    g.throughput(Throughput::Bytes(4 * data.len() as u64));
    g.bench_function("lanes/4", |b| b.iter(|| run::<4>(&data)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
