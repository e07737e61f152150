//! The transitions of the pull session after the Index answered.

use bytes::Bytes;
use http::header::{ACCEPT_RANGES, CONTENT_RANGE, RANGE};
use http::{HeaderMap, HeaderValue, Method};

use super::PullEvent;
use super::config::TagLookup;
use super::machine::{Fail, Layer, PullSession, State};
use crate::session::{
    Body, RequestId, ResponseMode, SessionError, Step, build_endpoints, header_str, join_endpoint,
    status_error,
};
use crate::{Ancestry, ImageId, ImageJson, ImageList, Tag, TagMap, parse_tag_body};

impl PullSession {
    pub(super) fn on_index(
        &mut self,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Fail> {
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
                return Err(status_error(
                    Step::PullRepository {
                        repo: self.repo.to_string(),
                    },
                    status,
                    body,
                )
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
        let request = self.auth.request(
            Method::GET,
            url,
            HeaderMap::new(),
            false,
            Body::Empty,
            ResponseMode::Buffer,
        );
        let rid = self.send(request);
        self.state = State::Tags { rid, ep };
        Ok(())
    }

    pub(super) fn on_tags(&mut self, ep: usize, status: u16, body: &[u8]) -> Result<(), Fail> {
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
    pub(super) fn start_job(&mut self) -> Result<(), SessionError> {
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

    pub(super) fn on_ancestry(&mut self, status: u16, body: &[u8]) -> Result<(), Fail> {
        let (_, id) = self.jobs[self.job].clone();
        if status != 200 {
            return Err(Fail::Endpoint(status_error(
                Step::Ancestry { id: id.to_string() },
                status,
                body,
            )));
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
    pub(super) fn next_layer(&mut self, mut pos: usize) -> Result<(), SessionError> {
        while let Some(id) = self.order.get(pos) {
            if !self.have.contains(id) {
                let id = id.clone();
                self.event(PullEvent::MetadataRequested { id: id.clone() });
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

    pub(super) fn on_json(
        &mut self,
        pos: usize,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Fail> {
        let id = self.order[pos].clone();
        if status != 200 {
            return Err(Fail::Endpoint(status_error(Step::ImageJson, status, body)));
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
        // Bytes kept by an earlier run are used once, and only if they can be a prefix.
        let kept = self
            .partial
            .remove(&id)
            .filter(|kept| size.is_none_or(|size| *kept <= size))
            .unwrap_or(0);
        let layer = Box::new(Layer {
            id,
            size,
            expected,
            accept_ranges: false,
            offset: kept,
            resumes: 0,
            from_partial: kept > 0,
            streaming: false,
        });
        self.send_layer(pos, layer)?;
        Ok(())
    }

    pub(super) fn send_layer(&mut self, pos: usize, layer: Box<Layer>) -> Result<(), SessionError> {
        let mut headers = HeaderMap::new();
        if layer.offset > 0 {
            // docker's resumable reader: "bytes=<received>-<total size>"; a break before the first
            // byte simply repeats the plain request. Bytes kept by an earlier run may be resumed
            // without a known size: "bytes=<kept>-".
            let range = match layer.size {
                Some(size) => format!("bytes={}-{size}", layer.offset),
                None => format!("bytes={}-", layer.offset),
            };
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

    pub(super) fn on_layer_head(
        &mut self,
        rid: RequestId,
        pos: usize,
        mut layer: Box<Layer>,
        status: u16,
        headers: &HeaderMap,
    ) -> Result<(), Fail> {
        if layer.from_partial {
            return self.on_partial_head(rid, pos, layer, status, headers);
        }
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
        if status == 206 && !content_range_starts_at(headers, layer.offset) {
            return Err(Fail::Endpoint(SessionError::RangeNotSupported));
        }
        if !resumed {
            layer.accept_ranges = accepts_byte_ranges(headers);
        }
        self.start_streaming(rid, pos, layer);
        Ok(())
    }

    /// The head of a layer request that resumes bytes kept by an earlier run.
    fn on_partial_head(
        &mut self,
        rid: RequestId,
        pos: usize,
        mut layer: Box<Layer>,
        status: u16,
        headers: &HeaderMap,
    ) -> Result<(), Fail> {
        layer.from_partial = false;
        match status {
            206 if content_range_starts_at(headers, layer.offset) => {
                // The registry honoured Range, so a later break can be resumed too.
                layer.accept_ranges = true;
            }
            206 => return Err(Fail::Endpoint(SessionError::RangeNotSupported)),
            // "416 when received == size ⇒ done": the earlier run had the whole body.
            416 if layer.size == Some(layer.offset) => {}
            200 => {
                // Range ignored: the whole layer follows and the kept bytes must go.
                layer.offset = 0;
                layer.accept_ranges = accepts_byte_ranges(headers);
            }
            416 => {
                // The kept bytes are longer than the layer: fetch it whole.
                layer.offset = 0;
                return self.send_layer(pos, layer).map_err(Fail::from);
            }
            _ => {
                return Err(Fail::Endpoint(SessionError::Status {
                    step: Step::Layer {
                        id: layer.id.to_string(),
                    },
                    status,
                    body: String::new(),
                }));
            }
        }
        self.start_streaming(rid, pos, layer);
        Ok(())
    }

    fn start_streaming(&mut self, rid: RequestId, pos: usize, mut layer: Box<Layer>) {
        layer.streaming = true;
        self.event(PullEvent::LayerDownloadStarted {
            id: layer.id.clone(),
            size: layer.size,
            offset: layer.offset,
        });
        self.state = State::Layer { rid, pos, layer };
    }
}

fn accepts_byte_ranges(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_RANGES)
        .iter()
        .any(|v| v.as_bytes() == b"bytes")
}

/// Whether a `206` answer's `Content-Range: bytes <first>-<last>/<size>` (when sent) starts at
/// `offset`; a body starting elsewhere would be spliced at the wrong place.
fn content_range_starts_at(headers: &HeaderMap, offset: u64) -> bool {
    let Some(value) = headers.get(CONTENT_RANGE) else {
        return true;
    };
    let first = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix("bytes "))
        .and_then(|v| v.split_once('-'))
        .and_then(|(first, _)| first.trim().parse::<u64>().ok());
    first == Some(offset)
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
