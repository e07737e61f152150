//! Runs every fuzz body over every committed seed (`fuzz/corpus/<target>/`) and over every file
//! in `testdata/`, so the fuzz invariants are checked on stable in CI.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use berth_fuzz::{Body, TARGETS};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file below `dir`, sorted; none if `dir` does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("readable directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Runs `body` on the file at `path`, returning a description of the panic if there is one.
fn replay(name: &str, body: Body, path: &Path) -> Option<String> {
    let data = fs::read(path).expect("readable seed");
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&data)));
    outcome.err().map(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        format!("{name} on {}: {message}", path.display())
    })
}

#[test]
fn every_target_has_seeds_and_every_seed_directory_a_target() {
    let corpus = root().join("fuzz/corpus");
    for (name, _) in TARGETS {
        let seeds = files(&corpus.join(name));
        assert!(!seeds.is_empty(), "fuzz/corpus/{name}/ has no seeds");
        for seed in seeds {
            let file = seed.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                file.starts_with("seed-"),
                "{}: seeds are named seed-*",
                seed.display()
            );
            let len = fs::metadata(&seed).unwrap().len();
            assert!(
                len <= 16 * 1024,
                "{}: {len} bytes; keep seeds under 16 KiB",
                seed.display()
            );
        }
    }
    for entry in fs::read_dir(&corpus).expect("fuzz/corpus exists") {
        let dir = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            TARGETS.iter().any(|(name, _)| *name == dir),
            "fuzz/corpus/{dir}/ belongs to no target in berth_fuzz::TARGETS"
        );
    }
}

#[test]
fn bodies_hold_on_their_seeds() {
    let corpus = root().join("fuzz/corpus");
    let mut failures = Vec::new();
    let mut runs = 0;
    for (name, body) in TARGETS {
        for seed in files(&corpus.join(name)) {
            runs += 1;
            failures.extend(replay(name, *body, &seed));
        }
    }
    assert!(runs >= TARGETS.len(), "only {runs} seeds replayed");
    assert!(
        failures.is_empty(),
        "fuzz invariants broken:\n{}",
        failures.join("\n")
    );
}

#[test]
fn bodies_hold_on_testdata() {
    // Every body must hold on any input, so every test vector is fed to every body: the layer
    // tarballs exercise `layer_engine`, the header and JSON vectors the parsers.
    // Large files (benchmark inputs) are left to the benches: each body runs several chunkings.
    let mut failures = Vec::new();
    for file in files(&root().join("testdata")) {
        if fs::metadata(&file).expect("readable test vector").len() > 256 * 1024 {
            continue;
        }
        for (name, body) in TARGETS {
            failures.extend(replay(name, *body, &file));
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz invariants broken:\n{}",
        failures.join("\n")
    );
}
