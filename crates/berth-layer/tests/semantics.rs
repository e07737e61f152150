//! TarSum semantics of PAX, GNU and global headers, docker's xattr quirk, result selection.

mod common;

use berth_layer::{LayerError, LayerOptions};
use common::{digest, gzip};
use sha2::{Digest as _, Sha256};

/// A ustar header block with a valid unsigned checksum.
fn header(name: &[u8], typeflag: u8, size: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"12345670123\0");
    h[156] = typeflag;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    fix_checksum(&mut h);
    h
}

/// Recomputes the (unsigned) header checksum.
fn fix_checksum(h: &mut [u8; 512]) {
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

/// A header followed by its data and padding.
fn member(h: [u8; 512], data: &[u8]) -> Vec<u8> {
    let mut v = h.to_vec();
    v.extend_from_slice(data);
    v.resize(v.len() + data.len().wrapping_neg() % 512, 0);
    v
}

/// One PAX record with a correct length prefix.
fn rec(key: &str, value: &[u8]) -> Vec<u8> {
    let body = 1 + key.len() + 1 + value.len() + 1;
    let mut n = body + 1;
    while n.to_string().len() + body != n {
        n = n.to_string().len() + body;
    }
    [format!("{n} {key}=").as_bytes(), value, b"\n"].concat()
}

/// A PAX `x` header entry carrying `records`.
fn pax(records: &[u8]) -> Vec<u8> {
    member(header(b"PaxHeaders/x", b'x', records.len() as u64), records)
}

fn err(blob: &[u8]) -> LayerError {
    digest(blob, LayerOptions::new()).expect_err("should fail")
}

fn tarsum_v0(blob: &[u8]) -> String {
    digest(blob, LayerOptions::new())
        .unwrap()
        .tar()
        .unwrap()
        .tarsum_v0
        .unwrap()
        .to_string()
}

/// A small archive made with the tar crate: a 700-byte file and a directory.
fn small_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(700);
    h.set_mode(0o644);
    b.append_data(&mut h, "etc/file", &[7u8; 700][..]).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_size(0);
    h.set_mode(0o755);
    b.append_data(&mut h, "etc/", &[][..]).unwrap();
    b.into_inner().unwrap()
}

#[test]
fn meta_header_semantics() {
    let file = |name: &[u8]| member(header(name, b'0', 3), b"abc");
    let end = vec![0u8; 1024];
    let expect = tarsum_v0(&[file(b"long/name"), end.clone()].concat());
    // GNU long name.
    let long = member(header(b"././@LongLink", b'L', 10), b"long/name\0");
    assert_eq!(
        tarsum_v0(&[long.clone(), file(b"short"), end.clone()].concat()),
        expect
    );
    // PAX path.
    let p = pax(&rec("path", b"long/name"));
    assert_eq!(
        tarsum_v0(&[p.clone(), file(b"short"), end.clone()].concat()),
        expect
    );
    // An `x` after an `L` replaces the pending records (Go 1.9): the long name is lost.
    let other = pax(b"6 a=b\n");
    assert_eq!(
        tarsum_v0(&[long.clone(), other, file(b"short"), end.clone()].concat()),
        tarsum_v0(&[file(b"short"), end.clone()].concat())
    );
    // PAX mtime with a fraction is truncated to seconds: 0o12345670123 = 1402433619.
    let t = pax(&rec("mtime", b"1402433619.999999999"));
    assert_eq!(
        tarsum_v0(&[t, file(b"long/name"), end.clone()].concat()),
        expect
    );
    // A global header is an entry of its own (Go ≤1.9), its records hashed as content.
    let g = member(header(b"pax_global_header", b'g', 6), b"6 a=b\n");
    let out = digest(&[g, file(b"x"), end].concat(), LayerOptions::new()).unwrap();
    assert_eq!(out.tar().unwrap().entries, 2);
}

