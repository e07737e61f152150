//! Benchmarks: `route()` on typical paths, and image JSON parsing.

use std::hint::black_box;

use berth_model::{ImageJson, route};
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::Method;

const PATHS: [(&str, &str); 6] = [
    ("GET", "/v1/_ping"),
    (
        "GET",
        "/v1/images/511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158/json",
    ),
    (
        "PUT",
        "/v1/images/511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158/layer",
    ),
    ("GET", "/v1/repositories/library/busybox/tags"),
    ("PUT", "/v1/repositories/someone/my%20repo/tags/latest"),
    ("GET", "/v1/repositories/busybox/images"),
];

/// A docker 1.x image JSON (compact, trailing newline, as pushed).
const IMAGE_JSON: &str = concat!(
    r#"{"id":"8dbd9e392a964056420e5d58ca5cc376ef18e2de93b5cc90e868a1bbc8318c1c","#,
    r#""parent":"511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158","#,
    r#""created":"2014-04-07T02:45:52.610504484Z","#,
    r#""container":"a8f0b0e8b4bd4b6d5f1ee1c2ad7b1dfb6c6c2f3c7e2bb2a6a1a3b5e2f6f7c8d9","#,
    r#""container_config":{"Hostname":"a8f0b0e8b4bd","Domainname":"","User":"","Memory":0,"#,
    r#""MemorySwap":0,"CpuShares":0,"Cpuset":"","AttachStdin":false,"AttachStdout":false,"#,
    r#""AttachStderr":false,"PortSpecs":null,"ExposedPorts":null,"Tty":false,"OpenStdin":false,"#,
    r#""StdinOnce":false,"Env":["HOME=/","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"#,
    r##""Cmd":["/bin/sh","-c","#(nop) ADD file:1234 in /"],"Image":"","Volumes":null,"WorkingDir":"","##,
    r#""Entrypoint":null,"NetworkDisabled":false,"OnBuild":null},"docker_version":"0.9.1","#,
    r#""config":{"Hostname":"","Domainname":"","User":"","Memory":0,"MemorySwap":0,"CpuShares":0,"#,
    r#""Cpuset":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"PortSpecs":null,"#,
    r#""ExposedPorts":null,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"#,
    r#""Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"NetworkDisabled":false,"OnBuild":null},"#,
    r#""architecture":"amd64","os":"linux","Size":2433303}"#,
    "\n"
);

fn bench_route(c: &mut Criterion) {
    let mut group = c.benchmark_group("route");
    for (method, path) in PATHS {
        let method: Method = method.parse().unwrap_or(Method::GET);
        group.throughput(Throughput::Bytes(path.len() as u64));
        group.bench_function(path, |b| {
            b.iter(|| route(black_box(&method), black_box(path), None))
        });
    }
    group.finish();
}

fn bench_image_json(c: &mut Criterion) {
    let raw = Bytes::from_static(IMAGE_JSON.as_bytes());
    let mut group = c.benchmark_group("image_json");
    group.throughput(Throughput::Bytes(raw.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| ImageJson::parse(black_box(raw.clone())))
    });
    group.finish();
}

criterion_group!(benches, bench_route, bench_image_json);
criterion_main!(benches);
