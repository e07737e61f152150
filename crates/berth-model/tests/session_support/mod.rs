//! Drivers that run the push and pull machines against scripted responses.
#![allow(dead_code, unreachable_pub)]

use berth_model::pull::{LayerDownload, PullEvent, PullSession};
use berth_model::push::{LayerUpload, PushEvent, PushImage, PushSession};
use berth_model::session::{Body, Output, Request, RequestId, ResponseMode, SessionError};
use berth_model::{ImageId, Tag, http};
use bytes::Bytes;
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

/// An image to push, with docker's json for it and no known layer size.
pub fn push_image(hex: &str, parent: Option<&str>, tags: Vec<Tag>) -> PushImage {
    PushImage {
        id: id(hex),
        json: Bytes::from(image_json(hex, parent)),
        parent: parent.map(id),
        layer_size: None,
        tags,
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

/// What [`drive`] needs of a session machine.
trait Driven {
    type Event;
    fn poll(&mut self) -> Output<Self::Event>;
    fn error(&self) -> Option<&SessionError>;
    /// Reports the scripted answer `resp` to request `rid` the way an adapter would.
    fn answer(&mut self, rid: RequestId, req: &Request, resp: &Resp) -> Result<(), SessionError>;
}

/// Runs `s` to the end, answering its requests in the order they were handed out.
fn drive<S: Driven>(
    mut s: S,
    what: &str,
    mut respond: impl FnMut(&Request) -> Resp,
) -> Run<S::Event> {
    let mut run = Run {
        requests: Vec::new(),
        events: Vec::new(),
        error: None,
    };
    let mut pending = std::collections::VecDeque::new();
    for _ in 0..10_000 {
        match s.poll() {
            Output::Send(rid, req) => pending.push_back((rid, req)),
            Output::Event(e) => run.events.push(e),
            Output::Idle => {
                let (rid, req) = pending.pop_front().expect("idle with nothing in flight");
                let resp = respond(&req);
                let result = s.answer(rid, &req, &resp);
                run.requests.push(req);
                if let Err(e) = result {
                    assert_eq!(s.error(), Some(&e));
                    run.error = Some(e);
                }
            }
            Output::Done => return run,
            _ => unreachable!(),
        }
    }
    panic!("{what} did not finish")
}

impl Driven for PushSession {
    type Event = PushEvent;
    fn poll(&mut self) -> Output<PushEvent> {
        self.poll_output()
    }
    fn error(&self) -> Option<&SessionError> {
        Self::error(self)
    }
    fn answer(&mut self, rid: RequestId, req: &Request, resp: &Resp) -> Result<(), SessionError> {
        if matches!(req.body, Body::Layer(_)) {
            let upload = LayerUpload {
                payload_checksum: "sha256:payload".to_owned(),
                tarsum: "tarsum+sha256:tarsum".to_owned(),
            };
            self.handle_layer_uploaded(rid, upload)?;
        }
        self.handle_response(
            rid,
            StatusCode::from_u16(resp.status).unwrap(),
            &resp.header_map(),
            &resp.body,
        )
    }
}

impl Driven for PullSession {
    type Event = PullEvent;
    fn poll(&mut self) -> Output<PullEvent> {
        self.poll_output()
    }
    fn error(&self) -> Option<&SessionError> {
        Self::error(self)
    }
    /// Streamed layers end as scripted in [`Resp::layer`].
    fn answer(&mut self, rid: RequestId, req: &Request, resp: &Resp) -> Result<(), SessionError> {
        let stream = req.response == ResponseMode::StreamLayer;
        let status = StatusCode::from_u16(resp.status).unwrap();
        let head_body: &[u8] = if stream { &[] } else { &resp.body };
        self.handle_response(rid, status, &resp.header_map(), head_body)?;
        // A session that rejected the head has moved on; only stream accepted bodies.
        if let (true, Some(end)) = (stream, resp.layer.clone()) {
            let r = match end {
                LayerEnd::Done(received, payload_checksum) => self.handle_layer_downloaded(
                    rid,
                    LayerDownload {
                        received,
                        payload_checksum,
                    },
                ),
                LayerEnd::Interrupted(n) => self.handle_layer_interrupted(rid, n),
            };
            // Reports for a request the session abandoned are refused harmlessly.
            if !matches!(r, Err(SessionError::UnexpectedReport { .. })) {
                return r;
            }
        }
        Ok(())
    }
}

/// Drives a push: requests are answered in the order they were handed out.
pub fn run_push(s: PushSession, respond: impl FnMut(&Request) -> Resp) -> Run<PushEvent> {
    drive(s, "push", respond)
}

/// Drives a pull: requests are answered in order; streamed layers end as scripted.
pub fn run_pull(s: PullSession, respond: impl FnMut(&Request) -> Resp) -> Run<PullEvent> {
    drive(s, "pull", respond)
}
