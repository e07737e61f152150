//! Docker Registry v1 and Index v1 protocol model: ids, names, image JSON, routes, errors,
//! and the push and pull sequences as state machines. This crate performs no I/O.

// Owned by the model "types and routes" work: ids, names, bodies, routes, errors.
// (Modules are added here as they are written.)

// Owned by the model "sessions" work: the engine progress stream and the push/pull machines.
pub mod progress;
pub mod pull;
pub mod push;
