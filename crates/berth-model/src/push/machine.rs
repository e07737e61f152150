//! The push state machine.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use std::collections::{HashSet, VecDeque};

use super::PushEvent;
use crate::session::{
    AuthState, Body, MAX_BODY, Output, Request, RequestId, ResponseMode, SessionError, Step, Urls,
    body_text, build_endpoints, header_str, join_endpoint, repo_path,
};
use crate::{ImageId, ImageList, ImageListEntry, RepoName, Tag, parse_error_body, tag_body};

/// Redirects followed on the Index `PUT`s before giving up.
const MAX_REDIRECTS: u8 = 10;

/// One image to push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushImage {
    /// The image id.
    pub id: ImageId,
    /// The raw json bytes exactly as stored locally (docker's file ends in `\n`); sent verbatim.
    pub json: Bytes,
    /// The parent id, if any (informational: the list order already puts parents first).
    pub parent: Option<ImageId>,
    /// The layer size, if known (informational, for progress).
    pub layer_size: Option<u64>,
    /// Tags of this image being pushed, in order.
    pub tags: Vec<Tag>,
}

/// What to push and how.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// The repository (`ns/repo`; sent as `ns/repo` on every URL).
    pub repo: RepoName,
    /// The Index base URL, e.g. `https://index.docker.io/v1/`; its scheme is used for the endpoints.
    pub index: String,
    /// The image list, base first (see [`image_list`]).
    pub images: Vec<PushImage>,
    /// Whether the adapter has credentials (Index calls then carry Basic auth).
    pub has_credentials: bool,
    /// Standalone private registry over HTTPS: Basic auth on every request, no token (auth.md §4).
    pub basic_everywhere: bool,
    /// Existence checks in flight at once (docker 1.5+: 5; older: 1).
    pub max_lookups: usize,
}

impl PushConfig {
    /// A configuration with credentials, token auth and docker 1.5+'s 5 parallel lookups.
    pub fn new(repo: RepoName, index: impl Into<String>, images: Vec<PushImage>) -> Self {
        Self {
            repo,
            index: index.into(),
            images,
            has_credentials: true,
            basic_everywhere: false,
            max_lookups: 5,
        }
    }
}

/// Checksums the adapter computed while streaming a layer upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerUpload {
    /// `sha256:<hex>` of `json + "\n" + the bytes sent` (`X-Docker-Checksum-Payload`).
    pub payload_checksum: String,
    /// `tarsum+sha256:<hex>` (TarSum v0, `X-Docker-Checksum`); empty to omit the header.
    pub tarsum: String,
}

/// Builds docker's image list from per-tag chains (each base first): chains are concatenated,
/// images already collected are dropped, and the tags of duplicates are merged
/// (`getImageList` walks each tag up to an already collected image, then reverses).
pub fn image_list(chains: impl IntoIterator<Item = Vec<PushImage>>) -> Vec<PushImage> {
    let mut out: Vec<PushImage> = Vec::new();
    for chain in chains {
        for image in chain {
            if let Some(seen) = out.iter_mut().find(|i| i.id == image.id) {
                for tag in image.tags {
                    if !seen.tags.contains(&tag) {
                        seen.tags.push(tag);
                    }
                }
            } else {
                out.push(image);
            }
        }
    }
    out
}

#[derive(Debug)]
enum State {
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
enum ImageStep {
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
    repo: RepoName,
    repo_path: String,
    urls: Urls,
    images: Vec<PushImage>,
    tag_count: usize,
    auth: AuthState,
    max_lookups: usize,
    index_body: Bytes,
    endpoints: Vec<String>,
    next_id: u64,
    queue: VecDeque<Output<PushEvent>>,
    state: State,
    error: Option<SessionError>,
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
            next_id: 0,
            queue: VecDeque::new(),
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
        if let Some(out) = self.queue.pop_front() {
            return out;
        }
        match self.state {
            State::Finished | State::Failed => Output::Done,
            _ => Output::Idle,
        }
    }

