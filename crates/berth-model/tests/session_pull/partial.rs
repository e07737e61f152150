//! Layers resumed from bytes kept by an earlier run (`PullConfig::partial`).

use std::collections::VecDeque;

use berth_model::pull::{LayerDownload, Output, PullConfig, PullEvent, PullSession};
use berth_model::session::{Request, ResponseMode, SessionError};
use berth_model::{RepoName, Tag, http};
use http::{HeaderMap, HeaderValue, StatusCode};
use proptest::prelude::*;

use super::session_support::*;
use super::{E, I, config, registry, sum};

fn base_layer() -> String {
    format!("GET {E}images/{BASE}/layer")
}

fn with_partial(kept: u64) -> PullConfig {
    let mut c = config();
    c.partial = vec![(id(BASE), kept)];
    c
}

/// The `Range` headers of the BASE layer requests, in order.
fn base_ranges(run: &Run<PullEvent>) -> Vec<Option<String>> {
    run.requests
        .iter()
        .filter(|r| line(r) == base_layer())
        .map(|r| r.header("range").map(str::to_owned))
        .collect()
}

fn started_offsets(run: &Run<PullEvent>, image: &str) -> Vec<u64> {
    run.events
        .iter()
        .filter_map(|e| match e {
            PullEvent::LayerDownloadStarted { id, offset, .. } if id.as_str() == image => {
                Some(*offset)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn kept_bytes_are_resumed_with_range_and_206() {
    let run = run_pull(PullSession::new(with_partial(40)).unwrap(), |r| {
        if line(r) == base_layer() {
            assert_eq!(r.response, ResponseMode::StreamLayer);
            Resp::new(206)
                .header("content-range", "bytes 40-99/100")
                .layer(LayerEnd::Done(100, Some(sum(BASE))))
        } else {
            registry(E, r)
        }
    });
    assert_eq!(run.error, None);
    assert_eq!(base_ranges(&run), [Some("bytes=40-100".to_owned())]);
    assert_eq!(started_offsets(&run, BASE), [40]);
    assert!(run.events.contains(&PullEvent::LayerDownloadStarted {
        id: id(BASE),
        size: Some(100),
        offset: 40
    }));
    // Other layers start from 0, without Range.
    let top = run.find(&format!("GET {E}images/{TOP}/layer"));
    assert_eq!(top.header("range"), None);
    assert_eq!(started_offsets(&run, TOP), [0]);
    assert!(run.events.contains(&PullEvent::LayerDownloaded {
        id: id(BASE),
        size: 100,
        payload_checksum: Some(sum(BASE)),
    }));
}

#[test]
fn a_200_answer_restarts_the_layer_at_zero() {
    let run = run_pull(PullSession::new(with_partial(40)).unwrap(), |r| {
        if line(r) == base_layer() {
            Resp::new(200).layer(LayerEnd::Done(100, Some(sum(BASE))))
        } else {
            registry(E, r)
        }
    });
    assert_eq!(run.error, None);
    assert_eq!(base_ranges(&run), [Some("bytes=40-100".to_owned())]);
    assert_eq!(
        started_offsets(&run, BASE),
        [0],
        "the adapter must truncate"
    );
}

#[test]
fn a_416_answer_when_everything_was_kept_means_done() {
    let run = run_pull(PullSession::new(with_partial(100)).unwrap(), |r| {
        if line(r) == base_layer() {
            Resp::new(416).layer(LayerEnd::Done(100, Some(sum(BASE))))
        } else {
            registry(E, r)
        }
    });
    assert_eq!(run.error, None);
    assert_eq!(base_ranges(&run), [Some("bytes=100-100".to_owned())]);
    assert_eq!(started_offsets(&run, BASE), [100]);
    assert!(run.events.contains(&PullEvent::LayerDownloaded {
        id: id(BASE),
        size: 100,
        payload_checksum: Some(sum(BASE)),
    }));
}

#[test]
fn without_a_size_the_range_is_open_and_a_416_refetches_the_whole_layer() {
    let json = format!("GET {E}images/{BASE}/json");
    let run = run_pull(PullSession::new(with_partial(40)).unwrap(), |r| {
        if line(r) == json {
            Resp::new(200).body(image_json(BASE, None))
        } else if line(r) == base_layer() {
            match r.header("range") {
                Some(_) => Resp::new(416).layer(LayerEnd::Done(40, None)),
                None => Resp::new(200).layer(LayerEnd::Done(100, None)),
            }
        } else {
            registry(E, r)
        }
    });
    assert_eq!(run.error, None);
    assert_eq!(base_ranges(&run), [Some("bytes=40-".to_owned()), None]);
    assert_eq!(started_offsets(&run, BASE), [0]);
}

#[test]
fn unusable_entries_are_ignored() {
    // More bytes than X-Docker-Size, or none at all: a plain GET.
    for kept in [0, 101] {
        let run = run_pull(PullSession::new(with_partial(kept)).unwrap(), |r| {
            registry(E, r)
        });
        assert_eq!(run.error, None);
        assert_eq!(base_ranges(&run), [None], "kept {kept}");
        assert_eq!(started_offsets(&run, BASE), [0]);
    }
    // An entry for an image that is present is never used.
    let mut c = with_partial(40);
    c.have = vec![id(BASE)];
    let run = run_pull(PullSession::new(c).unwrap(), |r| registry(E, r));
    assert_eq!(run.error, None);
    assert!(run.requests.iter().all(|r| r.header("range").is_none()));
}

#[test]
fn a_206_starting_elsewhere_or_an_error_fails_the_endpoint() {
    let run = run_pull(PullSession::new(with_partial(40)).unwrap(), |r| {
        if line(r) == base_layer() {
            Resp::new(206)
                .header("content-range", "bytes 0-99/100")
                .layer(LayerEnd::Done(100, Some(sum(BASE))))
        } else {
            registry(E, r)
        }
    });
    let Some(SessionError::PullFailed { last, .. }) = run.error else {
        panic!("expected PullFailed, got {:?}", run.error)
    };
    assert_eq!(*last, SessionError::RangeNotSupported);

    let run = run_pull(PullSession::new(with_partial(40)).unwrap(), |r| {
        if line(r) == base_layer() {
            Resp::new(500)
        } else {
            registry(E, r)
        }
    });
    let Some(SessionError::PullFailed { last, .. }) = run.error else {
        panic!("expected PullFailed, got {:?}", run.error)
    };
    assert!(matches!(*last, SessionError::Status { status: 500, .. }));
}

#[test]
fn a_resumed_layer_broken_again_is_resumed_in_the_run() {
    let mut calls = 0;
    let run = run_pull(PullSession::new(with_partial(40)).unwrap(), |r| {
        if line(r) == base_layer() {
            calls += 1;
            match calls {
                1 => Resp::new(206).layer(LayerEnd::Interrupted(70)),
                _ => Resp::new(206).layer(LayerEnd::Done(100, Some(sum(BASE)))),
            }
        } else {
            registry(E, r)
        }
    });
    assert_eq!(run.error, None);
    assert_eq!(
        base_ranges(&run),
        [
            Some("bytes=40-100".to_owned()),
            Some("bytes=70-100".to_owned())
        ]
    );
    assert_eq!(started_offsets(&run, BASE), [40, 70]);
}

/// What the registry does with a `Range` request.
#[derive(Debug, Clone, Copy)]
enum Honour {
    Range,
    Ignore,
}

/// Drives a pull of BASE alone, holding `kept` bytes of `layer` (corrupted past `good` bytes)
/// like an adapter would, and returns the bytes held at the end and whether the session checked
/// a payload checksum.
fn drive(layer: &[u8], kept: usize, good: usize, honour: Honour) -> (Vec<u8>, bool, bool) {
    let mut c = PullConfig::new(RepoName::parse("ns/repo").unwrap(), I, Some(Tag::latest()));
    c.partial = vec![(id(BASE), kept as u64)];
    let mut held: Vec<u8> = layer[..kept].to_vec();
    for b in held.iter_mut().skip(good) {
        *b ^= 0xff;
    }
    let mut s = PullSession::new(c).unwrap();
    let mut queue: VecDeque<(_, Request)> = VecDeque::new();
    let mut checked = false;
    loop {
        match s.poll_output() {
            Output::Send(rid, req) => queue.push_back((rid, req)),
            Output::Event(_) => {}
            Output::Idle => {
                let (rid, req) = queue.pop_front().unwrap();
                if line(&req) == format!("GET {E}repositories/ns/repo/tags/latest") {
                    let body = format!("\"{BASE}\"");
                    s.handle_response(rid, StatusCode::OK, &HeaderMap::new(), body.as_bytes())
                        .unwrap();
                    continue;
                }
                if line(&req) == format!("GET {E}images/{BASE}/json") {
                    let mut h = HeaderMap::new();
                    h.insert("x-docker-size", HeaderValue::from(layer.len()));
                    let body = image_json(BASE, None);
                    s.handle_response(rid, StatusCode::OK, &h, &body).unwrap();
                    continue;
                }
                if req.response != ResponseMode::StreamLayer {
                    let resp = registry(E, &req);
                    s.handle_response(
                        rid,
                        StatusCode::from_u16(resp.status).unwrap(),
                        &resp.header_map(),
                        &resp.body,
                    )
                    .unwrap();
                    continue;
                }
                let start = req.header("range").map(|r| {
                    let r = r.strip_prefix("bytes=").unwrap();
                    r.split_once('-').unwrap().0.parse::<usize>().unwrap()
                });
                let (status, body) = match (honour, start) {
                    (Honour::Range, Some(a)) if a >= layer.len() => (416, &[][..]),
                    (Honour::Range, Some(a)) => (206, &layer[a..]),
                    _ => (200, layer),
                };
                s.handle_response(
                    rid,
                    StatusCode::from_u16(status).unwrap(),
                    &HeaderMap::new(),
                    b"",
                )
                .unwrap();
                let Output::Event(PullEvent::LayerDownloadStarted { offset, .. }) = s.poll_output()
                else {
                    panic!("the body was not wanted")
                };
                held.truncate(usize::try_from(offset).unwrap());
                held.extend_from_slice(body);
                checked = s.expects_payload_checksum();
                s.handle_layer_downloaded(
                    rid,
                    LayerDownload {
                        received: held.len() as u64,
                        payload_checksum: None,
                    },
                )
                .unwrap();
            }
            Output::Done => break,
            _ => unreachable!(),
        }
    }
    (held, s.is_done(), checked)
}

proptest! {
    /// Whatever prefix was kept and whether the registry honours Range, the adapter that follows
    /// `offset` ends with the layer, byte for byte.
    #[test]
    fn following_offset_rebuilds_the_layer(
        layer in proptest::collection::vec(any::<u8>(), 0..300),
        kept in 0usize..300,
        honour in prop_oneof![Just(Honour::Range), Just(Honour::Ignore)],
    ) {
        let kept = kept.min(layer.len());
        let (held, done, checked) = drive(&layer, kept, kept, honour);
        prop_assert!(done);
        prop_assert_eq!(held, layer);
        // The registry here sends no X-Docker-Checksum-Payload.
        prop_assert!(!checked);
    }

    /// Corrupt kept bytes survive a honoured Range: only a payload checksum (or, without one,
    /// the adapter's own check) can catch them, which is why the adapter hashes the kept bytes.
    #[test]
    fn corrupt_kept_bytes_are_kept_when_range_is_honoured(
        layer in proptest::collection::vec(any::<u8>(), 2..300),
        kept in 1usize..300,
    ) {
        let kept = kept.min(layer.len() - 1);
        let (held, done, _) = drive(&layer, kept, kept - 1, Honour::Range);
        prop_assert!(done);
        prop_assert_ne!(held, layer);
    }
}
