//! TODO: pull.
