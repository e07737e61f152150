//! The pull state machine.

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use std::collections::{HashMap, HashSet};

use super::PullEvent;
use super::config::{LayerDownload, PullConfig, TagLookup};
use crate::session::{
    AuthState, Body, Outbox, Output, Request, RequestId, ResponseMode, SessionError, Urls,
    check_body_len, join_endpoint, repo_path,
};
use crate::{ImageId, RepoName, Tag};

#[derive(Debug)]
pub(super) struct Layer {
    pub(super) id: ImageId,
    pub(super) size: Option<u64>,
    pub(super) expected: Vec<String>,
    pub(super) accept_ranges: bool,
    /// Offset the current request starts at (0, or the `Range` start).
    pub(super) offset: u64,
    pub(super) resumes: u32,
    /// The outstanding request starts from bytes kept by an earlier run ([`PullConfig::partial`]).
    pub(super) from_partial: bool,
    /// The head was accepted and the body is streaming.
    pub(super) streaming: bool,
}

#[derive(Debug)]
pub(super) enum State {
    Index(RequestId),
    Tags {
        rid: RequestId,
        ep: usize,
    },
    Ancestry(RequestId),
    Json {
        rid: RequestId,
        pos: usize,
    },
    Layer {
        rid: RequestId,
        pos: usize,
        layer: Box<Layer>,
    },
    Finished,
    Failed,
}

/// The pull state machine; see the [module documentation](super) for the drive contract.
#[derive(Debug)]
pub struct PullSession {
    pub(super) repo: RepoName,
    pub(super) repo_path: String,
    pub(super) urls: Urls,
    pub(super) tag: Option<Tag>,
    pub(super) tag_lookup: TagLookup,
    pub(super) auth: AuthState,
    pub(super) have: HashSet<ImageId>,
    pub(super) max_resumes: u32,
    /// Bytes kept by an earlier run, per image; an entry is removed when its first request is sent.
    pub(super) partial: HashMap<ImageId, u64>,
    pub(super) endpoints: Vec<String>,
    /// Unique images to pull, with the first tag naming each.
    pub(super) jobs: Vec<(Tag, ImageId)>,
    pub(super) job: usize,
    /// Endpoint index for the current job.
    pub(super) ep: usize,
    /// Ancestors of the current job, base first.
    pub(super) order: Vec<ImageId>,
    pub(super) downloaded: bool,
    pub(super) outbox: Outbox<PullEvent>,
    pub(super) state: State,
    pub(super) error: Option<SessionError>,
}

/// Failure scope: an endpoint failure moves on to the next endpoint; a fatal one ends the pull.
pub(super) enum Fail {
    Endpoint(SessionError),
    Fatal(SessionError),
}

impl From<SessionError> for Fail {
    fn from(e: SessionError) -> Self {
        Self::Fatal(e)
    }
}

impl PullSession {
    /// Starts a pull: queues the `Started` event and `GET I/repositories/ns/repo/images`.
    pub fn new(config: PullConfig) -> Result<Self, SessionError> {
        let urls = Urls::new(&config.index)?;
        let mut session = Self {
            repo_path: repo_path(&config.repo),
            repo: config.repo,
            urls,
            tag: config.tag,
            tag_lookup: config.tag_lookup,
            auth: AuthState::new(config.has_credentials, config.basic_everywhere),
            have: config.have.into_iter().collect(),
            max_resumes: config.max_resumes,
            partial: config
                .partial
                .into_iter()
                .filter(|(_, kept)| *kept > 0)
                .collect(),
            endpoints: Vec::new(),
            jobs: Vec::new(),
            job: 0,
            ep: 0,
            order: Vec::new(),
            downloaded: false,
            outbox: Outbox::new(),
            state: State::Failed,
            error: None,
        };
        session.event(PullEvent::Started {
            repo: session.repo.clone(),
        });
        let url = session
            .urls
            .index_url(&format!("repositories/{}/images", session.repo_path))?;
        let mut headers = HeaderMap::new();
        headers.insert("x-docker-token", HeaderValue::from_static("true"));
        let rid = session.send(session.auth.request(
            Method::GET,
            url,
            headers,
            true,
            Body::Empty,
            ResponseMode::Buffer,
        ));
        session.state = State::Index(rid);
        Ok(session)
    }

    /// The next output; drain until [`Output::Idle`] or [`Output::Done`].
    pub fn poll_output(&mut self) -> Output<PullEvent> {
        let over = matches!(self.state, State::Finished | State::Failed);
        self.outbox.poll(over)
    }

    /// Reports the response to request `id`.
    ///
    /// For a [`ResponseMode::StreamLayer`] request pass the head only (`body` empty), then stream the
    /// body and call [`Self::handle_layer_downloaded`] or [`Self::handle_layer_interrupted`].
    pub fn handle_response(
        &mut self,
        id: RequestId,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), SessionError> {
        self.check(id, false)?;
        if let Err(e) = check_body_len(body) {
            return self.fatal(e);
        }
        self.auth.observe(headers);
        let status = status.as_u16();
        let result = match std::mem::replace(&mut self.state, State::Failed) {
            State::Index(_) => self.on_index(status, headers, body),
            State::Tags { ep, .. } => self.on_tags(ep, status, body),
            State::Ancestry(_) => self.on_ancestry(status, body),
            State::Json { pos, .. } => self.on_json(pos, status, headers, body),
            State::Layer { rid, pos, layer } => {
                self.on_layer_head(rid, pos, layer, status, headers)
            }
            State::Finished | State::Failed => Err(Fail::Fatal(SessionError::Failed)),
        };
        self.settle(result)
    }

