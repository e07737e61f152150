//! `cargo xtask bench --compare [--size MB] [--seed N] [--runs N] [--dir PATH] [--push-size MB]`:
//! Berth's layer engine beside the tools people use today, on the same generated files in one
//! run, then a push and a pull over loopback beside `berth checksum` ([`pushpull`]; a layer of
//! `--push-size` MB, 1074 by default, that is 1 GiB; `--push-size 0` skips it).
//!
//! It builds `berth` and the `berth-pipeline` examples in release mode, generates a layer of
//! `--size` MB of files (0–4 MiB each) and one of 100,000 files of 0–4 KiB, deterministically
//! from `--seed` (no downloads), each as tar and gzip -6, then times (best of `--runs`, 5 by
//! default because this 2-core VM's speed varies by 10–20% from one run to the next; wall
//! clock, files in the page cache):
//!
//! * `berth checksum` (all digests: blob sha256 and payload, tar sha256, TarSum v0/v1/dev),
//!   and the single-threaded engine for reference;
//! * `zcat F | sha256sum`, `zcat F` alone, `openssl dgst -sha256 F`, `sha256sum F`, and
//!   inflate alone with the very inflater the engine uses (`berth_layer::Decoder`: gzip
//!   framing, `flate2`/zlib-rs inflate, CRC-32 and size checks);
//!
//! and prints MB/s of uncompressed tar bytes, the ratios the issue asks for with PASS/FAIL, the
//! per-entry cost on the small-files layer, and the peak RSS of `berth checksum` (with
//! `/usr/bin/time`, if installed). Not part of `cargo xtask ci`: it takes minutes and its
//! figures depend on the machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::pushpull;
use crate::util::{self, cargo};

/// Options of `bench --compare`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CompareArgs {
    /// Size of the large layer's tar, in decimal megabytes.
    pub(crate) size_mb: u64,
    /// Seed of the layer generator.
    pub(crate) seed: u64,
    /// Timed runs per measurement (the best is kept).
    pub(crate) runs: u32,
    /// Where the layers are written (kept for later runs with the same seed and size).
    pub(crate) dir: Option<PathBuf>,
    /// Size of the pushed and pulled layer's tar, in decimal megabytes (0: no push and pull).
    pub(crate) push_mb: u64,
}

/// Parses the arguments after `bench --compare`.
pub(crate) fn parse(args: &[String]) -> anyhow::Result<CompareArgs> {
    let mut out = CompareArgs {
        size_mb: 600,
        seed: 1,
        runs: 5,
        dir: None,
        push_mb: 1074,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--size" => out.size_mb = value()?.parse().context("`--size` takes megabytes")?,
            "--seed" => out.seed = value()?.parse().context("`--seed` takes a number")?,
            "--runs" => out.runs = value()?.parse().context("`--runs` takes a number")?,
            "--dir" => out.dir = Some(PathBuf::from(value()?)),
            "--push-size" => {
                out.push_mb = value()?
                    .parse()
                    .context("`--push-size` takes megabytes (0 for none)")?;
            }
            other => bail!("unknown flag for `bench --compare`: {other}"),
        }
    }
    if out.size_mb == 0 || out.runs == 0 {
        bail!("`--size` and `--runs` must be at least 1");
    }
    Ok(out)
}

/// One target of the issue: `subject / reference >= at_least`.
struct Target {
    label: &'static str,
    subject: &'static str,
    reference: &'static str,
    at_least: f64,
}

const TARGETS: [Target; 4] = [
    Target {
        label: "gzip, all digests vs zcat | sha256sum",
        subject: "berth checksum (gzip)",
        reference: "zcat | sha256sum",
        at_least: 1.5,
    },
    Target {
        label: "gzip, all digests vs inflate alone (same inflater)",
        subject: "berth checksum (gzip)",
        reference: "inflate alone (same inflater)",
        at_least: 0.9,
    },
    Target {
        label: "plain tar, all digests vs openssl dgst -sha256",
        subject: "berth checksum (plain)",
        reference: "openssl dgst -sha256",
        at_least: 0.8,
    },
    Target {
        label: "100k small files vs plain large layer (per tar byte)",
        subject: "small: berth checksum (plain)",
        reference: "berth checksum (plain)",
        at_least: 0.7,
    },
];

