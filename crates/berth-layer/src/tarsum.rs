//! TarSum as docker's `pkg/tarsum` computes it (docker 1.9): per-entry header encoding, the
//! sort of per-entry sums, and the final hash.

use sha2::{Digest as _, Sha256};

use crate::digest::{Digest, encode_hex};
use crate::tar::header::Header;

/// Writes `n` in decimal, like Go's `strconv.FormatInt(n, 10)`.
fn decimal(h: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        h.push(b'-');
    }
    h.extend_from_slice(&buf[i..]);
}

/// Writes the selected header fields of `h` to `out` (cleared first), as docker's
/// `v0TarHeaderSelect` (v1 = false) or `v1TarHeaderSelect` (v1 = true) followed by
/// `encodeHeader` do: `key + value` pairs with no separators. The caller hashes `out` in one
/// update.
pub(crate) fn encode_header(out: &mut Vec<u8>, h: &Header, v1: bool) {
    out.clear();
    out.extend_from_slice(b"name");
    out.extend_from_slice(&h.name);
    out.extend_from_slice(b"mode");
    decimal(out, h.mode);
    out.extend_from_slice(b"uid");
    decimal(out, h.uid);
    out.extend_from_slice(b"gid");
    decimal(out, h.gid);
    out.extend_from_slice(b"size");
    decimal(out, h.size);
    if !v1 {
        out.extend_from_slice(b"mtime");
        decimal(out, h.mtime);
    }
    out.extend_from_slice(b"typeflag");
    out.push(h.typeflag);
    out.extend_from_slice(b"linkname");
    out.extend_from_slice(&h.linkname);
    out.extend_from_slice(b"uname");
    out.extend_from_slice(&h.uname);
    out.extend_from_slice(b"gname");
    out.extend_from_slice(&h.gname);
    out.extend_from_slice(b"devmajor");
    decimal(out, h.devmajor);
    out.extend_from_slice(b"devminor");
    decimal(out, h.devminor);
    if v1 {
        // docker builds the key list with `make([]string, len(h.Xattrs))` and then appends,
        // so it holds len(xattrs) empty keys before the real ones. Each empty key writes
        // "" + Xattrs[""]: nothing, unless an xattr with an empty name exists.
        let empty = h.xattrs.iter().find(|(k, _)| k.is_empty()).map(|(_, v)| v);
        if let Some(v) = empty {
            for _ in 0..h.xattrs.len() {
                out.extend_from_slice(v);
            }
        }
        for (k, v) in &h.xattrs {
            out.extend_from_slice(k);
            out.extend_from_slice(v);
        }
    }
}

/// The per-entry result: one sum per computed version, and a key identifying the entry name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EntrySum {
    /// Version0 sum.
    pub(crate) v0: [u8; 32],
    /// Version1 / VersionDev sum.
    pub(crate) v1: [u8; 32],
    /// First 16 bytes of SHA-256 of the name docker compares for duplicates.
    pub(crate) name: [u8; 16],
}

/// The name docker 1.9 records for duplicate detection:
/// `strings.TrimSuffix(strings.TrimPrefix(hdr.Name, "./"), "/")`.
pub(crate) fn trimmed_name(name: &[u8]) -> &[u8] {
    let n = name.strip_prefix(b"./").unwrap_or(name);
    n.strip_suffix(b"/").unwrap_or(n)
}

/// The key compared for duplicates: the first 16 bytes of SHA-256 of [`trimmed_name`].
pub(crate) fn key_of(digest: &[u8; 32]) -> [u8; 16] {
    let mut k = [0u8; 16];
    k.copy_from_slice(&digest[..16]);
    k
}

/// [`key_of`] the SHA-256 of [`trimmed_name`]`(name)`.
#[cfg(test)]
pub(crate) fn name_key(name: &[u8]) -> [u8; 16] {
    key_of(&Sha256::digest(trimmed_name(name)).into())
}

/// One element to sort: sum, name key, archive position.
type Item = ([u8; 32], [u8; 16], usize);

/// docker's `bySum.Less` with duplicates present: same name → archive order, else by sum.
fn less(a: &Item, b: &Item) -> bool {
    if a.1 == b.1 { a.2 < b.2 } else { a.0 < b.0 }
}

