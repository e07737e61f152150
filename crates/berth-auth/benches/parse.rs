//! Throughput of the hot paths a registry runs on every request: Basic parsing, token parsing,
//! token verification.

use berth_auth::{
    Access, TokenSigner, parse_authorization, parse_basic, parse_challenges, parse_docker_tokens,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const BASIC: &str = "Basic dXNlcjpwYXNz";
const HUB_TOKEN: &str = r#"signature=7c438fd617eb7a8f2ad7476a9a3f2c6f8c1961fa,repository="google/cadvisor",access=read"#;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("auth");

    g.throughput(Throughput::Bytes(BASIC.len() as u64));
    g.bench_function("parse_basic", |b| b.iter(|| parse_basic(black_box(BASIC))));

    g.throughput(Throughput::Bytes(HUB_TOKEN.len() as u64));
    g.bench_function("parse_docker_tokens", |b| {
        b.iter(|| parse_docker_tokens(black_box(HUB_TOKEN)))
    });

    let doubled = format!("Token Token {HUB_TOKEN}");
    g.throughput(Throughput::Bytes(doubled.len() as u64));
    g.bench_function("parse_authorization_token", |b| {
        b.iter(|| parse_authorization(black_box(&doubled)))
    });

    let challenge = format!(r#"Basic realm="auth required",Token {HUB_TOKEN}"#);
    g.throughput(Throughput::Bytes(challenge.len() as u64));
    g.bench_function("parse_challenges", |b| {
        b.iter(|| parse_challenges(black_box(&challenge)))
    });

    let signer = TokenSigner::new(b"0123456789abcdef0123456789abcdef");
    let token = signer
        .sign("library/ubuntu", Access::Read, 2_000_000_000)
        .expect("a valid repository");
    let header = token.to_header_value();
    g.throughput(Throughput::Bytes(header.len() as u64));
    g.bench_function("verify", |b| {
        b.iter(|| signer.verify(black_box(&token), black_box(1_900_000_000)))
    });
    g.bench_function("parse_and_verify", |b| {
        b.iter(|| {
            let tokens = parse_docker_tokens(black_box(&header)).expect("parses");
            signer.verify(&tokens[0], 1_900_000_000)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
