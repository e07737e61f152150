//! The push state machine.

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Uri};
use std::collections::HashSet;

use super::PushEvent;
use super::config::{LayerUpload, PushConfig, PushImage, image_index_body};
use crate::RepoName;
use crate::session::{
    AuthState, Body, Outbox, Output, Request, RequestId, ResponseMode, SessionError, Urls,
    check_body_len, repo_path,
};

/// Redirects followed on the Index `PUT`s before giving up.
pub(super) const MAX_REDIRECTS: u8 = 10;

#[derive(Debug)]
pub(super) enum State {
    /// `PUT I/repositories/ns/repo/` (validate = false) or `…/images` (validate = true).
    Index {
        rid: RequestId,
        url: Uri,
        redirects: u8,
        validate: bool,
    },
    Lookup {
        ep: usize,
        next: usize,
        pending: Vec<(RequestId, usize)>,
        needs_push: Vec<bool>,
    },
    Image {
        ep: usize,
        idx: usize,
        needs_push: Vec<bool>,
        step: ImageStep,
    },
    Finished,
    Failed,
}

#[derive(Debug)]
pub(super) enum ImageStep {
    Json(RequestId),
    Layer {
        rid: RequestId,
        accepted: bool,
        upload: Option<LayerUpload>,
    },
    Checksum(RequestId, String),
    Tag(RequestId, usize),
}

/// The push state machine; see the [module documentation](super) for the drive contract.
#[derive(Debug)]
pub struct PushSession {
    pub(super) repo: RepoName,
    pub(super) repo_path: String,
    pub(super) urls: Urls,
    pub(super) images: Vec<PushImage>,
    pub(super) tag_count: usize,
    pub(super) auth: AuthState,
    pub(super) max_lookups: usize,
    pub(super) index_body: Bytes,
    pub(super) endpoints: Vec<String>,
    pub(super) outbox: Outbox<PushEvent>,
    pub(super) state: State,
    pub(super) error: Option<SessionError>,
}

impl PushSession {
    /// Starts a push: queues the `Started` event and the Index `PUT`.
    ///
    /// Errors when the list is empty, has duplicate ids, or the index URL is not `http(s)://host/…`.
    pub fn new(config: PushConfig) -> Result<Self, SessionError> {
        let urls = Urls::new(&config.index)?;
        if config.images.is_empty() {
            return Err(SessionError::InvalidInput {
                reason: "no image to push",
            });
        }
        let mut seen = HashSet::new();
        if !config.images.iter().all(|i| seen.insert(i.id.clone())) {
            return Err(SessionError::InvalidInput {
                reason: "duplicate image id",
            });
        }
        let tag_count = config
            .images
            .iter()
            .flat_map(|i| i.tags.iter())
            .collect::<HashSet<_>>()
            .len();
        let mut session = Self {
            repo_path: repo_path(&config.repo),
            repo: config.repo,
            urls,
            index_body: image_index_body(&config.images),
            images: config.images,
            tag_count,
            auth: AuthState::new(config.has_credentials, config.basic_everywhere),
            max_lookups: config.max_lookups.max(1),
            endpoints: Vec::new(),
            outbox: Outbox::new(),
            state: State::Failed,
            error: None,
        };
        session.event(PushEvent::Started {
            repo: session.repo.clone(),
            images: session.images.len(),
            tags: session.tag_count,
        });
        let url = session
            .urls
            .index_url(&format!("repositories/{}/", session.repo_path))?;
        session.send_index(url, 0, false)?;
        Ok(session)
    }

    /// The next output; drain until [`Output::Idle`] or [`Output::Done`].
    pub fn poll_output(&mut self) -> Output<PushEvent> {
        let over = matches!(self.state, State::Finished | State::Failed);
        self.outbox.poll(over)
    }

    /// Reports the response to request `id`: status, headers and the whole body
    /// (≤ [`MAX_BODY`](crate::session::MAX_BODY)).
    ///
    /// For a [`Body::Layer`] request the body is the registry's small answer to the upload. On error
    /// the session is over ([`Output::Done`] after the queue drains) except for
    /// [`SessionError::UnexpectedReport`], which leaves it unchanged.
    pub fn handle_response(
        &mut self,
        id: RequestId,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), SessionError> {
        if matches!(self.state, State::Failed) {
            return Err(SessionError::Failed);
        }
        if !self.waits_for(id) {
            return Err(SessionError::UnexpectedReport { id: id.0 });
        }
        if let Err(e) = check_body_len(body) {
            return self.fail(e);
        }
        self.auth.observe(headers);
        let result = self.on_response(id, status.as_u16(), headers, body);
        result.or_else(|e| self.fail(e))
    }

    /// Reports the checksums computed while streaming the layer of request `id` (a [`Body::Layer`]).
    pub fn handle_layer_uploaded(
        &mut self,
        id: RequestId,
        upload: LayerUpload,
    ) -> Result<(), SessionError> {
        if matches!(self.state, State::Failed) {
            return Err(SessionError::Failed);
        }
        let State::Image {
            step:
                ImageStep::Layer {
                    rid,
                    accepted,
                    upload: slot @ None,
                },
            ..
        } = &mut self.state
        else {
            return Err(SessionError::UnexpectedReport { id: id.0 });
        };
        if *rid != id {
            return Err(SessionError::UnexpectedReport { id: id.0 });
        }
        let accepted = *accepted;
        *slot = Some(upload);
        if accepted {
            return self.send_checksum().or_else(|e| self.fail(e));
        }
        Ok(())
    }

    /// Endpoint URLs from the Index (empty before it answered).
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    /// The error that ended the session, if any.
    pub fn error(&self) -> Option<&SessionError> {
        self.error.as_ref()
    }

    /// Whether the push completed successfully.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    // ---- internals ----

    fn waits_for(&self, id: RequestId) -> bool {
        match &self.state {
            State::Index { rid, .. } => *rid == id,
            State::Lookup { pending, .. } => pending.iter().any(|(r, _)| *r == id),
            State::Image { step, .. } => match step {
                ImageStep::Json(r) | ImageStep::Checksum(r, _) | ImageStep::Tag(r, _) => *r == id,
                ImageStep::Layer { rid, accepted, .. } => *rid == id && !accepted,
            },
            State::Finished | State::Failed => false,
        }
    }

    pub(super) fn fail(&mut self, e: SessionError) -> Result<(), SessionError> {
        self.state = State::Failed;
        self.error = Some(e.clone());
        Err(e)
    }

    pub(super) fn event(&mut self, e: PushEvent) {
        self.outbox.event(e);
    }

    pub(super) fn send(&mut self, request: Request) -> RequestId {
        self.outbox.send(request)
    }

    /// A registry-role request: token (or Basic for standalone HTTPS registries).
    pub(super) fn registry_request(
        &self,
        method: Method,
        url: Uri,
        headers: HeaderMap,
        body: Body,
    ) -> Request {
        self.auth
            .request(method, url, headers, false, body, ResponseMode::Buffer)
    }
}
