//! flows.md: docker 1.x push then pull through the token flow, and the token error paths.

use crate::common::*;

const UA: &str =
    "docker/1.5.0 go/go1.4.1 git-commit/a8a31ef kernel/3.16.0-4-amd64 os/linux arch/amd64";

struct Image {
    id: String,
    json: Vec<u8>,
    layer: Vec<u8>,
}

fn chain() -> Vec<Image> {
    let mut out: Vec<Image> = Vec::new();
    for i in 0..3 {
        let id = hex64();
        let parent = out
            .last()
            .map(|p| format!(r#","parent":"{}""#, p.id))
            .unwrap_or_default();
        // Docker's on-disk json ends with a newline; the checksum covers it.
        let json =
            format!(r#"{{"id":"{id}"{parent},"created":"2015-01-0{i}T00:00:00Z","Size":{i}}}"#)
                + "\n";
        out.push(Image {
            id,
            json: json.into_bytes(),
            layer: random_bytes(10_000 + i * 70_000),
        });
    }
    out
}

/// The push sequence of flows.md §1, returning the token.
fn push(
    s: &TestServer,
    basic: &str,
    repo: &str,
    images: &[Image],
    tags: &[(&str, usize)],
) -> String {
    let list: Vec<String> = images
        .iter()
        .enumerate()
        .map(|(i, img)| match tags.iter().find(|(_, at)| *at == i) {
            Some((tag, _)) => format!(r#"{{"id":"{}","Tag":"{tag}"}}"#, img.id),
            None => format!(r#"{{"id":"{}"}}"#, img.id),
        })
        .collect();
    let body = format!("[{}]", list.join(","));
    let r = s.put(
        &format!("/v1/repositories/{repo}/"),
        &[
            ("Authorization", basic),
            ("X-Docker-Token", "true"),
            ("User-Agent", UA),
        ],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("x-docker-endpoints"),
        Some(s.addr.to_string().as_str())
    );
    let token = r.header("x-docker-token").unwrap().to_owned();
    assert_eq!(
        r.header("www-authenticate"),
        Some(format!("Token {token}").as_str())
    );
    assert!(
        token.ends_with(&format!(r#",repository="{repo}",access=write"#)),
        "{token}"
    );
    let auth = format!("Token {token}");
    let h = |extra: Option<(&'static str, String)>| {
        let mut v = vec![
            ("Authorization".to_owned(), auth.clone()),
            ("User-Agent".to_owned(), UA.to_owned()),
        ];
        if let Some((k, val)) = extra {
            v.push((k.to_owned(), val));
        }
        v
    };
    let call = |method: &str, path: &str, headers: Vec<(String, String)>, body: &[u8]| {
        let hs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if method == "CHUNKED" {
            s.put_chunked(path, &hs, body)
        } else {
            s.call(method, path, &hs, body)
        }
    };
    for img in images {
        let r = call("GET", &format!("/v1/images/{}/json", img.id), h(None), b"");
        assert_ne!(r.status, 200, "image should not exist yet");
        let r = call(
            "PUT",
            &format!("/v1/images/{}/json", img.id),
            h(None),
            &img.json,
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let r = call(
            "CHUNKED",
            &format!("/v1/images/{}/layer", img.id),
            h(None),
            &img.layer,
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let sum = payload_checksum(&img.json, &img.layer);
        let r = call(
            "PUT",
            &format!("/v1/images/{}/checksum", img.id),
            h(Some(("X-Docker-Checksum-Payload", sum))),
            b"",
        );
        assert_eq!(r.status, 200, "{}", r.text());
        for (tag, _) in tags.iter().filter(|(_, at)| images[*at].id == img.id) {
            let r = call(
                "PUT",
                &format!("/v1/repositories/{repo}/tags/{tag}"),
                h(None),
                format!(r#""{}""#, img.id).as_bytes(),
            );
            assert_eq!(r.status, 200, "{}", r.text());
        }
    }
    let r = s.put(
        &format!("/v1/repositories/{repo}/images"),
        &[
            ("Authorization", basic),
            ("X-Docker-Token", "true"),
            ("X-Docker-Endpoints", &format!("http://{}/v1/", s.addr)),
        ],
        b"[]",
    );
    assert_eq!(r.status, 204);
    token
}

/// The pull sequence of flows.md §2; returns the token used.
fn pull(s: &TestServer, basic: Option<&str>, repo: &str, images: &[Image], tag: &str) -> String {
    let mut headers = vec![("X-Docker-Token", "true"), ("User-Agent", UA)];
    if let Some(b) = basic {
        headers.push(("Authorization", b));
    }
    let r = s.get(&format!("/v1/repositories/{repo}/images"), &headers);
    assert_eq!(r.status, 200, "{}", r.text());
    let ids: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    for img in images {
        assert!(ids.contains(&img.id));
    }
    let token = r.header("x-docker-token").unwrap().to_owned();
    assert!(token.ends_with(&format!(r#",repository="{repo}",access=read"#)));
    let auth = format!("Token {token}");
    let auth = [("Authorization", auth.as_str())];
    let tags = s.get(&format!("/v1/repositories/{repo}/tags"), &auth);
    assert_eq!(tags.status, 200);
    let top = tags.json()[tag].as_str().unwrap().to_owned();
    let r = s.get(&format!("/v1/repositories/{repo}/tags/{tag}"), &auth);
    assert_eq!(r.json(), serde_json::json!(top));
    let ancestry = s.get(&format!("/v1/images/{top}/ancestry"), &auth).json();
    let ancestry: Vec<String> = ancestry
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    for id in ancestry.iter().rev() {
        let img = images.iter().find(|i| &i.id == id).unwrap();
        let r = s.get(&format!("/v1/images/{id}/json"), &auth);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, img.json);
        assert_eq!(
            r.header("x-docker-size"),
            Some(img.layer.len().to_string().as_str())
        );
        let r = s.call("HEAD", &format!("/v1/images/{id}/layer"), &auth, b"");
        assert_eq!(r.status, 200, "HEAD with a read token is a GET (gotcha 13)");
        let r = s.get(&format!("/v1/images/{id}/layer"), &auth);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, img.layer);
        assert_eq!(
            payload_checksum(&img.json, &r.body),
            payload_checksum(&img.json, &img.layer)
        );
    }
    token
}

#[test]
fn push_then_pull_three_images_two_tags() {
    let s = TestServer::start();
    let basic = s.user("pusher");
    let images = chain();
    push(
        &s,
        &basic,
        "pusher/app",
        &images,
        &[("latest", 2), ("v1", 1)],
    );
    // Authenticated and anonymous pulls of a public repository.
    pull(&s, Some(&basic), "pusher/app", &images, "latest");
    pull(&s, None, "pusher/app", &images[..2], "v1");
    // A second push of the same images: every GET json answers 200, PUT json 409 "exists".
    let r = s.get(&format!("/v1/images/{}/json", images[0].id), &[]);
    assert_eq!(r.status, 200);
}

#[test]
fn token_errors() {
    let s = TestServer::start();
    let basic = s.user("pusher");
    let other_user = s.user("other_user");
    let images = chain();
    let write = push(&s, &basic, "pusher/app", &images[..1], &[("latest", 0)]);
    let write_auth = format!("Token {write}");
    let id = hex64();
    let json = image_json(&id, None);
    // Missing auth on writes: 401 + `WWW-Authenticate: Token`.
    let r = s.put(&format!("/v1/images/{id}/json"), &[], json.as_bytes());
    assert_eq!(r.status, 401);
    assert_eq!(r.text(), r#"{"error": "Requires authorization"}"#);
    assert_eq!(r.header("www-authenticate"), Some("Token"));
    // A write token only for images declared to the Index for its repository.
    let r = s.put(
        &format!("/v1/images/{id}/json"),
        &[("Authorization", &write_auth)],
        json.as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        r#"{"error": "This image does not belong to the repository"}"#
    );
    // Wrong token: forged signature.
    let forged = write_auth.replace("signature=", "signature=1");
    let r = s.get(
        "/v1/repositories/pusher/app/tags",
        &[("Authorization", &forged)],
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), Some("Token"));
    // Token for another repository.
    let r = s.put(
        "/v1/repositories/other_user/x/",
        &[("Authorization", &other_user), ("X-Docker-Token", "true")],
        b"[]",
    );
    let other_token = format!("Token {}", r.header("x-docker-token").unwrap());
    let r = s.put(
        "/v1/repositories/pusher/app/tags/evil",
        &[("Authorization", &other_token)],
        format!(r#""{}""#, images[0].id).as_bytes(),
    );
    assert_eq!(r.status, 401);
    // Read token on a PUT.
    let r = s.get(
        "/v1/repositories/pusher/app/images",
        &[("X-Docker-Token", "true")],
    );
    let read = format!("Token {}", r.header("x-docker-token").unwrap());
    let r = s.put(
        "/v1/repositories/pusher/app/tags/evil",
        &[("Authorization", &read)],
        format!(r#""{}""#, images[0].id).as_bytes(),
    );
    assert_eq!(r.status, 401);
    // Write token on a GET.
    assert_eq!(
        s.get(
            "/v1/repositories/pusher/app/tags",
            &[("Authorization", &write_auth)]
        )
        .status,
        401
    );
    // The emulation's doubled prefix (`Token Token signature=…`) is accepted (gotcha 23).
    let doubled = format!("Token {read}");
    assert_eq!(
        s.get(
            "/v1/repositories/pusher/app/tags",
            &[("Authorization", &doubled)]
        )
        .status,
        200
    );
    // Expired token: move the clock past the lifetime.
    assert_eq!(
        s.get(
            "/v1/repositories/pusher/app/tags",
            &[("Authorization", &read)]
        )
        .status,
        200
    );
    s.clock.advance(3600);
    let r = s.get(
        "/v1/repositories/pusher/app/tags",
        &[("Authorization", &read)],
    );
    assert_eq!(r.status, 401);
    // The Index validates tokens for registries: 200 for a valid one, 401 otherwise.
    let r = s.get(
        "/v1/repositories/pusher/app/images",
        &[("X-Docker-Token", "true")],
    );
    let fresh = format!("Token {}", r.header("x-docker-token").unwrap());
    assert_eq!(
        s.get(
            "/v1/repositories/pusher/app/images",
            &[("Authorization", &fresh)]
        )
        .status,
        200
    );
    assert_eq!(
        s.get(
            "/v1/repositories/pusher/app/images",
            &[("Authorization", &forged)]
        )
        .status,
        401
    );
    // Basic directly on registry calls (standalone HTTPS clients), wrong password → 401.
    let wrong = berth_auth::encode_basic("pusher", "wrong!");
    assert_eq!(
        s.get(
            "/v1/repositories/pusher/app/tags",
            &[("Authorization", &wrong)]
        )
        .status,
        401
    );
    assert_eq!(
        s.get(
            "/v1/repositories/pusher/app/tags",
            &[("Authorization", &basic)]
        )
        .status,
        200
    );
}

#[test]
fn private_repositories() {
    let s = TestServer::start();
    let owner = s.user("owner_user");
    let stranger = s.user("stranger");
    let images = chain();
    push(
        &s,
        &owner,
        "owner_user/secret",
        &images[..2],
        &[("latest", 1)],
    );
    let r = s.put(
        "/v1/repositories/owner_user/secret/properties",
        &[("Authorization", &owner)],
        br#"{"access": "private"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = s.get(
        "/v1/repositories/owner_user/secret/properties",
        &[("Authorization", &owner)],
    );
    assert_eq!(r.json()["access"], "private");
    // Anonymous and strangers cannot list, read tags, or read the private images.
    assert_eq!(
        s.get("/v1/repositories/owner_user/secret/images", &[])
            .status,
        401
    );
    assert_eq!(
        s.get(
            "/v1/repositories/owner_user/secret/images",
            &[("Authorization", &stranger)]
        )
        .status,
        403
    );
    assert_eq!(
        s.get("/v1/repositories/owner_user/secret/tags", &[]).status,
        401
    );
    assert_eq!(
        s.get(
            "/v1/repositories/owner_user/secret/tags",
            &[("Authorization", &stranger)]
        )
        .status,
        401
    );
    let top = &images[1].id;
    assert_eq!(s.get(&format!("/v1/images/{top}/json"), &[]).status, 401);
    assert_eq!(
        s.get(
            &format!("/v1/images/{top}/layer"),
            &[("Authorization", &stranger)]
        )
        .status,
        404
    );
    // Hidden from search.
    assert_eq!(s.get("/v1/search?q=secret", &[]).json()["num_results"], 0);
    // The owner pulls with a read token; a token for another repository does not open images.
    pull(
        &s,
        Some(&owner),
        "owner_user/secret",
        &images[..2],
        "latest",
    );
    let r = s.put(
        "/v1/repositories/stranger/mine/",
        &[("Authorization", &stranger), ("X-Docker-Token", "true")],
        b"[]",
    );
    assert_eq!(r.status, 200);
    let r = s.get(
        "/v1/repositories/stranger/mine/images",
        &[("Authorization", &stranger), ("X-Docker-Token", "true")],
    );
    let strange_read = format!("Token {}", r.header("x-docker-token").unwrap());
    assert_eq!(
        s.get(
            &format!("/v1/images/{top}/json"),
            &[("Authorization", &strange_read)]
        )
        .status,
        404
    );
    // Layer access check on the Index.
    let r = s.get(
        &format!("/v1/repositories/owner_user/secret/layer/{top}/access"),
        &[("Authorization", &owner)],
    );
    assert_eq!(r.json()["access"], true);
    let r = s.get(
        &format!("/v1/repositories/owner_user/secret/layer/{top}/access"),
        &[("Authorization", &stranger)],
    );
    assert_eq!(r.json()["access"], false);
}

#[test]
fn delete_flow() {
    let s = TestServer::start();
    let owner = s.user("owner_user");
    let images = chain();
    push(
        &s,
        &owner,
        "owner_user/gone",
        &images[..1],
        &[("latest", 0)],
    );
    let r = s.call(
        "DELETE",
        "/v1/repositories/owner_user/gone/",
        &[("Authorization", &owner), ("X-Docker-Token", "true")],
        b"",
    );
    assert_eq!(r.status, 202);
    let token = r.header("x-docker-token").unwrap().to_owned();
    assert!(token.ends_with("access=delete"));
    let auth = format!("Token {token}");
    let r = s.put(
        "/v1/repositories/owner_user/gone/auth",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), r#""OK""#);
    assert_eq!(
        s.put("/v1/repositories/owner_user/gone/auth", &[], b"")
            .status,
        401
    );
    let r = s.call(
        "DELETE",
        "/v1/repositories/owner_user/gone/",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        s.get("/v1/repositories/owner_user/gone/tags", &[]).status,
        404
    );
}