    /// Reports the response to request `id`: status, headers and the whole body (≤ [`MAX_BODY`]).
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
        if body.len() > MAX_BODY {
            return self.fail(SessionError::BodyTooLarge {
                len: body.len(),
                limit: MAX_BODY,
            });
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

    fn fail(&mut self, e: SessionError) -> Result<(), SessionError> {
        self.state = State::Failed;
        self.error = Some(e.clone());
        Err(e)
    }

    fn event(&mut self, e: PushEvent) {
        self.queue.push_back(Output::Event(e));
    }

    fn send(&mut self, request: Request) -> RequestId {
        let rid = RequestId(self.next_id);
        self.next_id += 1;
        self.queue.push_back(Output::Send(rid, request));
        rid
    }

    /// A registry-role request: token (or Basic for standalone HTTPS registries).
    fn registry_request(
        &self,
        method: Method,
        url: Uri,
        mut headers: HeaderMap,
        body: Body,
    ) -> Request {
        let auth = self.auth.apply(&mut headers, false);
        Request {
            method,
            url,
            headers,
            auth,
            body,
            response: ResponseMode::Buffer,
        }
    }

    fn send_index(&mut self, url: Uri, redirects: u8, validate: bool) -> Result<(), SessionError> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert("x-docker-token", HeaderValue::from_static("true"));
        let body = if validate {
            for ep in &self.endpoints {
                let v = HeaderValue::from_str(ep)
                    .map_err(|_| SessionError::InvalidUrl { url: ep.clone() })?;
                headers.append(HeaderName::from_static("x-docker-endpoints"), v);
            }
            Bytes::from_static(b"[]")
        } else {
            self.index_body.clone()
        };
        let auth = self.auth.apply(&mut headers, true);
        let rid = self.send(Request {
            method: Method::PUT,
            url: url.clone(),
            headers,
            auth,
            body: Body::Json(body),
            response: ResponseMode::Buffer,
        });
        self.state = State::Index {
            rid,
            url,
            redirects,
            validate,
        };
        Ok(())
    }

