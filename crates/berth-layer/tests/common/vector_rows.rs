//! The TarSum rows of `testdata/tarsum/VECTORS.md`, shared by `berth-layer`'s and
//! `berth-pipeline`'s vector tests (included by path), the files and blobs of a row, and the
//! check of one result against a row.

use std::io::Write as _;
use std::path::PathBuf;

use berth_layer::{Compression, LayerDigests};

/// `testdata/tarsum/<rel>` at the workspace root.
pub(crate) fn tarsum_data(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/tarsum")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Gzip-compresses `data` with flate2's encoder at the default level.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The two blobs every engine is tested on for a row: the plain tar and its gzip.
pub(crate) type RowBlobs = [(Vec<u8>, Compression); 2];

/// A row's inputs: the image json (empty when the row has none), the layer's tar, and its
/// [`RowBlobs`].
pub(crate) fn row_inputs(layer: &str, json: &str) -> (Vec<u8>, Vec<u8>, RowBlobs) {
    let tar = tarsum_data(layer);
    let extra = if json.is_empty() {
        Vec::new()
    } else {
        tarsum_data(json)
    };
    let blobs = [
        (tar.clone(), Compression::None),
        (gzip(&tar), Compression::Gzip),
    ];
    (extra, tar, blobs)
}

/// (layer, json or "", expected v0, expected dev) from VECTORS.md; "" = not asserted upstream.
pub(crate) const ROWS: &[(&str, &str, &str, &str)] = &[
    (
        "46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457/layer.tar",
        "46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457/json",
        "tarsum+sha256:4095cc12fa5fdb1ab2760377e1cd0c4ecdd3e61b4f9b82319d96fcea6c9a41c6",
        "tarsum.dev+sha256:db56e35eec6ce65ba1588c20ba6b1ea23743b59e81fb6b7f358ccbde5580345c",
    ),
    (
        "xattr/layer.tar",
        "xattr/json",
        "tarsum+sha256:07e304a8dbcb215b37649fde1a699f8aeea47e60815707f1cdf4d55d25ff6ab4",
        "tarsum.dev+sha256:6c58917892d77b3b357b0f9ad1e28e1f4ae4de3a8006bd3beb8beda214d8fd16",
    ),
    (
        "511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158/layer.tar",
        "511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158/json",
        "tarsum+sha256:c66bd5ec9f87b8f4c6135ca37684618f486a3dd1d113b138d0a177bfa39c2571",
        "",
    ),
    (
        "collision/collision-0.tar",
        "",
        "tarsum+sha256:08653904a68d3ab5c59e65ef58c49c1581caa3c34744f8d354b3f575ea04424a",
        "",
    ),
    (
        "collision/collision-1.tar",
        "",
        "tarsum+sha256:b51c13fbefe158b5ce420d2b930eef54c5cd55c50a2ee4abdddea8fa9f081e0d",
        "",
    ),
    (
        "collision/collision-2.tar",
        "",
        "tarsum+sha256:381547080919bb82691e995508ae20ed33ce0f6948d41cafbeb70ce20c73ee8e",
        "",
    ),
    (
        "collision/collision-3.tar",
        "",
        "tarsum+sha256:f886e431c08143164a676805205979cd8fa535dfcef714db5515650eea5a7c0f",
        "",
    ),
];

/// Asserts that `out` is the result for a row's layer: its compression, TarSum v0, dev and v1 (when
/// the row asserts them), and the sizes of the tar and of the blob it was sent as.
#[track_caller]
pub(crate) fn assert_row(
    out: &LayerDigests,
    compression: Compression,
    (v0, dev): (&str, &str),
    (tar_len, blob_len): (usize, usize),
    ctx: &str,
) {
    assert_eq!(out.compression, compression, "{ctx}");
    let t = out.tar().unwrap();
    assert_eq!(t.tarsum_v0.unwrap().to_string(), v0, "{ctx}");
    if !dev.is_empty() {
        assert_eq!(t.tarsum_dev.unwrap().to_string(), dev, "{ctx}");
        let v1 = dev.replace("tarsum.dev+", "tarsum.v1+");
        assert_eq!(t.tarsum_v1.unwrap().to_string(), v1, "{ctx}");
    }
    assert_eq!(t.size, tar_len as u64, "{ctx}");
    assert_eq!(out.blob.size, blob_len as u64, "{ctx}");
}
