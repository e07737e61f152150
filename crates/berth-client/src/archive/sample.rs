//! A deterministic sample archive: a chain of three tiny images with two tags.
//!
//! The committed `testdata/images/sample.tar` is this function's output; regenerate it with
//! `cargo run -p berth-client --example make-sample -- testdata/images/sample.tar`.

use std::path::Path;

use super::ArchiveWriter;

/// The repository name used in the sample's `repositories` file.
pub const SAMPLE_REPO: &str = "berth/sample";

/// The sample's image ids, base first (sha256 of `berth-sample-base`, `-middle`, `-top`).
pub const SAMPLE_IDS: [&str; 3] = [
    "71a3fa84c4d137c59658698b2c05659660e0f2d99d064c07bb2cad4abcdd867f",
    "f263b79e511c446da15cdb13e9a65a3988ec9cadd303ea4f36bc0fb54715f751",
    "83d02ed478f11263f6fd6f873596302139f0f883c26e47d3e1fc26eb8085a81a",
];

/// Writes the sample archive to `dest`: `berth/sample:1.0` is the middle image and
/// `berth/sample:latest` the top one.
pub fn write_sample_archive(dest: &Path) -> anyhow::Result<()> {
    let files: [&[(&str, &str)]; 3] = [
        &[
            ("etc/", ""),
            ("etc/hostname", "berth\n"),
            ("etc/motd", "Welcome to Berth.\n"),
        ],
        &[
            ("usr/", ""),
            ("usr/share/", ""),
            ("usr/share/berth.txt", "middle layer\n"),
        ],
        &[
            ("etc/", ""),
            ("etc/motd", "Berth sample, top layer.\n"),
            ("etc/.wh.hostname", ""),
        ],
    ];
    let mut writer = ArchiveWriter::create(dest)?;
    for (index, id) in SAMPLE_IDS.iter().enumerate() {
        let layer = layer_tar(files[index])?;
        let parent = index.checked_sub(1).map(|p| SAMPLE_IDS[p]);
        let json = image_json(id, parent, index, layer.len());
        writer.add_image(id, json.as_bytes(), &mut &layer[..], layer.len() as u64)?;
    }
    writer.add_tag(SAMPLE_REPO, "1.0", SAMPLE_IDS[1]);
    writer.add_tag(SAMPLE_REPO, "latest", SAMPLE_IDS[2]);
    writer.finish()?;
    Ok(())
}

/// Compact json followed by a single newline, the way docker's `json.Encoder` wrote it.
fn image_json(id: &str, parent: Option<&str>, index: usize, size: usize) -> String {
    let parent = parent
        .map(|p| format!(r#""parent":"{p}","#))
        .unwrap_or_default();
    let cmd = ["/bin/sh", "cat /usr/share/berth.txt", "cat /etc/motd"][index];
    format!(
        concat!(
            r#"{{"id":"{id}",{parent}"created":"2015-06-0{day}T12:00:00.000000000Z","#,
            r#""container_config":{{"Hostname":"","Cmd":null,"Image":""}},"#,
            r#""docker_version":"1.7.1","author":"Berth sample","#,
            r#""config":{{"Hostname":"","Env":["PATH=/usr/bin:/bin"],"Cmd":["/bin/sh","-c","{cmd}"],"Image":""}},"#,
            r#""architecture":"amd64","os":"linux","Size":{size}}}"#,
            "\n"
        ),
        id = id,
        parent = parent,
        day = index + 1,
        cmd = cmd,
        size = size,
    )
}

/// A small uncompressed layer tar with fixed metadata.
fn layer_tar(files: &[(&str, &str)]) -> anyhow::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let mut header = tar::Header::new_ustar();
        if name.ends_with('/') {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
        } else {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
        }
        header.set_size(content.len() as u64);
        header.set_mtime(1_433_160_000);
        header.set_uid(0);
        header.set_gid(0);
        builder.append_data(&mut header, name, content.as_bytes())?;
    }
    Ok(builder.into_inner()?)
}
