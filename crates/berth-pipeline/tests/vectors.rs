//! Every TarSum vector of `testdata/tarsum/VECTORS.md` (the table of `berth-layer`'s
//! `tests/vectors.rs`), plain and gzip-compressed, through the pipelined engine.

use berth_layer::LayerOptions;
use berth_pipeline::{PipelinedDigester, digest_reader};

#[path = "../../berth-layer/tests/common/vector_rows.rs"]
mod vector_rows;
use vector_rows::{ROWS, assert_row, row_inputs};

#[test]
fn vectors_plain_and_gzip_pipelined() {
    for &(layer, json, v0, dev) in ROWS {
        let (extra, tar, blobs) = row_inputs(layer, json);
        let opts = LayerOptions::new().extra(extra);
        for (blob, compression) in blobs {
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
