//! Digests layer files with the pipelined or the single-threaded engine, or only inflates
//! them, and prints MB/s of uncompressed tar bytes: the engine side of `cargo xtask bench
//! --compare`.
//!
//! ```text
//! digest_file pipelined|single|inflate FILE...
//! ```

use std::io::Read;
use std::time::Instant;

use berth_layer::{LayerDigester, LayerOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    for path in args {
        let file = std::fs::File::open(&path).expect("open the layer");
        let start = Instant::now();
        let opts = LayerOptions::new().extra(b"{}".to_vec()).lenient(true);
        let (tar_size, line) = match mode.as_str() {
            "pipelined" => {
                let d = berth_pipeline::digest_reader(file, opts).expect("read the layer");
                let t = d.tar().map_or(0, |t| t.size);
                (t, format!("{:?}", d.tar().map(|t| t.tarsum_v1)))
            }
            "single" => {
                let d = single(file, opts);
                let t = d.tar().map_or(0, |t| t.size);
                (t, format!("{:?}", d.tar().map(|t| t.tarsum_v1)))
            }
            "inflate" => (inflate(file), String::new()),
            _ => panic!("mode: pipelined, single or inflate"),
        };
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{mode} {path} tar_bytes={tar_size} secs={secs:.3} mbps={:.1} {line}",
            tar_size as f64 / secs / 1e6
        );
    }
}

fn single(mut file: std::fs::File, opts: LayerOptions) -> berth_layer::LayerDigests {
    let mut d = LayerDigester::new(opts);
    let chunk = std::env::var("CHUNK_KIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1024);
    let mut buf = vec![0u8; chunk << 10];
    loop {
        let n = file.read(&mut buf).expect("read the layer");
        if n == 0 {
            break;
        }
        d.update(&buf[..n]).expect("lenient");
    }
    d.finish().expect("lenient")
}

/// Inflates only, with the very inflater the engine uses (`berth_layer::Decoder`: gzip
/// framing, `flate2` raw inflate, CRC-32 and size checks), counting the output bytes.
fn inflate(mut file: std::fs::File) -> u64 {
    let mut d = berth_layer::Decoder::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf).expect("read the layer");
        if n == 0 {
            break;
        }
        d.update(&buf[..n], |tar| {
            total += tar.len() as u64;
            Ok(())
        })
        .expect("inflate");
    }
    d.finish(|tar| {
        total += tar.len() as u64;
        Ok(())
    })
    .expect("inflate");
    total
}
