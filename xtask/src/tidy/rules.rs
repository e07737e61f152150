//! The tidy rules as pure functions over file contents, so that each can be shown to fail.
//!
//! Every function returns a list of problems, each a full sentence starting with a location.

/// The crates that form the protocol core and must do no I/O.
///
/// `berth-sha256x` is the multi-lane SHA-256 kernel under `berth-layer`: pure computation, so it
/// is held to the same rules as the crate that uses it.
pub(crate) const CORE_CRATES: [&str; 4] =
    ["berth-auth", "berth-model", "berth-layer", "berth-sha256x"];

/// The only crates a core crate may list under `[dependencies]`.
pub(crate) const CORE_ALLOWED_DEPS: [&str; 15] = [
    "berth-auth",
    "berth-sha256x",
    "bytes",
    "http",
    "serde",
    "serde_json",
    "base64",
    "sha2",
    "hmac",
    "subtle",
    "flate2",
    "memchr",
    "percent-encoding",
    "thiserror",
    "nom",
];

/// Dependencies that are allowed for core crates in general but not for one of them.
const CORE_FORBIDDEN_DEPS: [(&str, &str, &str); 5] = [
    (
        "berth-layer",
        "http",
        "`berth-layer` knows nothing about HTTP",
    ),
    (
        "berth-layer",
        "berth-auth",
        "`berth-layer` depends on no other Berth crate but its hashing kernel `berth-sha256x`",
    ),
    (
        "berth-auth",
        "berth-sha256x",
        "only `berth-layer` hashes layers",
    ),
    (
        "berth-model",
        "berth-sha256x",
        "only `berth-layer` hashes layers",
    ),
    (
        "berth-sha256x",
        "berth-auth",
        "`berth-sha256x` is a hashing kernel and knows no protocol",
    ),
];

/// Paths that mean I/O, clocks, threads or randomness when they appear in core source code.
pub(crate) const CORE_FORBIDDEN_PATHS: [&str; 8] = [
    "std::fs",
    "std::net",
    "std::process",
    "std::thread",
    "tokio",
    "SystemTime::now",
    "Instant::now",
    "rand::",
];

/// The `std` modules that `use std::{...}` groups must not name in core source code.
const CORE_FORBIDDEN_STD_MODULES: [&str; 4] = ["fs", "net", "process", "thread"];

/// Checks the `[dependencies]` of core crate `krate`, whose manifest is at `path`.
pub(crate) fn check_core_manifest(krate: &str, path: &str, manifest: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for dep in normal_dependencies(manifest) {
        for name in [Some(dep.key.as_str()), dep.package.as_deref()]
            .into_iter()
            .flatten()
        {
            if !CORE_ALLOWED_DEPS.contains(&name) {
                problems.push(format!(
                    "{path}:{}: `{name}` is not an allowed dependency of the core crate `{krate}`; \
                     core crates do no I/O and may only depend on: {}",
                    dep.line,
                    CORE_ALLOWED_DEPS.join(", ")
                ));
            }
            for (owner, forbidden, reason) in CORE_FORBIDDEN_DEPS {
                if owner == krate && forbidden == name {
                    problems.push(format!(
                        "{path}:{}: `{krate}` must not depend on `{name}`: {reason}",
                        dep.line
                    ));
                }
            }
        }
    }
    problems
}

/// One entry of a `[dependencies]` table.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Dependency {
    /// The 1-based line of the entry.
    pub(crate) line: usize,
    /// The name the manifest uses.
    pub(crate) key: String,
    /// The real crate name when renamed with `package = "..."`.
    pub(crate) package: Option<String>,
}

