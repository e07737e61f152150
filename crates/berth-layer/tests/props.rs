//! Property tests: chunking invariance and a differential check against the reference.

mod common;
mod reference;

use berth_layer::LayerOptions;
use common::{digest, gzip};
use proptest::prelude::*;

/// One generated archive entry.
#[derive(Clone, Debug)]
enum Kind {
    File(Vec<u8>),
    Dir,
    Symlink(String),
    Hardlink(String),
    CharDev(u32, u32),
    Fifo,
}

#[derive(Clone, Debug)]
struct Entry {
    name: String,
    kind: Kind,
    mode: u32,
    uid: u64,
    mtime: u64,
    gnu: bool,
    xattrs: Vec<(String, Vec<u8>)>,
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ab]{1,2}", // few names: duplicates happen
        "(\\./)?[a-z]{1,8}(/[a-z]{1,8}){0,2}",
        "[a-z]{90,140}",             // long names: GNU L records
        "[a-z]{60,80}/[a-z]{40,90}", // ustar prefix + name
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    let kind = prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..1600).prop_map(Kind::File),
        1 => Just(Kind::Dir),
        1 => "[a-z/]{1,120}".prop_map(Kind::Symlink),
        1 => "[a-z]{1,10}".prop_map(Kind::Hardlink),
        1 => (0u32..300, 0u32..300).prop_map(|(a, b)| Kind::CharDev(a, b)),
        1 => Just(Kind::Fifo),
    ];
    // The tar crate's PAX reader splits records at newlines, so values avoid them here.
    let byte = any::<u8>().prop_map(|b| if b == b'\n' { b'x' } else { b });
    let xattr = ("[a-z.]{1,12}", proptest::collection::vec(byte, 0..20));
    (
        name(),
        kind,
        0u32..0o7777,
        0u64..70000,
        0u64..0o7777777777,
        any::<bool>(),
        proptest::collection::vec(xattr, 0..3),
    )
        .prop_map(|(name, kind, mode, uid, mtime, gnu, xattrs)| Entry {
            name,
            kind,
            mode,
            uid,
            mtime,
            gnu,
            xattrs,
        })
}

/// Builds an archive with the `tar` crate's Builder.
fn build(entries: &[Entry]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        if !e.xattrs.is_empty() {
            let recs: Vec<(String, &[u8])> = e
                .xattrs
                .iter()
                .map(|(k, v)| (format!("SCHILY.xattr.user.{k}"), v.as_slice()))
                .collect();
            b.append_pax_extensions(recs.iter().map(|(k, v)| (k.as_str(), *v)))
                .unwrap();
        }
        let mut h = if e.gnu {
            tar::Header::new_gnu()
        } else {
            tar::Header::new_ustar()
        };
        h.set_mode(e.mode);
        h.set_uid(e.uid);
        h.set_gid(e.uid / 3);
        h.set_mtime(e.mtime);
        h.set_username("user").unwrap();
        let mut data: &[u8] = &[];
        let mut name = e.name.clone();
        match &e.kind {
            Kind::File(d) => {
                h.set_entry_type(tar::EntryType::Regular);
                data = d;
            }
            Kind::Dir => {
                h.set_entry_type(tar::EntryType::Directory);
                name.push('/');
            }
            Kind::Symlink(t) | Kind::Hardlink(t) => {
                let ty = if matches!(e.kind, Kind::Symlink(_)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                };
                h.set_entry_type(ty);
                h.set_size(0);
                b.append_link(&mut h, &name, t).unwrap();
                continue;
            }
            Kind::CharDev(maj, min) => {
                h.set_entry_type(tar::EntryType::Char);
                h.set_device_major(*maj).unwrap();
                h.set_device_minor(*min).unwrap();
            }
            Kind::Fifo => h.set_entry_type(tar::EntryType::Fifo),
        }
        h.set_size(data.len() as u64);
        b.append_data(&mut h, &name, data).unwrap();
    }
    b.into_inner().unwrap()
}

