//! `docker push ns/repo[:tag]` (docker 0.8–1.9, v1 path) as a sans-I/O state machine.
//!
//! The request sequence is flows.md §1:
//!
//! ```text
//!  new() ──► PUT I/repositories/ns/repo/  [{"id":…},{"id":…,"Tag":"latest"}]   X-Docker-Token: true, Basic
//!              │ 3xx: same PUT to Location   401: AuthenticationRequired   no endpoints: NoEndpoints
//!              ▼ 200/201: token (optional, docker 1.7+) + X-Docker-Endpoints
//!  ┌──► for endpoint E (in order):
//!  │      GET E/images/<id>/json  for every image (≤ max_lookups in flight)   200 ⇒ skip
//!  │      for every image, base first:
//!  │        needs push? PUT json ──► PUT layer (adapter streams) ──► PUT checksum
//!  │                    └─ {"error": "Image already exists"} ⇒ skip to tags
//!  │        PUT E/repositories/ns/repo/tags/<tag>  "<id>"   for each tag of the image
//!  └──── next endpoint
//!         PUT I/repositories/ns/repo/images  []  X-Docker-Endpoints: <E…>  ──► 204 ──► Done
//! ```
//!
//! Any other status aborts the push with a [`SessionError`] carrying docker's message
//! ("FIXME: Continue on error?"). A missing `X-Docker-Token` is tolerated (docker 1.7+): registry
//! calls then carry no token.
//!
//! # Drive contract
//!
//! Like str0m's `Rtc`: **every `handle_*` call must be followed by draining
//! [`PushSession::poll_output`] until it returns [`Output::Idle`] or [`Output::Done`]**, and so must
//! construction. Method groups (quinn's `Connection` style):
//!
//! * construction: [`PushSession::new`], [`image_list`];
//! * output: [`PushSession::poll_output`];
//! * input: [`PushSession::handle_response`] (status, headers and the whole small body),
//!   [`PushSession::handle_layer_uploaded`] (checksums computed while streaming a `Body::Layer`);
//! * getters: [`PushSession::endpoints`], [`PushSession::error`], [`PushSession::is_done`].
//!
//! For a `PUT …/layer` request ([`Body::Layer`]) the adapter streams the layer, computing
//! `sha256(json + "\n" + bytes sent)` and TarSum v0, then reports both with
//! `handle_layer_uploaded` and the response with `handle_response`, in either order.
//!
//! # Example
//!
//! The canonical loop, against an Index that refuses the credentials:
//!
//! ```
//! use berth_model::push::{Output, PushConfig, PushImage, PushSession};
//! use berth_model::{ImageId, RepoName, Tag, http};
//! use bytes::Bytes;
//!
//! let id = ImageId::parse("511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158")?;
//! let image = PushImage {
//!     json: Bytes::from(format!("{{\"id\":\"{id}\"}}\n")),
//!     id,
//!     parent: None,
//!     layer_size: None,
//!     tags: vec![Tag::latest()],
//! };
//! let repo = RepoName::parse("ns/repo")?;
//! let mut push = PushSession::new(PushConfig::new(repo, "https://index.docker.io/v1/", vec![image]))?;
//! let mut progress = Vec::new();
//! loop {
//!     match push.poll_output() {
//!         Output::Send(rid, request) => {
//!             // An adapter sends `request` (adding Basic auth when `request.auth` says so) and
//!             // reports the answer; here the Index says 401.
//!             assert_eq!(request.url, "https://index.docker.io/v1/repositories/ns/repo/");
//!             let status = http::StatusCode::UNAUTHORIZED;
//!             let err = push.handle_response(rid, status, &http::HeaderMap::new(), b"");
//!             assert_eq!(err.unwrap_err().to_string(), "Authentication is required.");
//!         }
//!         Output::Event(event) => progress.extend(event.progress()),
//!         Output::Idle => unreachable!("every request is answered at once here"),
//!         Output::Done => break,
//!         _ => {}
//!     }
//! }
//! assert_eq!(progress[0].status, "The push refers to a repository [ns/repo] (len: 1)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod event;
mod machine;
mod steps;

pub use config::{LayerUpload, PushConfig, PushImage, image_list};
pub use event::PushEvent;
pub use machine::PushSession;

pub use crate::session::{Auth, Body, Output, Request, RequestId, ResponseMode, SessionError};
