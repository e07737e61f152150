//! tests.md D (Index emulation statuses, here with real accounts), users, search.

use crate::common::*;

#[test]
fn users() {
    let s = TestServer::start();
    let basic = s.user("alice_1");
    let r = s.get("/v1/users/", &[("Authorization", &basic)]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), r#""OK""#);
    let r = s.get("/v1/users", &[("Authorization", &basic)]);
    assert_eq!(r.status, 200);
    // Wrong password and no credentials: 401 with the Index challenge.
    let wrong = berth_auth::encode_basic("alice_1", "nope!");
    for headers in [vec![("Authorization", wrong.as_str())], vec![]] {
        let r = s.get("/v1/users/", &headers);
        assert_eq!(r.status, 401);
        assert_eq!(
            r.header("www-authenticate"),
            Some(r#"Basic realm="auth required",Token"#)
        );
    }
    // Duplicate user: the exact bare JSON string docker compares byte for byte.
    let body = br#"{"username":"alice_1","password":"other","email":"x@example.com"}"#;
    let r = s.call("POST", "/v1/users/", &[], body);
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), r#""Username or email already exists""#);
    let body = br#"{"username":"bob_2","password":"other","email":"alice_1@example.com"}"#;
    assert_eq!(
        s.call("POST", "/v1/users/", &[], body).text(),
        r#""Username or email already exists""#
    );
    // Validation errors: short name, short password, bad e-mail, not JSON, a JSON string.
    for body in [
        &br#"{"username":"ab","password":"secret","email":"a@example.com"}"#[..],
        br#"{"username":"carol","password":"abc","email":"c@example.com"}"#,
        br#"{"username":"carol","password":"secret","email":"nope"}"#,
        b"not json",
        br#""JSON DATA PLACEHOLDER""#,
    ] {
        let r = s.call("POST", "/v1/users/", &[], body);
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(body));
    }
    // Update: 204, then the new password works and the old one does not.
    let r = s.put(
        "/v1/users/alice_1/",
        &[("Authorization", &basic)],
        br#"{"password":"new-secret","email":"alice@example.org"}"#,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        s.get("/v1/users/", &[("Authorization", &basic)]).status,
        401
    );
    let new = berth_auth::encode_basic("alice_1", "new-secret");
    assert_eq!(s.get("/v1/users/", &[("Authorization", &new)]).status, 200);
    // Another user may not update alice.
    let bob = s.user("bob_2");
    assert_eq!(
        s.put(
            "/v1/users/alice_1/",
            &[("Authorization", &bob)],
            br#"{"password":"hijack"}"#
        )
        .status,
        403
    );
}

#[test]
fn closed_sign_up() {
    let s = TestServer::start_with(|c| c.sign_up = berth_server::SignUp::Closed);
    let r = s.call(
        "POST",
        "/v1/users/",
        &[],
        br#"{"username":"alice","password":"secret","email":"a@example.com"}"#,
    );
    assert_eq!(r.status, 403);
}