/// Digests `blob` split at the given cut points.
fn digest_split(blob: &[u8], cuts: &[usize], opts: LayerOptions) -> berth_layer::LayerDigests {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (blob.len() + 1)).collect();
    points.sort_unstable();
    let mut d = berth_layer::LayerDigester::new(opts);
    let mut last = 0;
    for p in points.into_iter().chain([blob.len()]) {
        d.update(&blob[last..p]).unwrap();
        last = p;
    }
    d.finish().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn chunking_does_not_matter(entries in proptest::collection::vec(entry(), 0..6),
                                cuts in proptest::collection::vec(any::<usize>(), 0..40),
                                extra in proptest::collection::vec(any::<u8>(), 0..10)) {
        let tar = build(&entries);
        for blob in [tar.clone(), gzip(&tar)] {
            let opts = LayerOptions::new().extra(extra.clone());
            let whole = digest(&blob, opts.clone()).unwrap();
            let split = digest_split(&blob, &cuts, opts.clone());
            prop_assert_eq!(&whole, &split);
            let ones = common::digest_chunked(&blob, opts, 1).unwrap();
            prop_assert_eq!(&whole, &ones);
        }
    }

    #[test]
    fn matches_reference(entries in proptest::collection::vec(entry(), 0..8),
                         extra in proptest::collection::vec(any::<u8>(), 0..10)) {
        let tar = build(&entries);
        let (v0, v1, n) = reference::tarsum(&tar, &extra);
        let out = digest(&gzip(&tar), LayerOptions::new().extra(extra)).unwrap();
        let t = out.tar().unwrap();
        prop_assert_eq!(t.tarsum_v0.unwrap().to_string(), v0);
        prop_assert_eq!(t.tarsum_v1.unwrap().to_string(), v1);
        prop_assert_eq!(t.entries, n as u64);
    }
}

#[test]
fn block_boundaries_match_reference() {
    for size in [0usize, 1, 511, 512, 513, 1023, 1024, 1025, 10240] {
        let data: Vec<u8> = (0..size).map(|i| (i * 7 + 3) as u8).collect();
        let e = Entry {
            name: format!("f{size}"),
            kind: Kind::File(data),
            mode: 0o644,
            uid: 0,
            mtime: 1_400_000_000,
            gnu: false,
            xattrs: vec![],
        };
        let tar = build(&[
            e.clone(),
            Entry {
                name: "z".into(),
                ..e
            },
        ]);
        let (v0, v1, n) = reference::tarsum(&tar, b"");
        for blob in [tar.clone(), gzip(&tar)] {
            for chunk in [1, 511, 512, 513, 4096] {
                let out = common::digest_chunked(&blob, LayerOptions::new(), chunk).unwrap();
                let t = out.tar().unwrap();
                assert_eq!(t.tarsum_v0.unwrap().to_string(), v0, "size {size}");
                assert_eq!(t.tarsum_v1.unwrap().to_string(), v1, "size {size}");
                assert_eq!(t.entries, n as u64);
                assert_eq!(t.size, tar.len() as u64);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random bytes, and valid layers with random bytes overwritten, never panic; lenient mode
    /// always yields the blob digests, and strict mode agrees with lenient mode's archive result.
    #[test]
    fn mutations_never_panic(entries in proptest::collection::vec(entry(), 0..4),
                             edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
                             gz in any::<bool>(), chunk in 1usize..2000) {
        let tar = build(&entries);
        let mut blob = if gz { gzip(&tar) } else { tar };
        for (at, byte) in edits {
            if !blob.is_empty() {
                let i = at % blob.len();
                blob[i] = byte;
            }
        }
        let lenient = common::digest_chunked(&blob, LayerOptions::new().lenient(true), chunk).unwrap();
        prop_assert_eq!(lenient.blob.size, blob.len() as u64);
        let strict = common::digest_chunked(&blob, LayerOptions::new(), chunk);
        match (&strict, &lenient.archive) {
            (Ok(s), Ok(_)) => prop_assert_eq!(s, &lenient),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            _ => prop_assert!(false, "strict {:?} vs lenient {:?}", strict, lenient.archive),
        }
    }

    #[test]
    fn random_bytes_never_panic(blob in proptest::collection::vec(any::<u8>(), 0..3000), chunk in 1usize..700) {
        let out = common::digest_chunked(&blob, LayerOptions::new().lenient(true), chunk).unwrap();
        prop_assert_eq!(out.blob.size, blob.len() as u64);
        let _ = common::digest_chunked(&blob, LayerOptions::new(), chunk);
    }
}
