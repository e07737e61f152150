//! JSON string encoding byte-compatible with Go's `encoding/json` of the docker 1.x era (Go 1.4/1.5).

/// Appends `s` as a JSON string literal the way Go's `json.Marshal` writes it.
///
/// Go escapes `"` and `\` with a backslash, `\n`, `\r`, `\t` with their short forms, other bytes
/// below 0x20 and the HTML-sensitive `<`, `>`, `&` as `\u00xx` (lowercase hex), and U+2028 /
/// U+2029 as `\u2028` / `\u2029`.
/// (Go 1.22 later started writing `\b` and `\f` short forms; docker 1.x clients never did.)
pub(crate) fn push_string(out: &mut String, s: &str) {
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
            c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&') => {
                let b = c as u32 as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 0x0f]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        let mut out = String::new();
        push_string(&mut out, s);
        out
    }

    #[test]
    fn matches_go_escaping() {
        // Expected values are what Go 1.5's json.Marshal produces for the same strings.
        assert_eq!(enc("plain"), r#""plain""#);
        assert_eq!(enc("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            enc("\n\r\t\u{8}\u{c}\u{1f}"),
            r#""\n\r\t\u0008\u000c\u001f""#
        );
        assert_eq!(enc("<a&b>"), r#""\u003ca\u0026b\u003e""#);
        assert_eq!(enc("\u{2028}\u{2029}é\u{7f}"), "\"\\u2028\\u2029é\u{7f}\"");
    }

    #[test]
    fn output_is_valid_json_for_the_same_string() {
        for s in ["", "x\u{0}y", "\u{2028}<&>", "\"\\/"] {
            assert_eq!(serde_json::from_str::<String>(&enc(s)).unwrap(), s);
        }
    }
}
