//! JSON text exactly as Python's `json.dumps(data, sort_keys=True)` writes it.
//!
//! docker-registry serialised every response body with `json.dumps(data, sort_keys=True)`:
//! default separators (`", "` between items, `": "` between a key and its value), keys sorted by
//! code point, and `ensure_ascii=True`, so every character outside printable ASCII is written as
//! a `\uXXXX` escape (lower-case hex, UTF-16 surrogate pairs above U+FFFF).
//! Numbers are written the way `serde_json` writes them; Python's `repr` of a float can differ
//! (`1e+20` vs `1e20`), which no registry body depends on.

use serde_json::Value;

/// Formats `value` as `json.dumps(value, sort_keys=True)` would.
///
/// ```
/// let v = serde_json::json!({"error": "Tag not found", "a": [1, true, null]});
/// assert_eq!(
///     berth_model::pyjson::dumps(&v),
///     r#"{"a": [1, true, null], "error": "Tag not found"}"#
/// );
/// ```
pub fn dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// Appends `value` formatted as `json.dumps(value, sort_keys=True)` to `out`.
pub fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            // Python compares `str` keys by code point; UTF-8 byte order is the same order.
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, key);
                out.push_str(": ");
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Appends `s` as a JSON string literal with Python's `ensure_ascii=True` escaping.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_u_escape(out, *unit);
                }
            }
        }
    }
    out.push('"');
}

/// Formats a single string as a JSON string literal (`"…"`), Python style.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    out
}

fn push_u_escape(out: &mut String, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u");
    for shift in [12u16, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((unit >> shift) & 0xf)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_body_shape() {
        assert_eq!(
            dumps(&json!({"error": "Image already exists"})),
            r#"{"error": "Image already exists"}"#
        );
    }

    #[test]
    fn ensure_ascii_escapes() {
        assert_eq!(string("é"), r#""\u00e9""#);
        assert_eq!(string("\u{1F600}"), r#""\ud83d\ude00""#);
        assert_eq!(string("\u{7f}\u{1}"), r#""\u007f\u0001""#);
        assert_eq!(string("a\"b\\c\n"), r#""a\"b\\c\n""#);
    }

    #[test]
    fn empty_containers() {
        assert_eq!(dumps(&json!({})), "{}");
        assert_eq!(dumps(&json!([])), "[]");
        assert_eq!(dumps(&json!(true)), "true");
    }

    #[test]
    fn output_parses_back() {
        let v = json!({"z": "ünï", "a": {"y": [1, -2, 3.5], "b": null}});
        let text = dumps(&v);
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        assert!(text.is_ascii());
    }
}
