//! JSON strings as Go's `encoding/json` (Go 1.0–1.5, the docker 2013–2015 toolchains) writes
//! them, for bodies a docker client sends.
//!
//! Go escapes `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`, U+2028/U+2029 as `\u2028`/`\u2029`,
//! `"`, `\`, `\n`, `\r`, `\t` with a backslash, other control characters as `\u00XX`, and keeps
//! all other non-ASCII characters as UTF-8.

/// Appends `s` as a Go-encoded JSON string literal.
pub(crate) fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            '<' | '>' | '&' | '\0'..='\u{1f}' => {
                let b = c as u32;
                out.push_str("\\u00");
                out.push(char::from(HEX[((b >> 4) & 0xf) as usize]));
                out.push(char::from(HEX[(b & 0xf) as usize]));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escapes() {
        let mut s = String::new();
        write_str(&mut s, "a<b>&\u{1}\n\u{2028}é\"");
        assert_eq!(s, r#""a\u003cb\u003e\u0026\u0001\n\u2028é\"""#);
    }
}
