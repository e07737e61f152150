//! Berth server.