/// Runs the comparison.
pub(crate) fn run(args: &CompareArgs) -> anyhow::Result<()> {
    let root = util::project_root();
    for package in [
        &["build", "--release", "-p", "berth"][..],
        &["build", "--release", "-p", "berth-pipeline", "--examples"][..],
    ] {
        util::run(&mut cargo(package.iter().copied()))?;
    }
    let bin = root.join("target/release");
    let berth = bin.join("berth");
    let examples = bin.join("examples");
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| root.join("target/xtask/compare"));
    std::fs::create_dir_all(&dir)?;
    let large = dir.join(format!("large-s{}-{}mb.tar", args.seed, args.size_mb));
    let small = dir.join(format!("small-s{}-100k.tar", args.seed));
    generate(&examples, "large", args.seed, args.size_mb, &large)?;
    generate(&examples, "small", args.seed, 0, &small)?;
    let gz = |p: &Path| PathBuf::from(format!("{}.gz", p.display()));
    let (large_gz, small_gz) = (gz(&large), gz(&small));
    let tar_len = |p: &Path| std::fs::metadata(p).map(|m| m.len());
    let (large_len, small_len) = (tar_len(&large)?, tar_len(&small)?);
    println!(
        "\nlayers: {} ({large_len} bytes; gzip {} bytes), {} ({small_len} bytes; gzip {} bytes)",
        large.display(),
        tar_len(&large_gz)?,
        small.display(),
        tar_len(&small_gz)?,
    );

    let s = |p: &Path| p.display().to_string();
    let checksum = |p: &Path| vec![s(&berth), "checksum".into(), s(p)];
    let digest = |mode: &str, p: &Path| vec![s(&examples.join("digest_file")), mode.into(), s(p)];
    let shell = |cmd: String| vec!["sh".into(), "-c".into(), cmd];
    let rows: Vec<(&str, u64, Vec<String>)> = vec![
        ("berth checksum (gzip)", large_len, checksum(&large_gz)),
        ("berth checksum (plain)", large_len, checksum(&large)),
        (
            "single-threaded engine (gzip)",
            large_len,
            digest("single", &large_gz),
        ),
        (
            "single-threaded engine (plain)",
            large_len,
            digest("single", &large),
        ),
        (
            "inflate alone (same inflater)",
            large_len,
            digest("inflate", &large_gz),
        ),
        (
            "zcat | sha256sum",
            large_len,
            shell(format!("zcat '{}' | sha256sum", s(&large_gz))),
        ),
        (
            "zcat alone",
            large_len,
            shell(format!("zcat '{}' >/dev/null", s(&large_gz))),
        ),
        (
            "openssl dgst -sha256",
            large_len,
            vec!["openssl".into(), "dgst".into(), "-sha256".into(), s(&large)],
        ),
        ("sha256sum", large_len, vec!["sha256sum".into(), s(&large)]),
        ("small: berth checksum (plain)", small_len, checksum(&small)),
        (
            "small: berth checksum (gzip)",
            small_len,
            checksum(&small_gz),
        ),
        (
            "small: openssl dgst -sha256",
            small_len,
            vec!["openssl".into(), "dgst".into(), "-sha256".into(), s(&small)],
        ),
    ];
    // Warm the page cache.
    for p in [&large, &large_gz, &small, &small_gz] {
        std::fs::read(p).with_context(|| format!("read {}", p.display()))?;
    }
    let mut results: Vec<(&str, f64)> = Vec::new();
    println!(
        "\n{:34} {:>10} {:>10}",
        "tool (best of runs)", "seconds", "MB/s tar"
    );
    for (name, bytes, argv) in &rows {
        let secs = best_of(args.runs, argv)?;
        let mbps = *bytes as f64 / secs / 1e6;
        println!("{name:34} {secs:>10.3} {mbps:>10.1}");
        results.push((name, mbps));
    }
    let get = |name: &str| results.iter().find(|r| r.0 == name).map_or(0.0, |r| r.1);

    println!("\n{:54} {:>7} {:>7}  result", "target", "ratio", "needed");
    let mut failed = 0;
    for t in &TARGETS {
        let ratio = get(t.subject) / get(t.reference);
        let pass = ratio >= t.at_least;
        failed += usize::from(!pass);
        println!(
            "{:54} {ratio:>7.2} {:>7.2}  {}",
            t.label,
            t.at_least,
            if pass { "PASS" } else { "FAIL" }
        );
    }
    // Per-entry overhead: time on the small layer beyond what its bytes cost at the large
    // layer's plain rate, per entry (100,000 files plus one directory per 64).
    let entries = 100_000.0 + 100_000.0 / 64.0;
    let small_secs = small_len as f64 / get("small: berth checksum (plain)") / 1e6;
    let bytes_secs = small_len as f64 / get("berth checksum (plain)") / 1e6;
    println!(
        "\nper-entry overhead (small layer, plain): {:.2} µs per entry ({:.0} entries)",
        (small_secs - bytes_secs) / entries * 1e6,
        entries
    );
    peak_rss(&berth, &[&large, &large_gz])?;
    if args.push_mb > 0 {
        let layer = dir.join(format!("large-s{}-{}mb.tar", args.seed, args.push_mb));
        generate(&examples, "large", args.seed, args.push_mb, &layer)?;
        failed += push_pull(&berth, &layer, &dir.join("pushpull"), args.runs)?;
    }
    if failed > 0 {
        println!("\n{failed} target(s) not reached on this machine");
    }
    Ok(())
}

