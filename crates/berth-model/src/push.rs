//! TODO: push.
