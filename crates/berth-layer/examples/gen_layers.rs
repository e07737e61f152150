//! Writes the bench layers to a directory (default /tmp/berth-layer-bench) so that the bench
//! figures can be compared with `sha256sum` and `zcat | sha256sum` on the same data.

#[path = "../benches/support/layers.rs"]
mod layers;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/berth-layer-bench".to_string());
    std::fs::create_dir_all(&dir).unwrap();
    for (name, tar) in [
        ("small-files", layers::small_files()),
        ("large-files", layers::large_files()),
    ] {
        let gz = layers::gzip(&tar);
        std::fs::write(format!("{dir}/{name}.tar"), &tar).unwrap();
        std::fs::write(format!("{dir}/{name}.tar.gz"), &gz).unwrap();
        println!(
            "{dir}/{name}.tar: {} bytes, .tar.gz: {} bytes",
            tar.len(),
            gz.len()
        );
    }
}
