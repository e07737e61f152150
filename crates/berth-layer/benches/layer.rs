//! Throughput of `LayerDigester` on generated layers (throughput counted in uncompressed tar bytes).

#[path = "support/layers.rs"]
mod layers;

use berth_layer::{LayerDigester, LayerOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn run(blob: &[u8], chunk: usize, opts: &LayerOptions) -> u64 {
    let mut d = LayerDigester::new(opts.clone());
    for c in blob.chunks(chunk) {
        d.update(c).unwrap();
    }
    d.finish().unwrap().tar().map_or(0, |t| t.entries)
}

fn bench(c: &mut Criterion) {
    let layers = [
        ("small-files", layers::small_files()),
        ("large-files", layers::large_files()),
    ];
    let all = LayerOptions::new().extra(b"{\"id\":\"bench\"}\n".to_vec());
    let blob_only = LayerOptions::new().tarsums(false, false).lenient(true);
    for (name, tar) in &layers {
        let gz = layers::gzip(tar);
        let mut g = c.benchmark_group(format!("layer/{name}"));
        g.throughput(Throughput::Bytes(tar.len() as u64));
        g.sample_size(10);
        for (kind, blob) in [("plain", tar), ("gzip", &gz)] {
            for chunk in [1 << 10, 64 << 10, 1 << 20] {
                g.bench_function(format!("{kind}/all/{}KiB", chunk >> 10), |b| {
                    b.iter(|| run(blob, chunk, &all))
                });
            }
            g.bench_function(format!("{kind}/no-tarsum/64KiB"), |b| {
                b.iter(|| run(blob, 64 << 10, &blob_only))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
