//! `docker save` archive reading and `docker load` archive writing.

use std::io::Read;
use std::path::Path;

use berth_client::archive::{
    ArchiveWriter, LayerStream, SAMPLE_IDS, SAMPLE_REPO, SavedArchive, write_sample_archive,
};

fn sample(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("sample.tar");
    write_sample_archive(&path).unwrap();
    path
}

#[test]
fn sample_has_a_three_image_chain_and_two_tags() {
    let dir = tempfile::tempdir().unwrap();
    let archive = SavedArchive::open(&sample(dir.path())).unwrap();
    assert_eq!(archive.len(), 3);
    let tags = &archive.repositories()[SAMPLE_REPO];
    assert_eq!(tags["latest"], SAMPLE_IDS[2]);
    assert_eq!(tags["1.0"], SAMPLE_IDS[1]);
    let chain: Vec<&str> = archive
        .chain(SAMPLE_IDS[2])
        .unwrap()
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(chain, SAMPLE_IDS);
    let base = archive.image(SAMPLE_IDS[0]).unwrap();
    assert_eq!(base.parent, None);
    assert!(
        base.json.ends_with(b"}\n"),
        "docker's json ends with a newline"
    );
    let mut layer = Vec::new();
    archive
        .open_layer(base)
        .unwrap()
        .read_to_end(&mut layer)
        .unwrap();
    assert_eq!(layer.len() as u64, base.layer_size);
    let names: Vec<String> = tar::Archive::new(&layer[..])
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["etc/", "etc/hostname", "etc/motd"]);
}

#[test]
fn sample_is_deterministic_and_matches_the_committed_copy() {
    let dir = tempfile::tempdir().unwrap();
    let a = std::fs::read(sample(dir.path())).unwrap();
    let b_path = dir.path().join("again.tar");
    write_sample_archive(&b_path).unwrap();
    assert_eq!(a, std::fs::read(&b_path).unwrap());
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/images/sample.tar");
    let committed = std::fs::read(committed).expect("testdata/images/sample.tar is committed");
    assert_eq!(a, committed, "regenerate with the make-sample example");
}

#[test]
fn archive_round_trip_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let original = SavedArchive::open(&sample(dir.path())).unwrap();
    let out = dir.path().join("copy.tar");
    let mut writer = ArchiveWriter::create(&out).unwrap();
    for image in original.chain(SAMPLE_IDS[2]).unwrap() {
        let mut layer = original.open_layer(image).unwrap();
        writer
            .add_image(&image.id, &image.json, &mut layer, image.layer_size)
            .unwrap();
    }
    for (repo, tags) in original.repositories() {
        for (tag, id) in tags {
            writer.add_tag(repo, tag, id);
        }
    }
    writer.finish().unwrap();
    let copy = SavedArchive::open(&out).unwrap();
    assert_eq!(copy.repositories(), original.repositories());
    for id in SAMPLE_IDS {
        let (a, b) = (original.image(id).unwrap(), copy.image(id).unwrap());
        assert_eq!(a.json, b.json);
        let mut la = Vec::new();
        let mut lb = Vec::new();
        original
            .open_layer(a)
            .unwrap()
            .read_to_end(&mut la)
            .unwrap();
        copy.open_layer(b).unwrap().read_to_end(&mut lb).unwrap();
        assert_eq!(la, lb);
    }
}

#[test]
fn dropped_writer_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.tar");
    let mut writer = ArchiveWriter::create(&out).unwrap();
    writer
        .add_image(SAMPLE_IDS[0], b"{}\n", &mut &b"abc"[..], 3)
        .unwrap();
    // A layer shorter than announced is an error, and dropping the writer removes the temp file.
    assert!(
        writer
            .add_image(SAMPLE_IDS[1], b"{}\n", &mut &b"ab"[..], 3)
            .is_err()
    );
    drop(writer);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn corrupt_and_incomplete_archives_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.tar");
    std::fs::write(&garbage, b"this is not a tar archive at all").unwrap();
    assert!(SavedArchive::open(&garbage).is_err());

    // An archive whose image lacks layer.tar.
    let path = dir.path().join("nolayer.tar");
    let mut builder = tar::Builder::new(std::fs::File::create(&path).unwrap());
    let json = format!("{{\"id\":\"{}\"}}\n", SAMPLE_IDS[0]);
    let mut header = tar::Header::new_ustar();
    header.set_size(json.len() as u64);
    header.set_mode(0o644);
    builder
        .append_data(
            &mut header,
            format!("{}/json", SAMPLE_IDS[0]),
            json.as_bytes(),
        )
        .unwrap();
    builder.finish().unwrap();
    drop(builder);
    let err = SavedArchive::open(&path).unwrap_err().to_string();
    assert!(err.contains("layer.tar is missing"), "{err}");

    let missing = SavedArchive::open(&dir.path().join("absent.tar")).unwrap_err();
    assert!(format!("{missing:#}").contains("cannot open"));
}

#[test]
fn streamed_layers_are_unpacked_sized_and_abandoned_cleanly() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let plain = b"plain layer bytes".repeat(100);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&plain).unwrap();
    let gz = enc.finish().unwrap();
    let out = dir.path().join("streamed.tar");
    let mut writer = ArchiveWriter::create(&out).unwrap();
    let stream = |writer: &mut ArchiveWriter, id: &str, blob: &[u8]| {
        let json = format!("{{\"id\":\"{id}\"}}\n");
        let entry = writer.begin_layer(id, json.as_bytes()).unwrap();
        let result = std::thread::scope(|s| {
            let mut stream = LayerStream::start(s, writer.layer_out());
            for piece in blob.chunks(100) {
                if stream.update(piece).is_err() {
                    break;
                }
            }
            stream.finish()
        });
        match result {
            Ok(_) => writer.end_layer(entry).map(drop),
            Err(err) => {
                writer.abandon_layer(entry).unwrap();
                Err(err)
            }
        }
    };
    stream(&mut writer, SAMPLE_IDS[0], &gz).unwrap();
    // An xz blob is refused and its image leaves no trace.
    let err = stream(&mut writer, SAMPLE_IDS[1], b"\xfd7zXZ\x00rest").unwrap_err();
    assert!(format!("{err:#}").contains("Xz"), "{err:#}");
    assert!(!writer.contains(SAMPLE_IDS[1]));
    stream(&mut writer, SAMPLE_IDS[2], &plain).unwrap();
    writer.finish().unwrap();

    let archive = SavedArchive::open(&out).unwrap();
    assert_eq!(archive.len(), 2);
    assert!(archive.image(SAMPLE_IDS[1]).is_none());
    for id in [SAMPLE_IDS[0], SAMPLE_IDS[2]] {
        let image = archive.image(id).unwrap();
        assert_eq!(image.layer_size, plain.len() as u64);
        let mut layer = Vec::new();
        archive
            .open_layer(image)
            .unwrap()
            .read_to_end(&mut layer)
            .unwrap();
        assert_eq!(layer, plain);
    }
}
