//! `berth-server`: a Docker Index v1 and Registry v1 server with embedded storage, the adapter
//! over Berth's protocol core.
//!
//! All protocol decisions (routing, validation, messages, status codes, token format) come from
//! `berth-model`, `berth-auth` and `berth-layer`; this crate moves bytes, checks credentials and
//! stores.
//!
//! # Running
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let mut config = berth_server::Config::new("./berth-data");
//! config.addr = "127.0.0.1:0".parse()?;
//! let server = berth_server::Server::bind(config).await?;
//! println!("listening on {}", server.local_addr());
//! server.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! From the command line: `berth serve` (defaults: `127.0.0.1:5000`, `./berth-data`, both roles,
//! open sign-up). Every flag has an environment variable: `--addr`/`BERTH_ADDR`,
//! `--data-dir`/`BERTH_DATA_DIR`, `--role both|index|registry`/`BERTH_ROLE`,
//! `--index-url`/`BERTH_INDEX_URL`, `--token-secret`/`BERTH_TOKEN_SECRET`,
//! `--token-ttl`/`BERTH_TOKEN_TTL` (seconds), `--signup open|closed`/`BERTH_SIGNUP`,
//! `--public-endpoint`/`BERTH_PUBLIC_ENDPOINT`, `--admin`/`BERTH_ADMINS`,
//! `--max-json-bytes`/`BERTH_MAX_JSON_BYTES`, `--max-layer-bytes`/`BERTH_MAX_LAYER_BYTES`,
//! `--log-level`/`BERTH_LOG_LEVEL` (or `RUST_LOG`). One log line per request (method, path,
//! status, bytes, elapsed time); headers, credentials and tokens are never logged. SIGINT and
//! SIGTERM stop accepting connections and give running requests 30 s to finish.
//!
//! # Roles and access control
//!
//! By default one process plays both the Index and the Registry (standalone). With
//! [`Role::Registry`] the process serves only images and tags and validates every token by
//! calling `GET {index}/v1/repositories/<ns>/<repo>/images` on the configured Index with the
//! client's `Authorization` header, as docker-registry did.
//!
//! * Index calls authenticate with HTTP Basic; passwords are stored as Argon2id PHC strings.
//! * Tokens (`X-Docker-Token: true`) are signed with a server secret, bound to one repository and
//!   one access (`read`, `write`, `delete`), and expire after [`Config::token_ttl_secs`]. The
//!   secret comes from the configuration or is generated once into `<data>/token-secret`.
//! * Registry calls accept a token, or Basic directly (as standalone HTTPS clients send it).
//! * A user writes only repositories of their own namespace. Administrators (the users listed in
//!   [`Config::admins`], or — when that list is empty — the first user to sign up) may write
//!   every namespace, including `library`.
//! * A repository becomes private with `PUT /v1/repositories/<ns>/<repo>/properties` and body
//!   `{"access": "private"}` (docker-registry's extension); it is then readable only by its owner
//!   or with a read token for it, and hidden from search. An image that belongs only to private
//!   repositories can be read only with a grant for one of them.
//!
//! With the roles split, privacy lives on the Index (`…/properties` is served by the Index
//! role); the Registry-only role answers reads only with a token (the Index decides who gets
//! one) and checks image reads with the Index's `GET …/layer/<id>/access` for the token's
//! repository, as docker-registry did. Basic auth on registry calls works only where the user
//! table is, i.e. not in the Registry-only role.
//!
//! Extensions not served: `GET /v1/images/<id>/files` and `…/diff` (404), nginx/S3 redirects.
//!
//! # Storage
//!
//! Storage sits behind two narrow traits in [`store`]: [`store::BlobStore`] (image json and
//! layers, opaque bytes) and [`store::MetaStore`] (users, repositories, image lists, tags, image
//! records, upload markers, private flags). The shipped back ends keep files under the data
//! directory and metadata in SQLite (WAL, one transaction per operation); an S3 or PostgreSQL
//! back end implements the same traits. Layers stream to a temporary file while the payload
//! checksum is computed in the same pass; a layer becomes visible only when whole (fsync, then
//! rename); interrupted uploads leave nothing behind.

mod access;
mod app;
mod bodies;
mod body;
mod clock;
mod config;
mod credentials;
mod digest;
mod dispatch;
mod images;
mod index;
mod password;
mod remote;
mod respond;
mod server;
pub mod store;
mod tags;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, Role, SignUp};
pub use server::Server;
