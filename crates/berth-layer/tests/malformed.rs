//! Malformed, truncated and unusual inputs: typed errors, never panics; lenient mode.

mod common;

use std::io::Write as _;

use berth_layer::{Compression, LayerDigester, LayerError, LayerOptions, TarField};
use common::{digest, digest_chunked, gzip};
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

/// A small archive made with the tar crate: a 700-byte file and a directory.
fn small_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(700);
    h.set_mode(0o644);
    h.set_mtime(1_400_000_000);
    b.append_data(&mut h, "etc/file", &[7u8; 700][..]).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_size(0);
    h.set_mode(0o755);
    b.append_data(&mut h, "etc/", &[][..]).unwrap();
    b.into_inner().unwrap()
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

#[test]
fn gzip_truncated_at_every_offset_is_an_error() {
    let gz = gzip(&small_tar());
    for n in 1..gz.len() {
        for chunk in [1, 64, usize::MAX] {
            assert!(
                digest_chunked(&gz[..n], LayerOptions::new(), chunk).is_err(),
                "prefix {n}"
            );
        }
        let lenient = digest(&gz[..n], LayerOptions::new().lenient(true)).unwrap();
        assert_eq!(lenient.blob.size, n as u64);
        assert!(lenient.archive.is_err());
    }
    assert!(digest(&gz, LayerOptions::new()).is_ok());
    assert_eq!(
        err(&gz[..gz.len() - 3]),
        LayerError::GzipTruncated {
            offset: gz.len() as u64 - 3
        }
    );
}

#[test]
fn plain_tar_truncated_inside_header_or_data() {
    let tar = small_tar();
    assert_eq!(err(&tar[..100]), LayerError::TarTruncated { offset: 100 });
    assert_eq!(
        err(&tar[..512 + 600]),
        LayerError::TarTruncated { offset: 1112 }
    );
    // Ending inside the padding after complete data, or on a block boundary, is a clean end (Go).
    assert!(digest(&tar[..512 + 700], LayerOptions::new()).is_ok());
    assert!(digest(&tar[..2048 + 512], LayerOptions::new()).is_ok());
}

#[test]
fn corrupted_header_checksum() {
    let mut tar = small_tar();
    tar[5] ^= 0x20;
    assert_eq!(err(&tar), LayerError::TarChecksum { offset: 0 });
    assert_eq!(err(&gzip(&tar)), LayerError::TarChecksum { offset: 0 });
    let mut tar = small_tar();
    tar[1536 + 1] ^= 1; // the directory header
    assert_eq!(err(&tar), LayerError::TarChecksum { offset: 1536 });
}

#[test]
fn signed_checksum_is_accepted() {
    let mut h = header("caf\u{e9}".as_bytes(), b'0', 0);
    h[148..156].copy_from_slice(b"        ");
    let signed: i64 = h.iter().map(|&b| i64::from(b as i8)).sum();
    h[148..156].copy_from_slice(format!("{signed:06o}\0 ").as_bytes());
    let mut tar = h.to_vec();
    tar.extend([0u8; 1024]);
    assert_eq!(
        digest(&tar, LayerOptions::new())
            .unwrap()
            .tar()
            .unwrap()
            .entries,
        1
    );
}

#[test]
fn bad_gzip_crc_and_size() {
    let gz = gzip(&small_tar());
    let n = gz.len();
    let mut bad = gz.clone();
    bad[n - 8] ^= 1;
    assert!(matches!(err(&bad), LayerError::GzipCrc { offset, .. } if offset == n as u64 - 8));
    let mut bad = gz.clone();
    bad[n - 1] ^= 1;
    assert!(matches!(err(&bad), LayerError::GzipSize { .. }));
    let mut bad = gz.clone();
    bad[2] = 7;
    assert_eq!(
        err(&bad),
        LayerError::GzipMethod {
            offset: 0,
            method: 7
        }
    );
    // Corrupt deflate data fails somewhere, never panics; if the decoded bytes are unchanged
    // (bits after the final block), the digests are too.
    let good = tarsum_v0(&gz);
    for i in 10..n - 8 {
        let mut bad = gz.clone();
        bad[i] ^= 0x55;
        if let Ok(out) = digest(&bad, LayerOptions::new()) {
            assert_eq!(
                out.tar().unwrap().tarsum_v0.unwrap().to_string(),
                good,
                "byte {i}"
            );
        }
    }
}

