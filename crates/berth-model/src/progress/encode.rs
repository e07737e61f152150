//! Byte-exact encoding of progress messages as Go's `encoding/json` wrote them.

use berth_auth::gojson;

use super::{ErrorDetail, Framing, ProgressDetail, ProgressMessage};
use std::fmt::Write as _;

impl ProgressMessage {
    /// Appends the message and its terminator (see [`ProgressMessage::framing`]) to `out`.
    ///
    /// The JSON is what Go's `json.Marshal` produced: no spaces, fields in struct order, empty fields
    /// omitted, and `<`, `>`, `&`, U+2028, U+2029 escaped as `\u003c`, `\u003e`, `\u0026`, `\u2028`,
    /// `\u2029` (Go's HTML-safe default).
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.encode_json(out);
        if self.framing() == Framing::Line {
            out.extend_from_slice(b"\r\n");
        }
    }

    /// Appends only the JSON object, without any terminator.
    pub fn encode_json(&self, out: &mut Vec<u8>) {
        let mut w = ObjectWriter::new(out);
        w.string("stream", &self.stream);
        w.string("status", &self.status);
        if let Some(detail) = &self.progress_detail {
            w.key("progressDetail");
            encode_detail(detail, w.out);
        }
        w.string("progress", &self.progress);
        w.string("id", &self.id);
        w.string("from", &self.from);
        w.number("time", self.time);
        if let Some(detail) = &self.error_detail {
            w.key("errorDetail");
            encode_error(detail, w.out);
        }
        w.string("error", &self.error);
        w.finish();
    }
}

fn encode_detail(d: &ProgressDetail, out: &mut Vec<u8>) {
    let mut w = ObjectWriter::new(out);
    w.number("current", d.current);
    w.number("total", d.total);
    w.number("start", d.start);
    w.finish();
}

fn encode_error(d: &ErrorDetail, out: &mut Vec<u8>) {
    let mut w = ObjectWriter::new(out);
    w.number("code", d.code);
    w.string("message", &d.message);
    w.finish();
}

/// Writes one JSON object, skipping empty members (Go `omitempty`).
struct ObjectWriter<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> ObjectWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn string(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.key(key);
            gojson::write_bytes(self.out, value);
        }
    }

    fn number(&mut self, key: &str, value: i64) {
        if value != 0 {
            self.key(key);
            self.out.extend_from_slice(value.to_string().as_bytes());
        }
    }

    fn finish(self) {
        self.out.push(b'}');
    }
}

/// Formats a byte count like docker's `units.HumanSize`: `%.4g` and decimal units (`65.54 kB`).
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    // Float conversion is intended: docker formats `float64(size)`.
    #[allow(clippy::cast_precision_loss)]
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{} {}", format_g4(size), UNITS[unit])
}

/// Go's `%.4g` for values in `[0, 1000)` (and negatives of the same magnitude).
fn format_g4(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".to_owned();
    }
    // Find the decimal exponent after rounding to 4 significant digits.
    let mut exp = v.abs().log10().floor() as i32;
    let rounded = format!("{:.3e}", v);
    if let Some(pos) = rounded.find('e') {
        if let Ok(e) = rounded[pos + 1..].parse::<i32>() {
            exp = e;
        }
    }
    if !(-4..4).contains(&exp) {
        // Exponent form never happens for the sizes docker formats; keep Rust's rendering.
        return rounded;
    }
    let decimals = usize::try_from(3 - exp).unwrap_or(0);
    let mut s = format!("{:.*}", decimals, v);
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

impl ProgressDetail {
    /// Renders docker's pre-rendered `progress` string for a wide (>110 columns) terminal, without the
    /// time-left box (which needs a clock): `[=>   …] 65.54 kB/2.433 MB`.
    ///
    /// Returns an empty string when both `current` and `total` are ≤ 0, like `JSONProgress.String()`.
    pub fn render(&self) -> String {
        if self.current <= 0 && self.total <= 0 {
            return String::new();
        }
        let current = human_size(self.current);
        if self.total <= 0 {
            return format!("{current:>8}");
        }
        let total = human_size(self.total);
        // Float arithmetic mirrors Go's `int(float64(current)/float64(total)*100) / 2`.
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let pct = ((self.current as f64 / self.total as f64 * 100.0) as i64 / 2).clamp(0, 50);
        let bars = usize::try_from(pct).unwrap_or(0);
        let spaces = usize::try_from(50 - pct).unwrap_or(0);
        let mut s = String::with_capacity(80);
        let _ = write!(s, "[{}>{}] ", "=".repeat(bars), " ".repeat(spaces));
        if self.current > self.total {
            let _ = write!(s, "{current:>8}");
        } else {
            let _ = write!(s, "{current:>8}/{total}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_size_matches_docker() {
        assert_eq!(human_size(65536), "65.54 kB");
        assert_eq!(human_size(2433303), "2.433 MB");
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1000), "1 kB");
        assert_eq!(human_size(999_950), "1000 kB");
        assert_eq!(human_size(1_500_000_000), "1.5 GB");
    }

    #[test]
    fn render_matches_engine_api_example_shape() {
        let d = ProgressDetail::new(65536, 2433303);
        let r = d.render();
        assert_eq!(r, format!("[=>{}] 65.54 kB/2.433 MB", " ".repeat(49)));
        assert_eq!(ProgressDetail::default().render(), "");
        assert_eq!(ProgressDetail::new(2048, 0).render(), "2.048 kB");
        let over = ProgressDetail::new(300, 100).render();
        assert!(
            over.starts_with(&format!("[{}>] ", "=".repeat(50))),
            "{over}"
        );
        assert!(over.ends_with("   300 B"), "{over}");
    }
}
