//! End to end over loopback against the real Berth server, started in-process.

mod support;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use berth_auth::Credentials;
use berth_client::Client;
use berth_client::archive::{SAMPLE_IDS, SAMPLE_REPO, SavedArchive, write_sample_archive};
use berth_client::cache::LayerCache;
use berth_client::reference::ServerAddr;
use berth_client::transport::Payload;
use berth_model::RepoName;
use support::{
    CuttingProxy, TestServer, assert_same_images, files_in, layer_bytes, pull, push_sample,
    user_client,
};
use ureq::http::{HeaderMap, HeaderValue, Method, header};

/// Pulls `repo:latest` with `client` into a fresh `out` directory under `dir`, expecting the pull
/// to fail, and checks that it left nothing there; returns the layer cache and the error text.
fn pull_latest_fails(client: &Client, repo: &str, dir: &Path) -> (LayerCache, String) {
    let cache = LayerCache::open(&dir.join("cache")).unwrap();
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let err = pull(client, repo, Some("latest"), &out_dir.join("x.tar"), &cache).unwrap_err();
    assert!(
        files_in(&out_dir).is_empty(),
        "no archive, no temporary file"
    );
    (cache, format!("{err:#}"))
}

/// A client logged in as the sample's owner that reaches the server through `proxy`.
fn sample_client_via(proxy: &CuttingProxy) -> Client {
    let via = ServerAddr::parse(&proxy.addr.to_string(), true).unwrap();
    Client::new(via, Some(Credentials::new("berth", "sample-pass")))
}

#[test]
fn push_then_pull_gives_back_identical_files() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let client = user_client(server.server_addr(), "berth", "sample-pass");
    let original = push_sample(&client, dir.path());

    let cache = LayerCache::open(&dir.path().join("cache")).unwrap();
    let out = dir.path().join("out").join("pulled.tar");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let summary = pull(&client, SAMPLE_REPO, None, &out, &cache).unwrap();
    assert_eq!((summary.images, summary.downloaded), (3, 3));

    assert_same_images(&SavedArchive::open(&out).unwrap(), &original);
    // Every entry docker load needs, with VERSION 1.0.
    let mut tar = tar::Archive::new(std::fs::File::open(&out).unwrap());
    let mut versions = 0;
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().ends_with("VERSION") {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            assert_eq!(text, "1.0");
            versions += 1;
        }
    }
    assert_eq!(versions, 3);

    // A second pull of one tag is served from the cache.
    let one = dir.path().join("out").join("one.tar");
    let summary = pull(&client, SAMPLE_REPO, Some("1.0"), &one, &cache).unwrap();
    assert_eq!((summary.images, summary.downloaded), (2, 0));
    let expected: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::from([(
        SAMPLE_REPO.to_owned(),
        BTreeMap::from([("1.0".to_owned(), SAMPLE_IDS[1].to_owned())]),
    )]);
    assert_eq!(SavedArchive::open(&one).unwrap().repositories(), &expected);
}

#[test]
fn tags_search_and_inspect_show_the_pushed_repository() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let client = user_client(server.server_addr(), "berth", "sample-pass");
    push_sample(&client, dir.path());
    let repo = RepoName::parse(SAMPLE_REPO).unwrap();

    let tags = client.tags(&repo).unwrap();
    assert_eq!(tags.get("latest").map(String::as_str), Some(SAMPLE_IDS[2]));
    assert_eq!(tags.get("1.0").map(String::as_str), Some(SAMPLE_IDS[1]));

    let anonymous = Client::new(server.server_addr(), None);
    let results = anonymous.search("sample").unwrap();
    assert!(
        results.results.iter().any(|r| r.name == SAMPLE_REPO),
        "{results:?}"
    );

    let found = client.inspect(&repo, "latest").unwrap();
    assert_eq!(found.id, SAMPLE_IDS[2]);
    let ancestry: Vec<&str> = found.ancestry.iter().map(String::as_str).collect();
    assert_eq!(ancestry, [SAMPLE_IDS[2], SAMPLE_IDS[1], SAMPLE_IDS[0]]);
    assert!(
        found
            .json
            .starts_with(format!("{{\"id\":\"{}\"", SAMPLE_IDS[2]).as_bytes())
    );
}

#[test]
fn private_repository_is_refused_to_another_user() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let owner = user_client(server.server_addr(), "berth", "sample-pass");
    push_sample(&owner, dir.path());
    let url = format!(
        "{}repositories/{SAMPLE_REPO}/properties",
        server.server_addr().base_url()
    );
    let mut headers = HeaderMap::new();
    let creds = Credentials::new("berth", "sample-pass");
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&creds.to_header_value()).unwrap(),
    );
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = br#"{"access": "private"}"#.to_vec();
    let (parts, _) = owner
        .transport()
        .send_small(Method::PUT, &url, &headers, Payload::Bytes(body), 4096)
        .unwrap();
    assert_eq!(parts.status, 200);

    let repo = RepoName::parse(SAMPLE_REPO).unwrap();
    assert_eq!(
        owner.tags(&repo).unwrap().len(),
        2,
        "the owner still reads it"
    );
    let bob = user_client(server.server_addr(), "bobby", "bobby-pass");
    assert!(bob.tags(&repo).is_err());
    let (_, err) = pull_latest_fails(&bob, SAMPLE_REPO, dir.path());
    assert!(err.contains("pull of berth/sample:latest failed"), "{err}");
    let anonymous = Client::new(server.server_addr(), None);
    assert!(anonymous.tags(&repo).is_err());
    assert!(
        !anonymous
            .search("sample")
            .unwrap()
            .results
            .iter()
            .any(|r| r.name == SAMPLE_REPO)
    );
}