/// The entries of `[dependencies]`, `[target.*.dependencies]` and `[dependencies.NAME]` tables.
///
/// This is a line-based reading of TOML that covers how Cargo manifests are written in practice
/// (one entry per line, inline tables on one line); dev- and build-dependencies are not included.
pub(crate) fn normal_dependencies(manifest: &str) -> Vec<Dependency> {
    enum Section {
        Other,
        /// Inside a dependency list.
        List,
        /// Inside `[dependencies.NAME]`; the index of that entry in `deps`.
        Table(usize),
    }
    let mut deps: Vec<Dependency> = Vec::new();
    let mut section = Section::Other;
    for (index, raw) in manifest.lines().enumerate() {
        let line = strip_comment(raw).trim();
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']').trim();
            let parts: Vec<&str> = header
                .split('.')
                .map(|p| p.trim().trim_matches('"'))
                .collect();
            section = match parts.as_slice() {
                ["dependencies"] => Section::List,
                ["target", .., "dependencies"] => Section::List,
                ["dependencies", name] | ["target", .., "dependencies", name] => {
                    deps.push(Dependency {
                        line: index + 1,
                        key: (*name).to_owned(),
                        package: None,
                    });
                    Section::Table(deps.len() - 1)
                }
                _ => Section::Other,
            };
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match section {
            Section::Other => {}
            Section::List => {
                let key = key
                    .split('.')
                    .next()
                    .unwrap_or(key)
                    .trim()
                    .trim_matches('"');
                deps.push(Dependency {
                    line: index + 1,
                    key: key.to_owned(),
                    package: inline_package(value),
                });
            }
            Section::Table(entry) => {
                if key.trim() == "package" {
                    deps[entry].package = Some(value.trim().trim_matches('"').to_owned());
                }
            }
        }
    }
    deps
}

/// The `package = "..."` of an inline table value, if any.
fn inline_package(value: &str) -> Option<String> {
    let inner = value.trim().strip_prefix('{')?.strip_suffix('}')?;
    inner.split(',').find_map(|field| {
        let (key, value) = field.split_once('=')?;
        (key.trim() == "package").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// `line` without a trailing `# comment` (a `#` inside a string is kept).
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    for (pos, ch) in line.char_indices() {
        match ch {
            '"' => in_string = !in_string,
            '#' if !in_string => return &line[..pos],
            _ => {}
        }
    }
    line
}

/// Checks one source file of a core crate for paths that mean I/O, clocks, threads or randomness.
///
/// Lines whose first non-blank characters are `//` (comments and doc comments) are skipped, so
/// documentation may say "this crate never touches std::fs".
pub(crate) fn check_core_source(path: &str, source: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut squashed = String::new();
    let mut squashed_lines = Vec::new();
    for (index, line) in source.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for pattern in CORE_FORBIDDEN_PATHS {
            if find_path(line, pattern).is_some() {
                problems.push(format!(
                    "{path}:{}: core crates do no I/O, but this line uses `{pattern}`; \
                     take time, randomness and data as parameters instead",
                    index + 1
                ));
            }
        }
        // Keep the code with every run of whitespace (line breaks included) as one space.
        for ch in line.chars().chain([' ']) {
            if ch.is_whitespace() && (squashed.is_empty() || squashed.ends_with(' ')) {
                continue;
            }
            squashed.push(if ch.is_whitespace() { ' ' } else { ch });
            squashed_lines.resize(squashed.len(), index + 1);
        }
    }
    // `use std::{fs, io};` and its multi-line forms hide `std::fs` from the line check above.
    let mut from = 0;
    while let Some(found) = find_path(&squashed[from..], "std::{") {
        let start = from + found + "std::{".len();
        for module in top_level_items(&squashed[start..]) {
            let first = module
                .trim()
                .split([':', '{', ' '])
                .next()
                .unwrap_or_default();
            if CORE_FORBIDDEN_STD_MODULES.contains(&first) {
                problems.push(format!(
                    "{path}:{}: core crates do no I/O, but this `use std::{{..}}` imports `std::{first}`",
                    squashed_lines[start - 1]
                ));
            }
        }
        from = start;
    }
    problems
}

/// The byte offset of `pattern` in `line` where it is not the tail of a longer identifier.
fn find_path(line: &str, pattern: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = line[from..].find(pattern) {
        let at = from + found;
        let before = line[..at].chars().next_back();
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return Some(at);
        }
        from = at + pattern.len();
    }
    None
}

