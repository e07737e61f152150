//! Project automation for Berth, run as `cargo xtask <command>` (see `.cargo/config.toml`).
//!
//! Commands:
//!
//! ```text
//! cargo xtask ci                    fmt, tidy, clippy, docs, doc tests, bench and fuzz compile, tests
//! cargo xtask tidy                  repository invariants (also run as `#[test]`s of this crate)
//! cargo xtask bench [FILTER]        criterion benches, with a MB/s summary
//! cargo xtask fuzz --list           list the fuzz targets
//! cargo xtask fuzz TARGET --secs N  run one cargo-fuzz target for N seconds
//! cargo xtask fuzz all --secs N     run every target in turn, N seconds each
//! ```
//!
//! The crate depends on `anyhow` only, so that it builds in a few seconds.

mod bench;
mod ci;
mod flags;
mod fuzz;
mod tidy;
mod util;

use std::process::ExitCode;

use flags::Command;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = flags::parse(&args).and_then(|command| match command {
        Command::Help => {
            print!("{}", flags::USAGE);
            Ok(())
        }
        Command::Ci => ci::run(),
        Command::Tidy => tidy::run(&util::project_root()),
        Command::Bench(args) => bench::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
