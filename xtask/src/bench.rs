//! `cargo xtask bench [FILTER]`: runs the criterion benches and prints their throughput in MB/s.
//!
//! Criterion's own output is passed through; its `thrpt:` lines are collected and summarised at
//! the end in decimal megabytes per second (10^6 bytes), and written to
//! `target/xtask/bench-last.tsv` (`name<TAB>MB/s`) so runs can be compared.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use anyhow::{Context, bail};

use crate::flags::BenchArgs;
use crate::util::{self, cargo};

/// One benchmark's median throughput.
#[derive(Debug, PartialEq)]
pub(crate) struct BenchResult {
    /// The criterion benchmark id, e.g. `layer/update/64KiB`.
    pub(crate) name: String,
    /// Decimal megabytes per second.
    pub(crate) mb_per_s: f64,
}

/// Runs the benches and prints the MB/s summary.
pub(crate) fn run(args: &BenchArgs) -> anyhow::Result<()> {
    // `--bench '*'` selects only `[[bench]]` targets: the default `cargo bench` would also run
    // every library's libtest harness, which rejects criterion's flags.
    let mut command = cargo(["bench", "--workspace", "--bench", "*", "--", "--noplot"]);
    if let Some(filter) = &args.filter {
        command.arg(filter);
    }
    eprintln!("==> {}", util::display(&command));
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start cargo bench")?;
    let stdout = child.stdout.take().context("cargo bench has no stdout")?;
    let mut output = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.context("could not read cargo bench output")?;
        println!("{line}");
        output.push(line);
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("cargo bench failed ({status})");
    }
    let results = parse_criterion(&output);
    print_summary(&results);
    save(&results)?;
    // A later `--compare` mode runs the benches on a second revision and compares the two
    // `Vec<BenchResult>`s here.
    Ok(())
}

fn print_summary(results: &[BenchResult]) {
    if results.is_empty() {
        println!("\nno throughput figures (benches need `Throughput::Bytes` to report MB/s)");
        return;
    }
    let width = results.iter().map(|r| r.name.len()).max().unwrap_or(0);
    println!("\n{:width$}  {:>10}", "benchmark", "MB/s");
    for result in results {
        println!("{:width$}  {:>10.1}", result.name, result.mb_per_s);
    }
}

fn save(results: &[BenchResult]) -> anyhow::Result<()> {
    let dir = util::project_root().join("target/xtask");
    fs::create_dir_all(&dir)?;
    let text: String = results
        .iter()
        .map(|r| format!("{}\t{:.1}\n", r.name, r.mb_per_s))
        .collect();
    let path = dir.join("bench-last.tsv");
    fs::write(&path, text).with_context(|| format!("could not write {}", path.display()))
}

/// Collects the median throughput of each benchmark from criterion's terminal output.
///
/// ```text
/// layer/update/64KiB      time:   [101.2 µs 102.0 µs 103.1 µs]
///                         thrpt:  [606.1 MiB/s 612.7 MiB/s 617.5 MiB/s]
/// ```
///
/// A long benchmark id is printed alone on the line before `time:`.
pub(crate) fn parse_criterion(lines: &[String]) -> Vec<BenchResult> {
    let mut results = Vec::new();
    let mut last_name = String::new();
    let mut current = None;
    for line in lines {
        if let Some((before, _)) = line.split_once("time:") {
            let name = before.trim();
            current = Some(if name.is_empty() {
                last_name.clone()
            } else {
                name.to_owned()
            });
        } else if let Some((_, after)) = line.split_once("thrpt:") {
            let Some(name) = current.take() else { continue };
            if let Some(mb_per_s) = median_mb_per_s(after) {
                results.push(BenchResult { name, mb_per_s });
            }
        } else if !line.starts_with(char::is_whitespace) && !line.trim().is_empty() {
            last_name = line.trim().to_owned();
        }
    }
    results
}

/// The middle of `[low unit mid unit high unit]`, converted to decimal MB/s.
fn median_mb_per_s(bracket: &str) -> Option<f64> {
    let inner = bracket.trim().strip_prefix('[')?.strip_suffix(']')?;
    let words: Vec<&str> = inner.split_whitespace().collect();
    let [_, _, value, unit, _, _] = words.as_slice() else {
        return None;
    };
    let value: f64 = value.parse().ok()?;
    let bytes_per_unit = match *unit {
        "B/s" => 1.0,
        "KiB/s" => 1024.0,
        "MiB/s" => 1024.0 * 1024.0,
        "GiB/s" => 1024.0 * 1024.0 * 1024.0,
        "KB/s" => 1e3,
        "MB/s" => 1e6,
        "GB/s" => 1e9,
        _ => return None,
    };
    Some(value * bytes_per_unit / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_throughput() {
        let output: Vec<String> = "\
Benchmarking layer/update/4KiB: Warming up for 3.0000 s
layer/update/4KiB       time:   [1.0000 ms 1.0000 ms 1.0000 ms]
                        thrpt:  [900.00 MiB/s 1000.0 MiB/s 1100.0 MiB/s]
                 change: [-1.0% +0.5% +2.0%] (p = 0.50 > 0.05)
a/very/long/benchmark/name/that/criterion/prints/alone
                        time:   [2.0 ms 2.0 ms 2.0 ms]
                        thrpt:  [1.5 GiB/s 2.0 GiB/s 2.5 GiB/s]
model/route             time:   [10.0 ns 10.0 ns 10.0 ns]
auth/parse              time:   [1.0 µs 1.0 µs 1.0 µs]
                        thrpt:  [40.0 MB/s 50.0 MB/s 60.0 MB/s]
"
        .lines()
        .map(str::to_owned)
        .collect();
        let results = parse_criterion(&output);
        assert_eq!(
            results,
            [
                BenchResult {
                    name: "layer/update/4KiB".to_owned(),
                    mb_per_s: 1048.576
                },
                BenchResult {
                    name: "a/very/long/benchmark/name/that/criterion/prints/alone".to_owned(),
                    mb_per_s: 2147.483648
                },
                BenchResult {
                    name: "auth/parse".to_owned(),
                    mb_per_s: 50.0
                },
            ]
        );
    }
}
