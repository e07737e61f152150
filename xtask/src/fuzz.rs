//! `cargo xtask fuzz`: runs the cargo-fuzz targets in `fuzz/` on the stable toolchain.
//!
//! cargo-fuzz needs nightly-only compiler flags (`-Zsanitizer=address`); only stable is
//! installed, so the build runs with `RUSTC_BOOTSTRAP=1`. The committed seeds in
//! `fuzz/corpus/<target>/` are copied into the git-ignored `fuzz/work-corpus/<target>/`, which
//! libFuzzer grows; crashes land in `fuzz/artifacts/<target>/` (also git-ignored).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::flags::FuzzArgs;
use crate::util::{self, Stopwatch, cargo};

/// Runs `cargo xtask fuzz` with parsed arguments.
pub(crate) fn run(args: &FuzzArgs) -> anyhow::Result<()> {
    let fuzz_dir = util::project_root().join("fuzz");
    let targets = list_targets(&fuzz_dir)?;
    match args {
        FuzzArgs::List => {
            for target in &targets {
                println!("{target}");
            }
            Ok(())
        }
        FuzzArgs::Run { target, secs } => {
            let chosen: Vec<&String> = if target == "all" {
                targets.iter().collect()
            } else if targets.contains(target) {
                vec![target]
            } else {
                bail!(
                    "no fuzz target `{target}`; the targets are: {}",
                    targets.join(", ")
                );
            };
            ensure_cargo_fuzz()?;
            for target in chosen {
                run_target(&fuzz_dir, target, *secs)?;
            }
            Ok(())
        }
    }
}

/// The target names: the file stems in `fuzz/fuzz_targets/`.
fn list_targets(fuzz_dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = fuzz_dir.join("fuzz_targets");
    let mut targets = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("could not list {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            if let Some(stem) = path.file_stem() {
                targets.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    targets.sort();
    Ok(targets)
}

/// Installs cargo-fuzz with `cargo install --locked` when `cargo fuzz` is not available.
fn ensure_cargo_fuzz() -> anyhow::Result<()> {
    let installed = cargo(["fuzz", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        eprintln!("==> cargo-fuzz is missing; installing it (takes a few minutes once)");
        util::run(&mut cargo(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}

/// Fuzzes one target for `secs` seconds.
fn run_target(fuzz_dir: &Path, target: &str, secs: u64) -> anyhow::Result<()> {
    let work = prepare_work_corpus(fuzz_dir, target)?;
    let mut command = cargo(["fuzz", "run", target]);
    command
        .arg(&work)
        .args(["--", &format!("-max_total_time={secs}")])
        .current_dir(fuzz_dir)
        .env("RUSTC_BOOTSTRAP", "1");
    eprintln!(
        "==> fuzzing `{target}` for {secs}s: {}",
        util::display(&command)
    );
    let watch = Stopwatch::start();
    util::run(&mut command).with_context(|| {
        format!(
            "fuzz target `{target}` failed: either the build failed (see above) or libFuzzer \
             found a crash, saved in fuzz/artifacts/{target}/ (replay it with \
             `RUSTC_BOOTSTRAP=1 cargo fuzz run {target} <file>` in fuzz/)"
        )
    })?;
    eprintln!("==> `{target}` ran clean for {:.0}s", watch.secs());
    Ok(())
}

/// Copies the committed seeds of `target` into its work corpus and returns the work directory.
fn prepare_work_corpus(fuzz_dir: &Path, target: &str) -> anyhow::Result<PathBuf> {
    let seeds = fuzz_dir.join("corpus").join(target);
    let work = fuzz_dir.join("work-corpus").join(target);
    fs::create_dir_all(&work).with_context(|| format!("could not create {}", work.display()))?;
    if seeds.exists() {
        for entry in fs::read_dir(&seeds)? {
            let path = entry?.path();
            if path.is_file() {
                let name = path.file_name().context("seed without a name")?;
                fs::copy(&path, work.join(name))
                    .with_context(|| format!("could not copy {}", path.display()))?;
            }
        }
    }
    Ok(work)
}
