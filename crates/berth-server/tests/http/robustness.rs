//! Size limits, interrupted uploads, concurrent pushes, restarts.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::common::*;

fn tmp_is_empty(s: &TestServer) -> bool {
    std::fs::read_dir(s.dir.join("tmp"))
        .unwrap()
        .next()
        .is_none()
}

#[test]
fn oversized_bodies() {
    let s = TestServer::start_with(|c| {
        c.max_json_bytes = 1024;
        c.max_layer_bytes = 100_000;
    });
    let basic = s.user("admin_user");
    let auth = [("Authorization", basic.as_str())];
    let id = hex64();
    let big_json = format!(r#"{{"id": "{id}", "pad": "{}"}}"#, "x".repeat(2000));
    let r = s.put(&format!("/v1/images/{id}/json"), &auth, big_json.as_bytes());
    assert_eq!(r.status, 413);
    let json = image_json(&id, None);
    assert_eq!(
        s.put(&format!("/v1/images/{id}/json"), &auth, json.as_bytes())
            .status,
        200
    );
    let r = s.put_chunked(
        &format!("/v1/images/{id}/layer"),
        &auth,
        &random_bytes(150_000),
    );
    assert_eq!(r.status, 413);
    assert!(tmp_is_empty(&s));
    // Nothing visible; a retry within the limit works.
    let layer = random_bytes(90_000);
    assert_eq!(
        s.put_chunked(&format!("/v1/images/{id}/layer"), &auth, &layer)
            .status,
        200
    );
    let sum = payload_checksum(json.as_bytes(), &layer);
    let r = put_checksum(&s, auth[0], &id, &sum);
    assert_eq!(r.status, 200);
    assert_eq!(s.get(&format!("/v1/images/{id}/layer"), &auth).body, layer);
}

/// Sends the head and part of a chunked layer upload on a raw socket, then drops it.
fn truncated_upload(s: &TestServer, basic: &str, id: &str, sent: &[u8]) {
    let mut stream = TcpStream::connect(s.addr).unwrap();
    let head = format!(
        "PUT /v1/images/{id}/layer HTTP/1.1\r\nHost: {}\r\nAuthorization: {basic}\r\nTransfer-Encoding: chunked\r\n\r\n",
        s.addr
    );
    stream.write_all(head.as_bytes()).unwrap();
    // Announce a chunk larger than what follows, then hang up.
    stream
        .write_all(format!("{:x}\r\n", sent.len() * 2).as_bytes())
        .unwrap();
    stream.write_all(sent).unwrap();
    stream.flush().unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
}

#[test]
fn truncated_upload_leaves_nothing_and_retry_works() {
    let s = TestServer::start();
    let basic = s.user("admin_user");
    let auth = [("Authorization", basic.as_str())];
    let id = hex64();
    let json = image_json(&id, None);
    let layer = random_bytes(200_000);
    assert_eq!(
        s.put(&format!("/v1/images/{id}/json"), &auth, json.as_bytes())
            .status,
        200
    );
    truncated_upload(&s, &basic, &id, &layer[..100_000]);
    // Give the server a moment to notice the hang-up (bounded; no timing assertion).
    for _ in 0..50 {
        if tmp_is_empty(&s) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(tmp_is_empty(&s), "temporary upload left behind");
    assert!(!s.dir.join("images").join(&id).join("layer").exists());
    let sum = payload_checksum(json.as_bytes(), &layer);
    let r = put_checksum(&s, auth[0], &id, &sum);
    assert_eq!(r.status, 400, "no layer was stored: {}", r.text());
    assert_eq!(
        s.put_chunked(&format!("/v1/images/{id}/layer"), &auth, &layer)
            .status,
        200
    );
    let r = put_checksum(&s, auth[0], &id, &sum);
    assert_eq!(r.status, 200);
    assert_eq!(s.get(&format!("/v1/images/{id}/layer"), &auth).body, layer);
}

#[test]
fn concurrent_pushes_of_the_same_image() {
    let s = TestServer::start();
    let basic = s.user("admin_user");
    let id = hex64();
    let json = image_json(&id, None);
    let layer = random_bytes(300_000);
    let sum = payload_checksum(json.as_bytes(), &layer);
    let outcomes: Vec<(u16, u16, u16)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let auth = [("Authorization", basic.as_str())];
                    let a = s
                        .put(&format!("/v1/images/{id}/json"), &auth, json.as_bytes())
                        .status;
                    let b = s
                        .put_chunked(&format!("/v1/images/{id}/layer"), &auth, &layer)
                        .status;
                    let c = s
                        .put(
                            &format!("/v1/images/{id}/checksum"),
                            &[auth[0], ("X-Docker-Checksum-Payload", &sum)],
                            b"",
                        )
                        .status;
                    (a, b, c)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Every step either succeeds or is refused with 409/400 (a racing json PUT may reset the
    // layer of another pusher); at the end the image is whole and correct, or re-pushable.
    for (a, b, c) in &outcomes {
        assert!([200, 409].contains(a), "{outcomes:?}");
        assert!([200, 409].contains(b), "{outcomes:?}");
        assert!([200, 400, 409].contains(c), "{outcomes:?}");
    }
    let auth = [("Authorization", basic.as_str())];
    if !outcomes.iter().any(|o| o.2 == 200) {
        upload_image(&s, &auth, &id, None, &layer);
    }
    let r = s.get(&format!("/v1/images/{id}/layer"), &auth);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, layer);
    assert_eq!(
        s.get(&format!("/v1/images/{id}/json"), &auth)
            .header("x-docker-checksum-payload"),
        Some(sum.as_str())
    );
    assert!(tmp_is_empty(&s));
}

#[test]
fn restart_keeps_everything() {
    let s = TestServer::start();
    let basic = s.user("admin_user");
    let auth = [("Authorization", basic.as_str())];
    let (parent, child) = (hex64(), hex64());
    let layer = random_bytes(5000);
    upload_image(&s, &auth, &parent, None, &layer);
    upload_image(&s, &auth, &child, Some(&parent), b"child");
    assert_eq!(
        s.put("/v1/repositories/admin_user/app/", &auth, b"[]")
            .status,
        200
    );
    assert_eq!(
        s.put(
            "/v1/repositories/admin_user/app/tags/latest",
            &auth,
            format!(r#""{child}""#).as_bytes()
        )
        .status,
        200
    );
    let r = s.get(
        "/v1/repositories/admin_user/app/images",
        &[("X-Docker-Token", "true")],
    );
    let token = format!("Token {}", r.header("x-docker-token").unwrap());
    // An upload in progress at shutdown stays "in progress" (not visible) after the restart.
    let pending = hex64();
    assert_eq!(
        s.put(
            &format!("/v1/images/{pending}/json"),
            &auth,
            image_json(&pending, None).as_bytes()
        )
        .status,
        200
    );
    let s = s.restart();
    assert_eq!(s.get("/v1/users/", &auth).status, 200);
    assert_eq!(
        s.get(&format!("/v1/images/{parent}/layer"), &auth).body,
        layer
    );
    assert_eq!(
        s.get(&format!("/v1/images/{child}/ancestry"), &auth).json()[1],
        parent.as_str()
    );
    let r = s.get(
        "/v1/repositories/admin_user/app/tags",
        &[("Authorization", &token)],
    );
    assert_eq!(
        r.status, 200,
        "tokens survive a restart (the secret is kept on disk)"
    );
    assert_eq!(r.json()["latest"], child.as_str());
    assert_eq!(
        s.get(&format!("/v1/images/{pending}/json"), &auth).status,
        400
    );
}
