//! Docker Registry v1 and Index v1 protocol model: ids, names, bodies, routes, errors, and the
//! push and pull sequences as state machines.
//!
//! This crate performs no I/O: it never touches files, sockets, clocks or randomness. Callers
//! hand it bytes and header values and get back typed values, bytes to send, and decisions.
//!
//! # In scope
//!
//! * Validated identifiers: [`ImageId`], [`Namespace`], [`RepoName`], [`Tag`], [`Username`],
//!   [`Password`], [`Email`].
//! * Bodies, parsed and formatted byte-exactly as docker and docker-registry did: [`ImageJson`]
//!   (raw bytes kept), [`Ancestry`], [`TagMap`], the tag body, Index image lists
//!   ([`ImageList`]), search ([`SearchResults`]), user bodies, `X-Docker-Endpoints`, tag metadata
//!   ([`TagMetadata`]). Registry bodies use Python `json.dumps(sort_keys=True)` formatting
//!   ([`pyjson`]).
//! * Routing: [`route`] maps method + path + query to a [`Request`] for every Registry and Index
//!   endpoint, and [`Request::path`] maps back.
//! * Errors and responses: [`ModelError`] carries the exact messages clients compare, with one
//!   mapping to status code and body; [`response`] holds the fixed header sets and bodies.
//! * `Range` handling for layer downloads ([`range::plan_range`]).
//! * The engine progress stream and push/pull state machines ([`progress`], [`pull`], [`push`]).
//!
//! # Out of scope
//!
//! * HTTP transport, storage, clocks, random token generation (adapters: `berth-server`,
//!   `berth-client`).
//! * Credentials and tokens (`berth-auth`), layer digests and TarSum (`berth-layer`).
//!
//! # Example
//!
//! ```
//! use berth_model::{route, ModelError, Request, RouteError};
//! use http::Method;
//!
//! let req = route(&Method::GET, "/v1/images/cafebabe01451234/json", None)?;
//! assert!(matches!(req, Request::GetImageJson { .. }));
//!
//! let err = route(&Method::GET, "/v1/images/not-hex/json", None).unwrap_err();
//! assert_eq!(err.status(), 404);
//! assert_eq!(&err.body()[..], br#"{"error": "Invalid image ID"}"#);
//!
//! assert_eq!(ModelError::ImageAlreadyExists.status(), 409);
//! # Ok::<(), RouteError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use http;

mod ancestry;
mod endpoints;
mod error;
mod id;
mod image_json;
mod image_list;
mod name;
mod newtype;
mod request;
mod route;
mod search;
mod tag;
mod tags;
mod user;

pub mod pyjson;
pub mod range;
pub mod response;

pub use ancestry::{Ancestry, validate_ancestry};
pub use endpoints::{MAX_ENDPOINTS, endpoint_urls, format_endpoints, parse_endpoints};
pub use error::{ModelError, error_body, parse_error_body};
pub use id::ImageId;
pub use image_json::ImageJson;
pub use image_list::{ImageList, ImageListEntry};
pub use name::{LIBRARY, MAX_COMPONENT_LEN, Namespace, NamingRules, RepoName};
pub use request::{Request, SEGMENT};
pub use route::{Allowed, RouteError, route, wants_body};
pub use search::{SearchQuery, SearchResult, SearchResults};
pub use tag::Tag;
pub use tags::{DEFAULT_TAG_JSON, TagMap, TagMetadata, parse_tag_body, tag_body, user_agent_pairs};
pub use user::{Email, NewUser, Password, UserBody, UserUpdate, Username};

// Owned by the model "sessions" work: the engine progress stream and the push/pull machines.
pub mod progress;
pub mod pull;
pub mod push;
pub mod session;
