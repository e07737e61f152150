//! `docker pull ns/repo[:tag]` (docker 1.0–1.9, v1 path) as a sans-I/O state machine.
//!
//! The request sequence is flows.md §2:
//!
//! ```text
//!  new() ──► GET I/repositories/ns/repo/images   X-Docker-Token: true (+ Basic when logged in)
//!              │ 401: AuthenticationRequired   404: ImageNotFound
//!              ▼ 200: token (optional) + X-Docker-Endpoints (absent ⇒ the index host)
//!            GET E/repositories/ns/repo/tags/<tag>  (1.8/1.9, one tag)   or   …/tags  (all / ≤1.7)
//!              │ per endpoint in order: 200 ⇒ use   404 ⇒ TagNotFound / RepositoryNotFound   else next
//!  ┌──► for each wanted image id (per tag), for each endpoint E until one succeeds:
//!  │      GET E/images/<id>/ancestry
//!  │      for each ancestor from the base (last) to the top, skipping ids already present:
//!  │        GET E/images/<aid>/json     (X-Docker-Size, X-Docker-Checksum-Payload)
//!  │        GET E/images/<aid>/layer    (adapter streams the body)
//!  │          N bytes kept by an earlier run (PullConfig::partial)
//!  │            ⇒ first request carries Range: bytes=N-<size> (bytes=N- without a size)
//!  │              206 ⇒ continue at N   200 ⇒ restart at 0 (truncate)   416, N == size ⇒ done
//!  │              416 otherwise ⇒ GET …/layer again without Range
//!  │          interrupted after N bytes, Accept-Ranges: bytes, size > 0
//!  │            ⇒ GET …/layer  Range: bytes=N-<size>   expect 206 (416 when N == size ⇒ done)
//!  │          complete ⇒ payload checksum verified against X-Docker-Checksum-Payload
//!  └──── an endpoint failure moves to the next endpoint; none left ⇒ PullFailed
//!       ──► Finished ──► Done
//! ```
//!
//! # Drive contract
//!
//! **Every `handle_*` call (and construction) must be followed by draining
//! [`PullSession::poll_output`] until [`Output::Idle`] or [`Output::Done`].** Method groups:
//!
//! * construction: [`PullSession::new`];
//! * output: [`PullSession::poll_output`];
//! * input: [`PullSession::handle_response`] — for [`ResponseMode::Buffer`] requests with the whole
//!   body, for [`ResponseMode::StreamLayer`] requests with the head only (empty body) — then, for
//!   layer requests, exactly one of [`PullSession::handle_layer_downloaded`] (the body ended; with
//!   the payload checksum `sha256(json + "\n" + layer)` computed while streaming) or
//!   [`PullSession::handle_layer_interrupted`] (the body broke off after `received` bytes in total);
//! * getters: [`PullSession::endpoints`], [`PullSession::error`], [`PullSession::is_done`],
//!   [`PullSession::expects_payload_checksum`].
//!
//! The `offset` of [`PullEvent::LayerDownloadStarted`] is authoritative: the adapter keeps exactly
//! the first `offset` bytes it holds for that layer (from this run, or a partial file of an
//! earlier run given in [`PullConfig::partial`]), drops anything after them, and appends the body.
//!
//! Retries with back-off (docker retries `GET json` 5× with 500 ms·n) need a clock and belong to the
//! adapter; the machine resumes broken layer bodies (at most `max_resumes` times per layer) and
//! falls back to the next endpoint on any other failure.

mod config;
mod event;
mod machine;
mod steps;

pub use config::{LayerDownload, PullConfig, TagLookup};
pub use event::PullEvent;
pub use machine::PullSession;

pub use crate::session::{Auth, Body, Output, Request, RequestId, ResponseMode, SessionError};
