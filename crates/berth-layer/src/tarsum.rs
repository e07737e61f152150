//! TarSum as docker's `pkg/tarsum` computes it (docker 1.9): per-entry header encoding, the
//! sort of per-entry sums, and the final hash.

#[cfg(test)]
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

/// A sum as four big-endian words: ordered like the bytes (and the hex strings), compared
/// without `memcmp` calls.
fn sum_key(sum: &[u8; 32]) -> [u64; 4] {
    std::array::from_fn(|i| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&sum[8 * i..8 * i + 8]);
        u64::from_be_bytes(w)
    })
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
        items.sort_unstable_by_key(|a| sum_key(&a.0));
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

/// The entries in TarSum order for one version.
fn sorted(entries: &[EntrySum], v1: bool, has_dups: bool) -> Vec<Item> {
    let mut items: Vec<Item> = entries
        .iter()
        .enumerate()
        .map(|(pos, e)| (if v1 { e.v1 } else { e.v0 }, e.name, pos))
        .collect();
    sort_go(&mut items, has_dups);
    items
}

/// Computes the final TarSum digest for one version: `sha256(extra || sorted hex sums)`.
#[cfg(test)]
pub(crate) fn finish(entries: &[EntrySum], v1: bool, extra: &[u8], has_dups: bool) -> Digest {
    let mut h = Sha256::new();
    h.update(extra);
    let mut hex = [0u8; 64];
    for (sum, _, _) in &sorted(entries, v1, has_dups) {
        encode_hex(sum, &mut hex);
        h.update(hex);
    }
    Digest::from_bytes(h.finalize().into())
}

/// Computes the final v0 and v1 TarSum digests (those asked for), their hashes advancing as
/// interleaved lanes: both are `extra` followed by 64 hex digits per entry.
pub(crate) fn finish_both(
    entries: &[EntrySum],
    extra: &[u8],
    want: (bool, bool),
) -> (Option<Digest>, Option<Digest>) {
    let dups = has_duplicates(entries);
    let one = |v1: bool| {
        let mut h = berth_sha256x::Sha256::new();
        h.update(extra);
        let mut hex = [0u8; 64];
        for (sum, _, _) in &sorted(entries, v1, dups) {
            encode_hex(sum, &mut hex);
            h.update(&hex);
        }
        Digest::from_bytes(h.finalize())
    };
    match want {
        (true, true) => {
            let (a, b) = (sorted(entries, false, dups), sorted(entries, true, dups));
            let (mut ha, mut hb) = (berth_sha256x::Sha256::new(), berth_sha256x::Sha256::new());
            berth_sha256x::update_lanes([&mut ha, &mut hb], extra);
            let (mut xa, mut xb) = ([0u8; 64], [0u8; 64]);
            for ((sa, _, _), (sb, _, _)) in a.iter().zip(&b) {
                encode_hex(sa, &mut xa);
                encode_hex(sb, &mut xb);
                berth_sha256x::update_lanes_each([&mut ha, &mut hb], [&xa[..], &xb[..]]);
            }
            let [da, db] = berth_sha256x::finalize_lanes([ha, hb]);
            (Some(Digest::from_bytes(da)), Some(Digest::from_bytes(db)))
        }
        (v0, v1) => (v0.then(|| one(false)), v1.then(|| one(true))),
    }
}

/// Whether two entries share a name key (sorting a copy of the keys).
pub(crate) fn has_duplicates(entries: &[EntrySum]) -> bool {
    let mut keys: Vec<u128> = entries
        .iter()
        .map(|e| u128::from_ne_bytes(e.name))
        .collect();
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
    fn finish_both_matches_finish() {
        // Pseudo-random sums, with and without duplicate names, several `extra` lengths.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        };
        for n in [0usize, 1, 5, 13, 200] {
            for dup_every in [0usize, 3] {
                let entries: Vec<EntrySum> = (0..n)
                    .map(|i| EntrySum {
                        v0: std::array::from_fn(|_| next()),
                        v1: std::array::from_fn(|_| next()),
                        name: if dup_every > 0 && i % dup_every == 0 {
                            [7; 16]
                        } else {
                            std::array::from_fn(|_| next())
                        },
                    })
                    .collect();
                let dups = has_duplicates(&entries);
                assert_eq!(dups, dup_every > 0 && n > dup_every);
                for extra in [&b""[..], b"{}", &[5u8; 100]] {
                    let want0 = finish(&entries, false, extra, dups);
                    let want1 = finish(&entries, true, extra, dups);
                    let both = finish_both(&entries, extra, (true, true));
                    assert_eq!(both, (Some(want0), Some(want1)), "{n} {dup_every}");
                    assert_eq!(
                        finish_both(&entries, extra, (true, false)),
                        (Some(want0), None)
                    );
                    assert_eq!(
                        finish_both(&entries, extra, (false, true)),
                        (None, Some(want1))
                    );
                }
            }
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
