//! Black-box HTTP tests: a real server on 127.0.0.1:0 per test, spoken to with ureq.
//!
//! The checklist is tests.md sections A–D and M (docker-registry's suite), the docker 1.x push
//! and pull flows of flows.md, and the error paths of the access rules.

mod common;
mod flow;
mod images;
mod index;
mod robustness;
mod roles;
mod tags;
