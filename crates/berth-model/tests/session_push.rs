//! The push machine against scripted registries: exact request sequences of flows.md §1.

mod session_support;

use berth_model::push::{PushConfig, PushEvent, PushImage, PushSession, image_list};
use berth_model::session::{Auth, Body, SessionError, Step};
use berth_model::{RepoName, Tag};
use bytes::Bytes;
use session_support::*;

const I: &str = "https://index.docker.io/v1/";
const E: &str = "https://registry-1.docker.io/v1/";

fn images() -> Vec<PushImage> {
    vec![
        PushImage {
            layer_size: Some(10),
            ..push_image(BASE, None, vec![])
        },
        push_image(TOP, Some(BASE), vec![Tag::latest()]),
    ]
}

fn session(images: Vec<PushImage>) -> PushSession {
    PushSession::new(PushConfig::new(
        RepoName::parse("ns/repo").unwrap(),
        I,
        images,
    ))
    .unwrap()
}

fn index_ok() -> Resp {
    Resp::new(200)
        .header("x-docker-token", TOKEN)
        .header("x-docker-endpoints", "registry-1.docker.io")
        .body("\"\"")
}

/// A registry that has nothing: lookups 404, everything else succeeds.
fn empty_registry(req: &berth_model::session::Request) -> Resp {
    let l = line(req);
    if l == format!("PUT {I}repositories/ns/repo/") {
        index_ok()
    } else if l.starts_with("GET ") {
        Resp::new(404).body(r#"{"error": "Image not found"}"#)
    } else if l.ends_with("/images") {
        Resp::new(204).body("\"\"")
    } else {
        Resp::new(200).body("true")
    }
}

#[test]
fn full_push_sequence_matches_flows() {
    let run = run_push(session(images()), empty_registry);
    assert_eq!(run.error, None);
    assert_eq!(
        run.lines(),
        vec![
            format!("PUT {I}repositories/ns/repo/"),
            format!("GET {E}images/{BASE}/json"),
            format!("GET {E}images/{TOP}/json"),
            format!("PUT {E}images/{BASE}/json"),
            format!("PUT {E}images/{BASE}/layer"),
            format!("PUT {E}images/{BASE}/checksum"),
            format!("PUT {E}images/{TOP}/json"),
            format!("PUT {E}images/{TOP}/layer"),
            format!("PUT {E}images/{TOP}/checksum"),
            format!("PUT {E}repositories/ns/repo/tags/latest"),
            format!("PUT {I}repositories/ns/repo/images"),
        ]
    );

    // Step 1: Basic auth, X-Docker-Token: true, the image index with capital `Tag`.
    let put_repo = &run.requests[0];
    assert_eq!(put_repo.auth, Auth::Basic);
    assert_eq!(put_repo.header("x-docker-token"), Some("true"));
    assert_eq!(put_repo.header("content-type"), Some("application/json"));
    assert_eq!(put_repo.header("authorization"), None);
    let index_body = format!(r#"[{{"id":"{BASE}"}},{{"id":"{TOP}","Tag":"latest"}}]"#);
    assert_eq!(put_repo.body, Body::Json(Bytes::from(index_body)));

    // Registry calls: the token, verbatim, no Basic.
    let lookup = &run.requests[1];
    assert_eq!(lookup.auth, Auth::None);
    assert_eq!(
        lookup.header("authorization"),
        Some(format!("Token {TOKEN}").as_str())
    );
    assert!(
        !format!("{lookup:?}").contains("123abc"),
        "token must be redacted in Debug"
    );

    let put_json = run.find(&format!("PUT {E}images/{BASE}/json"));
    assert_eq!(put_json.header("content-type"), Some("application/json"));
    assert_eq!(
        put_json.body,
        Body::Json(Bytes::from(image_json(BASE, None)))
    );

    let put_layer = run.find(&format!("PUT {E}images/{BASE}/layer"));
    assert_eq!(put_layer.body, Body::Layer(id(BASE)));
    assert_eq!(
        put_layer.header("content-type"),
        Some("application/octet-stream")
    );

    let put_checksum = run.find(&format!("PUT {E}images/{BASE}/checksum"));
    assert_eq!(
        put_checksum.header("x-docker-checksum"),
        Some("tarsum+sha256:tarsum")
    );
    assert_eq!(
        put_checksum.header("x-docker-checksum-payload"),
        Some("sha256:payload")
    );
    assert_eq!(put_checksum.body, Body::Empty);

    let put_tag = run.find(&format!("PUT {E}repositories/ns/repo/tags/latest"));
    assert_eq!(put_tag.body, Body::Json(Bytes::from(format!("\"{TOP}\""))));
    assert_eq!(put_tag.header("content-type"), Some("application/json"));

    let validate = run.requests.last().unwrap();
    assert_eq!(validate.auth, Auth::Basic);
    assert_eq!(validate.header("x-docker-token"), Some("true"));
    assert_eq!(validate.header("x-docker-endpoints"), Some(E));
    assert_eq!(validate.body, Body::Json(Bytes::from_static(b"[]")));

    assert!(matches!(
        run.events.first(),
        Some(PushEvent::Started {
            images: 2,
            tags: 1,
            ..
        })
    ));
    assert_eq!(run.events.last(), Some(&PushEvent::Finished));
    let texts: Vec<String> = run
        .events
        .iter()
        .flat_map(|e| e.progress())
        .map(|m| m.status)
        .collect();
    assert_eq!(
        texts,
        vec![
            "The push refers to a repository [ns/repo] (len: 1)",
            "Sending image list",
            "Pushing repository ns/repo (1 tags)",
            "Pushing",
            "Image successfully pushed",
            "Pushing",
            "Image successfully pushed",
            &format!(
                "Pushing tag for rev [cccccccccccc] on {{{E}repositories/ns/repo/tags/latest}}"
            ),
        ]
    );
}

#[test]
fn images_the_registry_has_are_skipped_but_still_tagged() {
    let run = run_push(session(images()), |req| {
        if line(req) == format!("GET {E}images/{TOP}/json") {
            Resp::new(200).body(image_json(TOP, Some(BASE)))
        } else {
            empty_registry(req)
        }
    });
    assert_eq!(run.error, None);
    assert_eq!(
        run.lines()[3..],
        [
            format!("PUT {E}images/{BASE}/json"),
            format!("PUT {E}images/{BASE}/layer"),
            format!("PUT {E}images/{BASE}/checksum"),
            format!("PUT {E}repositories/ns/repo/tags/latest"),
            format!("PUT {I}repositories/ns/repo/images"),
        ]
    );
    let skipped = run
        .events
        .iter()
        .find(|e| matches!(e, PushEvent::ImageSkipped { .. }))
        .unwrap();
    assert_eq!(
        skipped.progress()[0].status,
        "Image cccccccccccc already pushed, skipping"
    );
}

#[test]
fn image_already_exists_on_put_json_skips_layer_and_checksum() {
    let run = run_push(session(images()), |req| {
        if line(req) == format!("PUT {E}images/{BASE}/json") {
            Resp::new(409).body(r#"{"error": "Image already exists"}"#)
        } else {
            empty_registry(req)
        }
    });
    assert_eq!(run.error, None);
    assert_eq!(
        run.lines()[3..5],
        [
            format!("PUT {E}images/{BASE}/json"),
            format!("PUT {E}images/{TOP}/json"),
        ]
    );
    assert!(
        run.events
            .contains(&PushEvent::ImageAlreadyExists { id: id(BASE) })
    );
}

#[test]
fn every_endpoint_gets_the_whole_push() {
    let run = run_push(session(images()), |req| {
        if line(req) == format!("PUT {I}repositories/ns/repo/") {
            Resp::new(200)
                .header("x-docker-token", TOKEN)
                .header("x-docker-endpoints", "host \t,  test.example.com ")
        } else {
            empty_registry(req)
        }
    });
    assert_eq!(run.error, None);
    let lines = run.lines();
    assert_eq!(lines.len(), 1 + 2 * 9 + 1);
    assert_eq!(lines[1], format!("GET https://host/v1/images/{BASE}/json"));
    assert_eq!(
        lines[9],
        "PUT https://host/v1/repositories/ns/repo/tags/latest"
    );
    assert_eq!(
        lines[10],
        format!("GET https://test.example.com/v1/images/{BASE}/json")
    );
    let validate = run.requests.last().unwrap();
    let eps: Vec<&str> = validate
        .headers
        .get_all("x-docker-endpoints")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(eps, ["https://host/v1/", "https://test.example.com/v1/"]);
}

#[test]
fn missing_token_is_tolerated_and_registry_calls_carry_none() {
    let run = run_push(session(images()), |req| {
        if line(req) == format!("PUT {I}repositories/ns/repo/") {
            Resp::new(200).header("x-docker-endpoints", "registry-1.docker.io")
        } else {
            empty_registry(req)
        }
    });
    assert_eq!(run.error, None);
    assert!(
        run.requests[1..]
            .iter()
            .all(|r| r.header("authorization").is_none())
    );
    assert!(
        run.events
            .iter()
            .any(|e| matches!(e, PushEvent::EndpointsResolved { token: false, .. }))
    );
}

#[test]
fn index_errors() {
    let run = run_push(session(images()), |_| Resp::new(401));
    assert_eq!(run.error, Some(SessionError::AuthenticationRequired));
    assert_eq!(run.requests.len(), 1);

    let run = run_push(session(images()), |_| {
        Resp::new(200).header("x-docker-token", TOKEN)
    });
    assert_eq!(run.error, Some(SessionError::NoEndpoints));
    assert_eq!(
        run.error.unwrap().to_string(),
        "Index response didn't contain any endpoints"
    );

    let run = run_push(session(images()), |_| Resp::new(500).body("oops"));
    assert_eq!(
        run.error.unwrap().to_string(),
        "Error: Status 500 trying to push repository ns/repo: \"oops\""
    );
}

#[test]
fn index_redirect_is_followed_with_the_same_put() {
    let run = run_push(session(images()), |req| {
        if line(req) == format!("PUT {I}repositories/ns/repo/") {
            Resp::new(302).header("location", "/v1/elsewhere/")
        } else if line(req) == "PUT https://index.docker.io/v1/elsewhere/" {
            index_ok()
        } else {
            empty_registry(req)
        }
    });
    assert_eq!(run.error, None);
    assert_eq!(run.requests[1].body, run.requests[0].body);
    assert_eq!(run.requests[1].header("x-docker-token"), Some("true"));
}

#[test]
fn registry_failures_abort_with_docker_messages() {
    let fail_on = |target: String, resp: Resp| {
        run_push(session(images()), move |req| {
            if line(req) == target {
                resp.clone()
            } else {
                empty_registry(req)
            }
        })
    };
    let run = fail_on(
        format!("PUT {E}images/{BASE}/layer"),
        Resp::new(500).body("disk full"),
    );
    assert_eq!(
        run.error.as_ref().unwrap().to_string(),
        "Received HTTP code 500 while uploading layer: \"disk full\""
    );
    assert_eq!(
        run.lines().last().unwrap(),
        &format!("PUT {E}images/{BASE}/layer")
    );

    let run = fail_on(
        format!("PUT {E}images/{BASE}/checksum"),
        Resp::new(400).body(r#"{"error": "Checksum mismatch"}"#),
    );
    assert!(matches!(
        run.error,
        Some(SessionError::Status {
            step: Step::PutChecksum,
            status: 400,
            ..
        })
    ));

    let run = fail_on(
        format!("PUT {E}repositories/ns/repo/tags/latest"),
        Resp::new(403),
    );
    assert_eq!(
        run.error.unwrap().to_string(),
        "Internal server error: 403 trying to push tag latest on ns/repo"
    );

    let run = fail_on(
        format!("PUT {I}repositories/ns/repo/images"),
        Resp::new(200),
    );
    assert!(matches!(
        run.error,
        Some(SessionError::Status {
            step: Step::PushChecksums { .. },
            status: 200,
            ..
        })
    ));
}

#[test]
fn plain_http_401_on_put_json() {
    let s = PushSession::new(PushConfig::new(
        RepoName::parse("repo").unwrap(),
        "http://localhost:5000/v1/",
        images(),
    ))
    .unwrap();
    let run = run_push(s, |req| {
        let l = line(req);
        if l == "PUT http://localhost:5000/v1/repositories/library/repo/" {
            Resp::new(200).header("x-docker-endpoints", "localhost:5000")
        } else if l.starts_with("PUT http://localhost:5000/v1/images/") {
            Resp::new(401).body(r#"{"error": "Requires authorization"}"#)
        } else {
            Resp::new(404)
        }
    });
    assert_eq!(run.error, Some(SessionError::PlainHttpUnauthorized));
}

#[test]
fn lookups_are_bounded_and_standalone_https_uses_basic_everywhere() {
    let many: Vec<PushImage> = (0..7u8)
        .map(|i| {
            let hex = format!("{:064x}", u64::from(i) + 1);
            push_image(&hex, None, vec![])
        })
        .collect();
    let mut config = PushConfig::new(RepoName::parse("ns/repo").unwrap(), I, many);
    config.max_lookups = 2;
    config.basic_everywhere = true;
    let mut s = PushSession::new(config).unwrap();
    use berth_model::session::Output;
    let Output::Event(_) = s.poll_output() else {
        panic!()
    };
    let Output::Send(rid, _) = s.poll_output() else {
        panic!()
    };
    assert!(matches!(s.poll_output(), Output::Idle));
    let resp = index_ok();
    s.handle_response(rid, http::StatusCode::OK, &resp.header_map(), b"")
        .unwrap();
    let mut sends = Vec::new();
    loop {
        match s.poll_output() {
            Output::Send(_, r) => sends.push(r),
            Output::Idle => break,
            _ => {}
        }
    }
    assert_eq!(
        sends.len(),
        2,
        "at most max_lookups existence checks in flight"
    );
    assert!(
        sends
            .iter()
            .all(|r| r.auth == Auth::Basic && r.header("authorization").is_none())
    );
}

#[test]
fn image_list_merges_chains_base_first() {
    let chain_latest = images();
    let mut chain_v1 = images();
    chain_v1[1].tags = vec![Tag::parse("v1").unwrap()];
    let list = image_list([chain_latest, chain_v1]);
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].tags, [Tag::latest(), Tag::parse("v1").unwrap()]);
    let run = run_push(session(list), empty_registry);
    let body = format!(
        r#"[{{"id":"{BASE}"}},{{"id":"{TOP}","Tag":"latest"}},{{"id":"{TOP}","Tag":"v1"}}]"#
    );
    assert_eq!(run.requests[0].body, Body::Json(Bytes::from(body)));
    assert!(
        run.lines()
            .contains(&format!("PUT {E}repositories/ns/repo/tags/v1"))
    );
}

#[test]
fn invalid_inputs_are_rejected() {
    assert!(matches!(
        PushSession::new(PushConfig::new(RepoName::parse("a/b").unwrap(), I, vec![])),
        Err(SessionError::InvalidInput { .. })
    ));
    let mut dup = images();
    dup.push(dup[0].clone());
    assert!(PushSession::new(PushConfig::new(RepoName::parse("a/b").unwrap(), I, dup)).is_err());
    assert!(matches!(
        PushSession::new(PushConfig::new(
            RepoName::parse("a/b").unwrap(),
            "ftp://x/",
            images()
        )),
        Err(SessionError::InvalidUrl { .. })
    ));
}

#[test]
fn layer_report_may_follow_the_response_and_stray_reports_are_refused() {
    use berth_model::push::LayerUpload;
    use berth_model::session::{Output, RequestId};
    use http::{HeaderMap, StatusCode};

    let mut s = session(images());
    let mut sent = Vec::new();
    let drain = |s: &mut PushSession,
                 sent: &mut Vec<(RequestId, berth_model::session::Request)>| loop {
        match s.poll_output() {
            Output::Send(rid, req) => sent.push((rid, req)),
            Output::Idle | Output::Done => break,
            _ => {}
        }
    };
    drain(&mut s, &mut sent);
    let (rid, _) = sent.remove(0);
    let idx = index_ok();
    s.handle_response(rid, StatusCode::OK, &idx.header_map(), b"")
        .unwrap();
    drain(&mut s, &mut sent);
    // Two lookups in flight; answer them out of order.
    let (r_top, _) = sent.remove(1);
    let (r_base, _) = sent.remove(0);
    s.handle_response(r_top, StatusCode::NOT_FOUND, &HeaderMap::new(), b"")
        .unwrap();
    s.handle_response(r_base, StatusCode::NOT_FOUND, &HeaderMap::new(), b"")
        .unwrap();
    // A report for a request that is not outstanding is refused without ending the session.
    assert_eq!(
        s.handle_response(r_base, StatusCode::OK, &HeaderMap::new(), b""),
        Err(SessionError::UnexpectedReport { id: r_base.0 })
    );
    assert_eq!(s.error(), None);
    drain(&mut s, &mut sent);
    let (r_json, req) = sent.remove(0);
    assert_eq!(line(&req), format!("PUT {E}images/{BASE}/json"));
    s.handle_response(r_json, StatusCode::OK, &HeaderMap::new(), b"true")
        .unwrap();
    drain(&mut s, &mut sent);
    let (r_layer, req) = sent.remove(0);
    assert_eq!(req.body, Body::Layer(id(BASE)));
    // Response first: nothing is sent until the checksums arrive.
    s.handle_response(r_layer, StatusCode::OK, &HeaderMap::new(), b"true")
        .unwrap();
    drain(&mut s, &mut sent);
    assert!(sent.is_empty());
    let upload = LayerUpload {
        payload_checksum: "sha256:p".to_owned(),
        tarsum: String::new(),
    };
    s.handle_layer_uploaded(r_layer, upload).unwrap();
    drain(&mut s, &mut sent);
    let (_, req) = sent.remove(0);
    assert_eq!(line(&req), format!("PUT {E}images/{BASE}/checksum"));
    assert_eq!(req.header("x-docker-checksum-payload"), Some("sha256:p"));
    assert_eq!(
        req.header("x-docker-checksum"),
        None,
        "empty tarsum is omitted"
    );
}
