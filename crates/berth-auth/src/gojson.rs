//! JSON string encoding byte-compatible with Go's `encoding/json` of the docker 1.x era
//! (Go 1.0–1.5, the docker 2013–2015 toolchains).
//!
//! Docker clients build their JSON bodies (`X-Registry-Auth`, image lists, user records, the
//! progress stream) with `json.Marshal`, so anything that must match them byte for byte writes its
//! strings through this module.

/// Appends `s` to `out` as a JSON string literal the way Go's `json.Marshal` writes it.
///
/// Go escapes `"` and `\` with a backslash, `\n`, `\r`, `\t` with their short forms, other
/// characters below U+0020 and the HTML-sensitive `<`, `>`, `&` as `\u00xx` (lowercase hex), and
/// U+2028 / U+2029 as `\u2028` / `\u2029`; every other character, ASCII or not, is kept as UTF-8.
/// (Go 1.22 later started writing `\b` and `\f` short forms; docker 1.x clients never did.)
///
/// ```
/// let mut out = String::new();
/// berth_auth::gojson::write_str(&mut out, "a<b>\u{1}é");
/// assert_eq!(out, r#""a\u003cb\u003e\u0001é""#);
/// ```
pub fn write_str(out: &mut String, s: &str) {
    write_pieces(s, |piece| out.push_str(piece));
}

/// Appends `s` to `out` as a Go-encoded JSON string literal, exactly as [`write_str`] does, for
/// callers that build a byte buffer.
///
/// ```
/// let mut out = Vec::new();
/// berth_auth::gojson::write_bytes(&mut out, "x&y");
/// assert_eq!(out, br#""x\u0026y""#);
/// ```
pub fn write_bytes(out: &mut Vec<u8>, s: &str) {
    write_pieces(s, |piece| out.extend_from_slice(piece.as_bytes()));
}

/// Feeds the Go encoding of `s` to `push` as a sequence of string pieces: runs of `s` that need
/// no escaping, and escapes.
fn write_pieces(s: &str, mut push: impl FnMut(&str)) {
    const HEX: [&str; 16] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f",
    ];
    push("\"");
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            // Always below 0x80 here, so the code fits two hex digits.
            '<' | '>' | '&' | '\0'..='\u{1f}' => "",
            _ => continue,
        };
        push(&s[start..i]);
        if escape.is_empty() {
            let b = c as usize;
            push("\\u00");
            push(HEX[(b >> 4) & 0x0f]);
            push(HEX[b & 0x0f]);
        } else {
            push(escape);
        }
        start = i + c.len_utf8();
    }
    push(&s[start..]);
    push("\"");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        let mut out = String::new();
        write_str(&mut out, s);
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
    fn go_escapes() {
        assert_eq!(
            enc("a<b>&\u{1}\n\u{2028}é\""),
            r#""a\u003cb\u003e\u0026\u0001\n\u2028é\"""#
        );
    }

    #[test]
    fn go_string_escapes() {
        let mut out = Vec::new();
        write_bytes(&mut out, "a<b>&\"\\\n\r\t\u{1}\u{2028}é");
        assert_eq!(
            out,
            "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\r\\t\\u0001\\u2028é\"".as_bytes()
        );
    }

    #[test]
    fn output_is_valid_json_for_the_same_string() {
        for s in ["", "x\u{0}y", "\u{2028}<&>", "\"\\/"] {
            assert_eq!(serde_json::from_str::<String>(&enc(s)).unwrap(), s);
        }
    }

    #[test]
    fn string_and_byte_forms_agree() {
        for s in ["", "plain", "x\u{0}y<é>\u{2029}\"\\", "\u{1f}\u{7f}&"] {
            let mut bytes = Vec::new();
            write_bytes(&mut bytes, s);
            assert_eq!(bytes, enc(s).as_bytes());
        }
    }
}
