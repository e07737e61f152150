//! The pull machine against scripted registries: exact request sequences of flows.md §2.

mod session_support;

#[path = "session_pull/partial.rs"]
mod partial;

use berth_model::pull::{PullConfig, PullEvent, PullSession, TagLookup};
use berth_model::session::{Auth, Request, ResponseMode, SessionError};
use berth_model::{RepoName, Tag};
use bytes::Bytes;
use session_support::*;

const I: &str = "https://index.docker.io/v1/";
const E: &str = "https://registry-1.docker.io/v1/";
const READ_TOKEN: &str = "signature=7c43,repository=\"ns/repo\",access=read";

fn config() -> PullConfig {
    PullConfig::new(RepoName::parse("ns/repo").unwrap(), I, Some(Tag::latest()))
}

fn sum(id: &str) -> String {
    format!("sha256:{}", &id[..8])
}

fn size(id: &str) -> u64 {
    if id == BASE { 100 } else { 50 }
}

/// A well-behaved registry holding TOP (tag latest) on BASE, served from endpoint `ep`.
fn registry(ep: &str, req: &Request) -> Resp {
    let l = line(req);
    if l == format!("GET {I}repositories/ns/repo/images") {
        return Resp::new(200)
            .header("x-docker-token", READ_TOKEN)
            .header("x-docker-endpoints", "registry-1.docker.io")
            .body(format!(
                r#"[{{"id":"{TOP}","checksum":""}},{{"id":"{BASE}"}}]"#
            ));
    }
    if l == format!("GET {ep}repositories/ns/repo/tags/latest") {
        return Resp::new(200).body(format!("\"{TOP}\""));
    }
    if l == format!("GET {ep}repositories/ns/repo/tags") {
        return Resp::new(200).body(format!(r#"{{"latest": "{TOP}", "v1": "{BASE}"}}"#));
    }
    if l == format!("GET {ep}images/{TOP}/ancestry") {
        return Resp::new(200).body(format!(r#"["{TOP}", "{BASE}"]"#));
    }
    if l == format!("GET {ep}images/{BASE}/ancestry") {
        return Resp::new(200).body(format!(r#"["{BASE}"]"#));
    }
    for (id, parent) in [(BASE, None), (TOP, Some(BASE))] {
        if l == format!("GET {ep}images/{id}/json") {
            return Resp::new(200)
                .header("x-docker-size", size(id).to_string())
                .header("x-docker-checksum-payload", sum(id))
                .body(image_json(id, parent));
        }
        if l == format!("GET {ep}images/{id}/layer") {
            return Resp::new(200)
                .header("accept-ranges", "bytes")
                .layer(LayerEnd::Done(size(id), Some(sum(id))));
        }
    }
    Resp::new(404).body(r#"{"error": "Image not found"}"#)
}

#[test]
fn full_pull_sequence_matches_flows() {
    let run = run_pull(PullSession::new(config()).unwrap(), |r| registry(E, r));
    assert_eq!(run.error, None);
    assert_eq!(
        run.lines(),
        vec![
            format!("GET {I}repositories/ns/repo/images"),
            format!("GET {E}repositories/ns/repo/tags/latest"),
            format!("GET {E}images/{TOP}/ancestry"),
            format!("GET {E}images/{BASE}/json"),
            format!("GET {E}images/{BASE}/layer"),
            format!("GET {E}images/{TOP}/json"),
            format!("GET {E}images/{TOP}/layer"),
        ]
    );
    let index = &run.requests[0];
    assert_eq!(index.header("x-docker-token"), Some("true"));
    assert_eq!(index.auth, Auth::None, "anonymous pull: no Basic");
    assert_eq!(index.header("authorization"), None);
    for r in &run.requests[1..] {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Token {READ_TOKEN}").as_str())
        );
        assert_eq!(r.header("range"), None);
    }
    assert_eq!(run.requests[4].response, ResponseMode::StreamLayer);
    assert_eq!(run.requests[3].response, ResponseMode::Buffer);

    let jsons: Vec<(String, Bytes, Option<u64>)> = run
        .events
        .iter()
        .filter_map(|e| match e {
            PullEvent::ImageJson { id, json, size } => Some((id.to_string(), json.clone(), *size)),
            _ => None,
        })
        .collect();
    assert_eq!(
        jsons,
        vec![
            (
                BASE.to_owned(),
                Bytes::from(image_json(BASE, None)),
                Some(100)
            ),
            (
                TOP.to_owned(),
                Bytes::from(image_json(TOP, Some(BASE))),
                Some(50)
            ),
        ]
    );
    assert!(run.events.contains(&PullEvent::TagResolved {
        tag: Tag::latest(),
        id: id(TOP)
    }));
    let texts: Vec<String> = run
        .events
        .iter()
        .flat_map(|e| e.progress())
        .map(|m| m.status)
        .collect();
    assert_eq!(texts.first().unwrap(), "Pulling repository ns/repo");
    let base_texts: Vec<String> = run
        .events
        .iter()
        .flat_map(|e| e.progress())
        .filter(|m| m.id == BASE[..12])
        .map(|m| m.status)
        .collect();
    assert_eq!(
        base_texts,
        [
            "Pulling metadata",
            "Pulling fs layer",
            "Downloading",
            "Download complete"
        ]
    );
    assert!(texts.contains(&format!(
        "Pulling image (latest) from ns/repo, endpoint: {E}"
    )));
    assert_eq!(
        texts.last().unwrap(),
        "Status: Downloaded newer image for ns/repo:latest"
    );
}

#[test]
fn present_images_are_skipped() {
    let mut c = config();
    c.have = vec![id(BASE)];
    c.has_credentials = true;
    let run = run_pull(PullSession::new(c).unwrap(), |r| registry(E, r));
    assert_eq!(run.error, None);
    assert_eq!(run.requests[0].auth, Auth::Basic);
    assert_eq!(
        run.lines()[2..],
        [
            format!("GET {E}images/{TOP}/ancestry"),
            format!("GET {E}images/{TOP}/json"),
            format!("GET {E}images/{TOP}/layer"),
        ]
    );
    assert!(
        run.events
            .contains(&PullEvent::LayerAlreadyPresent { id: id(BASE) })
    );

    // Everything present: nothing downloaded, "Image is up to date".
    let mut c = config();
    c.have = vec![id(BASE), id(TOP)];
    let run = run_pull(PullSession::new(c).unwrap(), |r| registry(E, r));
    assert_eq!(run.requests.len(), 3);
    let last = run.events.last().unwrap().progress();
    assert_eq!(
        last[0].status,
        "Status: Image is up to date for ns/repo:latest"
    );
}

#[test]
fn index_errors() {
    let run = run_pull(PullSession::new(config()).unwrap(), |_| Resp::new(401));
    assert_eq!(run.error, Some(SessionError::AuthenticationRequired));
    assert_eq!(
        run.error.unwrap().to_string(),
        "Authentication is required."
    );

    let run = run_pull(PullSession::new(config()).unwrap(), |_| Resp::new(404));
    assert_eq!(
        run.error.unwrap().to_string(),
        "Error: image ns/repo:latest not found"
    );
    assert_eq!(run.requests.len(), 1);
}

#[test]
fn missing_endpoints_fall_back_to_the_index_host() {
    let run = run_pull(PullSession::new(config()).unwrap(), |r| {
        if line(r) == format!("GET {I}repositories/ns/repo/images") {
            Resp::new(200).body("[]")
        } else {
            registry(I, r)
        }
    });
    assert_eq!(run.error, None);
    assert_eq!(
        run.lines()[1],
        format!("GET {I}repositories/ns/repo/tags/latest")
    );
    // No token was handed out: registry calls carry no Authorization.
    assert!(
        run.requests
            .iter()
            .all(|r| r.header("authorization").is_none())
    );
}

#[test]
fn tag_not_found_and_endpoint_order() {
    let two = |r: &Request| {
        let l = line(r);
        if l == format!("GET {I}repositories/ns/repo/images") {
            Resp::new(200)
                .header("x-docker-endpoints", "r1.example.com, r2.example.com")
                .body("[]")
        } else if l.starts_with("GET https://r1.example.com/") {
            Resp::new(503)
        } else {
            registry("https://r2.example.com/v1/", r)
        }
    };
    let run = run_pull(PullSession::new(config()).unwrap(), two);
    assert_eq!(run.error, None);
    assert_eq!(
        run.lines()[1..4],
        [
            "GET https://r1.example.com/v1/repositories/ns/repo/tags/latest".to_owned(),
            "GET https://r2.example.com/v1/repositories/ns/repo/tags/latest".to_owned(),
            format!("GET https://r1.example.com/v1/images/{TOP}/ancestry"),
        ]
    );
    // The ancestry failed on r1 (503): the image is pulled from r2.
    assert_eq!(
        run.lines()[4],
        format!("GET https://r2.example.com/v1/images/{TOP}/ancestry")
    );
    let failed = run
        .events
        .iter()
        .find(|e| matches!(e, PullEvent::EndpointFailed { .. }))
        .unwrap();
    assert_eq!(
        failed.progress()[0].status,
        format!(
            "Error pulling image (latest) from ns/repo, endpoint: https://r1.example.com/v1/, \
             Server error: 503 trying to fetch remote history for {TOP}"
        )
    );

    // 404 on the tag stops at once.
    let run = run_pull(PullSession::new(config()).unwrap(), |r| {
        if line(r).contains("/tags/") {
            Resp::new(404)
        } else {
            registry(E, r)
        }
    });
    assert_eq!(
        run.error.unwrap().to_string(),
        "Tag latest not found in repository ns/repo"
    );
    assert_eq!(run.requests.len(), 2);

    // Every endpoint failing the tag lookup.
    let run = run_pull(PullSession::new(config()).unwrap(), |r| {
        if line(r).contains("/tags/") {
            Resp::new(500)
        } else {
            registry(E, r)
        }
    });
    assert_eq!(run.error, Some(SessionError::NoEndpointReachable));
}

#[test]
fn tag_list_lookup_and_all_tags() {
    let mut c = config();
    c.tag_lookup = TagLookup::List;
    let run = run_pull(PullSession::new(c).unwrap(), |r| registry(E, r));
    assert_eq!(run.error, None);
    assert_eq!(run.lines()[1], format!("GET {E}repositories/ns/repo/tags"));

    let mut c = config();
    c.tag_lookup = TagLookup::List;
    c.tag = Some(Tag::parse("nope").unwrap());
    let run = run_pull(PullSession::new(c).unwrap(), |r| registry(E, r));
    assert_eq!(
        run.error.unwrap().to_string(),
        "Tag nope not found in repository ns/repo"
    );

    let mut c = config();
    c.tag = None;
    let run = run_pull(PullSession::new(c).unwrap(), |r| registry(E, r));
    assert_eq!(run.error, None);
    // Both tags resolve; BASE (tag v1) is already pulled as TOP's ancestor and not fetched again.
    assert_eq!(
        run.lines()[2..],
        [
            format!("GET {E}images/{TOP}/ancestry"),
            format!("GET {E}images/{BASE}/json"),
            format!("GET {E}images/{BASE}/layer"),
            format!("GET {E}images/{TOP}/json"),
            format!("GET {E}images/{TOP}/layer"),
            format!("GET {E}images/{BASE}/ancestry"),
        ]
    );
    assert_eq!(
        run.events.last().unwrap().progress()[0].status,
        "Status: Downloaded newer image for ns/repo"
    );
}

#[test]
fn interrupted_layer_resumes_with_range() {
    let mut base_layer_calls = 0;
    let run = run_pull(PullSession::new(config()).unwrap(), |r| {
        if line(r) == format!("GET {E}images/{BASE}/layer") {
            base_layer_calls += 1;
            match base_layer_calls {
                1 => Resp::new(200)
                    .header("accept-ranges", "bytes")
                    .layer(LayerEnd::Interrupted(40)),
                _ => Resp::new(206).layer(LayerEnd::Done(100, Some(sum(BASE)))),
            }
        } else {
            registry(E, r)
        }
    });
    assert_eq!(run.error, None);
    let layer_requests: Vec<&Request> = run
        .requests
        .iter()
        .filter(|r| line(r) == format!("GET {E}images/{BASE}/layer"))
        .collect();
    assert_eq!(layer_requests.len(), 2);
    assert_eq!(layer_requests[0].header("range"), None);
    assert_eq!(layer_requests[1].header("range"), Some("bytes=40-100"));
    assert!(run.events.contains(&PullEvent::LayerDownloadStarted {
        id: id(BASE),
        size: Some(100),
        offset: 40
    }));
}

#[test]
fn status_416_at_eof_means_done() {
    let mut calls = 0;
    let run = run_pull(PullSession::new(config()).unwrap(), |r| {
        if line(r) == format!("GET {E}images/{BASE}/layer") {
            calls += 1;
            match calls {
                1 => Resp::new(200)
                    .header("accept-ranges", "bytes")
                    .layer(LayerEnd::Interrupted(100)),
                _ => Resp::new(416).layer(LayerEnd::Done(100, Some(sum(BASE)))),
            }
        } else {
            registry(E, r)
        }
    });
    assert_eq!(run.error, None);
    let ranged = run
        .requests
        .iter()
        .filter_map(|r| r.header("range"))
        .collect::<Vec<_>>();
    assert_eq!(ranged, ["bytes=100-100"]);
}

#[test]
fn unresumable_interruption_fails_the_endpoint() {
    // No Accept-Ranges: the only endpoint fails and the pull stops.
    let run = run_pull(PullSession::new(config()).unwrap(), |r| {
        if line(r) == format!("GET {E}images/{BASE}/layer") {
            Resp::new(200).layer(LayerEnd::Interrupted(10))
        } else {
            registry(E, r)
        }
    });
    assert_eq!(
        run.error.unwrap().to_string(),
        format!(
            "Error pulling image (latest) from ns/repo, layer download for image {BASE} \
             interrupted after 10 bytes"
        )
    );

    // A resume answered 200 instead of 206.
    let mut calls = 0;
    let run = run_pull(PullSession::new(config()).unwrap(), |r| {
        if line(r) == format!("GET {E}images/{BASE}/layer") {
            calls += 1;
            if calls == 1 {
                Resp::new(200)
                    .header("accept-ranges", "bytes")
                    .layer(LayerEnd::Interrupted(10))
            } else {
                Resp::new(200)
            }
        } else {
            registry(E, r)
        }
    });
    let Some(SessionError::PullFailed { last, .. }) = run.error else {
        panic!("expected PullFailed, got {:?}", run.error)
    };
    assert_eq!(*last, SessionError::RangeNotSupported);
}

#[test]
fn checksum_mismatch_is_an_error() {
    let run = run_pull(PullSession::new(config()).unwrap(), |r| {
        if line(r) == format!("GET {E}images/{BASE}/layer") {
            Resp::new(200).layer(LayerEnd::Done(100, Some("sha256:other".to_owned())))
        } else {
            registry(E, r)
        }
    });
    assert_eq!(
        run.error,
        Some(SessionError::ChecksumMismatch {
            id: BASE.to_owned(),
            expected: sum(BASE),
            actual: "sha256:other".to_owned(),
        })
    );
    assert_eq!(
        run.lines().last().unwrap(),
        &format!("GET {E}images/{BASE}/layer")
    );
}

#[test]
fn json_naming_another_image_fails_the_endpoint() {
    let run = run_pull(PullSession::new(config()).unwrap(), |r| {
        if line(r) == format!("GET {E}images/{BASE}/json") {
            Resp::new(200).body(image_json(MID, None))
        } else {
            registry(E, r)
        }
    });
    assert!(matches!(
        run.error,
        Some(SessionError::PullFailed { ref last, .. })
            if matches!(**last, SessionError::JsonIdMismatch { .. })
    ));
}