/// Sorts like docker's `FileInfoSums.SortBySums`.
///
/// Without duplicate names this is a plain sort by sum (sorting raw bytes orders the hex
/// strings identically). With duplicates the comparison mixes two orders and need not be
/// consistent, so the result depends on the sort algorithm: for up to 12 entries this runs
/// Go's insertion sort exactly (what every Go release does for up to 6 entries, and Go ≥1.19
/// for up to 12); for more it uses a stable merge sort, which agrees with Go whenever the
/// comparison is consistent.
fn sort_go(items: &mut [Item], has_dups: bool) {
    if !has_dups {
        items.sort_unstable_by_key(|a| a.0);
    } else if items.len() <= 12 {
        for i in 1..items.len() {
            let mut j = i;
            while j > 0 && less(&items[j], &items[j - 1]) {
                items.swap(j, j - 1);
                j -= 1;
            }
        }
    } else {
        merge_sort(items);
    }
}

/// A stable top-down merge sort that tolerates inconsistent comparisons (never panics).
fn merge_sort(items: &mut [Item]) {
    let mut scratch = items.to_vec();
    fn rec(a: &mut [Item], tmp: &mut [Item]) {
        let n = a.len();
        if n < 2 {
            return;
        }
        let mid = n / 2;
        rec(&mut a[..mid], &mut tmp[..mid]);
        rec(&mut a[mid..], &mut tmp[mid..]);
        let (mut i, mut j) = (0, mid);
        for slot in tmp[..n].iter_mut() {
            if j >= n || (i < mid && !less(&a[j], &a[i])) {
                *slot = a[i];
                i += 1;
            } else {
                *slot = a[j];
                j += 1;
            }
        }
        a.copy_from_slice(&tmp[..n]);
    }
    rec(items, &mut scratch);
}

/// Computes the final TarSum digest for one version: `sha256(extra || sorted hex sums)`.
pub(crate) fn finish(entries: &[EntrySum], v1: bool, extra: &[u8], has_dups: bool) -> Digest {
    let mut items: Vec<Item> = entries
        .iter()
        .enumerate()
        .map(|(pos, e)| (if v1 { e.v1 } else { e.v0 }, e.name, pos))
        .collect();
    sort_go(&mut items, has_dups);
    let mut h = Sha256::new();
    h.update(extra);
    let mut hex = [0u8; 64];
    for (sum, _, _) in &items {
        encode_hex(sum, &mut hex);
        h.update(hex);
    }
    Digest::from_bytes(h.finalize().into())
}

/// Whether two entries share a name key (sorting a copy of the keys).
pub(crate) fn has_duplicates(entries: &[EntrySum]) -> bool {
    let mut keys: Vec<[u8; 16]> = entries.iter().map(|e| e.name).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_like_go() {
        for n in [0i64, 7, -7, 16877, i64::MIN, i64::MAX] {
            let mut a = Vec::new();
            decimal(&mut a, n);
            assert_eq!(a, n.to_string().as_bytes(), "{n}");
        }
    }

    #[test]
    fn name_key_trims_like_docker() {
        assert_eq!(name_key(b"./a/"), name_key(b"a"));
        assert_ne!(name_key(b".//a"), name_key(b"a"));
        assert_eq!(name_key(b"./"), name_key(b""));
    }

    #[test]
    fn dup_sort_keeps_archive_order_for_same_name() {
        let a = ([9u8; 32], [1u8; 16], 0);
        let b = ([1u8; 32], [1u8; 16], 1);
        let c = ([5u8; 32], [2u8; 16], 2);
        let mut v = vec![a, b, c];
        sort_go(&mut v, true);
        // Insertion sort: b !< a (same name, later), c < b? no (5 > 1) ; so order a, b, c.
        assert_eq!(v.iter().map(|x| x.2).collect::<Vec<_>>(), vec![0, 1, 2]);
        let mut big: Vec<Item> = (0..40)
            .map(|i| ([(40 - i) as u8; 32], [i as u8; 16], i))
            .collect();
        sort_go(&mut big, true);
        assert!(big.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
