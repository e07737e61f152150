//! `berth checksum`: every digest of a layer file, computed in one streaming pass.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use berth_layer::{LayerDigests, LayerOptions};

use super::GlobalArgs;

/// Arguments of `berth checksum`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The layer file (gzip-compressed or plain tar; other bytes get blob digests only).
    layer: PathBuf,
    /// The image json the payload checksum is computed with (`sha256(json + "\n" + layer)`);
    /// without it the json is empty.
    #[arg(long)]
    image_json: Option<PathBuf>,
}

pub(crate) fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let json = match &args.image_json {
        Some(path) => std::fs::read(path).with_context(|| format!("read {}", path.display()))?,
        None => Vec::new(),
    };
    let file = std::fs::File::open(&args.layer)
        .with_context(|| format!("open {}", args.layer.display()))?;
    let digests = digest(file, json).with_context(|| format!("digest {}", args.layer.display()))?;
    print!("{}", render(&digests, global.json));
    Ok(())
}

/// Streams `reader` through the pipelined digester (`berth_pipeline`: inflate or half the
/// hashing on this thread, the rest on a worker; the same results as `berth_layer`'s
/// single-threaded engine). Lenient: bytes that are not a (gzipped) tar still get their blob
/// digests and payload checksum, and the archive error is reported as `archive_error`.
fn digest(reader: impl Read, json: Vec<u8>) -> anyhow::Result<LayerDigests> {
    let opts = LayerOptions::new().extra(json).lenient(true);
    Ok(berth_pipeline::digest_reader(reader, opts)?)
}

/// One `label: value` per line, or one JSON object (sizes and counts as numbers).
fn render(digests: &LayerDigests, json: bool) -> String {
    let pairs = digests.pairs();
    if !json {
        return pairs
            .into_iter()
            .map(|(label, value)| format!("{label}: {value}\n"))
            .collect();
    }
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .into_iter()
        .map(|(label, value)| {
            let value = match value.parse::<u64>() {
                Ok(n) if label.ends_with("size") || label == "entries" => n.into(),
                _ => serde_json::Value::String(value),
            };
            (label.to_owned(), value)
        })
        .collect();
    format!("{}\n", serde_json::Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TarSum of an archive without entries is the SHA-256 of nothing.
    const EMPTY_TARSUM: &str =
        "tarsum+sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn empty_tar_in_text_and_json() {
        let digests = digest(&[0u8; 1024][..], Vec::new()).unwrap();
        let text = render(&digests, false);
        assert!(
            text.contains(&format!("tarsum_v0: {EMPTY_TARSUM}\n")),
            "{text}"
        );
        assert!(text.contains("blob_size: 1024\n"));
        assert!(text.contains("entries: 0\n"));
        let v: serde_json::Value = serde_json::from_str(&render(&digests, true)).unwrap();
        assert_eq!(v["blob_size"], 1024);
        assert_eq!(v["entries"], 0);
        assert_eq!(v["tarsum_v0"], EMPTY_TARSUM);
    }

    #[test]
    fn arbitrary_bytes_get_blob_digests_and_payload_checksum() {
        let digests = digest(&b"not a tar"[..], b"{}".to_vec()).unwrap();
        let text = render(&digests, false);
        // sha256("{}\nnot a tar"), computed independently with sha256sum.
        assert!(
            text.contains(
                "payload_checksum: sha256:12afea7a76b24797d54dd37cb7aadd2fdd3a5fde5298e9b71f8f4397a3badacd\n"
            ),
            "{text}"
        );
        assert!(text.contains("archive_error: "), "{text}");
        assert!(text.contains("blob_size: 9\n"));
    }
}
