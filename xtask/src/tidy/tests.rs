//! The tidy checks as tests: first over this repository, then over bad inputs to show each rule
//! can fail.

use super::*;
use crate::util::project_root;

// The repository itself.

#[test]
fn core_crates_do_no_io() {
    fail_on(core_io_problems(&project_root()).unwrap()).unwrap();
}

#[test]
fn testdata_is_listed() {
    fail_on(testdata_problems(&project_root()).unwrap()).unwrap();
}

#[test]
fn no_trailing_whitespace() {
    fail_on(whitespace_problems(&project_root()).unwrap()).unwrap();
}

#[test]
fn crate_roots_have_docs() {
    fail_on(crate_doc_problems(&project_root()).unwrap()).unwrap();
}

#[test]
fn fuzz_targets_are_complete() {
    fail_on(fuzz_target_problems(&project_root()).unwrap()).unwrap();
}

// Each rule rejects a bad input.

const GOOD_MANIFEST: &str = r#"
[package]
name = "berth-model"
version.workspace = true

[dependencies]
berth-auth.workspace = true
bytes = { workspace = true }
http = "1" # Vocabulary types only.
"serde_json".workspace = true

[dev-dependencies]
tokio.workspace = true
proptest.workspace = true

[build-dependencies]
cc = "1"
"#;

#[test]
fn manifest_within_allow_list_passes() {
    assert_eq!(
        rules::check_core_manifest("berth-model", "Cargo.toml", GOOD_MANIFEST),
        Vec::<String>::new()
    );
    let keys: Vec<String> = rules::normal_dependencies(GOOD_MANIFEST)
        .into_iter()
        .map(|d| d.key)
        .collect();
    assert_eq!(keys, ["berth-auth", "bytes", "http", "serde_json"]);
}

#[test]
fn manifest_with_tokio_is_rejected() {
    let bad = GOOD_MANIFEST.replace(
        "[dev-dependencies]\n",
        "tokio.workspace = true\n\n[dev-dependencies]\n",
    );
    let problems = rules::check_core_manifest("berth-model", "crates/berth-model/Cargo.toml", &bad);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .starts_with("crates/berth-model/Cargo.toml:12: `tokio` is not an allowed dependency"),
        "{problems:?}"
    );
    assert!(problems[0].contains("core crate `berth-model`"));
}

#[test]
fn manifest_renames_and_tables_are_seen() {
    let renamed = "[dependencies]\nbytes = { package = \"tokio\", version = \"1\" }\n";
    let problems = rules::check_core_manifest("berth-auth", "m", renamed);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("`tokio`"));

    let table = "[dependencies.rand]\nversion = \"0.9\"\n";
    let problems = rules::check_core_manifest("berth-auth", "m", table);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("m:1: `rand`"));

    let target = "[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n";
    assert_eq!(
        rules::check_core_manifest("berth-auth", "m", target).len(),
        1
    );
}

#[test]
fn layer_must_not_know_http() {
    let manifest = "[dependencies]\nhttp.workspace = true\nsha2.workspace = true\n";
    let problems = rules::check_core_manifest("berth-layer", "m", manifest);
    assert_eq!(
        problems,
        ["m:2: `berth-layer` must not depend on `http`: `berth-layer` knows nothing about HTTP"]
    );
    assert_eq!(
        rules::check_core_manifest("berth-model", "m", manifest),
        Vec::<String>::new()
    );
}

#[test]
fn model_is_not_allowed_in_auth() {
    let manifest = "[dependencies]\nberth-model.workspace = true\n";
    let problems = rules::check_core_manifest("berth-auth", "m", manifest);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("`berth-model` is not an allowed dependency"));
}

