//! Berth client.
