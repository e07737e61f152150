//! Berth client: the I/O adapter that drives the `berth-model` push and pull state machines over
//! HTTP, reads `docker save` archives and writes `docker load` archives, and stores credentials in
//! a docker `config.json`.
//!
//! The protocol decisions (which request comes next, what a status code means) live in
//! `berth-model`; this crate executes requests with ureq, streams layers from and to disk while
//! `berth-layer` digests the exact bytes on the wire, and reports progress through
//! [`progress::Progress`].

pub mod archive;
pub mod cache;
pub mod credentials;
pub mod progress;
pub mod pull;
pub mod push;
pub mod reference;
pub mod session;
pub mod transport;

pub use session::{Client, Inspection, LoginOutcome};
pub mod cli;