#[test]
fn wrong_password_and_unknown_repository_are_clear_errors() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let _ = user_client(server.server_addr(), "alice", "right-pass");
    let client = Client::new(server.server_addr(), None);
    let err = client
        .login(
            &Credentials::new("alice", "wrong-pass"),
            "alice@example.com",
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "Wrong login/password, please try again");
    assert!(
        !format!("{err:?}").contains("wrong-pass"),
        "the password never appears in errors"
    );

    let (_, err) = pull_latest_fails(&client, "alice/nothing", dir.path());
    assert!(err.contains("not found"), "{err}");
    let err = client
        .tags(&RepoName::parse("alice/nothing").unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("not found"), "{err:#}");
}

#[test]
fn corrupt_archives_are_refused_before_any_upload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sample.tar");
    write_sample_archive(&path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    // Break the checksum of the first tar header.
    bytes[148..156].copy_from_slice(b"0000000\0");
    std::fs::write(&path, &bytes).unwrap();
    let err = SavedArchive::open(&path).unwrap_err();
    assert!(
        format!("{err:#}").contains("not a valid tar archive"),
        "{err:#}"
    );
    // A truncated archive loses a layer.
    write_sample_archive(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..2048]).unwrap();
    assert!(SavedArchive::open(&path).is_err());
}

#[test]
fn a_cut_layer_body_is_resumed_with_range() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let client = user_client(server.server_addr(), "berth", "sample-pass");
    let original = push_sample(&client, dir.path());

    let proxy = CuttingProxy::start(server.addr, 1);
    let proxied = sample_client_via(&proxy);
    let cache = LayerCache::open(&dir.path().join("cache")).unwrap();
    let out = dir.path().join("resumed.tar");
    pull(&proxied, SAMPLE_REPO, Some("latest"), &out, &cache).unwrap();
    assert_eq!(proxy.cut_done.load(std::sync::atomic::Ordering::SeqCst), 1);
    let pulled = SavedArchive::open(&out).unwrap();
    for id in SAMPLE_IDS {
        assert_eq!(layer_bytes(&pulled, id), layer_bytes(&original, id));
    }
}

#[test]
fn a_server_that_keeps_cutting_layers_fails_the_pull_and_leaves_nothing() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let client = user_client(server.server_addr(), "berth", "sample-pass");
    push_sample(&client, dir.path());

    let proxy = CuttingProxy::start(server.addr, usize::MAX);
    let proxied = sample_client_via(&proxy);
    let (cache, err) = pull_latest_fails(&proxied, SAMPLE_REPO, dir.path());
    assert!(err.contains("pull of berth/sample:latest failed"), "{err}");
    assert!(
        cache.complete_ids().is_empty(),
        "no truncated layer is cached as complete"
    );
    assert!(
        !cache.partial_ids().is_empty(),
        "the bytes received are kept for the next pull"
    );
}

#[test]
fn a_damaged_cached_layer_is_found_removed_and_downloaded_again() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let client = user_client(server.server_addr(), "berth", "sample-pass");
    let original = push_sample(&client, dir.path());
    let cache = LayerCache::open(&dir.path().join("cache")).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    pull(
        &client,
        SAMPLE_REPO,
        Some("latest"),
        &out.join("a.tar"),
        &cache,
    )
    .unwrap();

    // The cache is not fsynced; a crash can leave a layer empty. It must not be trusted.
    std::fs::write(cache.layer_path(SAMPLE_IDS[1]), b"").unwrap();
    let err = pull(
        &client,
        SAMPLE_REPO,
        Some("latest"),
        &out.join("b.tar"),
        &cache,
    )
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains(&format!("the cached layer of {} is damaged", SAMPLE_IDS[1])),
        "{text}"
    );
    assert!(text.contains("pull again"), "{text}");
    assert!(!out.join("b.tar").exists(), "no archive from a failed pull");
    assert!(
        !cache.complete_ids().iter().any(|id| id == SAMPLE_IDS[1]),
        "the damaged layer left the cache"
    );

    let summary = pull(
        &client,
        SAMPLE_REPO,
        Some("latest"),
        &out.join("c.tar"),
        &cache,
    )
    .unwrap();
    assert_eq!((summary.images, summary.downloaded), (3, 1));
    let pulled = SavedArchive::open(&out.join("c.tar")).unwrap();
    for id in SAMPLE_IDS {
        assert_eq!(layer_bytes(&pulled, id), layer_bytes(&original, id));
    }
}