/// Times push and pull of `layer` over loopback ([`pushpull`]) and prints them beside
/// `berth checksum` of the stored layer; returns the number of targets not reached.
fn push_pull(berth: &Path, layer: &Path, work: &Path, runs: u32) -> anyhow::Result<usize> {
    let tar_len = std::fs::metadata(layer)?.len();
    println!(
        "\npush and pull over loopback of {} ({tar_len} bytes of tar), best of {runs}:",
        layer.display()
    );
    let timings = pushpull::measure(berth, layer, work, runs)?;
    let mbps = |secs: f64| tar_len as f64 / secs / 1e6;
    println!(
        "{:12} {:>12} {:>8} {:>8} {:>8} {:>8} {:>10} {:>8}",
        "compression", "stored blob", "push s", "MB/s", "pull s", "MB/s", "checksum s", "MB/s"
    );
    for t in &timings {
        println!(
            "{:12} {:>12} {:>8.2} {:>8.1} {:>8.2} {:>8.1} {:>10.2} {:>8.1}",
            t.mode,
            t.blob_len,
            t.push,
            mbps(t.push),
            t.pull,
            mbps(t.pull),
            t.checksum,
            mbps(t.checksum)
        );
    }
    println!(
        "\n{:54} {:>7} {:>7}  result",
        "target (vs berth checksum of the stored layer)", "ratio", "needed"
    );
    let mut failed = 0;
    for t in &timings {
        for (step, secs) in [("push", t.push), ("pull", t.pull)] {
            let ratio = t.checksum / secs;
            let pass = ratio >= 0.8;
            failed += usize::from(!pass);
            println!(
                "{:54} {ratio:>7.2} {:>7.2}  {}",
                format!("{step} (push --compression {})", t.mode),
                0.8,
                if pass { "PASS" } else { "FAIL" }
            );
        }
    }
    Ok(failed)
}

/// Writes `out` and `out.gz` with the generator unless they exist.
fn generate(examples: &Path, kind: &str, seed: u64, mb: u64, out: &Path) -> anyhow::Result<()> {
    let gz = PathBuf::from(format!("{}.gz", out.display()));
    if out.exists() && gz.exists() {
        return Ok(());
    }
    let mut c = Command::new(examples.join("gen_layer"));
    c.args([kind, &seed.to_string(), &mb.to_string()]).arg(out);
    util::run(&mut c)
}

/// The best wall-clock time of `runs` runs of `argv`, output discarded.
fn best_of(runs: u32, argv: &[String]) -> anyhow::Result<f64> {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let status = Command::new(&argv[0])
            .args(&argv[1..])
            .stdout(Stdio::null())
            .status()
            .with_context(|| format!("could not run {}", argv.join(" ")))?;
        let secs = start.elapsed().as_secs_f64();
        if !status.success() {
            bail!("{} failed ({status})", argv.join(" "));
        }
        best = best.min(secs);
    }
    Ok(best)
}

/// Prints the peak RSS of `berth checksum` on each file, from `/usr/bin/time -f %M` (KiB).
fn peak_rss(berth: &Path, files: &[&Path]) -> anyhow::Result<()> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        println!("\npeak RSS: /usr/bin/time is not installed (apt-get install time)");
        return Ok(());
    }
    println!();
    for f in files {
        let out = Command::new(time)
            .args(["-f", "%M"])
            .arg(berth)
            .arg("checksum")
            .arg(f)
            .stdout(Stdio::null())
            .output()?;
        let err = String::from_utf8_lossy(&out.stderr);
        let kib: u64 = err
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .context("could not read /usr/bin/time's output")?;
        let mib = kib as f64 / 1024.0;
        let verdict = if mib < 32.0 { "PASS" } else { "FAIL" };
        println!(
            "peak RSS of berth checksum {}: {mib:.1} MiB (needed < 32 MiB) {verdict}",
            f.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_flags_with_defaults() {
        let a = parse(&[]).unwrap();
        assert_eq!((a.size_mb, a.seed, a.runs, a.dir), (600, 1, 5, None));
        assert_eq!(a.push_mb, 1074, "1 GiB");
        let a = parse(&strings(
            "--size 100 --seed 7 --runs 1 --dir /tmp/x --push-size 0",
        ))
        .unwrap();
        assert_eq!(a.push_mb, 0);
        assert_eq!(a.size_mb, 100);
        assert_eq!(a.seed, 7);
        assert_eq!(a.runs, 1);
        assert_eq!(a.dir, Some(PathBuf::from("/tmp/x")));
        for bad in [
            "--size",
            "--size ten",
            "--fast",
            "--runs 0",
            "--size 0",
            "--push-size x",
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn targets_name_measured_rows() {
        // Every target compares two rows that `run` measures.
        let rows = [
            "berth checksum (gzip)",
            "berth checksum (plain)",
            "zcat | sha256sum",
            "inflate alone (same inflater)",
            "openssl dgst -sha256",
            "small: berth checksum (plain)",
        ];
        for t in &TARGETS {
            assert!(
                rows.contains(&t.subject) && rows.contains(&t.reference),
                "{}",
                t.label
            );
        }
    }
}