    /// Reports that the body of layer request `id` ended normally.
    pub fn handle_layer_downloaded(
        &mut self,
        id: RequestId,
        download: LayerDownload,
    ) -> Result<(), SessionError> {
        self.check(id, true)?;
        let State::Layer { pos, layer, .. } = std::mem::replace(&mut self.state, State::Failed)
        else {
            return self.fatal(SessionError::Failed);
        };
        if let Some(actual) = &download.payload_checksum {
            // Verify against X-Docker-Checksum-Payload when the registry sent one.
            if !layer.expected.is_empty() && !layer.expected.iter().any(|e| e == actual) {
                return self.fatal(SessionError::ChecksumMismatch {
                    id: layer.id.to_string(),
                    expected: layer.expected.join(","),
                    actual: actual.clone(),
                });
            }
        }
        self.downloaded = true;
        self.have.insert(layer.id.clone());
        self.event(PullEvent::LayerDownloaded {
            id: layer.id,
            size: download.received,
            payload_checksum: download.payload_checksum,
        });
        let result = self.next_layer(pos + 1).map_err(Fail::from);
        self.settle(result)
    }

    /// Reports that the body of layer request `id` broke off after `received` bytes in total.
    ///
    /// The layer is resumed with `Range: bytes=<received>-<size>` when the first response had
    /// `Accept-Ranges: bytes` and `X-Docker-Size` > 0; otherwise the endpoint has failed.
    pub fn handle_layer_interrupted(
        &mut self,
        id: RequestId,
        received: u64,
    ) -> Result<(), SessionError> {
        self.check(id, true)?;
        let State::Layer { pos, mut layer, .. } = std::mem::replace(&mut self.state, State::Failed)
        else {
            return self.fatal(SessionError::Failed);
        };
        let size = layer.size.unwrap_or(0);
        let result = if layer.accept_ranges && size > 0 && layer.resumes < self.max_resumes {
            layer.resumes += 1;
            layer.offset = received;
            layer.streaming = false;
            self.send_layer(pos, layer).map_err(Fail::from)
        } else {
            Err(Fail::Endpoint(SessionError::Interrupted {
                id: layer.id.to_string(),
                received,
            }))
        };
        self.settle(result)
    }

    /// Endpoint URLs (empty before the Index answered).
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    /// The error that ended the session, if any.
    pub fn error(&self) -> Option<&SessionError> {
        self.error.as_ref()
    }

    /// Whether the layer being streamed will be checked against `X-Docker-Checksum-Payload`
    /// (or the older `X-Docker-Payload-Checksum`) when the adapter reports its payload checksum.
    ///
    /// `false` outside a layer download. When `false`, nothing in the protocol vouches for the
    /// bytes, so an adapter that resumed from a partial file of an earlier run should check the
    /// layer another way (for instance that it decompresses to a valid tar).
    pub fn expects_payload_checksum(&self) -> bool {
        matches!(&self.state, State::Layer { layer, .. } if !layer.expected.is_empty())
    }

    /// Whether the pull completed successfully.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    // ---- internals ----

    /// Checks that `id` is the outstanding request, in the right phase (`body` = streaming reports).
    pub(super) fn check(&self, id: RequestId, body: bool) -> Result<(), SessionError> {
        let waiting = match &self.state {
            State::Failed => return Err(SessionError::Failed),
            State::Index(r) | State::Ancestry(r) => !body && *r == id,
            State::Tags { rid, .. } | State::Json { rid, .. } => !body && *rid == id,
            State::Layer { rid, layer, .. } => *rid == id && layer.streaming == body,
            State::Finished => false,
        };
        if waiting {
            Ok(())
        } else {
            Err(SessionError::UnexpectedReport { id: id.0 })
        }
    }

    pub(super) fn fatal(&mut self, e: SessionError) -> Result<(), SessionError> {
        self.state = State::Failed;
        self.error = Some(e.clone());
        Err(e)
    }

    /// Applies an endpoint failure (next endpoint, or `PullFailed`) or a fatal error.
    pub(super) fn settle(&mut self, result: Result<(), Fail>) -> Result<(), SessionError> {
        match result {
            Ok(()) => Ok(()),
            Err(Fail::Fatal(e)) => self.fatal(e),
            Err(Fail::Endpoint(e)) => {
                let (tag, id) = self.jobs[self.job].clone();
                self.event(PullEvent::EndpointFailed {
                    repo: self.repo.clone(),
                    tag: tag.clone(),
                    id,
                    endpoint: self.endpoints[self.ep].clone(),
                    error: e.clone(),
                });
                self.ep += 1;
                if self.ep < self.endpoints.len() {
                    self.start_job().or_else(|e| self.fatal(e))
                } else {
                    self.fatal(SessionError::PullFailed {
                        tag: tag.to_string(),
                        repo: self.repo.to_string(),
                        last: Box::new(e),
                    })
                }
            }
        }
    }

    pub(super) fn event(&mut self, e: PullEvent) {
        self.outbox.event(e);
    }

    pub(super) fn send(&mut self, request: Request) -> RequestId {
        self.outbox.send(request)
    }

    pub(super) fn registry_get(
        &mut self,
        suffix: &str,
        headers: HeaderMap,
        mode: ResponseMode,
    ) -> Result<RequestId, SessionError> {
        let url = join_endpoint(&self.endpoints[self.ep], suffix)?;
        let request = self
            .auth
            .request(Method::GET, url, headers, false, Body::Empty, mode);
        Ok(self.send(request))
    }
}