#[test]
fn xattr_with_empty_name_repeats_like_docker() {
    // docker's v1TarHeaderSelect starts its key list with len(xattrs) empty keys.
    let recs = [rec("SCHILY.xattr.a", b"bb"), rec("SCHILY.xattr.", b"vv")].concat();
    let tar = [
        pax(&recs),
        member(header(b"f", b'0', 0), b""),
        vec![0; 1024],
    ]
    .concat();
    let out = digest(&tar, LayerOptions::new()).unwrap();
    let fields = "namefmode420uid0gid0size0typeflag0linknameunamegnamedevmajor0devminor0";
    let entry = format!("{fields}vvvvvvabb");
    let entry_hex = format!("{:x}", Sha256::digest(entry.as_bytes()));
    let want = format!(
        "tarsum.v1+sha256:{:x}",
        Sha256::digest(entry_hex.as_bytes())
    );
    assert_eq!(out.tar().unwrap().tarsum_v1.unwrap().to_string(), want);
}

#[test]
fn sparse_is_unsupported() {
    let tar = [member(header(b"s", b'S', 0), b""), vec![0; 1024]].concat();
    assert_eq!(err(&tar), LayerError::UnsupportedSparse { offset: 0 });
    let tar = [pax(&rec("GNU.sparse.major", b"1")), vec![0; 1024]].concat();
    assert_eq!(err(&tar), LayerError::UnsupportedSparse { offset: 0 });
}

#[test]
fn tarsum_selection_and_pairs() {
    let tar = small_tar();
    let out = digest(&gzip(&tar), LayerOptions::new().tarsums(false, false)).unwrap();
    let t = out.tar().unwrap();
    assert!(t.tarsum_v0.is_none() && t.tarsum_v1.is_none() && t.tarsum_dev.is_none());
    assert_eq!(t.entries, 2);
    let out = digest(&gzip(&tar), LayerOptions::new()).unwrap();
    let labels: Vec<&str> = out.pairs().iter().map(|p| p.0).collect();
    assert_eq!(
        labels,
        [
            "blob_sha256",
            "blob_size",
            "payload_checksum",
            "compression",
            "tar_sha256",
            "tar_size",
            "tarsum_v0",
            "tarsum_v1",
            "tarsum_dev",
            "entries"
        ]
    );
    assert_eq!(out.pairs()[3].1, "gzip");
}

#[test]
fn go_1_4_to_1_9_header_details() {
    let end = vec![0u8; 1024];
    let file = member(header(b"f", b'0', 0), b"");
    // The typeflag is hashed raw: an old-style '\0' regular file differs from '0'.
    let rega = member(header(b"f", 0, 0), b"");
    assert_ne!(
        tarsum_v0(&[rega, end.clone()].concat()),
        tarsum_v0(&[file.clone(), end.clone()].concat())
    );
    // Device numbers of non-device entries are not read (even if they are not octal).
    let mut h = header(b"f", b'0', 0);
    h[329..337].copy_from_slice(b"xyz\0\0\0\0\0");
    fix_checksum(&mut h);
    assert_eq!(
        tarsum_v0(&[h.to_vec(), end.clone()].concat()),
        tarsum_v0(&[file.clone(), end.clone()].concat())
    );
    // The ustar prefix is joined with a slash.
    let mut h = header(b"name", b'0', 0);
    h[345..351].copy_from_slice(b"prefix");
    fix_checksum(&mut h);
    let joined = member(header(b"prefix/name", b'0', 0), b"");
    assert_eq!(
        tarsum_v0(&[h.to_vec(), end.clone()].concat()),
        tarsum_v0(&[joined, end.clone()].concat())
    );
    // A hard link's data is read according to its size (Go ≤1.6, GNU tar, the tar crate).
    let link = member(header(b"l", b'1', 5), b"hello");
    let out = digest(&[link, file, end].concat(), LayerOptions::new()).unwrap();
    assert_eq!(out.tar().unwrap().entries, 2);
}
