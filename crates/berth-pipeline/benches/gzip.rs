//! Throughput of `ParallelGzip` (uncompressed bytes per second) at levels 1 and 6 on 1 and 2
//! threads, beside single-threaded flate2, on the generated layers of `berth-layer`'s bench.

#[path = "../../berth-layer/benches/support/layers.rs"]
mod layers;

use std::io::{Read as _, Write as _};

use berth_pipeline::ParallelGzip;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn single(tar: &[u8], level: u32) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(tar).unwrap();
    e.finish().unwrap().len()
}

fn parallel(tar: &[u8], level: u32, threads: usize) -> usize {
    let mut gz = ParallelGzip::new(tar, level, threads);
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        match gz.read(&mut buf).unwrap() {
            0 => return total,
            n => total += n,
        }
    }
}

fn bench(c: &mut Criterion) {
    for (name, tar) in [
        ("small-files", layers::small_files()),
        ("large-files", layers::large_files()),
    ] {
        let mut g = c.benchmark_group(format!("gzip/{name}"));
        g.throughput(Throughput::Bytes(tar.len() as u64));
        g.sample_size(10);
        for level in [1, 6] {
            g.bench_function(format!("level{level}/flate2"), |b| {
                b.iter(|| single(&tar, level))
            });
            for threads in [1, 2] {
                g.bench_function(format!("level{level}/parallel-{threads}"), |b| {
                    b.iter(|| parallel(&tar, level, threads))
                });
            }
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
