//! tests.md A, B and the image items of M.

use crate::common::*;

fn admin(s: &TestServer) -> String {
    s.user("admin_user")
}

/// Uploads a parentless image with a random layer of `len` bytes (checking every step, as
/// [`upload_image`] does); returns its id and layer.
fn uploaded_layer(s: &TestServer, auth: &[(&str, &str)], len: usize) -> (String, Vec<u8>) {
    let id = hex16();
    let layer = random_bytes(len);
    upload_image(s, auth, &id, None, &layer);
    (id, layer)
}

#[test]
fn upload_helper_and_layer_roundtrip() {
    // B `test_unset_nginx_accel_redirect_layer`: upload a 1024-byte layer, read it back.
    let s = TestServer::start();
    let basic = admin(&s);
    let auth = [("Authorization", basic.as_str())];
    let (id, layer) = uploaded_layer(&s, &auth, 1024);
    let r = s.get(&format!("/v1/images/{id}/layer"), &auth);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, layer);
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_eq!(r.header("cache-control"), Some("public, max-age=31536000"));
    assert_eq!(
        r.header("last-modified"),
        Some("Thu, 01 Jan 1970 00:00:00 GMT")
    );
    assert!(r.header("x-docker-registry-version").is_some());
    // Public image: anonymous reads work too.
    let r = s.get(&format!("/v1/images/{id}/layer"), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, layer);
}

#[test]
fn ancestry_and_notfound() {
    // B `test_simple` and `test_notfound`.
    let s = TestServer::start();
    let basic = admin(&s);
    let auth = [("Authorization", basic.as_str())];
    let (parent, child) = (hex16(), hex16());
    upload_image(&s, &auth, &parent, None, &random_bytes(100));
    upload_image(&s, &auth, &child, Some(&parent), &random_bytes(100));
    let r = s.get(&format!("/v1/images/{child}/ancestry"), &auth);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), format!(r#"["{child}", "{parent}"]"#));
    let r = s.get(&format!("/v1/images/{}/json", hex16()), &auth);
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error": "Image not found"}"#);
    let r = s.get("/v1/images/not-an-id/json", &auth);
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error": "Invalid image ID"}"#);
}

#[test]
fn byte_ranges() {
    // B `test_bytes_range` plus M: `bytes=n-` → 206, start ≥ size → 416 empty, HEAD.
    let s = TestServer::start();
    let basic = admin(&s);
    let auth = [("Authorization", basic.as_str())];
    let (id, layer) = uploaded_layer(&s, &auth, 1024);
    let path = format!("/v1/images/{id}/layer");
    for _ in 0..5 {
        let b = usize::from(rand::random::<u16>()) % 513;
        let e = b + 1 + usize::from(rand::random::<u16>()) % (1023 - b);
        let range = format!("bytes={b}-{e}");
        let r = s.get(&path, &[auth[0], ("Range", &range)]);
        assert_eq!(r.status, 206, "{range}");
        assert_eq!(r.body, &layer[b..=e], "{range}");
        assert_eq!(
            r.header("content-range"),
            Some(format!("bytes {b}-{e}/1024").as_str())
        );
        assert_eq!(
            r.header("content-length"),
            Some((e - b + 1).to_string().as_str())
        );
    }
    let r = s.get(&path, &[auth[0], ("Range", "bytes=1000-")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &layer[1000..]);
    assert_eq!(r.header("content-range"), Some("bytes 1000-1023/1024"));
    // Docker's resume asks one past the end: the end is clamped.
    let r = s.get(&path, &[auth[0], ("Range", "bytes=10-1024")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &layer[10..]);
    let r = s.get(&path, &[auth[0], ("Range", "bytes=1024-1024")]);
    assert_eq!(r.status, 416);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-length"), Some("0"));
    let r = s.call("HEAD", &path, &auth, b"");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-length"), Some("1024"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
}

#[test]
fn json_validation_errors() {
    // M: bad json, missing id, id mismatch, unknown parent, layer before json.
    let s = TestServer::start();
    let basic = admin(&s);
    let auth = [("Authorization", basic.as_str())];
    let id = hex16();
    let path = format!("/v1/images/{id}/json");
    let cases: [(&[u8], &str); 4] = [
        (b"not json", "Invalid JSON"),
        (b"[1, 2]", "Invalid JSON"),
        (br#"{"parent": "x"}"#, "Missing key `id' in JSON"),
        (
            br#"{"id": "0123456789abcdef"}"#,
            "JSON data contains invalid id",
        ),
    ];
    for (body, message) in cases {
        let r = s.put(&path, &auth, body);
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(body));
        assert_eq!(r.json()["error"], message);
    }
    let r = s.put(&path, &auth, image_json(&id, Some(&hex16())).as_bytes());
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        r#"{"error": "Image depends on a non existing parent"}"#
    );
    let other = hex64();
    let r = s.put_chunked(&format!("/v1/images/{other}/layer"), &auth, b"layer");
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error": "Image not found"}"#);
    // Checksum before any layer: 400, not docker-registry's 500 (gotcha 3).
    let r = s.put(&path, &auth, image_json(&id, None).as_bytes());
    assert_eq!(r.status, 200);
    let r = put_checksum(&s, auth[0], &id, "sha256:00");
    assert_eq!(r.status, 400);
    // Missing and empty checksum headers.
    let r = s.put(&format!("/v1/images/{id}/checksum"), &auth, b"");
    assert_eq!(r.status, 412);
    assert_eq!(
        r.json()["error"],
        "X-Docker-Checksum-Payload not set.  If you are using the Docker daemon, you should upgrade to version 0.10 or later"
    );
    let r = put_checksum(&s, auth[0], &id, "");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "Missing Image's checksum");
}

