//! Credentials of the Docker Registry v1 / Docker Hub v1 protocols: HTTP Basic, Docker tokens,
//! `WWW-Authenticate` challenges, `X-Registry-Auth` and docker config files.
//!
//! This crate performs no I/O: it does not read files, open sockets, look at the clock or draw
//! random numbers.
//! Values come in as `&str` / `&[u8]` and go out as `String` / `Vec<u8>`; the current time is a
//! parameter (Unix seconds).
//!
//! # In scope
//!
//! * `Authorization: Basic …` — [`parse_basic`], [`encode_basic`], [`Credentials`];
//!   `Basic Og==` (docker when not logged in) is reported distinctly
//!   ([`AuthError::AnonymousBasic`], [`Authorization::Anonymous`]).
//! * Docker tokens `signature=…,repository="ns/repo",access=…` in `X-Docker-Token`,
//!   `Authorization: Token …` and `WWW-Authenticate: Token …` — [`DockerToken`],
//!   [`parse_docker_token`], [`parse_docker_tokens`], [`Access`].
//! * Issuing and checking tokens — [`TokenSigner`] (HMAC-SHA256, expiry inside the signature),
//!   [`TokenClaims::authorize`] (repository and method vs access, HEAD allowed for `read`).
//! * `WWW-Authenticate` — [`INDEX_CHALLENGE`], [`REGISTRY_CHALLENGE`], [`parse_challenges`].
//! * Classifying `Authorization` — [`parse_authorization`].
//! * `X-Registry-Auth` — [`RegistryAuth`], [`parse_registry_auth`].
//! * `~/.docker/config.json` and both legacy `~/.dockercfg` shapes — [`DockerConfig`].
//!
//! # Out of scope
//!
//! * Transport: sending requests, following redirects, choosing http or https.
//! * Storage: user databases, password hashing, the config file's path and 0600 mode.
//! * Calling the Index to validate a token (a registry adapter's job).
//! * Secret generation (signing keys come from the caller).
//!
//! # Secrets
//!
//! Passwords, signatures and `auth` strings are held in [`Secret`], which prints as `<redacted>`
//! and compares in constant time.
//! Every type holding one has a redacting `Debug`; the wire forms are produced only by explicit
//! methods (`to_header_value`, `to_authorization_value`, `to_json`, `to_vec`, [`Secret::expose`]).
//! [`AuthError`] messages never contain secrets.
//!
//! # Example
//!
//! An Index issues a token; a registry checks the `Authorization` header the client sends back.
//!
//! ```
//! use berth_auth::{Access, Authorization, TokenSigner, parse_authorization};
//!
//! let signer = TokenSigner::new(b"shared key of the index and the registry");
//! let now = 1_400_000_000;
//!
//! // Index: `PUT /v1/repositories/foo/bar/` answered with `X-Docker-Token: …`.
//! let token = signer.sign("foo/bar", Access::Write, now + 3600)?;
//! let x_docker_token = token.to_header_value();
//! assert!(x_docker_token.ends_with(r#",repository="foo/bar",access=write"#));
//!
//! // Client: `Authorization: Token ` + the X-Docker-Token values joined with ",".
//! let header = format!("Token {x_docker_token}");
//!
//! // Registry: `PUT /v1/repositories/foo/bar/tags/latest`.
//! let Authorization::Token(tokens) = parse_authorization(&header)? else {
//!     unreachable!("a Token header")
//! };
//! let claims = signer.verify(&tokens[0], now + 10)?;
//! claims.authorize("PUT", Some("foo/bar"))?;
//! assert!(claims.authorize("GET", Some("foo/bar")).is_err());
//! # Ok::<(), berth_auth::AuthError>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod authorization;
mod basic;
mod challenge;
mod config;
mod error;
pub mod gojson;
mod registry_auth;
mod scheme;
mod secret;
mod signer;
mod token;

pub use authorization::{Authorization, parse_authorization};
pub use basic::{Credentials, encode_basic, parse_basic};
pub use challenge::{Challenge, INDEX_CHALLENGE, REGISTRY_CHALLENGE, parse_challenges};
pub use config::{ConfigFormat, DockerConfig, INDEX_SERVER};
pub use error::AuthError;
pub use registry_auth::{RegistryAuth, parse_registry_auth};
pub use secret::Secret;
pub use signer::{TokenClaims, TokenSigner};
pub use token::{Access, DockerToken, parse_docker_token, parse_docker_tokens};