#[test]
fn unsupported_compressions() {
    for (magic, c) in [
        (&b"BZh91AY&SY"[..], Compression::Bzip2),
        (
            &[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0][..],
            Compression::Xz,
        ),
        (&[0x28, 0xb5, 0x2f, 0xfd, 0][..], Compression::Zstd),
    ] {
        assert_eq!(
            err(magic),
            LayerError::UnsupportedCompression { compression: c }
        );
        let out = digest_chunked(magic, LayerOptions::new().lenient(true), 1).unwrap();
        assert_eq!(out.compression, c);
        assert_eq!(
            out.archive,
            Err(LayerError::UnsupportedCompression { compression: c })
        );
    }
}

#[test]
fn lenient_mode_digests_random_bytes() {
    // docker-registry's own tests upload 1024 random bytes as a layer.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let data: Vec<u8> = (0..1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let mut d = LayerDigester::new(LayerOptions::new().lenient(true).extra(b"{}".to_vec()));
    for c in data.chunks(100) {
        d.update(c).unwrap();
    }
    let out = d.finish().unwrap();
    assert_eq!(out.blob.size, 1024);
    assert_eq!(out.blob.sha256.as_bytes()[..], Sha256::digest(&data)[..]);
    let payload = Sha256::digest([&b"{}\n"[..], &data].concat());
    assert_eq!(out.blob.payload.as_bytes()[..], payload[..]);
    assert!(out.archive.is_err());
    let labels: Vec<&str> = out.pairs().iter().map(|p| p.0).collect();
    assert_eq!(
        labels,
        [
            "blob_sha256",
            "blob_size",
            "payload_checksum",
            "compression",
            "archive_error"
        ]
    );
    // The same bytes in strict mode.
    assert!(digest(&data, LayerOptions::new()).is_err());
}

