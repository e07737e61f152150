//! Command-line parsing for `cargo xtask`, by hand to keep the crate free of dependencies.

use anyhow::{Context, bail};

/// The text printed by `cargo xtask help`.
pub(crate) const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci                       fmt, tidy, clippy, docs, doc tests, bench and fuzz compile, tests
  tidy                     check repository invariants (no I/O in core crates, testdata provenance, whitespace)
  bench [FILTER]           run the criterion benches (optionally only those matching FILTER), print MB/s
  fuzz --list              list the fuzz targets
  fuzz TARGET [--secs N]   run one fuzz target for N seconds (default 60) with cargo-fuzz
  fuzz all [--secs N]      run every fuzz target in turn, N seconds each
  help                     print this message
";

/// A parsed `cargo xtask` command line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// `cargo xtask help`.
    Help,
    /// `cargo xtask ci`.
    Ci,
    /// `cargo xtask tidy`.
    Tidy,
    /// `cargo xtask bench [FILTER]`.
    Bench(BenchArgs),
    /// `cargo xtask fuzz ...`.
    Fuzz(FuzzArgs),
}

/// Arguments of `cargo xtask bench`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BenchArgs {
    /// Only run benchmarks whose id contains this string (criterion's filter).
    pub(crate) filter: Option<String>,
    // A later `--compare` mode (run the benches on two revisions and print the change in MB/s)
    // adds its flag here and its logic in `bench.rs`, next to `BenchResult`.
}

/// What `cargo xtask fuzz` should do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FuzzArgs {
    /// `--list`: print the targets.
    List,
    /// Run the named target (or every target for `all`) for `secs` seconds each.
    Run {
        /// A target name, or `all`.
        target: String,
        /// The libFuzzer `-max_total_time`, per target.
        secs: u64,
    },
}

/// The fuzzing time when `--secs` is not given.
const DEFAULT_FUZZ_SECS: u64 = 60;

/// Parses the arguments that follow `cargo xtask`.
pub(crate) fn parse(args: &[String]) -> anyhow::Result<Command> {
    let mut args = args.iter().map(String::as_str);
    let command = match args.next() {
        None | Some("help" | "-h" | "--help") => Command::Help,
        Some("ci") => Command::Ci,
        Some("tidy") => Command::Tidy,
        Some("bench") => {
            let filter = args.next().map(str::to_owned);
            if filter.as_deref().is_some_and(|f| f.starts_with('-')) {
                bail!(
                    "unknown flag for `bench`: {}\n\n{USAGE}",
                    filter.unwrap_or_default()
                );
            }
            Command::Bench(BenchArgs { filter })
        }
        Some("fuzz") => Command::Fuzz(parse_fuzz(&mut args)?),
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    };
    if let Some(extra) = args.next() {
        bail!("unexpected argument `{extra}`\n\n{USAGE}");
    }
    Ok(command)
}

fn parse_fuzz<'a>(args: &mut impl Iterator<Item = &'a str>) -> anyhow::Result<FuzzArgs> {
    let mut target = None;
    let mut secs = DEFAULT_FUZZ_SECS;
    while let Some(arg) = args.next() {
        match arg {
            "--list" => return Ok(FuzzArgs::List),
            "--secs" => {
                let value = args.next().context("`--secs` needs a number of seconds")?;
                secs = value
                    .parse()
                    .with_context(|| format!("`--secs {value}` is not a number of seconds"))?;
            }
            flag if flag.starts_with('-') => bail!("unknown flag for `fuzz`: {flag}\n\n{USAGE}"),
            name if target.is_none() => target = Some(name.to_owned()),
            name => bail!("unexpected argument `{name}`\n\n{USAGE}"),
        }
    }
    let target = target.context("`cargo xtask fuzz` needs a TARGET, `all` or `--list`")?;
    Ok(FuzzArgs::Run { target, secs })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> anyhow::Result<Command> {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&args)
    }

    #[test]
    fn parses_every_command() {
        assert_eq!(parse_str("").unwrap(), Command::Help);
        assert_eq!(parse_str("ci").unwrap(), Command::Ci);
        assert_eq!(parse_str("tidy").unwrap(), Command::Tidy);
        assert_eq!(
            parse_str("bench").unwrap(),
            Command::Bench(BenchArgs { filter: None })
        );
        assert_eq!(
            parse_str("bench layer/update").unwrap(),
            Command::Bench(BenchArgs {
                filter: Some("layer/update".to_owned())
            })
        );
        assert_eq!(
            parse_str("fuzz --list").unwrap(),
            Command::Fuzz(FuzzArgs::List)
        );
        assert_eq!(
            parse_str("fuzz route --secs 30").unwrap(),
            Command::Fuzz(FuzzArgs::Run {
                target: "route".to_owned(),
                secs: 30
            })
        );
        assert_eq!(
            parse_str("fuzz --secs 5 all").unwrap(),
            Command::Fuzz(FuzzArgs::Run {
                target: "all".to_owned(),
                secs: 5
            })
        );
        assert_eq!(
            parse_str("fuzz auth_basic").unwrap(),
            Command::Fuzz(FuzzArgs::Run {
                target: "auth_basic".to_owned(),
                secs: DEFAULT_FUZZ_SECS
            })
        );
    }

    #[test]
    fn rejects_bad_command_lines() {
        for line in [
            "deploy",
            "ci now",
            "bench --compare",
            "fuzz",
            "fuzz route --secs",
            "fuzz route --secs ten",
            "fuzz route image_json",
            "fuzz --fast route",
        ] {
            assert!(
                parse_str(line).is_err(),
                "`cargo xtask {line}` should be rejected"
            );
        }
    }
}
