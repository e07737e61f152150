//! Index and Registry as separate processes: the Registry validates every token by calling
//! `GET {index}/v1/repositories/<ns>/<repo>/images` with the client's Authorization header.

use berth_server::Role;

use crate::common::*;

#[test]
fn split_index_and_registry() {
    let index = TestServer::start_with(|c| c.role = Role::Index);
    let index_url = index.base.clone();
    let registry = TestServer::start_with(move |c| {
        c.role = Role::Registry;
        c.index_url = Some(index_url);
    });
    let basic = index.user("pusher");
    // Each process answers only its own endpoints.
    assert_eq!(
        registry
            .get("/v1/users/", &[("Authorization", &basic)])
            .status,
        404
    );
    assert_eq!(
        index
            .get(&format!("/v1/images/{}/json", hex64()), &[])
            .status,
        404
    );
    let r = registry.get("/v1/_ping", &[]);
    assert_eq!(r.header("x-docker-registry-standalone"), Some("False"));

    let (id, other) = (hex64(), hex64());
    let r = index.put(
        "/v1/repositories/pusher/app/",
        &[("Authorization", &basic), ("X-Docker-Token", "true")],
        format!(r#"[{{"id":"{id}","Tag":"latest"}}]"#).as_bytes(),
    );
    assert_eq!(r.status, 200);
    let write = format!("Token {}", r.header("x-docker-token").unwrap());
    let auth = [("Authorization", write.as_str())];
    // An image not declared to the Index for this repository is refused.
    let r = registry.put(
        &format!("/v1/images/{other}/json"),
        &auth,
        image_json(&other, None).as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"],
        "This image does not belong to the repository"
    );
    let layer = random_bytes(20_000);
    let json = image_json(&id, None);
    assert_eq!(
        registry
            .put(&format!("/v1/images/{id}/json"), &auth, json.as_bytes())
            .status,
        200
    );
    assert_eq!(
        registry
            .put_chunked(&format!("/v1/images/{id}/layer"), &auth, &layer)
            .status,
        200
    );
    let sum = payload_checksum(json.as_bytes(), &layer);
    let r = registry.put(
        &format!("/v1/images/{id}/checksum"),
        &[auth[0], ("X-Docker-Checksum-Payload", &sum)],
        b"",
    );
    assert_eq!(r.status, 200);
    let r = registry.put(
        "/v1/repositories/pusher/app/tags/latest",
        &auth,
        format!(r#""{id}""#).as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        index
            .put(
                "/v1/repositories/pusher/app/images",
                &[("Authorization", &basic)],
                b"[]"
            )
            .status,
        204
    );

    // Pull with a read token from the Index.
    let r = index.get(
        "/v1/repositories/pusher/app/images",
        &[("X-Docker-Token", "true")],
    );
    let read = format!("Token {}", r.header("x-docker-token").unwrap());
    // `GET /v1/repositories/pusher/app/tags` on the Registry with this `Authorization` value.
    let tags_with = |authorization: &str| {
        registry.get(
            "/v1/repositories/pusher/app/tags",
            &[("Authorization", authorization)],
        )
    };
    let r = tags_with(&read);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["latest"], id.as_str());
    assert_eq!(
        registry
            .get(
                &format!("/v1/images/{id}/layer"),
                &[("Authorization", &read)]
            )
            .body,
        layer
    );
    // The Registry does not know which repositories are private: every read needs a token.
    assert_eq!(
        registry.get("/v1/repositories/pusher/app/tags", &[]).status,
        401
    );
    assert_eq!(
        registry.get(&format!("/v1/images/{id}/json"), &[]).status,
        401
    );
    // Image reads are checked with the Index's layer-access answer for the token's repository.
    let r = index.put(
        "/v1/repositories/pusher/other/",
        &[("Authorization", &basic), ("X-Docker-Token", "true")],
        b"[]",
    );
    assert_eq!(r.status, 200);
    let r = index.get(
        "/v1/repositories/pusher/other/images",
        &[("X-Docker-Token", "true")],
    );
    let other_read = format!("Token {}", r.header("x-docker-token").unwrap());
    let r = registry.get(
        &format!("/v1/images/{id}/json"),
        &[("Authorization", &other_read)],
    );
    assert_eq!(r.status, 404);
    // Privacy is set on the Index, which then refuses tokens to strangers.
    assert_eq!(
        registry
            .put(
                "/v1/repositories/pusher/app/properties",
                &[],
                br#"{"access": "private"}"#
            )
            .status,
        404
    );
    let r = index.put(
        "/v1/repositories/pusher/app/properties",
        &[("Authorization", &basic)],
        br#"{"access": "private"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        index
            .get(
                "/v1/repositories/pusher/app/images",
                &[("X-Docker-Token", "true")]
            )
            .status,
        401
    );
    let r = index.get(
        "/v1/repositories/pusher/app/images",
        &[("Authorization", &basic), ("X-Docker-Token", "true")],
    );
    assert_eq!(r.status, 200);
    let owner_read = format!("Token {}", r.header("x-docker-token").unwrap());
    assert_eq!(
        registry
            .get(
                &format!("/v1/images/{id}/layer"),
                &[("Authorization", &owner_read)]
            )
            .body,
        layer
    );
    // The delete flow starts on the Index (202 + delete token) and deletes on the Registry.
    let r = index.call(
        "DELETE",
        "/v1/repositories/pusher/app/",
        &[("Authorization", &basic), ("X-Docker-Token", "true")],
        b"",
    );
    assert_eq!(r.status, 202);
    let delete = format!("Token {}", r.header("x-docker-token").unwrap());
    let r = registry.call(
        "DELETE",
        "/v1/repositories/pusher/app/",
        &[("Authorization", &delete)],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(tags_with(&read).status, 404);
    // A forged token is refused by the Index, hence by the Registry.
    let forged = read.replace("signature=", "signature=9");
    assert_eq!(tags_with(&forged).status, 401);
    // Expiry is the Index's clock.
    index.clock.advance(3600);
    assert_eq!(tags_with(&read).status, 401);
}