    fn on_response(
        &mut self,
        id: RequestId,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), SessionError> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::Index {
                url,
                redirects,
                validate,
                ..
            } => self.on_index(url, redirects, validate, status, headers, body),
            State::Lookup {
                ep,
                next,
                mut pending,
                mut needs_push,
            } => {
                let Some(pos) = pending.iter().position(|(r, _)| *r == id) else {
                    return Err(SessionError::UnexpectedReport { id: id.0 });
                };
                let (_, idx) = pending.remove(pos);
                // 200 ⇒ already pushed; anything else (404, 400 "being uploaded", 401) ⇒ push.
                needs_push[idx] = status != 200;
                self.state = State::Lookup {
                    ep,
                    next,
                    pending,
                    needs_push,
                };
                if status == 200 {
                    self.event(PushEvent::ImageSkipped {
                        id: self.images[idx].id.clone(),
                        endpoint: self.endpoints[ep].clone(),
                    });
                }
                self.after_lookup()
            }
            State::Image {
                ep,
                idx,
                needs_push,
                step,
            } => {
                self.state = State::Image {
                    ep,
                    idx,
                    needs_push,
                    step: ImageStep::Json(id),
                };
                self.on_image(ep, idx, step, status, body)
            }
            State::Finished | State::Failed => Err(SessionError::Failed),
        }
    }

    fn on_index(
        &mut self,
        url: Uri,
        redirects: u8,
        validate: bool,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), SessionError> {
        // docker follows 3xx on the Index PUT by re-issuing it to Location with the same body.
        if (300..400).contains(&status) {
            if redirects >= MAX_REDIRECTS {
                return Err(SessionError::TooManyRedirects);
            }
            let location = header_str(headers, LOCATION.as_str())
                .ok_or(SessionError::InvalidHeader { name: "Location" })?;
            let next = resolve_location(&url, location)?;
            return self.send_index(next, redirects + 1, validate);
        }
        if status == 401 {
            return Err(SessionError::AuthenticationRequired);
        }
        let repo = self.repo.to_string();
        if validate {
            if status != 204 {
                return Err(SessionError::Status {
                    step: Step::PushChecksums { repo },
                    status,
                    body: body_text(body),
                });
            }
            self.state = State::Finished;
            self.event(PushEvent::Finished);
            return Ok(());
        }
        if status != 200 && status != 201 {
            return Err(SessionError::Status {
                step: Step::PushRepository { repo },
                status,
                body: body_text(body),
            });
        }
        // docker 1.7+: a missing token is not fatal; the endpoints are.
        let endpoints = build_endpoints(headers, &self.urls)?.ok_or(SessionError::NoEndpoints)?;
        self.endpoints = endpoints;
        self.event(PushEvent::EndpointsResolved {
            repo: self.repo.clone(),
            tags: self.tag_count,
            endpoints: self.endpoints.clone(),
            token: self.auth.has_token(),
        });
        self.start_endpoint(0)
    }

    fn start_endpoint(&mut self, ep: usize) -> Result<(), SessionError> {
        if ep == self.endpoints.len() {
            let url = self
                .urls
                .index_url(&format!("repositories/{}/images", self.repo_path))?;
            return self.send_index(url, 0, true);
        }
        self.state = State::Lookup {
            ep,
            next: 0,
            pending: Vec::new(),
            needs_push: vec![true; self.images.len()],
        };
        for _ in 0..self.max_lookups {
            if !self.send_lookup()? {
                break;
            }
        }
        Ok(())
    }

    /// Sends the next existence check, if any; returns whether one was sent.
    fn send_lookup(&mut self) -> Result<bool, SessionError> {
        let State::Lookup { ep, next, .. } = &self.state else {
            return Ok(false);
        };
        let (ep, idx) = (*ep, *next);
        if idx >= self.images.len() {
            return Ok(false);
        }
        let url = join_endpoint(
            &self.endpoints[ep],
            &format!("images/{}/json", self.images[idx].id),
        )?;
        let request = self.registry_request(Method::GET, url, HeaderMap::new(), Body::Empty);
        let rid = self.send(request);
        if let State::Lookup { next, pending, .. } = &mut self.state {
            *next += 1;
            pending.push((rid, idx));
        }
        Ok(true)
    }

    fn after_lookup(&mut self) -> Result<(), SessionError> {
        let State::Lookup {
            ep, next, pending, ..
        } = &self.state
        else {
            return Ok(());
        };
        let ep = *ep;
        if *next < self.images.len() {
            self.send_lookup()?;
            return Ok(());
        }
        if !pending.is_empty() {
            return Ok(());
        }
        let State::Lookup { needs_push, .. } = std::mem::replace(&mut self.state, State::Failed)
        else {
            return Ok(());
        };
        self.start_image(ep, 0, needs_push)
    }

    fn start_image(
        &mut self,
        ep: usize,
        idx: usize,
        needs_push: Vec<bool>,
    ) -> Result<(), SessionError> {
        if idx == self.images.len() {
            return self.start_endpoint(ep + 1);
        }
        if !needs_push[idx] {
            return self.start_tags(ep, idx, 0, needs_push);
        }
        let image = &self.images[idx];
        let id = image.id.clone();
        let url = join_endpoint(&self.endpoints[ep], &format!("images/{id}/json"))?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let request =
            self.registry_request(Method::PUT, url, headers, Body::Json(image.json.clone()));
        self.event(PushEvent::ImageStarted { id });
        let rid = self.send(request);
        self.state = State::Image {
            ep,
            idx,
            needs_push,
            step: ImageStep::Json(rid),
        };
        Ok(())
    }

    fn start_tags(
        &mut self,
        ep: usize,
        idx: usize,
        t: usize,
        needs_push: Vec<bool>,
    ) -> Result<(), SessionError> {
        let image = &self.images[idx];
        let Some(tag) = image.tags.get(t).cloned() else {
            return self.start_image(ep, idx + 1, needs_push);
        };
        let id = image.id.clone();
        let url_text = format!(
            "{}repositories/{}/tags/{}",
            self.endpoints[ep], self.repo_path, tag
        );
        let url: Uri = url_text.parse().map_err(|_| SessionError::InvalidUrl {
            url: url_text.clone(),
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let body = tag_body(&id);
        let request = self.registry_request(Method::PUT, url, headers, Body::Json(body));
        self.event(PushEvent::TagPushing {
            id,
            tag,
            url: url_text,
        });
        let rid = self.send(request);
        self.state = State::Image {
            ep,
            idx,
            needs_push,
            step: ImageStep::Tag(rid, t),
        };
        Ok(())
    }

    fn on_image(
        &mut self,
        ep: usize,
        idx: usize,
        step: ImageStep,
        status: u16,
        body: &[u8],
    ) -> Result<(), SessionError> {
        let State::Image { needs_push, .. } = std::mem::replace(&mut self.state, State::Failed)
        else {
            return Err(SessionError::Failed);
        };
        let id = self.images[idx].id.clone();
        match step {
            ImageStep::Json(_) => {
                if status == 200 {
                    return self.send_layer(ep, idx, needs_push);
                }
                // docker maps a body {"error": "Image already exists"} (any status) to "skip".
                if parse_error_body(body).as_deref() == Some("Image already exists") {
                    self.event(PushEvent::ImageAlreadyExists { id });
                    return self.start_tags(ep, idx, 0, needs_push);
                }
                if status == 401 && self.endpoints[ep].starts_with("http://") {
                    return Err(SessionError::PlainHttpUnauthorized);
                }
                Err(SessionError::Status {
                    step: Step::PutImageJson,
                    status,
                    body: body_text(body),
                })
            }
            ImageStep::Layer { rid, upload, .. } => {
                if status != 200 {
                    return Err(SessionError::Status {
                        step: Step::PutLayer,
                        status,
                        body: body_text(body),
                    });
                }
                let ready = upload.is_some();
                self.state = State::Image {
                    ep,
                    idx,
                    needs_push,
                    step: ImageStep::Layer {
                        rid,
                        accepted: true,
                        upload,
                    },
                };
                if ready { self.send_checksum() } else { Ok(()) }
            }
            ImageStep::Checksum(_, payload_checksum) => {
                if status != 200 {
                    return Err(SessionError::Status {
                        step: Step::PutChecksum,
                        status,
                        body: body_text(body),
                    });
                }
                self.event(PushEvent::ImagePushed {
                    id,
                    payload_checksum,
                });
                self.start_tags(ep, idx, 0, needs_push)
            }
            ImageStep::Tag(_, t) => {
                if status != 200 && status != 201 {
                    return Err(SessionError::Status {
                        step: Step::PutTag {
                            repo: self.repo.to_string(),
                            tag: self.images[idx].tags[t].to_string(),
                        },
                        status,
                        body: body_text(body),
                    });
                }
                self.event(PushEvent::TagPushed {
                    id,
                    tag: self.images[idx].tags[t].clone(),
                });
                self.start_tags(ep, idx, t + 1, needs_push)
            }
        }
    }

    fn send_layer(
        &mut self,
        ep: usize,
        idx: usize,
        needs_push: Vec<bool>,
    ) -> Result<(), SessionError> {
        let id = self.images[idx].id.clone();
        let url = join_endpoint(&self.endpoints[ep], &format!("images/{id}/layer"))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        let request = self.registry_request(Method::PUT, url, headers, Body::Layer(id));
        let rid = self.send(request);
        self.state = State::Image {
            ep,
            idx,
            needs_push,
            step: ImageStep::Layer {
                rid,
                accepted: false,
                upload: None,
            },
        };
        Ok(())
    }

    fn send_checksum(&mut self) -> Result<(), SessionError> {
        let State::Image {
            ep,
            idx,
            needs_push,
            step:
                ImageStep::Layer {
                    upload: Some(upload),
                    ..
                },
        } = std::mem::replace(&mut self.state, State::Failed)
        else {
            return Err(SessionError::Failed);
        };
        let id = &self.images[idx].id;
        let url = join_endpoint(&self.endpoints[ep], &format!("images/{id}/checksum"))?;
        let mut headers = HeaderMap::new();
        if !upload.tarsum.is_empty() {
            let v =
                HeaderValue::from_str(&upload.tarsum).map_err(|_| SessionError::InvalidChecksum)?;
            headers.insert("x-docker-checksum", v);
        }
        let v = HeaderValue::from_str(&upload.payload_checksum)
            .map_err(|_| SessionError::InvalidChecksum)?;
        headers.insert("x-docker-checksum-payload", v);
        let request = self.registry_request(Method::PUT, url, headers, Body::Empty);
        let rid = self.send(request);
        self.state = State::Image {
            ep,
            idx,
            needs_push,
            step: ImageStep::Checksum(rid, upload.payload_checksum),
        };
        Ok(())
    }
}

/// The image index body: one `{"id","Tag"}` per (id, tag), one `{"id"}` per untagged id, in list
/// order (docker's `createImageIndex`, written as Go `json.Marshal` of `[]*ImgData`).
fn image_index_body(images: &[PushImage]) -> Bytes {
    let mut list = ImageList::default();
    for image in images {
        if image.tags.is_empty() {
            list.0.push(ImageListEntry::new(image.id.clone()));
        }
        for tag in &image.tags {
            let mut entry = ImageListEntry::new(image.id.clone());
            entry.tag = Some(tag.to_string());
            list.0.push(entry);
        }
    }
    list.to_docker_body()
}

/// Resolves a `Location` header against the request URL (absolute, or absolute-path).
fn resolve_location(base: &Uri, location: &str) -> Result<Uri, SessionError> {
    let invalid = || SessionError::InvalidUrl {
        url: location.to_owned(),
    };
    let uri: Uri = location.parse().map_err(|_| invalid())?;
    if uri.scheme().is_some() && uri.authority().is_some() {
        return Ok(uri);
    }
    if !location.starts_with('/') {
        return Err(invalid());
    }
    let (Some(scheme), Some(authority)) = (base.scheme_str(), base.authority()) else {
        return Err(invalid());
    };
    format!("{scheme}://{authority}{location}")
        .parse()
        .map_err(|_| invalid())
}