/// The comma-separated items of a brace group, `text` starting just after its `{`.
fn top_level_items(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (pos, ch) in text.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&text[start..pos]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..pos]);
                start = pos + 1;
            }
            _ => {}
        }
    }
    items.retain(|item| !item.trim().is_empty());
    items
}

/// Checks that each of `files` (paths relative to `testdata/`) is listed in `readme`.
///
/// A file is listed when its relative path appears in the README, or when one of its parent
/// directories appears with a trailing slash (`layer/empty/`), which covers every file in it.
pub(crate) fn check_testdata_listed(files: &[String], readme: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for file in files {
        if file == "README.md" {
            continue;
        }
        let mut listed = mentions(readme, file);
        let mut dir = file.as_str();
        while let Some((parent, _)) = dir.rsplit_once('/') {
            listed |= mentions(readme, &format!("{parent}/"));
            dir = parent;
        }
        if !listed {
            problems.push(format!(
                "testdata/{file}: not listed in testdata/README.md; add a line saying where it comes from"
            ));
        }
    }
    problems
}

/// Whether `text` contains `path` as a whole path (not as part of a longer one).
fn mentions(text: &str, path: &str) -> bool {
    let is_path_char = |c: char| c.is_alphanumeric() || "_-./".contains(c);
    let mut from = 0;
    while let Some(found) = text[from..].find(path) {
        let at = from + found;
        let end = at + path.len();
        let before_ok = !text[..at].chars().next_back().is_some_and(is_path_char);
        let after = text[end..].chars().next();
        // A sentence may end right after a path: `see layer/a.tar.` is still a mention.
        let after_ok = match after {
            None => true,
            Some('.') => !text[end + 1..].chars().next().is_some_and(is_path_char),
            Some(c) => !is_path_char(c),
        };
        if before_ok && after_ok {
            return true;
        }
        from = end;
    }
    false
}

/// Checks one text file for spaces or tabs at the end of a line.
pub(crate) fn check_trailing_whitespace(path: &str, text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.ends_with([' ', '\t']))
        .map(|(index, _)| format!("{path}:{}: trailing whitespace", index + 1))
        .collect()
}

/// Checks that a crate root (`lib.rs` or `main.rs`) opens with crate documentation.
pub(crate) fn check_crate_docs(path: &str, source: &str) -> Vec<String> {
    let first = source.lines().map(str::trim).find(|line| !line.is_empty());
    match first {
        Some(line) if line.starts_with("//!") || line.starts_with("#![doc") => Vec::new(),
        _ => vec![format!(
            "{path}:1: a crate root must open with `//!` documentation"
        )],
    }
}

/// What the tidy runner found about one fuzz target name.
#[derive(Debug, Default)]
pub(crate) struct FuzzTarget {
    /// `fuzz/fuzz_targets/<name>.rs` exists.
    pub(crate) has_target_file: bool,
    /// `fuzz/Cargo.toml` has a `[[bin]]` named after it.
    pub(crate) has_bin: bool,
    /// The number of `seed-*` files in `fuzz/corpus/<name>/`.
    pub(crate) seeds: usize,
    /// `crates/berth-fuzz/src` defines `pub fn <name>(`.
    pub(crate) has_body: bool,
}

/// Checks that every fuzz target has its file, its `[[bin]]`, seeds and a body in `berth-fuzz`.
pub(crate) fn check_fuzz_targets(targets: &[(String, FuzzTarget)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, target) in targets {
        if !target.has_target_file {
            problems.push(format!(
                "fuzz/fuzz_targets/{name}.rs: missing, but `{name}` is named elsewhere in fuzz/"
            ));
        }
        if !target.has_bin {
            problems.push(format!("fuzz/Cargo.toml: no `[[bin]]` named `{name}`"));
        }
        if target.seeds == 0 {
            problems.push(format!(
                "fuzz/corpus/{name}/: no `seed-*` file for the fuzz target `{name}`"
            ));
        }
        if !target.has_body {
            problems.push(format!("crates/berth-fuzz/src: no `pub fn {name}(data: &[u8])` for the fuzz target `{name}`"));
        }
    }
    problems
}