#[test]
fn repository_images() {
    // D `test_repository_images`: PUT repo → 200, PUT images → 204, GET images → 200 with 2
    // entries, DELETE images → 204.
    let s = TestServer::start();
    let basic = s.user("test_user");
    let auth = ("Authorization", basic.as_str());
    let repo = format!("/v1/repositories/test_user/{}", name(12));
    let (r1, r2) = (hex16(), hex16());
    let images = format!(r#"[{{"id": "{r1}"}}, {{"id": "{r2}"}}]"#);
    let r = s.put(
        &format!("{repo}/"),
        &[auth, ("X-Docker-Token", "true")],
        images.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), r#""""#);
    assert!(
        r.header("x-docker-token")
            .unwrap()
            .starts_with("signature=")
    );
    assert_eq!(
        r.header("x-docker-endpoints"),
        Some(s.addr.to_string().as_str())
    );
    let r = s.put(&format!("{repo}/images"), &[auth], images.as_bytes());
    assert_eq!(r.status, 204);
    let r = s.get(&format!("{repo}/images"), &[auth]);
    assert_eq!(r.status, 200);
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list[0].get("id").is_some());
    let r = s.call("DELETE", &format!("{repo}/images"), &[auth], b"");
    assert_eq!(r.status, 204);
    // Unknown repository.
    let r = s.get(
        &format!("/v1/repositories/test_user/{}/images", name(12)),
        &[],
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error": "images not found"}"#);
    // Bad bodies.
    let r = s.put(&format!("{repo}/"), &[auth], b"nope");
    assert_eq!(r.status, 400);
    let r = s.put(&format!("{repo}/"), &[auth], br#"{"id": "x"}"#);
    assert_eq!(r.status, 400);
}

#[test]
fn merge_rule() {
    // First PUT stores the body as is; later ones merge by id, keep only id/checksum, and an
    // entry with a checksum wins.
    let s = TestServer::start();
    let basic = s.user("merge_user");
    let auth = ("Authorization", basic.as_str());
    let repo = "/v1/repositories/merge_user/app";
    let (a, b) = (hex64(), hex64());
    let first = format!(r#"[{{"id":"{a}"}},{{"id":"{b}","Tag":"latest"}}]"#);
    assert_eq!(
        s.put(&format!("{repo}/"), &[auth], first.as_bytes()).status,
        200
    );
    assert_eq!(s.get(&format!("{repo}/images"), &[auth]).text(), first);
    let second = format!(r#"[{{"id":"{a}","checksum":"sha256:abc"}}]"#);
    assert_eq!(
        s.put(&format!("{repo}/images"), &[auth], second.as_bytes())
            .status,
        204
    );
    let list = s.get(&format!("{repo}/images"), &[auth]).json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let entry_a = list.iter().find(|e| e["id"] == a.as_str()).unwrap();
    assert_eq!(entry_a["checksum"], "sha256:abc");
    assert!(list.iter().all(|e| e.get("Tag").is_none()));
    // The final `[]` of docker 0.8+ changes nothing.
    assert_eq!(s.put(&format!("{repo}/images"), &[auth], b"[]").status, 204);
    assert_eq!(
        s.get(&format!("{repo}/images"), &[auth])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn namespaces_and_library() {
    let s = TestServer::start();
    let admin = s.user("first_user");
    let alice = s.user("alice");
    let body = b"[]";
    // alice may not push into someone else's namespace, nor into `library`.
    assert_eq!(
        s.put(
            "/v1/repositories/first_user/app/",
            &[("Authorization", &alice)],
            body
        )
        .status,
        403
    );
    assert_eq!(
        s.put(
            "/v1/repositories/busybox/",
            &[("Authorization", &alice)],
            body
        )
        .status,
        403
    );
    assert_eq!(
        s.put(
            "/v1/repositories/alice/app/",
            &[("Authorization", &alice)],
            body
        )
        .status,
        200
    );
    // The first user is an administrator: `library` is theirs.
    let r = s.put(
        "/v1/repositories/busybox/",
        &[("Authorization", &admin), ("X-Docker-Token", "true")],
        body,
    );
    assert_eq!(r.status, 200);
    assert!(
        r.header("x-docker-token")
            .unwrap()
            .contains(r#"repository="library/busybox""#)
    );
    // No credentials on an Index write: 401 with the Index challenge.
    let r = s.put("/v1/repositories/alice/app/", &[], body);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some(r#"Basic realm="auth required",Token"#)
    );
}

#[test]
fn configured_admin_and_public_endpoint() {
    let s = TestServer::start_with(|c| {
        c.admins = vec!["boss_user".into()];
        c.public_endpoint = Some("registry.example.com:5000".into());
    });
    let first = s.user("first_user");
    let boss = s.user("boss_user");
    assert_eq!(
        s.put(
            "/v1/repositories/ubuntu/",
            &[("Authorization", &first)],
            b"[]"
        )
        .status,
        403
    );
    let r = s.put(
        "/v1/repositories/ubuntu/",
        &[("Authorization", &boss)],
        b"[]",
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-docker-endpoints"),
        Some("registry.example.com:5000")
    );
}

#[test]
fn search() {
    // D `test_search` plus the Hub shape with paging.
    let s = TestServer::start();
    let r = s.get(&format!("/v1/search?q={}", name(10)), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["num_results"], 0);
    let admin = s.user("searcher");
    for i in 0..5 {
        let path = format!("/v1/repositories/searcher/web{i}/");
        assert_eq!(
            s.put(&path, &[("Authorization", &admin)], b"[]").status,
            200
        );
    }
    assert_eq!(
        s.put(
            "/v1/repositories/webapp/",
            &[("Authorization", &admin)],
            b"[]"
        )
        .status,
        200
    );
    assert_eq!(
        s.put(
            "/v1/repositories/searcher/other/",
            &[("Authorization", &admin)],
            b"[]"
        )
        .status,
        200
    );
    let r = s.get("/v1/search?q=web&n=4&page=2", &[]);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["query"], "web");
    assert_eq!(v["num_results"], 6);
    assert_eq!(v["num_pages"], 2);
    assert_eq!(v["page"], 2);
    assert_eq!(v["page_size"], 4);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let all = s.get("/v1/search?q=web", &[]).json();
    let names: Vec<&str> = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"webapp"), "{names:?}");
    assert!(names.contains(&"searcher/web0"));
    let official = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "webapp")
        .unwrap();
    assert_eq!(official["is_official"], true);
    // A LIKE wildcard in the term is literal.
    assert_eq!(s.get("/v1/search?q=%25", &[]).json()["num_results"], 0);
}
