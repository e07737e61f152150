//! PAX extended header records (`x` entries) and GNU long names, merged into the next header
//! as Go 1.9's `archive/tar` does (`parsePAX`, `parsePAXRecord`, `mergePAX`).
//!
//! ```text
//! record ::= length SP key "=" value LF      ; length counts the whole record, itself included
//! ```

use std::collections::BTreeMap;

use super::header::{Header, cstr};
use crate::error::LayerError;

/// The PAX key prefix for extended attributes.
const XATTR: &[u8] = b"SCHILY.xattr.";

/// Records that apply to the next entry, last value per key winning (Go keeps a map).
pub(crate) type Records = BTreeMap<Vec<u8>, Vec<u8>>;

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, at least one digit, in range.
pub(crate) fn parse_int(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut x: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = i64::from(c - b'0');
        x = x.checked_mul(10)?;
        x = if neg {
            x.checked_sub(d)?
        } else {
            x.checked_add(d)?
        };
    }
    Some(x)
}

/// Go's `parsePAXTime` followed by `Time.Unix()`: seconds, floored for negative fractions.
pub(crate) fn parse_time(s: &[u8]) -> Option<i64> {
    let (secs, frac) = match memchr::memchr(b'.', s) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &s[s.len()..]),
    };
    let secs = parse_int(secs)?;
    if !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Only the first nine digits count (nanoseconds); a negative value with a non-zero fraction
    // is normalised by Go to the previous second.
    let nanos_nonzero = frac.iter().take(9).any(|&c| c != b'0');
    if s.first() == Some(&b'-') && nanos_nonzero {
        return Some(secs.wrapping_sub(1));
    }
    Some(secs)
}

/// Parses the records of a PAX header body into `out` (replacing its contents, as Go does).
///
/// `offset` is the tar offset of the PAX header block, for errors.
pub(crate) fn parse_records(
    mut buf: &[u8],
    offset: u64,
    out: &mut Records,
) -> Result<(), LayerError> {
    let bad = LayerError::BadPaxRecord { offset };
    out.clear();
    while !buf.is_empty() {
        let sp = memchr::memchr(b' ', buf).ok_or(bad.clone())?;
        let n = parse_int(&buf[..sp]).ok_or(bad.clone())?;
        // Go: n < 5 || len(s) < n is an error; the record must also extend past the length field.
        let n = usize::try_from(n).map_err(|_| bad.clone())?;
        if n < 5 || n > buf.len() || n <= sp + 1 {
            return Err(bad);
        }
        let rec = &buf[sp + 1..n - 1];
        if buf[n - 1] != b'\n' {
            return Err(bad);
        }
        let eq = memchr::memchr(b'=', rec).ok_or(bad.clone())?;
        let (key, value) = (&rec[..eq], &rec[eq + 1..]);
        if key.starts_with(b"GNU.sparse.") {
            return Err(LayerError::UnsupportedSparse { offset });
        }
        out.insert(key.to_vec(), value.to_vec());
        buf = &buf[n..];
    }
    Ok(())
}

/// Records a GNU long name (`L`) or long link (`K`) as Go 1.9 does: as a PAX `path` or `linkpath`.
pub(crate) fn gnu_long(data: &[u8], key: &[u8], out: &mut Records) {
    out.insert(key.to_vec(), cstr(data).to_vec());
}

/// Go 1.9's `mergePAX`: applies the records to the header; `offset` is the header's tar offset.
pub(crate) fn merge(records: &Records, h: &mut Header, offset: u64) -> Result<(), LayerError> {
    for (k, v) in records {
        let bad = |key| LayerError::BadPaxValue { offset, key };
        match k.as_slice() {
            b"path" => replace(&mut h.name, v),
            b"linkpath" => replace(&mut h.linkname, v),
            b"uname" => replace(&mut h.uname, v),
            b"gname" => replace(&mut h.gname, v),
            b"uid" => h.uid = parse_int(v).ok_or(bad("uid"))?,
            b"gid" => h.gid = parse_int(v).ok_or(bad("gid"))?,
            b"size" => h.size = parse_int(v).ok_or(bad("size"))?,
            b"mtime" => h.mtime = parse_time(v).ok_or(bad("mtime"))?,
            b"atime" => drop(parse_time(v).ok_or(bad("atime"))?),
            b"ctime" => drop(parse_time(v).ok_or(bad("ctime"))?),
            key => {
                if let Some(name) = key.strip_prefix(XATTR) {
                    // Records iterate in key order, so xattrs stay sorted by key.
                    h.xattrs.push((name.to_vec(), v.clone()));
                }
            }
        }
    }
    Ok(())
}

fn replace(dst: &mut Vec<u8>, v: &[u8]) {
    dst.clear();
    dst.extend_from_slice(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_like_go() {
        assert_eq!(parse_int(b"123"), Some(123));
        assert_eq!(parse_int(b"+7"), Some(7));
        assert_eq!(parse_int(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int(b"9223372036854775808"), None);
        assert_eq!(parse_int(b""), None);
        assert_eq!(parse_int(b"-"), None);
        assert_eq!(parse_int(b"1_0"), None);
    }

    #[test]
    fn pax_time_like_go() {
        assert_eq!(parse_time(b"1350244992.023960108"), Some(1350244992));
        assert_eq!(parse_time(b"-1.5"), Some(-2));
        assert_eq!(parse_time(b"-0.5"), Some(-1));
        assert_eq!(parse_time(b"-1.0000000001"), Some(-1));
        assert_eq!(parse_time(b"5."), Some(5));
        assert_eq!(parse_time(b".5"), None);
        assert_eq!(parse_time(b"1.x"), None);
    }

    #[test]
    fn records() {
        let mut r = Records::new();
        parse_records(b"30 mtime=1350244992.023960108\n6 a=b\n", 0, &mut r).unwrap();
        assert_eq!(r.get(&b"a"[..]).map(Vec::as_slice), Some(&b"b"[..]));
        assert_eq!(r.len(), 2);
        for bad in [
            &b"5 a=b"[..],
            b"7 a=b\n",
            b"6 a=bX",
            b"6 ab\n\n",
            b"x a=b\n",
            b"3 a\n",
            b"0000000006 a=b\n",
        ] {
            assert_eq!(
                parse_records(bad, 9, &mut r),
                Err(LayerError::BadPaxRecord { offset: 9 }),
                "{bad:?}"
            );
        }
    }
}
