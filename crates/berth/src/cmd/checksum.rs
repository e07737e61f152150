//! `berth checksum`: every digest of a layer file, computed in one streaming pass.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use berth_layer::{LayerDigester, LayerOptions};

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

/// Size of the reads fed to the digester.
const CHUNK: usize = 1 << 20;

pub(crate) fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let json = match &args.image_json {
        Some(path) => std::fs::read(path).with_context(|| format!("read {}", path.display()))?,
        None => Vec::new(),
    };
    let mut file = std::fs::File::open(&args.layer)
        .with_context(|| format!("open {}", args.layer.display()))?;
    // Lenient: a file that is not a (gzipped) tar still gets its blob digests and payload
    // checksum; the archive error is printed as `archive_error`.
    let mut digester = LayerDigester::new(LayerOptions::new().extra(json).lenient(true));
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("read {}", args.layer.display()))?;
        if n == 0 {
            break;
        }
        digester.update(&buf[..n]).context("digest layer")?;
    }
    let digests = digester.finish().context("digest layer")?;
    let pairs = digests.pairs();
    if global.json {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .into_iter()
            .map(|(label, value)| {
                // Sizes and counts are numbers; digests and names are strings.
                let json = match value.parse::<u64>() {
                    Ok(n) if label.ends_with("size") || label == "entries" => n.into(),
                    _ => serde_json::Value::String(value),
                };
                (label.to_owned(), json)
            })
            .collect();
        println!("{}", serde_json::Value::Object(map));
    } else {
        for (label, value) in pairs {
            println!("{label}: {value}");
        }
    }
    Ok(())
}
