//! HTTP Basic, Docker v1 tokens, X-Registry-Auth and docker config.json credentials; no I/O
