//! Public-API tests of berth-auth: golden values from the v1 spec, round trips, properties.
//!
//! One test binary with one module per concept, to keep link times down.

mod authorization;
mod basic;
mod challenge;
mod config;
mod no_panic;
mod redaction;
mod registry_auth;
mod signer;
mod token;
