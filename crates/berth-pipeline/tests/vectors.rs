//! Every TarSum vector of `testdata/tarsum/VECTORS.md` (the table of `berth-layer`'s
//! `tests/vectors.rs`), plain and gzip-compressed, through the pipelined engine.

use std::io::Write as _;
use std::path::PathBuf;

use berth_layer::{Compression, LayerOptions};
use berth_pipeline::{PipelinedDigester, digest_reader};

#[path = "../../berth-layer/tests/common/vector_rows.rs"]
mod vector_rows;
use vector_rows::{ROWS, assert_row};

fn tarsum_data(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/tarsum")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn vectors_plain_and_gzip_pipelined() {
    for &(layer, json, v0, dev) in ROWS {
        let tar = tarsum_data(layer);
        let extra = if json.is_empty() {
            Vec::new()
        } else {
            tarsum_data(json)
        };
        let opts = LayerOptions::new().extra(extra);
        for (blob, compression) in [
            (tar.clone(), Compression::None),
            (gzip(&tar), Compression::Gzip),
        ] {
            let mut outs = vec![digest_reader(&blob[..], opts.clone()).unwrap()];
            for chunk in [1, 7, 512, 70_000] {
                let mut d = PipelinedDigester::new(opts.clone());
                for c in blob.chunks(chunk) {
                    d.update(c).unwrap();
                }
                outs.push(d.finish().unwrap());
            }
            for out in outs {
                assert_row(
                    &out,
                    compression,
                    (v0, dev),
                    (tar.len(), blob.len()),
                    &format!("{layer} {compression:?}"),
                );
            }
        }
    }
}
