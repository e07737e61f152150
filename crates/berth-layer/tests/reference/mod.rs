//! A simple whole-buffer TarSum reference built on the `tar` crate, written independently of
//! the streaming engine: strings, maps and `format!` everywhere.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::io::Read as _;

use sha2::{Digest as _, Sha256};

/// Reference TarSum v0 and v1 labels, and the entry count.
pub fn tarsum(tar: &[u8], extra: &[u8]) -> (String, String, usize) {
    let mut archive = tar::Archive::new(tar);
    let mut sums: Vec<(String, String, String, usize)> = Vec::new(); // (v0 hex, v1 hex, name, pos)
    for (pos, entry) in archive.entries().unwrap().enumerate() {
        let mut entry = entry.unwrap();
        let mut xattrs: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut pax_size = None;
        if let Some(exts) = entry.pax_extensions().unwrap() {
            for ext in exts {
                let ext = ext.unwrap();
                if let Some(k) = ext.key_bytes().strip_prefix(b"SCHILY.xattr.") {
                    xattrs.insert(k.to_vec(), ext.value_bytes().to_vec());
                }
                if ext.key_bytes() == b"size" {
                    pax_size = Some(String::from_utf8(ext.value_bytes().to_vec()).unwrap());
                }
            }
        }
        let name = entry.path_bytes().into_owned();
        let link = entry
            .link_name_bytes()
            .map(|l| l.into_owned())
            .unwrap_or_default();
        let h = entry.header().clone();
        let typeflag = h.entry_type().as_byte();
        let (uname, gname) = match h.as_ustar().is_some() || h.as_gnu().is_some() {
            true => (
                h.username_bytes().unwrap_or_default().to_vec(),
                h.groupname_bytes().unwrap_or_default().to_vec(),
            ),
            false => (Vec::new(), Vec::new()),
        };
        let (maj, min) = if typeflag == b'3' || typeflag == b'4' {
            (
                h.device_major().unwrap().unwrap_or(0),
                h.device_minor().unwrap().unwrap_or(0),
            )
        } else {
            (0, 0)
        };
        let size = pax_size.unwrap_or_else(|| h.size().unwrap().to_string());
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let field = |k: &str, v: &[u8]| [k.as_bytes(), v].concat();
        let common = |with_mtime: bool| {
            let mut b = Vec::new();
            b.extend(field("name", &name));
            b.extend(field("mode", h.mode().unwrap().to_string().as_bytes()));
            b.extend(field("uid", h.uid().unwrap().to_string().as_bytes()));
            b.extend(field("gid", h.gid().unwrap().to_string().as_bytes()));
            b.extend(field("size", size.as_bytes()));
            if with_mtime {
                b.extend(field("mtime", h.mtime().unwrap().to_string().as_bytes()));
            }
            b.extend(field("typeflag", &[typeflag]));
            b.extend(field("linkname", &link));
            b.extend(field("uname", &uname));
            b.extend(field("gname", &gname));
            b.extend(field("devmajor", maj.to_string().as_bytes()));
            b.extend(field("devminor", min.to_string().as_bytes()));
            b
        };
        let mut v0 = common(true);
        v0.extend(&data);
        let mut v1 = common(false);
        for (k, v) in &xattrs {
            v1.extend(k);
            v1.extend(v);
        }
        v1.extend(&data);
        let hex = |b: &[u8]| format!("{:x}", Sha256::digest(b));
        let n = String::from_utf8_lossy(&name).to_string();
        let n = n.strip_prefix("./").unwrap_or(&n);
        let n = n.strip_suffix('/').unwrap_or(n).to_string();
        sums.push((hex(&v0), hex(&v1), n, pos));
    }
    let count = sums.len();
    let finish = |pick: fn(&(String, String, String, usize)) -> &String| {
        let mut list: Vec<(String, String, usize)> = sums
            .iter()
            .map(|s| (pick(s).clone(), s.2.clone(), s.3))
            .collect();
        let mut names: Vec<&String> = list.iter().map(|s| &s.1).collect();
        names.sort();
        let dups = names.windows(2).any(|w| w[0] == w[1]);
        // Go's insertion sort with docker's bySum.Less (the archives here stay under 13 entries).
        for i in 1..list.len() {
            let mut j = i;
            while j > 0 {
                let (a, b) = (&list[j], &list[j - 1]);
                let less = if dups && a.1 == b.1 {
                    a.2 < b.2
                } else {
                    a.0 < b.0
                };
                if !less {
                    break;
                }
                list.swap(j, j - 1);
                j -= 1;
            }
        }
        let mut h = Sha256::new();
        h.update(extra);
        for s in &list {
            h.update(s.0.as_bytes());
        }
        format!("{:x}", h.finalize())
    };
    (
        format!("tarsum+sha256:{}", finish(|s| &s.0)),
        format!("tarsum.v1+sha256:{}", finish(|s| &s.1)),
        count,
    )
}
