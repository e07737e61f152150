//! Hostile registries: arbitrary statuses, headers and bodies never panic the machines, and every
//! session ends (the drivers give up after 10 000 steps).

mod session_support;

use berth_model::pull::{PullConfig, PullSession, TagLookup};
use berth_model::push::{PushConfig, PushImage, PushSession};
use berth_model::{RepoName, Tag};
use proptest::prelude::*;
use session_support::*;

const STATUSES: [u16; 13] = [
    200, 201, 204, 206, 302, 400, 401, 404, 409, 416, 500, 503, 200,
];

fn bodies() -> Vec<Vec<u8>> {
    vec![
        Vec::new(),
        b"[]".to_vec(),
        b"true".to_vec(),
        format!("\"{TOP}\"").into_bytes(),
        format!(r#"{{"latest": "{TOP}", "v1": "{BASE}"}}"#).into_bytes(),
        format!(r#"["{TOP}", "{BASE}"]"#).into_bytes(),
        format!(r#"["{BASE}"]"#).into_bytes(),
        image_json(TOP, Some(BASE)),
        image_json(BASE, None),
        br#"{"error": "Image already exists"}"#.to_vec(),
        b"\xff\x00{[".to_vec(),
    ]
}

#[derive(Debug, Clone)]
struct Script {
    status: usize,
    body: usize,
    headers: u8,
    size: u64,
    end: u8,
    received: u64,
}

fn script() -> impl Strategy<Value = Script> {
    (
        0..STATUSES.len(),
        0..11usize,
        any::<u8>(),
        0..200u64,
        0..4u8,
        0..200u64,
    )
        .prop_map(|(status, body, headers, size, end, received)| Script {
            status,
            body,
            headers,
            size,
            end,
            received,
        })
}

fn respond(s: &Script) -> Resp {
    let mut r = Resp::new(STATUSES[s.status]).body(&bodies()[s.body]);
    let h = s.headers;
    if h & 1 != 0 {
        r = r.header("x-docker-token", TOKEN);
    }
    if h & 2 != 0 {
        r = r.header("x-docker-endpoints", "r1.example.com, r2.example.com");
    }
    if h & 4 != 0 {
        r = r.header("x-docker-size", s.size.to_string());
    }
    if h & 8 != 0 {
        r = r.header("accept-ranges", "bytes");
    }
    if h & 16 != 0 {
        r = r.header("x-docker-checksum-payload", "sha256:x");
    }
    if h & 32 != 0 {
        r = r.header("location", "https://elsewhere.example.com/v1/x/");
    }
    if h & 64 != 0 {
        r = r.header("x-docker-endpoints", "bad host/with/path");
    }
    match s.end {
        0 => r.layer(LayerEnd::Done(s.received, Some("sha256:x".to_owned()))),
        1 => r.layer(LayerEnd::Done(s.received, None)),
        _ => r.layer(LayerEnd::Interrupted(s.received)),
    }
}

fn images() -> Vec<PushImage> {
    vec![
        push_image(BASE, None, vec![Tag::parse("v1").unwrap()]),
        push_image(TOP, Some(BASE), vec![Tag::latest()]),
    ]
}

proptest! {
    #[test]
    fn push_survives_any_registry(scripts in proptest::collection::vec(script(), 1..40)) {
        let repo = RepoName::parse("ns/repo").unwrap();
        let s = PushSession::new(PushConfig::new(repo, "https://index.example.com/v1/", images())).unwrap();
        let mut n = 0;
        let run = run_push(s, |_| {
            n += 1;
            respond(&scripts[n % scripts.len()])
        });
        // Either the push completed (ending with the Index validation) or it says why not.
        let finished = run.lines().last().is_some_and(|l| l.ends_with("/repositories/ns/repo/images"));
        prop_assert!(run.error.is_some() || finished);
    }

    #[test]
    fn pull_survives_any_registry(
        scripts in proptest::collection::vec(script(), 1..40),
        all_tags in any::<bool>(),
        list in any::<bool>(),
    ) {
        let repo = RepoName::parse("ns/repo").unwrap();
        let tag = (!all_tags).then(Tag::latest);
        let mut config = PullConfig::new(repo, "https://index.example.com/v1/", tag);
        if list {
            config.tag_lookup = TagLookup::List;
        }
        let s = PullSession::new(config).unwrap();
        let mut n = 0;
        let run = run_pull(s, |_| {
            n += 1;
            respond(&scripts[n % scripts.len()])
        });
        prop_assert!(run.requests.len() < 2_000);
        let _ = run.error;
    }
}
