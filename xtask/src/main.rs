//! Project automation for Berth, run as `cargo xtask <command>` (see `.cargo/config.toml`).
//!
//! Commands:
//!
//! ```text
//! cargo xtask ci                    fmt, tidy, clippy, docs, doc tests, bench and fuzz compile, tests
//! cargo xtask tidy                  repository invariants (also run as `#[test]`s of this crate)
//! cargo xtask bench [FILTER]        criterion benches, with a MB/s summary
//! cargo xtask bench --compare       the layer engine beside zcat | sha256sum, openssl, inflate,
//!                                   then a 1 GiB push and pull over loopback
//! cargo xtask fuzz --list           list the fuzz targets
//! cargo xtask fuzz TARGET --secs N  run one cargo-fuzz target for N seconds
//! cargo xtask fuzz all --secs N     run every target in turn, N seconds each
//! ```
//!
//! The crate depends on `anyhow` only, so that it builds in a few seconds.

mod bench;
mod ci;
mod compare;
mod flags;
mod fuzz;
mod pushpull;
mod tidy;
mod util;

use std::process::ExitCode;

use flags::Command;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `bench --compare [FLAGS]` has its own flags, parsed in `compare.rs`.
    if args.len() >= 2 && args[0] == "bench" && args[1] == "--compare" {
        return exit(compare::parse(&args[2..]).and_then(|a| compare::run(&a)));
    }
    exit(flags::parse(&args).and_then(|command| match command {
        Command::Help => {
            print!("{}", flags::USAGE);
            Ok(())
        }
        Command::Ci => ci::run(),
        Command::Tidy => tidy::run(&util::project_root()),
        Command::Bench(args) => bench::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
    }))
}

fn exit(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