#[test]
fn core_source_with_io_is_rejected() {
    let source = "\
//! This crate never touches std::fs or tokio.
/// Returns the time; Instant::now() is never called here.
pub fn now(now: std::time::SystemTime) -> std::time::SystemTime { now }
fn read() { let _ = std::fs::read(\"x\"); }
fn clock() -> u64 { SystemTime::now().elapsed().unwrap().as_secs() }
async fn wait() { tokio::time::sleep(d).await; }
    // let _ = Instant::now();
fn random() -> u8 { rand::random() }
fn operand() { let _ = my_operand::x(); }
";
    let problems = rules::check_core_source("src/lib.rs", source);
    let lines: Vec<&str> = problems
        .iter()
        .map(|p| p.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "src/lib.rs:4",
            "src/lib.rs:5",
            "src/lib.rs:6",
            "src/lib.rs:8"
        ],
        "{problems:#?}"
    );
    assert!(problems[0].contains("`std::fs`"));
    assert!(problems[1].contains("`SystemTime::now`"));
    assert!(problems[2].contains("`tokio`"));
    assert!(problems[3].contains("`rand::`"));
}

#[test]
fn grouped_std_imports_are_rejected() {
    let source = "use std::{fmt, io};\nuse std::{\n    collections::HashMap,\n    net::TcpStream,\n};\nuse std::{thread as t, fs};\n";
    let problems = rules::check_core_source("a.rs", source);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].starts_with("a.rs:2:") && problems[0].contains("`std::net`"));
    assert!(problems[1].starts_with("a.rs:6:") && problems[1].contains("`std::thread`"));
    assert!(problems[2].starts_with("a.rs:6:") && problems[2].contains("`std::fs`"));
}

#[test]
fn unlisted_testdata_is_rejected() {
    let readme = "\
# testdata
- `auth/basic.txt`: the spec's example.
- `layer/empty/`: an empty tar and its digests, from `tar cf`.
- See auth/token.txt.
";
    let files: Vec<String> = [
        "README.md",
        "auth/basic.txt",
        "auth/token.txt",
        "layer/empty/layer.tar",
        "layer/empty/expected.json",
        "auth/basic.txt.orig",
        "layer/emptier/layer.tar",
        "basic.txt",
    ]
    .map(str::to_owned)
    .to_vec();
    let problems = rules::check_testdata_listed(&files, readme);
    assert_eq!(
        problems,
        [
            "testdata/auth/basic.txt.orig: not listed in testdata/README.md; add a line saying where it comes from",
            "testdata/layer/emptier/layer.tar: not listed in testdata/README.md; add a line saying where it comes from",
            "testdata/basic.txt: not listed in testdata/README.md; add a line saying where it comes from",
        ]
    );
}

#[test]
fn trailing_whitespace_is_rejected() {
    assert_eq!(
        rules::check_trailing_whitespace("a.md", "clean\nlines\n"),
        Vec::<String>::new()
    );
    assert_eq!(
        rules::check_trailing_whitespace("a.md", "ok\nspace \ntab\t\nok"),
        ["a.md:2: trailing whitespace", "a.md:3: trailing whitespace"]
    );
}

#[test]
fn undocumented_crate_root_is_rejected() {
    assert!(rules::check_crate_docs("lib.rs", "\n//! Docs.\nmod a;\n").is_empty());
    assert!(
        rules::check_crate_docs("lib.rs", "#![doc = include_str!(\"../README.md\")]\n").is_empty()
    );
    assert_eq!(
        rules::check_crate_docs("lib.rs", "mod a;\n"),
        ["lib.rs:1: a crate root must open with `//!` documentation"]
    );
}

#[test]
fn incomplete_fuzz_target_is_rejected() {
    let complete = rules::FuzzTarget {
        has_target_file: true,
        has_bin: true,
        seeds: 2,
        has_body: true,
    };
    let no_seeds = rules::FuzzTarget {
        seeds: 0,
        ..complete
    };
    let only_corpus = rules::FuzzTarget {
        seeds: 1,
        ..Default::default()
    };
    let problems = rules::check_fuzz_targets(&[
        ("route".to_owned(), complete),
        ("auth_basic".to_owned(), no_seeds),
        ("stale".to_owned(), only_corpus),
    ]);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].starts_with("fuzz/corpus/auth_basic/: no `seed-*` file"));
    assert!(problems[1].starts_with("fuzz/fuzz_targets/stale.rs: missing"));
}

#[test]
fn hashing_kernel_only_under_layer() {
    let manifest = "[dependencies]\nberth-sha256x.workspace = true\n";
    assert!(rules::check_core_manifest("berth-layer", "m", manifest).is_empty());
    let problems = rules::check_core_manifest("berth-model", "m", manifest);
    assert_eq!(
        problems,
        ["m:2: `berth-model` must not depend on `berth-sha256x`: only `berth-layer` hashes layers"]
    );
    let problems =
        rules::check_core_manifest("berth-sha256x", "m", "[dependencies]\ntokio = \"1\"\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
}
