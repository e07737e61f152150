//! Streaming layer digests: gzip, tar, TarSum v0/v1/dev, payload checksum, sha256; no I/O
