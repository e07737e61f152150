//! A pair test: the push machine uploads into a tiny in-memory Index + registry written here, then
//! the pull machine downloads it again (with a resumed layer), all without sockets.

mod session_support;

use berth_model::pull::{LayerDownload, PullConfig, PullEvent, PullSession};
use berth_model::push::{LayerUpload, PushConfig, PushEvent, PushImage, PushSession};
use berth_model::session::{Auth, Body, Output, Request, ResponseMode};
use berth_model::{RepoName, Tag, http};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use session_support::*;
use std::collections::{BTreeMap, HashMap};

const ROOT: &str = "http://reg.test/v1/";
const TOKEN: &str = "signature=abc,repository=\"ns/repo\",access=write";

/// Stand-in for sha256: a 64-bit FNV-1a, good enough to detect corruption in a test.
fn fake_sum(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("sha256:{h:016x}")
}

#[derive(Default)]
struct Stored {
    json: Vec<u8>,
    parent: Option<String>,
    layer: Option<Vec<u8>>,
    sum: Option<String>,
    complete: bool,
}

#[derive(Default)]
struct FakeRegistry {
    images: HashMap<String, Stored>,
    tags: BTreeMap<String, String>,
    log: Vec<String>,
}

fn resp(
    status: u16,
    headers: &[(&'static str, &str)],
    body: &[u8],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.append(*k, HeaderValue::from_str(v).unwrap());
    }
    (StatusCode::from_u16(status).unwrap(), map, body.to_vec())
}

impl FakeRegistry {
    fn handle(&mut self, req: &Request, upload: Option<&[u8]>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let url = req.url.to_string();
        let path = url
            .strip_prefix(ROOT)
            .expect("request to the fake registry");
        self.log.push(format!("{} /v1/{path}", req.method));
        let token_ok = req.header("authorization") == Some(&format!("Token {TOKEN}"));
        let body: &[u8] = match &req.body {
            Body::Json(b) => b,
            _ => &[],
        };
        let parts: Vec<&str> = path.split('/').collect();
        match (req.method.clone(), parts.as_slice()) {
            (Method::PUT, ["repositories", "ns", "repo", ""]) => {
                assert_eq!(req.auth, Auth::Basic);
                resp(
                    200,
                    &[
                        ("x-docker-token", TOKEN),
                        ("x-docker-endpoints", "reg.test"),
                    ],
                    b"\"\"",
                )
            }
            (Method::PUT, ["repositories", "ns", "repo", "images"]) => resp(204, &[], b""),
            (Method::GET, ["repositories", "ns", "repo", "images"]) => resp(
                200,
                &[
                    ("x-docker-token", TOKEN),
                    ("x-docker-endpoints", "reg.test"),
                ],
                b"[]",
            ),
            _ if !token_ok => resp(401, &[], br#"{"error": "Requires authorization"}"#),
            (Method::GET, ["repositories", "ns", "repo", "tags", tag]) => match self.tags.get(*tag)
            {
                Some(id) => resp(200, &[], format!("\"{id}\"").as_bytes()),
                None => resp(404, &[], br#"{"error": "Tag not found"}"#),
            },
            (Method::PUT, ["repositories", "ns", "repo", "tags", tag]) => {
                let id: String = serde_json::from_slice(body).unwrap();
                self.tags.insert((*tag).to_owned(), id);
                resp(200, &[], b"true")
            }
            (Method::GET, ["images", id, what]) => {
                let Some(img) = self.images.get(*id).filter(|i| i.complete) else {
                    return resp(404, &[], br#"{"error": "Image not found"}"#);
                };
                match *what {
                    "json" => {
                        let size = img.layer.as_ref().map_or(0, Vec::len).to_string();
                        let sum = img.sum.clone().unwrap();
                        resp(
                            200,
                            &[
                                ("x-docker-size", &size),
                                ("x-docker-checksum-payload", &sum),
                            ],
                            &img.json,
                        )
                    }
                    "ancestry" => {
                        let mut ids = vec![(*id).to_owned()];
                        while let Some(p) = self.images[ids.last().unwrap()].parent.clone() {
                            ids.push(p);
                        }
                        resp(200, &[], serde_json::to_string(&ids).unwrap().as_bytes())
                    }
                    "layer" => {
                        let layer = img.layer.as_ref().unwrap();
                        match req.header("range") {
                            None => resp(200, &[("accept-ranges", "bytes")], layer),
                            Some(range) => {
                                let (a, _) = range
                                    .strip_prefix("bytes=")
                                    .unwrap()
                                    .split_once('-')
                                    .unwrap();
                                let start: usize = a.parse().unwrap();
                                if start >= layer.len() {
                                    resp(416, &[], b"")
                                } else {
                                    resp(206, &[], &layer[start..])
                                }
                            }
                        }
                    }
                    _ => resp(404, &[], b""),
                }
            }
            (Method::PUT, ["images", id, "json"]) => {
                if self.images.get(*id).is_some_and(|i| i.complete) {
                    return resp(409, &[], br#"{"error": "Image already exists"}"#);
                }
                let v: serde_json::Value = serde_json::from_slice(body).unwrap();
                let parent = v.get("parent").and_then(|p| p.as_str()).map(str::to_owned);
                if let Some(p) = &parent {
                    assert!(self.images.contains_key(p), "parents are pushed first");
                }
                self.images.insert(
                    (*id).to_owned(),
                    Stored {
                        json: body.to_vec(),
                        parent,
                        ..Stored::default()
                    },
                );
                resp(200, &[], b"true")
            }
            (Method::PUT, ["images", id, "layer"]) => {
                let img = self.images.get_mut(*id).expect("json before layer");
                let layer = upload.unwrap().to_vec();
                img.sum = Some(fake_sum(&[&img.json, b"\n", &layer]));
                img.layer = Some(layer);
                resp(200, &[], b"true")
            }
            (Method::PUT, ["images", id, "checksum"]) => {
                let img = self.images.get_mut(*id).unwrap();
                if req.header("x-docker-checksum-payload") != img.sum.as_deref() {
                    return resp(400, &[], br#"{"error": "Checksum mismatch"}"#);
                }
                img.complete = true;
                resp(200, &[], b"true")
            }
            _ => resp(404, &[], b""),
        }
    }
}

fn layer_bytes(id: &str) -> Vec<u8> {
    id.bytes().cycle().take(1000 + id.len()).collect()
}

fn push_images() -> Vec<PushImage> {
    vec![
        push_image(BASE, None, vec![]),
        push_image(MID, Some(BASE), vec![Tag::parse("v1").unwrap()]),
        push_image(TOP, Some(MID), vec![Tag::latest()]),
    ]
}

fn push(reg: &mut FakeRegistry) -> Vec<PushEvent> {
    let images = push_images();
    let mut s = PushSession::new(PushConfig::new(
        RepoName::parse("ns/repo").unwrap(),
        ROOT,
        images.clone(),
    ))
    .unwrap();
    let mut events = Vec::new();
    let mut queue = std::collections::VecDeque::new();
    loop {
        match s.poll_output() {
            Output::Send(rid, req) => queue.push_back((rid, req)),
            Output::Event(e) => events.push(e),
            Output::Idle => {
                let (rid, req) = queue.pop_front().unwrap();
                let (status, headers, body) = if let Body::Layer(lid) = &req.body {
                    // The adapter streams the layer and hashes exactly what it sent.
                    let layer = layer_bytes(lid.as_str());
                    let json = &images.iter().find(|i| &i.id == lid).unwrap().json;
                    let upload = LayerUpload {
                        payload_checksum: fake_sum(&[json, b"\n", &layer]),
                        tarsum: "tarsum+sha256:0".to_owned(),
                    };
                    let r = reg.handle(&req, Some(&layer));
                    s.handle_layer_uploaded(rid, upload).unwrap();
                    r
                } else {
                    reg.handle(&req, None)
                };
                s.handle_response(rid, status, &headers, &body).unwrap();
            }
            Output::Done => break,
            _ => unreachable!(),
        }
    }
    assert!(s.is_done());
    events
}

#[test]
fn push_then_pull_round_trips_through_an_in_memory_registry() {
    let mut reg = FakeRegistry::default();
    let events = push(&mut reg);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, PushEvent::ImagePushed { .. }))
            .count(),
        3
    );
    assert_eq!(reg.tags["latest"], TOP);
    assert_eq!(reg.tags["v1"], MID);
    assert!(reg.images.values().all(|i| i.complete));

    // A second push finds everything: only lookups and tags are sent.
    reg.log.clear();
    let events = push(&mut reg);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, PushEvent::ImageSkipped { .. }))
            .count(),
        3
    );
    assert!(!reg.log.iter().any(|l| l.starts_with("PUT /v1/images/")));

    // Pull `latest`, breaking the MID layer once after 300 bytes.
    reg.log.clear();
    let mut s = PullSession::new(PullConfig::new(
        RepoName::parse("ns/repo").unwrap(),
        ROOT,
        Some(Tag::latest()),
    ))
    .unwrap();
    let mut store: HashMap<String, (Bytes, Vec<u8>)> = HashMap::new();
    let mut json_of: HashMap<String, Bytes> = HashMap::new();
    let mut broke = false;
    let mut partial: Vec<u8> = Vec::new();
    let mut queue = std::collections::VecDeque::new();
    let mut finished = None;
    loop {
        match s.poll_output() {
            Output::Send(rid, req) => queue.push_back((rid, req)),
            Output::Event(PullEvent::ImageJson { id, json, .. }) => {
                json_of.insert(id.to_string(), json);
            }
            Output::Event(PullEvent::Finished {
                reference,
                downloaded,
            }) => finished = Some((reference, downloaded)),
            Output::Event(_) => {}
            Output::Idle => {
                let (rid, req) = queue.pop_front().unwrap();
                let (status, headers, body) = reg.handle(&req, None);
                if req.response == ResponseMode::StreamLayer {
                    s.handle_response(rid, status, &headers, b"").unwrap();
                    let url = req.url.to_string();
                    let lid = url.rsplit('/').nth(1).unwrap().to_owned();
                    partial.extend_from_slice(&body);
                    if lid == MID && !broke {
                        broke = true;
                        partial.truncate(300);
                        s.handle_layer_interrupted(rid, 300).unwrap();
                        continue;
                    }
                    let layer = std::mem::take(&mut partial);
                    let json = json_of[&lid].clone();
                    let sum = fake_sum(&[&json, b"\n", &layer]);
                    let received = layer.len() as u64;
                    store.insert(lid, (json, layer));
                    s.handle_layer_downloaded(
                        rid,
                        LayerDownload {
                            received,
                            payload_checksum: Some(sum),
                        },
                    )
                    .unwrap();
                } else {
                    s.handle_response(rid, status, &headers, &body).unwrap();
                }
            }
            Output::Done => break,
            _ => unreachable!(),
        }
    }
    assert!(s.is_done(), "{:?}", s.error());
    assert_eq!(finished, Some(("ns/repo:latest".to_owned(), true)));
    for id in [BASE, MID, TOP] {
        let (json, layer) = &store[id];
        assert_eq!(
            &json[..],
            &reg.images[id].json[..],
            "json of {id} byte for byte"
        );
        assert_eq!(layer, &layer_bytes(id), "layer of {id}");
    }
    let mid_layer = format!("GET /v1/images/{MID}/layer");
    assert_eq!(reg.log.iter().filter(|l| **l == mid_layer).count(), 2);
    assert_eq!(
        reg.log
            .iter()
            .filter(|l| l.starts_with("GET /v1/images/"))
            .count(),
        1 + 3 * 2 + 1,
        "ancestry, json+layer per image, one resume"
    );
}
