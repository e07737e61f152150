//! `cargo xtask ci`: every check CI runs, in order, failing fast.
//!
//! The order is chosen for a cold target directory on two cores: cheap checks first, then the
//! `check`-profile builds (clippy, rustdoc), then the test-profile builds (doc tests, bench and
//! fuzz compile checks), and the test run last, so that its summary closes the output.
//! Nothing here builds in the release profile.

use std::process::Command;

use anyhow::Context;

use crate::util::{self, Stopwatch, cargo};

/// One CI step: a name for the log and what to run.
struct Step {
    name: &'static str,
    action: Action,
}

enum Action {
    /// Run an external command.
    Command(Command),
    /// Run the tidy checks in this process.
    Tidy,
}

/// Runs every step, printing each step's name and elapsed time; stops at the first failure.
pub(crate) fn run() -> anyhow::Result<()> {
    let total = Stopwatch::start();
    let steps = steps();
    let count = steps.len();
    for (index, step) in steps.into_iter().enumerate() {
        let number = index + 1;
        let what = match &step.action {
            Action::Command(command) => util::display(command),
            Action::Tidy => "cargo xtask tidy".to_owned(),
        };
        eprintln!("\n==> [{number}/{count}] {}: {what}", step.name);
        let watch = Stopwatch::start();
        let result = match step.action {
            Action::Command(mut command) => util::run(&mut command),
            Action::Tidy => crate::tidy::run(&util::project_root()),
        };
        let secs = watch.secs();
        result.with_context(|| {
            format!(
                "ci step {number}/{count} `{}` failed after {secs:.1}s (total {:.1}s); \
                 rerun it alone with: {what}",
                step.name,
                total.secs()
            )
        })?;
        eprintln!("==> [{number}/{count}] {}: ok in {secs:.1}s", step.name);
    }
    eprintln!("xtask ci: all {count} steps ok in {:.1}s", total.secs());
    Ok(())
}

fn steps() -> Vec<Step> {
    let mut steps = vec![
        Step {
            name: "fmt",
            action: Action::Command(cargo(["fmt", "--all", "--check"])),
        },
        // The cargo-fuzz crate is outside the workspace, so `--all` does not reach it.
        Step {
            name: "fmt fuzz targets",
            action: Action::Command(cargo([
                "fmt",
                "--manifest-path",
                "fuzz/Cargo.toml",
                "--check",
            ])),
        },
        Step {
            name: "tidy",
            action: Action::Tidy,
        },
        Step {
            name: "clippy",
            action: Action::Command(cargo([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])),
        },
        Step {
            name: "rustdoc",
            action: Action::Command({
                let mut command = cargo(["doc", "--workspace", "--no-deps"]);
                command.env("RUSTDOCFLAGS", "-D warnings");
                command
            }),
        },
        Step {
            name: "doc tests",
            action: Action::Command(cargo(["test", "--workspace", "--doc"])),
        },
        // Benches are compiled in the test profile, which shares every artifact with the test
        // build below; `cargo bench --no-run` would compile the whole dependency tree a second
        // time with optimisations, which two cores cannot afford in CI. Clippy has already
        // type-checked them with `--all-targets`; this adds the link.
        Step {
            name: "benches compile",
            action: Action::Command(cargo(["test", "--workspace", "--benches", "--no-run"])),
        },
        // The cargo-fuzz crate is excluded from the workspace; type-check its targets on stable
        // without libFuzzer (whose C++ build is only needed to actually fuzz). It shares the
        // workspace target directory so dependencies are not checked twice.
        Step {
            name: "fuzz targets check",
            action: Action::Command({
                let root = util::project_root();
                let mut command = cargo([
                    "check",
                    "--manifest-path",
                    "fuzz/Cargo.toml",
                    "--no-default-features",
                    "--bins",
                ]);
                command.env("CARGO_TARGET_DIR", root.join("target"));
                command
            }),
        },
    ];
    steps.push(Step {
        name: "tests",
        action: Action::Command(test_command()),
    });
    steps
}

/// The workspace test run: nextest when installed, else `cargo test`.
///
/// `--workspace` matters: the root manifest's `default-members` leaves out `xtask`, whose tests
/// enforce the tidy invariants. The `berth-fuzz` replay tests run here too.
fn test_command() -> Command {
    let has_nextest = cargo(["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if has_nextest {
        cargo(["nextest", "run", "--workspace", "--no-fail-fast"])
    } else {
        cargo(["test", "--workspace", "--no-fail-fast"])
    }
}