#[test]
fn strict_errors_stick() {
    let mut d = LayerDigester::new(LayerOptions::new());
    let e = d.update(b"BZh9").unwrap_err();
    assert_eq!(d.update(b"more").unwrap_err(), e);
    assert_eq!(d.finish().unwrap_err(), e);
    let mut d = LayerDigester::new(LayerOptions::new());
    let w = d.write(&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
    assert_eq!(w.unwrap_err().kind(), std::io::ErrorKind::InvalidData);
}

#[test]
fn pax_records_that_lie() {
    let file = member(header(b"f", b'0', 0), b"");
    for records in [
        &b"99 path=a\n"[..],
        b"6 path=a\n",
        b"x path=a\n",
        b"9 path=a",
        b"4 a=\n",
    ] {
        let tar = [pax(records), file.clone(), vec![0; 1024]].concat();
        assert_eq!(
            err(&tar),
            LayerError::BadPaxRecord { offset: 0 },
            "{records:?}"
        );
    }
    let tar = [pax(&rec("uid", b"abc")), file.clone(), vec![0; 1024]].concat();
    assert_eq!(
        err(&tar),
        LayerError::BadPaxValue {
            offset: 1024,
            key: "uid"
        }
    );
    let tar = [pax(&rec("size", b"-100")), file.clone(), vec![0; 1024]].concat();
    assert_eq!(err(&tar), LayerError::NegativeSize { offset: 1024 });
}

#[test]
fn huge_meta_headers_are_rejected_before_buffering() {
    let tar = header(b"PaxHeaders/x", b'x', 2 << 20).to_vec();
    assert_eq!(
        err(&tar),
        LayerError::MetaTooLarge {
            offset: 0,
            size: 2 << 20,
            limit: 1 << 20
        }
    );
    let tar = [
        member(header(b"././@LongLink", b'L', 100), &[b'a'; 100]),
        vec![0; 1024],
    ]
    .concat();
    let e = digest(&tar, LayerOptions::new().max_meta_size(50)).unwrap_err();
    assert_eq!(
        e,
        LayerError::MetaTooLarge {
            offset: 0,
            size: 100,
            limit: 50
        }
    );
}

#[test]
fn bad_numeric_fields() {
    let mut h = header(b"f", b'0', 0);
    h[124..136].copy_from_slice(&[0xff; 12]); // base-256 -1
    fix_checksum(&mut h);
    assert_eq!(err(&h), LayerError::NegativeSize { offset: 0 });
    h[124..136].copy_from_slice(&[
        0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    fix_checksum(&mut h);
    assert_eq!(
        err(&h),
        LayerError::BadNumericField {
            offset: 0,
            field: TarField::Size
        }
    );
    let mut h = header(b"f", b'0', 0);
    h[100..108].copy_from_slice(b"0000948\0");
    fix_checksum(&mut h);
    assert_eq!(
        err(&h),
        LayerError::BadNumericField {
            offset: 0,
            field: TarField::Mode
        }
    );
    // A huge but valid base-256 size: the stream just ends early.
    let mut h = header(b"f", b'0', 0);
    h[124..136].copy_from_slice(&[
        0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    fix_checksum(&mut h);
    assert_eq!(err(&h), LayerError::TarTruncated { offset: 512 });
}

#[test]
fn end_of_archive_variants() {
    let tar = small_tar();
    let body = &tar[..2048];
    let full = tarsum_v0(&tar);
    assert_eq!(tarsum_v0(body), full, "no end blocks");
    assert_eq!(
        tarsum_v0(&[body, &[0; 512]].concat()),
        full,
        "one end block"
    );
    let garbage = [body, &[0; 1024], b"trailing garbage"].concat();
    let out = digest(&garbage, LayerOptions::new()).unwrap();
    assert_eq!(out.tar().unwrap().tarsum_v0.unwrap().to_string(), full);
    assert_eq!(out.tar().unwrap().size, garbage.len() as u64);
    let bad = [body, &[0; 512], &header(b"g", b'0', 0)].concat();
    assert_eq!(err(&bad), LayerError::ZeroBlockThenData { offset: 2560 });
    assert_eq!(
        err(&[body, &[0; 700]].concat()),
        LayerError::TarTruncated { offset: 2748 }
    );
    // After a complete gzip member only another member may follow.
    let gz = [gzip(&tar), b"garbage".to_vec()].concat();
    assert_eq!(
        err(&gz),
        LayerError::GzipMagic {
            offset: gzip(&tar).len() as u64
        }
    );
}

#[test]
fn concatenated_gzip_members() {
    let tar = small_tar();
    let two = [gzip(&tar[..1000]), gzip(&tar[1000..])].concat();
    let out = digest_chunked(&two, LayerOptions::new(), 3).unwrap();
    assert_eq!(out.compression, Compression::Gzip);
    assert_eq!(
        out.tar().unwrap().tarsum_v0.unwrap().to_string(),
        tarsum_v0(&tar)
    );
    assert_eq!(
        out.tar().unwrap().sha256.as_bytes()[..],
        Sha256::digest(&tar)[..]
    );
}

/// A gzip member with every optional header field, built by hand around raw deflate.
fn gzip_with_fields(data: &[u8], header_crc_ok: bool) -> Vec<u8> {
    let mut h = vec![0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3];
    h.extend([5, 0, b'a', b'b', 2, 0, b'z']);
    h.extend(b"layer.tar\0");
    h.extend(b"a comment\0");
    let mut crc = flate2::Crc::new();
    crc.update(&h);
    let hcrc = (crc.sum() & 0xffff) as u16 ^ u16::from(!header_crc_ok);
    h.extend(hcrc.to_le_bytes());
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    h.extend(e.finish().unwrap());
    let mut crc = flate2::Crc::new();
    crc.update(data);
    h.extend(crc.sum().to_le_bytes());
    h.extend((data.len() as u32).to_le_bytes());
    h
}

#[test]
fn gzip_optional_header_fields() {
    let tar = small_tar();
    let gz = gzip_with_fields(&tar, true);
    for chunk in [1, 2, 5, 4096] {
        let out = digest_chunked(&gz, LayerOptions::new(), chunk).unwrap();
        assert_eq!(
            out.tar().unwrap().tarsum_v0.unwrap().to_string(),
            tarsum_v0(&tar)
        );
    }
    let bad = gzip_with_fields(&tar, false);
    assert_eq!(err(&bad), LayerError::GzipHeaderCrc { offset: 37 });
}
