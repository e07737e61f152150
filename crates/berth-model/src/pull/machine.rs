//! The pull state machine.

use bytes::Bytes;
use http::header::{ACCEPT_RANGES, RANGE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use std::collections::{HashSet, VecDeque};

use super::PullEvent;
use crate::session::{
    AuthState, Body, MAX_BODY, Output, Request, RequestId, ResponseMode, SessionError, Step, Urls,
    body_text, build_endpoints, header_str, join_endpoint, repo_path,
};
use crate::{Ancestry, ImageId, ImageJson, ImageList, RepoName, Tag, TagMap, parse_tag_body};

/// How tags are looked up on the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TagLookup {
    /// `GET …/tags/<tag>` when one tag is wanted (docker 1.8/1.9); `GET …/tags` for all tags.
    Single,
    /// Always `GET …/tags` and pick the wanted tag from the map (docker ≤1.7).
    List,
}

/// What to pull and how.
#[derive(Debug, Clone)]
pub struct PullConfig {
    /// The repository (sent as `ns/repo`, `library/` for official images).
    pub repo: RepoName,
    /// The Index base URL, e.g. `https://index.docker.io/v1/`.
    pub index: String,
    /// The wanted tag; `None` pulls every tag (`docker pull -a`).
    pub tag: Option<Tag>,
    /// How to look tags up.
    pub tag_lookup: TagLookup,
    /// Whether the adapter has credentials (the Index call then carries Basic auth).
    pub has_credentials: bool,
    /// Standalone private registry over HTTPS: Basic auth on every request, no token.
    pub basic_everywhere: bool,
    /// Images already present locally: neither their json nor their layer is fetched.
    pub have: Vec<ImageId>,
    /// Resumes allowed per layer (docker's resumable reader: 5).
    pub max_resumes: u32,
}

impl PullConfig {
    /// Pulls `tag` (or all tags) anonymously, docker 1.8/1.9 style, with nothing present locally.
    pub fn new(repo: RepoName, index: impl Into<String>, tag: Option<Tag>) -> Self {
        Self {
            repo,
            index: index.into(),
            tag,
            tag_lookup: TagLookup::Single,
            has_credentials: false,
            basic_everywhere: false,
            have: Vec::new(),
            max_resumes: 5,
        }
    }
}

/// The outcome of a complete layer body, reported by the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerDownload {
    /// Bytes of the layer received in total (over all resumed requests).
    pub received: u64,
    /// `sha256:<hex>` of `json + "\n" + layer bytes`, if the adapter computed it.
    pub payload_checksum: Option<String>,
}

#[derive(Debug)]
struct Layer {
    id: ImageId,
    size: Option<u64>,
    expected: Vec<String>,
    accept_ranges: bool,
    /// Offset the current request starts at (0, or the `Range` start).
    offset: u64,
    resumes: u32,
    /// The head was accepted and the body is streaming.
    streaming: bool,
}

#[derive(Debug)]
enum State {
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
    repo: RepoName,
    repo_path: String,
    urls: Urls,
    tag: Option<Tag>,
    tag_lookup: TagLookup,
    auth: AuthState,
    have: HashSet<ImageId>,
    max_resumes: u32,
    endpoints: Vec<String>,
    /// Unique images to pull, with the first tag naming each.
    jobs: Vec<(Tag, ImageId)>,
    job: usize,
    /// Endpoint index for the current job.
    ep: usize,
    /// Ancestors of the current job, base first.
    order: Vec<ImageId>,
    downloaded: bool,
    next_id: u64,
    queue: VecDeque<Output<PullEvent>>,
    state: State,
    error: Option<SessionError>,
}