#[test]
fn upload_state_machine() {
    // M: PUT json twice before completion → 200; mismatch keeps the image unreadable; after
    // completion json/layer → 409 `Image already exists`; If-Modified-Since → 304.
    let s = TestServer::start();
    let basic = admin(&s);
    let auth = [("Authorization", basic.as_str())];
    let id = hex64();
    let json = image_json(&id, None);
    let layer = random_bytes(3000);
    let json_path = format!("/v1/images/{id}/json");
    assert_eq!(s.put(&json_path, &auth, json.as_bytes()).status, 200);
    // Chunked request bodies are accepted everywhere, json included.
    assert_eq!(
        s.put_chunked(&json_path, &auth, json.as_bytes()).status,
        200
    );
    assert_eq!(
        s.put_chunked(&format!("/v1/images/{id}/layer"), &auth, &layer)
            .status,
        200
    );
    let bad = payload_checksum(b"other", &layer);
    let r = put_checksum(&s, auth[0], &id, &bad);
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), r#"{"error": "Checksum mismatch"}"#);
    assert_eq!(s.get(&json_path, &auth).status, 400);
    assert_eq!(s.get(&format!("/v1/images/{id}/layer"), &auth).status, 400);
    assert_eq!(
        s.get(&format!("/v1/images/{id}/ancestry"), &auth).status,
        400
    );
    let good = payload_checksum(json.as_bytes(), &layer);
    let r = put_checksum(&s, auth[0], &id, &good);
    assert_eq!(r.status, 200);
    let r = s.put(&json_path, &auth, json.as_bytes());
    assert_eq!(r.status, 409);
    assert_eq!(r.text(), r#"{"error": "Image already exists"}"#);
    let r = s.put_chunked(&format!("/v1/images/{id}/layer"), &auth, &layer);
    assert_eq!(r.status, 409);
    assert_eq!(r.text(), r#"{"error": "Image already exists"}"#);
    let r = s.get(
        &json_path,
        &[
            auth[0],
            ("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ],
    );
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    let r = s.call("HEAD", &json_path, &auth, b"");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(r.header("x-docker-size"), Some("3000"));
}

#[test]
fn ping() {
    let s = TestServer::start();
    for path in ["/_ping", "/v1/_ping"] {
        let r = s.get(path, &[]);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"{}");
        assert_eq!(r.header("x-docker-registry-standalone"), Some("True"));
        assert!(r.header("x-docker-registry-version").is_some());
        let r = s.call("HEAD", path, &[], b"");
        assert_eq!(r.status, 200);
        assert!(r.body.is_empty());
    }
    let r = s.get("/", &[]);
    assert_eq!(r.text(), r#""docker-registry server""#);
    assert_eq!(s.get("/v2/", &[]).status, 404);
}
