//! tests.md C: tags, tag metadata from User-Agent, special characters, tag name validation.

use crate::common::*;

const UA_DEFAULT: &str =
    "docker/0.10.1 go/go1.2.1 git-commit/3600720 kernel/3.8.0-19-generic os/linux arch/amd64";

fn simple(repo_name: &str) {
    let s = TestServer::start();
    let basic = s.user("admin_user");
    let auth = ("Authorization", basic.as_str());
    let ua = ("User-Agent", UA_DEFAULT);
    let repo = format!("/v1/repositories/foo/{repo_name}");
    let id = hex16();
    upload_image(&s, &[auth, ua], &id, None, &random_bytes(64));
    let body = format!(r#""{id}""#);
    let ua1 = (
        "User-Agent",
        "docker/0.7.2-dev go/go1.2 os/ostest arch/archtest",
    );
    let r = s.put(
        &format!("{repo}/tags/latest"),
        &[auth, ua1],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, b"true");
    assert_eq!(
        s.put(&format!("{repo}/tags/test"), &[auth, ua], body.as_bytes())
            .status,
        200
    );
    let r = s.get(&format!("{repo}/tags/latest"), &[auth]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!(id));
    for path in [format!("{repo}/json"), format!("{repo}/tags/latest/json")] {
        let r = s.get(&path, &[auth]);
        assert_eq!(r.status, 200, "{path}");
        let meta = r.json();
        assert_eq!(meta["docker_version"], "0.7.2-dev");
        assert_eq!(meta["docker_go_version"], "go1.2");
        assert_eq!(meta["os"], "ostest");
        assert_eq!(meta["arch"], "archtest");
        assert_eq!(meta["last_update"], T0);
    }
    let ua2 = (
        "User-Agent",
        "docker/0.7.2-dev go/go1.2 os/ostest arch/changedarch",
    );
    assert_eq!(
        s.put(
            &format!("{repo}/tags/latest"),
            &[auth, ua2],
            body.as_bytes()
        )
        .status,
        200
    );
    assert_eq!(
        s.put(&format!("{repo}/tags/test"), &[auth, ua2], body.as_bytes())
            .status,
        200
    );
    for tag in ["latest", "test"] {
        let meta = s.get(&format!("{repo}/tags/{tag}/json"), &[auth]).json();
        assert_eq!(meta["arch"], "changedarch");
        assert_eq!(meta["docker_version"], "0.7.2-dev");
        assert_eq!(meta["docker_go_version"], "go1.2");
        assert_eq!(meta["os"], "ostest");
    }
    let r = s.get(&format!("{repo}/tags"), &[auth]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json().as_object().unwrap().len(), 2);
    assert_eq!(r.text(), format!(r#"{{"latest": "{id}", "test": "{id}"}}"#));
    let r = s.call("DELETE", &format!("{repo}/tags/latest"), &[auth], b"");
    assert_eq!(r.status, 200);
    assert_eq!(s.get(&format!("{repo}/tags"), &[auth]).status, 200);
    let r = s.get(&format!("{repo}/tags/latest"), &[auth]);
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error": "Tag not found"}"#);
    let r = s.call("DELETE", &format!("{repo}/tags/latest"), &[auth], b"");
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error": "Tag not found: latest"}"#);
    // Deleting `latest` forgets the repository json: back to the default object.
    let meta = s.get(&format!("{repo}/json"), &[auth]).json();
    assert_eq!(meta["os"], "linux");
    assert_eq!(meta["docker_version"], serde_json::Value::Null);
    assert_eq!(
        s.call("DELETE", &format!("{repo}/"), &[auth], b"").status,
        200
    );
    let r = s.get(&format!("{repo}/tags"), &[auth]);
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error": "Repository not found"}"#);
}

#[test]
fn tags_simple() {
    simple(&name(16));
}

#[test]
fn tags_special_chars() {
    // `<5 random>%$_-test`, percent-encoded in the URL.
    simple(&format!("{}%25%24_-test", name(5)));
}

#[test]
fn tags_notfound_and_validation() {
    let s = TestServer::start();
    let basic = s.user("admin_user");
    let auth = ("Authorization", basic.as_str());
    let r = s.get(&format!("/v1/repositories/{}/bar/tags", name(16)), &[auth]);
    assert_eq!(r.status, 404);
    let id = hex16();
    upload_image(&s, &[auth], &id, None, b"x");
    let body = format!(r#""{id}""#);
    let repo = format!("/v1/repositories/foo/{}", name(8));
    for bad in ["%24invalid", ".invalid", "-invalid"] {
        let r = s.put(&format!("{repo}/tags/{bad}"), &[auth], body.as_bytes());
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(
            r.json()["error"],
            r"Invalid tag name (must match ^[\w][\w.-]{0,127}$)"
        );
    }
    assert_eq!(
        s.put(&format!("{repo}/tags/_valid"), &[auth], body.as_bytes())
            .status,
        200
    );
    // Tag PUT for a missing image → 404; body not a JSON string → 400 `Invalid data`.
    let r = s.put(
        &format!("{repo}/tags/x"),
        &[auth],
        format!(r#""{}""#, hex16()).as_bytes(),
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error": "Image not found"}"#);
    let r = s.put(&format!("{repo}/tags/x"), &[auth], br#"{"id": 1}"#);
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), r#"{"error": "Invalid data"}"#);
}

#[test]
fn library_defaulting() {
    // `/v1/repositories/<single>/...` ≡ `/v1/repositories/library/<single>/...`.
    let s = TestServer::start();
    let basic = s.user("admin_user");
    let auth = ("Authorization", basic.as_str());
    let id = hex64();
    upload_image(&s, &[auth], &id, None, b"abc");
    let r = s.put(
        "/v1/repositories/busybox/tags/latest",
        &[auth],
        format!(r#""{id}""#).as_bytes(),
    );
    assert_eq!(r.status, 200);
    let r = s.get("/v1/repositories/library/busybox/tags", &[auth]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["latest"], id.as_str());
    let r = s.get("/v1/repositories/library/busybox/tags/latest", &[]);
    assert_eq!(r.json(), serde_json::json!(id));
}

#[test]
fn head_for_every_get() {
    let s = TestServer::start();
    let basic = s.user("admin_user");
    let auth = ("Authorization", basic.as_str());
    let id = hex64();
    upload_image(&s, &[auth], &id, None, &random_bytes(777));
    let repo = "/v1/repositories/admin_user/app";
    assert_eq!(s.put(&format!("{repo}/"), &[auth], b"[]").status, 200);
    assert_eq!(
        s.put(
            &format!("{repo}/tags/latest"),
            &[auth],
            format!(r#""{id}""#).as_bytes()
        )
        .status,
        200
    );
    let paths = [
        "/".to_owned(),
        "/v1/_ping".to_owned(),
        "/v1/users/".to_owned(),
        format!("{repo}/images"),
        format!("{repo}/tags"),
        format!("{repo}/tags/latest"),
        format!("{repo}/tags/latest/json"),
        format!("{repo}/json"),
        format!("{repo}/properties"),
        format!("{repo}/layer/{id}/access"),
        format!("/v1/images/{id}/json"),
        format!("/v1/images/{id}/layer"),
        format!("/v1/images/{id}/ancestry"),
        "/v1/search?q=app".to_owned(),
        format!("/v1/images/{}/json", hex64()),
    ];
    for path in &paths {
        let get = s.get(path, &[auth]);
        let head = s.call("HEAD", path, &[auth], b"");
        assert_eq!(head.status, get.status, "{path}");
        assert!(head.body.is_empty(), "{path}");
        assert_eq!(
            head.header("content-length"),
            Some(get.body.len().to_string().as_str()),
            "{path}"
        );
        assert!(head.header("x-docker-registry-version").is_some(), "{path}");
    }
}
