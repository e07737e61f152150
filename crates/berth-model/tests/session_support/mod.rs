//! Drivers that run the push and pull machines against scripted responses.
#![allow(dead_code, unreachable_pub)]

use berth_model::pull::{LayerDownload, PullEvent, PullSession};
use berth_model::push::{LayerUpload, PushEvent, PushSession};
use berth_model::session::{Body, Output, Request, ResponseMode, SessionError};
use berth_model::{ImageId, http};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

pub const BASE: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const MID: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
pub const TOP: &str = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
pub const TOKEN: &str = "signature=123abc,repository=\"ns/repo\",access=write";

pub fn id(s: &str) -> ImageId {
    ImageId::parse(s).unwrap()
}

/// The image json docker stores (with its trailing newline).
pub fn image_json(id: &str, parent: Option<&str>) -> Vec<u8> {
    match parent {
        Some(p) => format!("{{\"id\":\"{id}\",\"parent\":\"{p}\"}}\n").into_bytes(),
        None => format!("{{\"id\":\"{id}\"}}\n").into_bytes(),
    }
}

/// How a streamed layer body ends.
#[derive(Debug, Clone)]
pub enum LayerEnd {
    /// Complete after `received` bytes in total, with the adapter's payload checksum.
    Done(u64, Option<String>),
    /// Broke off after `received` bytes in total.
    Interrupted(u64),
}

/// One scripted response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub layer: Option<LayerEnd>,
}

impl Resp {
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            layer: None,
        }
    }
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    pub fn body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.body = body.as_ref().to_vec();
        self
    }
    pub fn layer(mut self, end: LayerEnd) -> Self {
        self.layer = Some(end);
        self
    }
    pub fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in &self.headers {
            map.append(
                HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }
}

/// `METHOD URL` of a request.
pub fn line(req: &Request) -> String {
    format!("{} {}", req.method, req.url)
}

/// Everything a run produced.
#[derive(Debug)]
pub struct Run<E> {
    pub requests: Vec<Request>,
    pub events: Vec<E>,
    pub error: Option<SessionError>,
}

impl<E> Run<E> {
    pub fn lines(&self) -> Vec<String> {
        self.requests.iter().map(line).collect()
    }
    pub fn find(&self, l: &str) -> &Request {
        self.requests
            .iter()
            .find(|r| line(r) == l)
            .unwrap_or_else(|| panic!("no request {l}"))
    }
}

/// Drives a push: requests are answered in the order they were handed out.
pub fn run_push(mut s: PushSession, mut respond: impl FnMut(&Request) -> Resp) -> Run<PushEvent> {
    let mut run = Run {
        requests: Vec::new(),
        events: Vec::new(),
        error: None,
    };
    let mut pending = std::collections::VecDeque::new();
    for _ in 0..10_000 {
        match s.poll_output() {
            Output::Send(rid, req) => pending.push_back((rid, req)),
            Output::Event(e) => run.events.push(e),
            Output::Idle => {
                let (rid, req) = pending.pop_front().expect("idle with nothing in flight");
                let resp = respond(&req);
                let layer = matches!(req.body, Body::Layer(_));
                run.requests.push(req);
                let mut result = Ok(());
                if layer {
                    let upload = LayerUpload {
                        payload_checksum: "sha256:payload".to_owned(),
                        tarsum: "tarsum+sha256:tarsum".to_owned(),
                    };
                    result = s.handle_layer_uploaded(rid, upload);
                }
                if result.is_ok() {
                    result = s.handle_response(
                        rid,
                        StatusCode::from_u16(resp.status).unwrap(),
                        &resp.header_map(),
                        &resp.body,
                    );
                }
                if let Err(e) = result {
                    assert_eq!(s.error(), Some(&e));
                    run.error = Some(e);
                }
            }
            Output::Done => return run,
            _ => unreachable!(),
        }
    }
    panic!("push did not finish")
}

/// Drives a pull: requests are answered in order; streamed layers end as scripted.
pub fn run_pull(mut s: PullSession, mut respond: impl FnMut(&Request) -> Resp) -> Run<PullEvent> {
    let mut run = Run {
        requests: Vec::new(),
        events: Vec::new(),
        error: None,
    };
    let mut pending = std::collections::VecDeque::new();
    for _ in 0..10_000 {
        match s.poll_output() {
            Output::Send(rid, req) => pending.push_back((rid, req)),
            Output::Event(e) => run.events.push(e),
            Output::Idle => {
                let (rid, req) = pending.pop_front().expect("idle with nothing in flight");
                let resp = respond(&req);
                let stream = req.response == ResponseMode::StreamLayer;
                run.requests.push(req);
                let status = StatusCode::from_u16(resp.status).unwrap();
                let head_body: &[u8] = if stream { &[] } else { &resp.body };
                let mut result = s.handle_response(rid, status, &resp.header_map(), head_body);
                if result.is_ok() && stream {
                    // A session that rejected the head has moved on; only stream accepted bodies.
                    if let Some(end) = resp.layer.clone() {
                        let r = match end {
                            LayerEnd::Done(received, payload_checksum) => s
                                .handle_layer_downloaded(
                                    rid,
                                    LayerDownload {
                                        received,
                                        payload_checksum,
                                    },
                                ),
                            LayerEnd::Interrupted(n) => s.handle_layer_interrupted(rid, n),
                        };
                        // Reports for a request the session abandoned are refused harmlessly.
                        if !matches!(r, Err(SessionError::UnexpectedReport { .. })) {
                            result = r;
                        }
                    }
                }
                if let Err(e) = result {
                    assert_eq!(s.error(), Some(&e));
                    run.error = Some(e);
                }
            }
            Output::Done => return run,
            _ => unreachable!(),
        }
    }
    panic!("pull did not finish")
}
