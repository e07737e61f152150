//! TODO: progress.
