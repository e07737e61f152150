//! `cargo xtask tidy`: repository invariants that the compiler does not check.
//!
//! The same checks run as `#[test]`s below, so `cargo test --workspace` (and CI) enforce them:
//!
//! 1. The core crates (`berth-auth`, `berth-model`, `berth-layer`) do no I/O: their
//!    `[dependencies]` stay within an allow-list and their `src/` names no I/O, clock, thread or
//!    randomness API (`core_crates_do_no_io`).
//! 2. Every file under `testdata/` is listed in `testdata/README.md` (`testdata_is_listed`).
//! 3. No tracked `.rs`, `.md` or `.toml` file has trailing whitespace (`no_trailing_whitespace`).
//! 4. Every crate root opens with `//!` documentation (`crate_roots_have_docs`).
//! 5. Every fuzz target has a target file, a `[[bin]]`, seeds and a body in `berth-fuzz`
//!    (`fuzz_targets_are_complete`).

mod rules;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::util::{relative, walk_files};

/// Runs every check and fails with the list of problems, if any.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    problems.extend(core_io_problems(root)?);
    problems.extend(testdata_problems(root)?);
    problems.extend(whitespace_problems(root)?);
    problems.extend(crate_doc_problems(root)?);
    problems.extend(fuzz_target_problems(root)?);
    fail_on(problems)
}

fn fail_on(problems: Vec<String>) -> anyhow::Result<()> {
    if problems.is_empty() {
        eprintln!("tidy: all checks passed");
        return Ok(());
    }
    let mut message = format!("tidy found {} problem(s):\n", problems.len());
    for problem in &problems {
        message.push_str("  ");
        message.push_str(problem);
        message.push('\n');
    }
    bail!(message)
}

fn read(path: &Path) -> anyhow::Result<String> {
    fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))
}

/// Check 1: the no-I/O invariant of the core crates.
fn core_io_problems(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for krate in rules::CORE_CRATES {
        let dir = root.join("crates").join(krate);
        let manifest = dir.join("Cargo.toml");
        problems.extend(rules::check_core_manifest(
            krate,
            &relative(&manifest, root),
            &read(&manifest)?,
        ));
        let src = dir.join("src");
        for file in walk_files(&src, &|_| false)? {
            if file.extension().is_some_and(|ext| ext == "rs") {
                problems.extend(rules::check_core_source(
                    &relative(&file, root),
                    &read(&file)?,
                ));
            }
        }
    }
    Ok(problems)
}

/// Check 2: testdata provenance.
fn testdata_problems(root: &Path) -> anyhow::Result<Vec<String>> {
    let dir = root.join("testdata");
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let files: Vec<String> = walk_files(&dir, &|_| false)?
        .iter()
        .map(|f| relative(f, &dir))
        .collect();
    let readme_path = dir.join("README.md");
    let readme = if readme_path.exists() {
        read(&readme_path)?
    } else {
        String::new()
    };
    Ok(rules::check_testdata_listed(&files, &readme))
}

/// Check 3: trailing whitespace in tracked text files.
fn whitespace_problems(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for file in tracked_files(root)? {
        let checked = [".rs", ".md", ".toml"]
            .iter()
            .any(|ext| file.ends_with(ext));
        let path = root.join(&file);
        // A tracked file deleted in the work tree is not this check's business.
        if checked && path.is_file() {
            problems.extend(rules::check_trailing_whitespace(&file, &read(&path)?));
        }
    }
    Ok(problems)
}

/// The files git tracks, relative to the root; every file outside build output without git.
fn tracked_files(root: &Path) -> anyhow::Result<Vec<String>> {
    let output = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output();
    if let Ok(output) = output {
        if output.status.success() {
            let list =
                String::from_utf8(output.stdout).context("`git ls-files` printed non-UTF-8")?;
            return Ok(list
                .split('\0')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect());
        }
    }
    let skip = |dir: &Path| {
        let name = dir.file_name().unwrap_or_default();
        name == "target" || name == ".git" || name == "berth-data"
    };
    Ok(walk_files(root, &skip)?
        .iter()
        .map(|f| relative(f, root))
        .collect())
}

/// Check 4: crate documentation.
fn crate_doc_problems(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut roots = vec![root.join("xtask/src/main.rs")];
    for entry in fs::read_dir(root.join("crates"))? {
        let src = entry?.path().join("src");
        roots.extend(
            ["lib.rs", "main.rs"]
                .iter()
                .map(|f| src.join(f))
                .filter(|f| f.exists()),
        );
    }
    let mut problems = Vec::new();
    for file in roots {
        problems.extend(rules::check_crate_docs(
            &relative(&file, root),
            &read(&file)?,
        ));
    }
    Ok(problems)
}

/// Check 5: fuzz targets are complete.
fn fuzz_target_problems(root: &Path) -> anyhow::Result<Vec<String>> {
    let fuzz = root.join("fuzz");
    if !fuzz.join("Cargo.toml").exists() {
        return Ok(Vec::new());
    }
    let mut targets: BTreeMap<String, rules::FuzzTarget> = BTreeMap::new();
    for file in walk_files(&fuzz.join("fuzz_targets"), &|_| false)? {
        if let Some(name) = file.file_stem().and_then(|s| s.to_str()) {
            targets.entry(name.to_owned()).or_default().has_target_file = true;
        }
    }
    let mut in_bin = false;
    for line in read(&fuzz.join("Cargo.toml"))?.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if let Some(value) = line.strip_prefix("name").filter(|_| in_bin) {
            let name = value.trim_start_matches([' ', '=']).trim_matches('"');
            targets.entry(name.to_owned()).or_default().has_bin = true;
        }
    }
    let corpus = fuzz.join("corpus");
    if corpus.exists() {
        for entry in fs::read_dir(&corpus)? {
            let dir = entry?.path();
            let name = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let seeds = fs::read_dir(&dir)?
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("seed-"))
                })
                .count();
            targets.entry(name).or_default().seeds = seeds;
        }
    }
    let mut bodies = String::new();
    for file in walk_files(&root.join("crates/berth-fuzz/src"), &|_| false)? {
        bodies.push_str(&read(&file)?);
    }
    for (name, target) in &mut targets {
        target.has_body = bodies.contains(&format!("pub fn {name}("));
    }
    Ok(rules::check_fuzz_targets(
        &targets.into_iter().collect::<Vec<_>>(),
    ))
}

#[cfg(test)]
mod tests;
