//! Progress reporting: the engine's progress messages (`berth_model::progress`) rendered as
//! terminal bars, plain lines, or the JSON stream itself.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use berth_model::progress::{ProgressMessage, human_size};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Receives every progress message of a push or pull, in order.
pub trait Progress {
    /// Handles one message.
    fn emit(&mut self, message: &ProgressMessage);
}

impl<F: FnMut(&ProgressMessage)> Progress for F {
    fn emit(&mut self, message: &ProgressMessage) {
        self(message);
    }
}

/// Discards every message (`-q`).
#[derive(Debug, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn emit(&mut self, _message: &ProgressMessage) {}
}

/// Writes each message as one compact JSON object per line (`--json`), encoded exactly as docker's
/// `JSONMessage` (field order, omitted empty fields).
#[derive(Debug)]
pub struct JsonLines<W: Write> {
    out: W,
}

impl<W: Write> JsonLines<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        Self { out }
    }
}

impl<W: Write> Progress for JsonLines<W> {
    fn emit(&mut self, message: &ProgressMessage) {
        let mut buf = Vec::with_capacity(128);
        message.encode_json(&mut buf);
        buf.push(b'\n');
        // A closed stdout (e.g. `| head`) must not abort the transfer.
        let _ = self.out.write_all(&buf).and_then(|()| self.out.flush());
    }
}

/// Plain lines for logs and pipes: every status, and transfer progress in 25 % steps.
/// Error messages are left out: the command prints the error itself when it exits.
#[derive(Debug)]
pub struct Lines<W: Write> {
    out: W,
    steps: HashMap<String, i64>,
}

impl<W: Write> Lines<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            steps: HashMap::new(),
        }
    }
}

impl<W: Write> Progress for Lines<W> {
    fn emit(&mut self, message: &ProgressMessage) {
        let line = match &message.progress_detail {
            Some(detail) if detail.total > 0 || detail.current > 0 => {
                let step = if detail.total > 0 {
                    detail.current * 4 / detail.total
                } else {
                    0
                };
                let last = self.steps.insert(message.id.clone(), step);
                if last == Some(step) {
                    return;
                }
                let total = if detail.total > 0 {
                    format!("/{}", human_size(detail.total))
                } else {
                    String::new()
                };
                format!(
                    "{}: {} {}{total}",
                    message.id,
                    message.status,
                    human_size(detail.current)
                )
            }
            _ if message.is_error() => return,
            _ => render_plain(message),
        };
        let _ = writeln!(self.out, "{line}");
    }
}

fn render_plain(message: &ProgressMessage) -> String {
    if message.id.is_empty() {
        message.status.clone()
    } else {
        format!("{}: {}", message.id, message.status)
    }
}

/// Terminal rendering: one indicatif bar per layer (bytes, rate, ETA), status lines above them.
/// Error messages are left out: the command prints the error itself when it exits.
#[derive(Debug)]
pub struct Bars {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
}

impl Default for Bars {
    fn default() -> Self {
        Self::new()
    }
}

impl Bars {
    /// Draws on standard error.
    pub fn new() -> Self {
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: HashMap::new(),
        }
    }

    fn bar(&mut self, id: &str, total: u64) -> &ProgressBar {
        let multi = &self.multi;
        self.bars.entry(id.to_owned()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new(total));
            let style = ProgressStyle::with_template(
                "{prefix:.bold} {msg:<12} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(id.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        })
    }
}

impl Progress for Bars {
    fn emit(&mut self, message: &ProgressMessage) {
        if message.is_error() {
            return;
        }
        match &message.progress_detail {
            Some(detail) if !message.id.is_empty() && (detail.total > 0 || detail.current > 0) => {
                let total = u64::try_from(detail.total).unwrap_or(0);
                let bar = self.bar(&message.id, total);
                if total > 0 {
                    bar.set_length(total);
                }
                bar.set_message(message.status.clone());
                bar.set_position(u64::try_from(detail.current).unwrap_or(0));
            }
            _ => {
                if let Some(bar) = self.bars.remove(&message.id) {
                    bar.finish_with_message(message.status.clone());
                } else {
                    let _ = self.multi.println(render_plain(message));
                }
            }
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        for (_, bar) in self.bars.drain() {
            bar.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_model::progress::ProgressDetail;

    #[test]
    fn json_lines_are_docker_json_messages() {
        let mut out = Vec::new();
        let mut sink = JsonLines::new(&mut out);
        sink.emit(&ProgressMessage::status("Pulling repository busybox"));
        sink.emit(&ProgressMessage::downloading(
            "df7546f9f060",
            ProgressDetail::new(65536, 2433303),
        ));
        sink.emit(&ProgressMessage::error(
            "Error: image foo/bar:latest not found",
            0,
        ));
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], r#"{"status":"Pulling repository busybox"}"#);
        assert!(
            lines[1].starts_with(
                r#"{"status":"Downloading","progressDetail":{"current":65536,"total":2433303}"#
            ),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with(r#""id":"df7546f9f060"}"#));
        assert_eq!(
            lines[2],
            r#"{"errorDetail":{"message":"Error: image foo/bar:latest not found"},"error":"Error: image foo/bar:latest not found"}"#
        );
    }

    #[test]
    fn lines_report_progress_in_quarters() {
        let mut out = Vec::new();
        let mut sink = Lines::new(&mut out);
        for current in (0..=100).step_by(5) {
            sink.emit(&ProgressMessage::pushing(
                "abcdef012345",
                Some(ProgressDetail::new(current, 100)),
            ));
        }
        sink.emit(&ProgressMessage::image_successfully_pushed("abcdef012345"));
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert_eq!(lines[0], "abcdef012345: Pushing 0 B/100 B");
        assert_eq!(lines[4], "abcdef012345: Pushing 100 B/100 B");
        assert_eq!(lines[5], "abcdef012345: Image successfully pushed");
    }
}
