//! Writes the deterministic sample archive (three chained images, tags `1.0` and `latest`).
//!
//! `cargo run -p berth-client --example make-sample -- testdata/images/sample.tar`

fn main() -> anyhow::Result<()> {
    let dest = std::env::args_os()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: make-sample OUTPUT.tar"))?;
    berth_client::archive::write_sample_archive(std::path::Path::new(&dest))?;
    Ok(())
}
