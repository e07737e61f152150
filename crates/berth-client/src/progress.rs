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
            _ => render_plain(message),
        };
        let _ = writeln!(self.out, "{line}");
    }
}

fn render_plain(message: &ProgressMessage) -> String {
    if message.is_error() {
        let text = message
            .error_detail
            .as_ref()
            .map_or(&message.error, |d| &d.message);
        return format!("error: {text}");
    }
    if message.id.is_empty() {
        message.status.clone()
    } else {
        format!("{}: {}", message.id, message.status)
    }
}

/// Terminal rendering: one indicatif bar per layer (bytes, rate, ETA), status lines above them.
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
