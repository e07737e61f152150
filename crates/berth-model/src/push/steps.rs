//! The transitions of the push session.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

use super::PushEvent;
use super::machine::{ImageStep, MAX_REDIRECTS, PushSession, State};
use crate::session::{
    Body, RequestId, ResponseMode, SessionError, Step, build_endpoints, header_str, join_endpoint,
    status_error,
};
use crate::{parse_error_body, tag_body};

impl PushSession {
    pub(super) fn send_index(
        &mut self,
        url: Uri,
        redirects: u8,
        validate: bool,
    ) -> Result<(), SessionError> {
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
        let request = self.auth.request(
            Method::PUT,
            url.clone(),
            headers,
            true,
            Body::Json(body),
            ResponseMode::Buffer,
        );
        let rid = self.send(request);
        self.state = State::Index {
            rid,
            url,
            redirects,
            validate,
        };
        Ok(())
    }

    pub(super) fn on_response(
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
                return Err(status_error(Step::PushChecksums { repo }, status, body));
            }
            self.state = State::Finished;
            self.event(PushEvent::Finished);
            return Ok(());
        }
        if status != 200 && status != 201 {
            return Err(status_error(Step::PushRepository { repo }, status, body));
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
                Err(status_error(Step::PutImageJson, status, body))
            }
            ImageStep::Layer { rid, upload, .. } => {
                if status != 200 {
                    return Err(status_error(Step::PutLayer, status, body));
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
                    return Err(status_error(Step::PutChecksum, status, body));
                }
                self.event(PushEvent::ImagePushed {
                    id,
                    payload_checksum,
                });
                self.start_tags(ep, idx, 0, needs_push)
            }
            ImageStep::Tag(_, t) => {
                if status != 200 && status != 201 {
                    return Err(status_error(
                        Step::PutTag {
                            repo: self.repo.to_string(),
                            tag: self.images[idx].tags[t].to_string(),
                        },
                        status,
                        body,
                    ));
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

    pub(super) fn send_checksum(&mut self) -> Result<(), SessionError> {
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