/// Failure scope: an endpoint failure moves on to the next endpoint; a fatal one ends the pull.
enum Fail {
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
            endpoints: Vec::new(),
            jobs: Vec::new(),
            job: 0,
            ep: 0,
            order: Vec::new(),
            downloaded: false,
            next_id: 0,
            queue: VecDeque::new(),
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
        let auth = session.auth.apply(&mut headers, true);
        let rid = session.send(Request {
            method: Method::GET,
            url,
            headers,
            auth,
            body: Body::Empty,
            response: ResponseMode::Buffer,
        });
        session.state = State::Index(rid);
        Ok(session)
    }

    /// The next output; drain until [`Output::Idle`] or [`Output::Done`].
    pub fn poll_output(&mut self) -> Output<PullEvent> {
        if let Some(out) = self.queue.pop_front() {
            return out;
        }
        match self.state {
            State::Finished | State::Failed => Output::Done,
            _ => Output::Idle,
        }
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
        if body.len() > MAX_BODY {
            return self.fatal(SessionError::BodyTooLarge {
                len: body.len(),
                limit: MAX_BODY,
            });
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

    /// Whether the pull completed successfully.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    // ---- internals ----

    /// Checks that `id` is the outstanding request, in the right phase (`body` = streaming reports).
    fn check(&self, id: RequestId, body: bool) -> Result<(), SessionError> {
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

    fn fatal(&mut self, e: SessionError) -> Result<(), SessionError> {
        self.state = State::Failed;
        self.error = Some(e.clone());
        Err(e)
    }

    /// Applies an endpoint failure (next endpoint, or `PullFailed`) or a fatal error.
    fn settle(&mut self, result: Result<(), Fail>) -> Result<(), SessionError> {
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

    fn event(&mut self, e: PullEvent) {
        self.queue.push_back(Output::Event(e));
    }

    fn send(&mut self, request: Request) -> RequestId {
        let rid = RequestId(self.next_id);
        self.next_id += 1;
        self.queue.push_back(Output::Send(rid, request));
        rid
    }

    fn registry_get(
        &mut self,
        suffix: &str,
        headers: HeaderMap,
        mode: ResponseMode,
    ) -> Result<RequestId, SessionError> {
        let mut headers = headers;
        let url = join_endpoint(&self.endpoints[self.ep], suffix)?;
        let auth = self.auth.apply(&mut headers, false);
        Ok(self.send(Request {
            method: Method::GET,
            url,
            headers,
            auth,
            body: Body::Empty,
            response: mode,
        }))
    }

    fn on_index(&mut self, status: u16, headers: &HeaderMap, body: &[u8]) -> Result<(), Fail> {
        match status {
            200 => {}
            401 => return Err(SessionError::AuthenticationRequired.into()),
            404 => {
                let reference = match &self.tag {
                    Some(tag) => format!("{}:{tag}", self.repo),
                    None => self.repo.to_string(),
                };
                return Err(SessionError::ImageNotFound { reference }.into());
            }
            _ => {
                return Err(SessionError::Status {
                    step: Step::PullRepository {
                        repo: self.repo.to_string(),
                    },
                    status,
                    body: body_text(body),
                }
                .into());
            }
        }
        // The body lists the repository's images; docker only checks that it decodes.
        ImageList::parse(body).map_err(SessionError::from)?;
        // Without X-Docker-Endpoints, docker ≥1.x assumes the registry is on the index host.
        self.endpoints = build_endpoints(headers, &self.urls)?
            .unwrap_or_else(|| vec![self.urls.index_host_endpoint()]);
        self.event(PullEvent::EndpointsResolved {
            endpoints: self.endpoints.clone(),
            token: self.auth.has_token(),
        });
        self.send_tags(0)?;
        Ok(())
    }

    fn send_tags(&mut self, ep: usize) -> Result<(), SessionError> {
        let Some(endpoint) = self.endpoints.get(ep) else {
            return Err(SessionError::NoEndpointReachable);
        };
        let suffix = match (&self.tag, self.tag_lookup) {
            (Some(tag), TagLookup::Single) => format!("repositories/{}/tags/{tag}", self.repo_path),
            _ => format!("repositories/{}/tags", self.repo_path),
        };
        let url = join_endpoint(endpoint, &suffix)?;
        let mut headers = HeaderMap::new();
        let auth = self.auth.apply(&mut headers, false);
        let rid = self.send(Request {
            method: Method::GET,
            url,
            headers,
            auth,
            body: Body::Empty,
            response: ResponseMode::Buffer,
        });
        self.state = State::Tags { rid, ep };
        Ok(())
    }

    fn on_tags(&mut self, ep: usize, status: u16, body: &[u8]) -> Result<(), Fail> {
        let single = self.tag.is_some() && self.tag_lookup == TagLookup::Single;
        match status {
            200 => {}
            404 => {
                return Err(match &self.tag {
                    Some(tag) => SessionError::TagNotFound {
                        tag: tag.to_string(),
                        repo: self.repo.to_string(),
                    },
                    None => SessionError::RepositoryNotFound,
                }
                .into());
            }
            _ => return self.send_tags(ep + 1).map_err(Fail::from),
        }
        let resolved: Vec<(Tag, ImageId)> = if single {
            let tag = self.tag.clone().unwrap_or_else(Tag::latest);
            vec![(tag, parse_tag_body(body).map_err(SessionError::from)?)]
        } else {
            let map = TagMap::parse(body).map_err(SessionError::from)?;
            match &self.tag {
                Some(tag) => match map.get(tag) {
                    Some(id) => vec![(tag.clone(), id.clone())],
                    None => {
                        return Err(SessionError::TagNotFound {
                            tag: tag.to_string(),
                            repo: self.repo.to_string(),
                        }
                        .into());
                    }
                },
                None => map.0.into_iter().collect(),
            }
        };
        for (tag, id) in resolved {
            self.event(PullEvent::TagResolved {
                tag: tag.clone(),
                id: id.clone(),
            });
            if !self.jobs.iter().any(|(_, j)| *j == id) {
                self.jobs.push((tag, id));
            }
        }
        self.job = 0;
        self.ep = 0;
        if self.jobs.is_empty() {
            self.finish();
            return Ok(());
        }
        self.start_job()?;
        Ok(())
    }

    /// Starts (or restarts on the next endpoint) the current job with its ancestry.
    fn start_job(&mut self) -> Result<(), SessionError> {
        let (tag, id) = self.jobs[self.job].clone();
        self.event(PullEvent::ImageStarted {
            repo: self.repo.clone(),
            tag,
            id: id.clone(),
            endpoint: self.endpoints[self.ep].clone(),
        });
        let rid = self.registry_get(
            &format!("images/{id}/ancestry"),
            HeaderMap::new(),
            ResponseMode::Buffer,
        )?;
        self.state = State::Ancestry(rid);
        Ok(())
    }

    fn on_ancestry(&mut self, status: u16, body: &[u8]) -> Result<(), Fail> {
        let (_, id) = self.jobs[self.job].clone();
        if status != 200 {
            return Err(Fail::Endpoint(SessionError::Status {
                step: Step::Ancestry { id: id.to_string() },
                status,
                body: body_text(body),
            }));
        }
        let ancestry = Ancestry::parse(body).map_err(|e| Fail::Endpoint(e.into()))?;
        if ancestry.id() != &id {
            return Err(Fail::Endpoint(SessionError::JsonIdMismatch {
                expected: id.to_string(),
                found: ancestry.id().to_string(),
            }));
        }
        self.order = ancestry.pull_order().cloned().collect();
        self.event(PullEvent::Ancestry {
            id,
            ancestry: ancestry.ids().to_vec(),
        });
        self.next_layer(0)?;
        Ok(())
    }

    /// Moves to ancestor `pos` (base first), skipping present ones; finishes the job at the end.
    fn next_layer(&mut self, mut pos: usize) -> Result<(), SessionError> {
        while let Some(id) = self.order.get(pos) {
            if !self.have.contains(id) {
                let rid = self.registry_get(
                    &format!("images/{id}/json"),
                    HeaderMap::new(),
                    ResponseMode::Buffer,
                )?;
                self.state = State::Json { rid, pos };
                return Ok(());
            }
            let id = id.clone();
            self.event(PullEvent::LayerAlreadyPresent { id });
            pos += 1;
        }
        let (tag, id) = self.jobs[self.job].clone();
        self.event(PullEvent::ImagePulled { tag, id });
        self.job += 1;
        self.ep = 0;
        if self.job < self.jobs.len() {
            self.start_job()
        } else {
            self.finish();
            Ok(())
        }
    }

    fn finish(&mut self) {
        let reference = match &self.tag {
            Some(tag) => format!("{}:{tag}", self.repo.local_name()),
            None => self.repo.local_name(),
        };
        self.event(PullEvent::Finished {
            reference,
            downloaded: self.downloaded,
        });
        self.state = State::Finished;
    }

    fn on_json(
        &mut self,
        pos: usize,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Fail> {
        let id = self.order[pos].clone();
        if status != 200 {
            return Err(Fail::Endpoint(SessionError::Status {
                step: Step::ImageJson,
                status,
                body: body_text(body),
            }));
        }
        let size = match header_str(headers, "x-docker-size") {
            None => None,
            Some(v) => Some(v.trim().parse::<u64>().map_err(|_| {
                Fail::Endpoint(SessionError::InvalidHeader {
                    name: "X-Docker-Size",
                })
            })?),
        };
        let raw = Bytes::copy_from_slice(body);
        let json = ImageJson::parse(raw.clone()).map_err(|e| Fail::Endpoint(e.into()))?;
        // "The json body's id … is what the image is registered under; the layer request uses the
        // id from the parsed json": refuse a json that names another image.
        if json.id() != &id {
            return Err(Fail::Endpoint(SessionError::JsonIdMismatch {
                expected: id.to_string(),
                found: json.id().to_string(),
            }));
        }
        // Registry ≥0.9 sends X-Docker-Checksum-Payload; 0.7–0.8 sent X-Docker-Payload-Checksum.
        let mut expected: Vec<String> = checksum_values(headers, "x-docker-checksum-payload");
        if expected.is_empty() {
            expected = checksum_values(headers, "x-docker-payload-checksum")
                .into_iter()
                .filter(|v| v.starts_with("sha256:"))
                .collect();
        }
        self.event(PullEvent::ImageJson {
            id: id.clone(),
            json: raw,
            size,
        });
        let layer = Box::new(Layer {
            id,
            size,
            expected,
            accept_ranges: false,
            offset: 0,
            resumes: 0,
            streaming: false,
        });
        self.send_layer(pos, layer)?;
        Ok(())
    }

    fn send_layer(&mut self, pos: usize, layer: Box<Layer>) -> Result<(), SessionError> {
        let mut headers = HeaderMap::new();
        if layer.offset > 0 {
            // docker's resumable reader: "bytes=<received>-<total size>"; a break before the first
            // byte simply repeats the plain request.
            let range = format!("bytes={}-{}", layer.offset, layer.size.unwrap_or(0));
            let v = HeaderValue::from_str(&range)
                .map_err(|_| SessionError::InvalidHeader { name: "Range" })?;
            headers.insert(RANGE, v);
        }
        let rid = self.registry_get(
            &format!("images/{}/layer", layer.id),
            headers,
            ResponseMode::StreamLayer,
        )?;
        self.state = State::Layer { rid, pos, layer };
        Ok(())
    }

    fn on_layer_head(
        &mut self,
        rid: RequestId,
        pos: usize,
        mut layer: Box<Layer>,
        status: u16,
        headers: &HeaderMap,
    ) -> Result<(), Fail> {
        let resumed = layer.offset > 0;
        let ok = if resumed {
            // A resume must get 206; 416 with received == size means the body was complete.
            status == 206 || (status == 416 && layer.size == Some(layer.offset))
        } else {
            status == 200
        };
        if !ok {
            let e = if resumed {
                SessionError::RangeNotSupported
            } else {
                SessionError::Status {
                    step: Step::Layer {
                        id: layer.id.to_string(),
                    },
                    status,
                    body: String::new(),
                }
            };
            return Err(Fail::Endpoint(e));
        }
        if !resumed {
            layer.accept_ranges = headers
                .get_all(ACCEPT_RANGES)
                .iter()
                .any(|v| v.as_bytes() == b"bytes");
        }
        layer.streaming = true;
        self.event(PullEvent::LayerDownloadStarted {
            id: layer.id.clone(),
            size: layer.size,
            offset: layer.offset,
        });
        self.state = State::Layer { rid, pos, layer };
        Ok(())
    }
}

fn checksum_values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}
