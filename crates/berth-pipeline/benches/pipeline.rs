//! Throughput of the pipelined engine beside the single-threaded one (uncompressed tar bytes
//! per second), on the generated layers of `berth-layer`'s bench.

#[path = "../../berth-layer/benches/support/layers.rs"]
mod layers;

use berth_layer::{LayerDigester, LayerOptions};
use berth_pipeline::{PipelinedDigester, digest_reader};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn single(blob: &[u8], opts: &LayerOptions) -> u64 {
    let mut d = LayerDigester::new(opts.clone());
    for c in blob.chunks(1 << 20) {
        d.update(c).unwrap();
    }
    d.finish().unwrap().blob.size
}

fn pipelined(blob: &[u8], opts: &LayerOptions) -> u64 {
    let mut d = PipelinedDigester::new(opts.clone());
    for c in blob.chunks(1 << 20) {
        d.update(c).unwrap();
    }
    d.finish().unwrap().blob.size
}

fn bench(c: &mut Criterion) {
    let opts = LayerOptions::new().extra(b"{\"id\":\"bench\"}\n".to_vec());
    for (name, tar) in [
        ("small-files", layers::small_files()),
        ("large-files", layers::large_files()),
    ] {
        let gz = layers::gzip(&tar);
        let mut g = c.benchmark_group(format!("pipeline/{name}"));
        g.throughput(Throughput::Bytes(tar.len() as u64));
        g.sample_size(10);
        for (kind, blob) in [("plain", &tar), ("gzip", &gz)] {
            g.bench_function(format!("{kind}/single"), |b| b.iter(|| single(blob, &opts)));
            g.bench_function(format!("{kind}/pipelined"), |b| {
                b.iter(|| pipelined(blob, &opts))
            });
            g.bench_function(format!("{kind}/reader"), |b| {
                b.iter(|| digest_reader(&blob[..], opts.clone()).unwrap().blob.size)
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
