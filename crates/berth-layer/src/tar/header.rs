//! One 512-byte tar header block, decoded the way Go's `archive/tar` reader (Go 1.4–1.9, the
//! toolchains of docker 1.9–17.x) decodes it for what TarSum sees.

use crate::error::{LayerError, TarField};

/// Size of a tar block.
pub(crate) const BLOCK: usize = 512;

/// The entry header as Go's `tar.Header` presents it to TarSum, with reusable buffers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Header {
    /// `Name`: prefix + "/" + name for ustar, or the PAX `path` / GNU long name.
    pub(crate) name: Vec<u8>,
    /// `Mode`: the raw numeric mode field, file-type bits included.
    pub(crate) mode: i64,
    /// `Uid`.
    pub(crate) uid: i64,
    /// `Gid`.
    pub(crate) gid: i64,
    /// `Size`: the header or PAX `size`.
    pub(crate) size: i64,
    /// `ModTime` as Unix seconds (fraction truncated toward negative infinity, as Go's `Unix()`).
    pub(crate) mtime: i64,
    /// `Typeflag`: the raw type byte.
    pub(crate) typeflag: u8,
    /// `Linkname`.
    pub(crate) linkname: Vec<u8>,
    /// `Uname` (empty for V7 headers).
    pub(crate) uname: Vec<u8>,
    /// `Gname` (empty for V7 headers).
    pub(crate) gname: Vec<u8>,
    /// `Devmajor` (parsed only for character and block devices, as Go ≤1.9 does).
    pub(crate) devmajor: i64,
    /// `Devminor` (idem).
    pub(crate) devminor: i64,
    /// `Xattrs` from `SCHILY.xattr.*` PAX records, sorted by key, keys without the prefix.
    pub(crate) xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

/// What a header block turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// An all-zero block (end-of-archive marker candidate).
    Zero,
    /// A header, decoded into the caller's [`Header`].
    Header,
}

/// Go's `parseString`: the bytes up to the first NUL.
pub(crate) fn cstr(b: &[u8]) -> &[u8] {
    match memchr::memchr(0, b) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// Go's `parseOctal`: trim spaces and NULs at both ends, cut at a NUL, parse base 8.
fn parse_octal(b: &[u8]) -> Option<i64> {
    let trim = |c: &u8| *c != b' ' && *c != 0;
    let Some(start) = b.iter().position(trim) else {
        return Some(0);
    };
    let end = b.iter().rposition(trim).map_or(start, |e| e + 1);
    let s = cstr(&b[start..end]);
    if s.is_empty() {
        return None;
    }
    let mut x: u64 = 0;
    for &c in s {
        if !(b'0'..=b'7').contains(&c) {
            return None;
        }
        x = x.checked_mul(8)?.checked_add(u64::from(c - b'0'))?;
    }
    // Go converts with int64(x); fields are too short to reach the sign bit.
    Some(x as i64)
}

/// Go's `parseNumeric`: base-256 (two's complement, high bit set) or octal.
pub(crate) fn parse_numeric(b: &[u8]) -> Option<i64> {
    if b.first().is_some_and(|c| c & 0x80 != 0) {
        // Negative numbers use the identity -a-1 == !a.
        let inv: u8 = if b[0] & 0x40 != 0 { 0xff } else { 0 };
        let mut x: u64 = 0;
        for (i, &c) in b.iter().enumerate() {
            let mut c = c ^ inv;
            if i == 0 {
                c &= 0x7f;
            }
            if x >> 56 > 0 {
                return None;
            }
            x = (x << 8) | u64::from(c);
        }
        if x >> 63 > 0 {
            return None;
        }
        let x = x as i64;
        return Some(if inv == 0xff { !x } else { x });
    }
    parse_octal(b)
}

/// The unsigned and signed header sums, with the checksum field counted as spaces.
///
/// Summed over the whole block in a form the compiler vectorizes, then corrected for the
/// eight checksum bytes.
fn checksums(b: &[u8; BLOCK]) -> (i64, i64) {
    let all_unsigned: u32 = b.iter().map(|&c| u32::from(c)).sum();
    let all_signed: i32 = b.iter().map(|&c| i32::from(c as i8)).sum();
    let field = &b[148..156];
    let field_unsigned: u32 = field.iter().map(|&c| u32::from(c)).sum();
    let field_signed: i32 = field.iter().map(|&c| i32::from(c as i8)).sum();
    let spaces = 8 * i64::from(b' ');
    (
        i64::from(all_unsigned) - i64::from(field_unsigned) + spaces,
        i64::from(all_signed) - i64::from(field_signed) + spaces,
    )
}

/// Header formats Go distinguishes by magic.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    V7,
    Ustar,
    Gnu,
    Star,
}

