//! Golden tests: the spec's literal messages, status codes, bodies and headers.

use berth_model::response::{
    BODY_EMPTY_STRING, BODY_OK, BODY_PING, BODY_ROOT, BODY_TRUE, BODY_USER_CREATED,
    IMMUTABLE_CACHE_HEADERS, INDEX_CHALLENGE, JSON_HEADERS, REGISTRY_CHALLENGE,
};
use berth_model::{
    DEFAULT_TAG_JSON, ImageId, ImageJson, ModelError as E, TagMetadata, parse_error_body,
};
use bytes::Bytes;

/// (error, status, exact body) for every message the spec quotes.
fn table() -> Vec<(E, u16, &'static str)> {
    vec![
        (
            E::ImageAlreadyExists,
            409,
            r#"{"error": "Image already exists"}"#,
        ),
        (E::ImageNotFound, 404, r#"{"error": "Image not found"}"#),
        (
            E::InvalidImageId { position: 0 },
            404,
            r#"{"error": "Invalid image ID"}"#,
        ),
        (
            E::ImageInProgress,
            400,
            r#"{"error": "Image is being uploaded, retry later"}"#,
        ),
        (
            E::ParentNotFound,
            400,
            r#"{"error": "Image depends on a non existing parent"}"#,
        ),
        (
            E::UnauthorizedParent,
            400,
            r#"{"error": "Image depends on an unauthorized parent"}"#,
        ),
        (
            E::ImageNotInRepository,
            400,
            r#"{"error": "This image does not belong to the repository"}"#,
        ),
        (
            E::JsonIdMismatch,
            400,
            r#"{"error": "JSON data contains invalid id"}"#,
        ),
        (E::InvalidJson, 400, r#"{"error": "Invalid JSON"}"#),
        (
            E::MissingJsonId,
            400,
            r#"{"error": "Missing key `id' in JSON"}"#,
        ),
        (
            E::ChecksumMismatch,
            400,
            r#"{"error": "Checksum mismatch"}"#,
        ),
        (
            E::CannotSetChecksum,
            409,
            r#"{"error": "Cannot set this image checksum"}"#,
        ),
        (
            E::ChecksumPayloadNotSet,
            412,
            r#"{"error": "X-Docker-Checksum-Payload not set.  If you are using the Docker daemon, you should upgrade to version 0.10 or later"}"#,
        ),
        (
            E::MissingChecksum,
            400,
            r#"{"error": "Missing Image's checksum"}"#,
        ),
        (
            E::DockerTooOld,
            412,
            r#"{"error": "This endpoint does not support Docker daemons older than 0.10"}"#,
        ),
        (
            E::RequiresAuthorization,
            401,
            r#"{"error": "Requires authorization"}"#,
        ),
        (
            E::RepositoryNotFound,
            404,
            r#"{"error": "Repository not found"}"#,
        ),
        (E::TagNotFound, 404, r#"{"error": "Tag not found"}"#),
        (
            E::TagNotFoundNamed {
                tag: "latest".into(),
            },
            404,
            r#"{"error": "Tag not found: latest"}"#,
        ),
        (
            E::InvalidTag { position: 0 },
            400,
            r#"{"error": "Invalid tag name (must match ^[\\w][\\w.-]{0,127}$)"}"#,
        ),
        (E::InvalidData, 400, r#"{"error": "Invalid data"}"#),
        (
            E::ErrorDecodingJson,
            400,
            r#"{"error": "Error Decoding JSON"}"#,
        ),
        (E::ImagesNotFound, 404, r#"{"error": "images not found"}"#),
        (
            E::UserAlreadyExists,
            400,
            r#""Username or email already exists""#,
        ),
        (
            E::LayerFormatNotSupported,
            400,
            r#"{"error": "Layer format not supported"}"#,
        ),
        (
            E::DiffQueueDisabled,
            400,
            r#"{"error": "Diff queue is disabled"}"#,
        ),
        (
            E::AccountNotActive,
            403,
            r#"{"error": "Account is not Active"}"#,
        ),
    ]
}

#[test]
fn every_error_has_its_exact_status_and_body() {
    for (err, status, body) in table() {
        assert_eq!(err.status().as_u16(), status, "{err:?}");
        assert_eq!(std::str::from_utf8(&err.body()).unwrap(), body, "{err:?}");
    }
}

#[test]
fn messages_survive_a_client_round_trip() {
    for (err, _, _) in table() {
        if matches!(err, E::UserAlreadyExists) {
            continue;
        }
        // The docker client decodes `{"error": …}` and compares the message.
        assert_eq!(
            parse_error_body(&err.body()).as_deref(),
            Some(err.to_string().as_str())
        );
    }
    assert!(E::ImageAlreadyExists.is_already_exists());
}

#[test]
fn challenges() {
    assert_eq!(REGISTRY_CHALLENGE, "Token");
    assert_eq!(INDEX_CHALLENGE, r#"Basic realm="auth required",Token"#);
    assert_eq!(E::RequiresAuthorization.challenge(), Some("Token"));
    assert_eq!(
        E::IndexRequiresAuthorization.challenge(),
        Some(INDEX_CHALLENGE)
    );
    assert_eq!(E::IndexRequiresAuthorization.status(), 401);
    assert_eq!(E::ImageNotFound.challenge(), None);
}

#[test]
fn fixed_headers_and_bodies() {
    assert_eq!(
        JSON_HEADERS,
        [
            ("Cache-Control", "no-cache"),
            ("Pragma", "no-cache"),
            ("Expires", "-1"),
            ("Content-Type", "application/json"),
        ]
    );
    assert_eq!(
        IMMUTABLE_CACHE_HEADERS,
        [
            ("Cache-Control", "public, max-age=31536000"),
            ("Last-Modified", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ]
    );
    assert_eq!(BODY_TRUE, b"true");
    assert_eq!(BODY_PING, b"{}");
    assert_eq!(BODY_OK, b"\"OK\"");
    assert_eq!(BODY_USER_CREATED, b"\"User Created\"");
    assert_eq!(BODY_EMPTY_STRING, b"\"\"");
    assert_eq!(BODY_ROOT, b"\"docker-registry server\"");
    // Every fixed header value is a valid `http` header value.
    for (name, value) in JSON_HEADERS.iter().chain(IMMUTABLE_CACHE_HEADERS.iter()) {
        assert!(http::HeaderName::from_bytes(name.as_bytes()).is_ok());
        assert!(http::HeaderValue::from_str(value).is_ok());
    }
}

#[test]
fn default_tag_json() {
    assert_eq!(
        std::str::from_utf8(DEFAULT_TAG_JSON).unwrap(),
        r#"{"arch": "amd64", "docker_go_version": null, "docker_version": null, "kernel": null, "last_update": null, "os": "linux"}"#
    );
}

#[test]
fn tag_metadata_from_test_suite_agents() {
    // tests.md C steps 5–9.
    let m = TagMetadata::from_user_agent("docker/0.7.2-dev go/go1.2 os/ostest arch/changedarch", 7);
    assert_eq!(
        std::str::from_utf8(&m.to_body()).unwrap(),
        r#"{"arch": "changedarch", "docker_go_version": "go1.2", "docker_version": "0.7.2-dev", "last_update": 7, "os": "ostest"}"#
    );
}

#[test]
fn scratch_image_json_is_kept_verbatim() {
    // image-format.md §1: the scratch base image (docker-registry tests/data/511136…/json shape).
    let raw = Bytes::from_static(
        b"{\"id\":\"511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158\",\
\"comment\":\"Imported from -\",\"created\":\"2013-06-13T14:03:50.821769-07:00\",\
\"container_config\":{\"Hostname\":\"\",\"User\":\"\",\"Memory\":0,\"MemorySwap\":0,\"CpuShares\":0,\
\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"PortSpecs\":null,\"Tty\":false,\
\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":null,\"Dns\":null,\"Image\":\"\",\
\"Volumes\":null,\"VolumesFrom\":\"\",\"WorkingDir\":\"\"},\"docker_version\":\"0.4.0\",\
\"architecture\":\"x86_64\",\"Size\":0}\n",
    );
    let id =
        ImageId::parse("511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158").unwrap();
    let img = ImageJson::validate_put(&id, raw.clone()).unwrap();
    assert_eq!(img.raw(), &raw);
    assert_eq!(img.parent(), None);
    assert_eq!(img.comment(), Some("Imported from -"));
    assert_eq!(img.container_config().unwrap()["VolumesFrom"], "");
    assert!(img.other().is_empty());
}
