//! Fuzz bodies for Berth's parsers and streaming decoders.
//!
//! Each body is a plain function `pub fn <target>(data: &[u8])` that feeds arbitrary bytes to
//! one parser and asserts its invariants:
//!
//! * it never panics, whatever the input;
//! * where a parse succeeds, formatting the result and parsing it again gives the same value;
//! * streaming decoders give identical results however the input is split into chunks (the
//!   split points are derived from the data, see [`chunkings`]).
//!
//! The cargo-fuzz targets in `fuzz/fuzz_targets/` are one-liners calling these functions
//! (`cargo xtask fuzz TARGET --secs N`), and `tests/replay.rs` runs every body over the
//! committed seeds in `fuzz/corpus/` and over `testdata/`, so they also run on stable in CI.

mod auth;
mod chunks;
mod layer;
mod model;
mod progress;

pub use auth::{auth_basic, auth_token, auth_www_authenticate, docker_config, registry_auth};
pub use chunks::chunkings;
pub use layer::layer_engine;
pub use model::{image_json, route};
pub use progress::progress_stream;

/// A fuzz body: feeds arbitrary bytes to one parser and panics if an invariant breaks.
pub type Body = fn(&[u8]);

/// Every fuzz target, by the name of its cargo-fuzz target and seed directory.
pub const TARGETS: &[(&str, Body)] = &[
    ("auth_basic", auth_basic),
    ("auth_token", auth_token),
    ("auth_www_authenticate", auth_www_authenticate),
    ("registry_auth", registry_auth),
    ("docker_config", docker_config),
    ("image_json", image_json),
    ("route", route),
    ("progress_stream", progress_stream),
    ("layer_engine", layer_engine),
];