/// Decodes a header block into `h` (buffers reused); `offset` is its tar stream offset.
///
/// Checks, as Go does: checksum (unsigned or signed sum), numeric fields, magic.
pub(crate) fn decode(b: &[u8; BLOCK], offset: u64, h: &mut Header) -> Result<Block, LayerError> {
    if b.iter().all(|&c| c == 0) {
        return Ok(Block::Zero);
    }
    let bad = |field| LayerError::BadNumericField { offset, field };
    let stored = parse_octal(&b[148..156]).ok_or(LayerError::TarChecksum { offset })?;
    let (unsigned, signed) = checksums(b);
    if stored != unsigned && stored != signed {
        return Err(LayerError::TarChecksum { offset });
    }
    let format = match (&b[257..263], &b[263..265], &b[508..512]) {
        (b"ustar\0", _, b"tar\0") => Format::Star,
        (b"ustar\0", _, _) => Format::Ustar,
        (b"ustar ", b" \0", _) => Format::Gnu,
        _ => Format::V7,
    };
    h.name.clear();
    h.linkname.clear();
    h.uname.clear();
    h.gname.clear();
    h.xattrs.clear();
    h.mode = parse_numeric(&b[100..108]).ok_or_else(|| bad(TarField::Mode))?;
    h.uid = parse_numeric(&b[108..116]).ok_or_else(|| bad(TarField::Uid))?;
    h.gid = parse_numeric(&b[116..124]).ok_or_else(|| bad(TarField::Gid))?;
    h.size = parse_numeric(&b[124..136]).ok_or_else(|| bad(TarField::Size))?;
    h.mtime = parse_numeric(&b[136..148]).ok_or_else(|| bad(TarField::Mtime))?;
    h.typeflag = b[156];
    h.linkname.extend_from_slice(cstr(&b[157..257]));
    h.devmajor = 0;
    h.devminor = 0;
    let name = cstr(&b[0..100]);
    if format == Format::V7 {
        h.name.extend_from_slice(name);
        return Ok(Block::Header);
    }
    h.uname.extend_from_slice(cstr(&b[265..297]));
    h.gname.extend_from_slice(cstr(&b[297..329]));
    // Go ≤1.9 reads the device numbers only for character and block devices.
    if h.typeflag == b'3' || h.typeflag == b'4' {
        h.devmajor = parse_numeric(&b[329..337]).ok_or_else(|| bad(TarField::DevMajor))?;
        h.devminor = parse_numeric(&b[337..345]).ok_or_else(|| bad(TarField::DevMinor))?;
    }
    // Go ≤1.9 also reads the prefix field of GNU headers ("TODO: Do not use the prefix field
    // for the GNU format", golang.org/issue/12594); docker 1.9–17.x hashed that name.
    let prefix = if format == Format::Star {
        parse_numeric(&b[476..488]).ok_or_else(|| bad(TarField::StarTime))?;
        parse_numeric(&b[488..500]).ok_or_else(|| bad(TarField::StarTime))?;
        cstr(&b[345..476])
    } else {
        cstr(&b[345..500])
    };
    if !prefix.is_empty() {
        h.name.extend_from_slice(prefix);
        h.name.push(b'/');
    }
    h.name.extend_from_slice(name);
    Ok(Block::Header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_like_go() {
        assert_eq!(parse_octal(b"0000644\0"), Some(0o644));
        assert_eq!(parse_octal(b"  644 \0\0"), Some(0o644));
        assert_eq!(parse_octal(b"\0\0\0\0"), Some(0));
        assert_eq!(parse_octal(b"        "), Some(0));
        assert_eq!(parse_octal(b"0644\0xyz"), Some(0o644));
        assert_eq!(parse_octal(b"0648\0\0\0\0"), None);
        assert_eq!(parse_octal(b"-1"), None);
    }

    #[test]
    fn base256_like_go() {
        assert_eq!(parse_numeric(&[0x80, 0, 0, 0, 0, 0, 0, 1]), Some(1));
        assert_eq!(parse_numeric(&[0xff; 8]), Some(-1));
        assert_eq!(
            parse_numeric(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
            Some(256)
        );
        // 2^63 does not fit.
        assert_eq!(
            parse_numeric(&[0x80, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            None
        );
        assert_eq!(
            parse_numeric(&[0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            None
        );
    }

    #[test]
    fn checksum_counts_field_as_spaces() {
        let b = [0u8; BLOCK];
        assert_eq!(checksums(&b), (256, 256));
        let mut b = [0u8; BLOCK];
        b[0] = 0xff;
        assert_eq!(checksums(&b), (256 + 255, 256 - 1));
        // Bytes of the checksum field itself count as spaces, whatever they are.
        b[150] = 0xff;
        b[155] = b'7';
        assert_eq!(checksums(&b), (256 + 255, 256 - 1));
    }
}
