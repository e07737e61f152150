//! A pull that failed half-way through a layer is resumed by the next pull with `Range`, over
//! loopback against the real Berth server started in-process.

mod support;

use std::path::{Path, PathBuf};

use berth_client::archive::{SAMPLE_IDS, SAMPLE_REPO};
use berth_client::cache::LayerCache;
use support::{
    CuttingProxy, ProxyOptions, Seen, TestServer, files_in, pull, push_sample, user_client,
};

const USER: &str = "berth";
const PASS: &str = "sample-pass";

struct Setup {
    server: TestServer,
    dir: tempfile::TempDir,
    /// `latest` pulled directly, with a cache of its own.
    direct: Vec<u8>,
}

fn setup() -> Setup {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let client = user_client(server.server_addr(), USER, PASS);
    push_sample(&client, dir.path());
    let cache = LayerCache::open(&dir.path().join("direct-cache")).unwrap();
    let out = dir.path().join("direct.tar");
    pull(&client, SAMPLE_REPO, Some("latest"), &out, &cache).unwrap();
    let direct = std::fs::read(&out).unwrap();
    Setup {
        server,
        dir,
        direct,
    }
}

fn out_dir(setup: &Setup, name: &str) -> PathBuf {
    let dir = setup.dir.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A pull through a proxy that cuts the base layer in half and then refuses every connection:
/// it fails, writes no archive and keeps the bytes received. Returns how many.
fn failed_pull(setup: &Setup, cache: &LayerCache) -> u64 {
    let proxy = CuttingProxy::with(
        setup.server.addr,
        ProxyOptions {
            cuts: 1,
            refuse_after_cuts: true,
            ..ProxyOptions::default()
        },
    );
    let dir = out_dir(setup, "failed");
    let err = pull(
        &proxy.client(USER, PASS),
        SAMPLE_REPO,
        Some("latest"),
        &dir.join("x.tar"),
        cache,
    )
    .unwrap_err();
    assert!(
        format!("{err:#}").contains("pull of berth/sample:latest failed"),
        "{err:#}"
    );
    assert_eq!(proxy.cut_done.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(files_in(&dir).is_empty(), "no archive, no temporary file");
    assert!(cache.complete_ids().is_empty());
    let partial = cache.partial_ids();
    assert_eq!(partial.len(), 1, "{partial:?}");
    let (id, kept) = partial[0].clone();
    assert_eq!(id, SAMPLE_IDS[0], "the base layer comes first");
    // Long enough for a corruption in the middle to fall past the gzip header.
    assert!(kept > 20, "{kept}");
    kept
}

fn partial_file(cache: &LayerCache, id: &str) -> PathBuf {
    cache.dir().join(format!("{id}.partial"))
}

fn corrupt_middle(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(path, bytes).unwrap();
}

fn layer_requests(seen: &[Seen], id: &str) -> Vec<Option<String>> {
    let prefix = format!("GET /v1/images/{id}/layer ");
    seen.iter()
        .filter(|s| s.line.starts_with(&prefix))
        .map(|s| s.range.clone())
        .collect()
}

fn resumes(setup: &Setup, strip_headers: Vec<&'static str>) {
    let cache = LayerCache::open(&setup.dir.path().join("cache")).unwrap();
    let kept = failed_pull(setup, &cache);

    let proxy = CuttingProxy::with(
        setup.server.addr,
        ProxyOptions {
            strip_headers,
            ..ProxyOptions::default()
        },
    );
    let out = out_dir(setup, "second").join("resumed.tar");
    let summary = pull(
        &proxy.client(USER, PASS),
        SAMPLE_REPO,
        Some("latest"),
        &out,
        &cache,
    )
    .unwrap();
    assert_eq!((summary.images, summary.downloaded), (3, 3));
    let size = std::fs::metadata(cache.layer_path(SAMPLE_IDS[0]))
        .unwrap()
        .len();
    assert!(kept < size);
    let seen = proxy.seen();
    assert_eq!(
        layer_requests(&seen, SAMPLE_IDS[0]),
        [Some(format!("bytes={kept}-{size}"))],
        "one request for the rest of the base layer: {seen:?}"
    );
    for id in &SAMPLE_IDS[1..] {
        assert_eq!(layer_requests(&seen, id), [None]);
    }
    assert_eq!(std::fs::read(&out).unwrap(), setup.direct, "same archive");
    assert!(cache.partial_ids().is_empty());
    assert!(!partial_file(&cache, SAMPLE_IDS[0]).exists());
}

#[test]
fn a_failed_pull_is_resumed_by_the_next_one() {
    resumes(&setup(), Vec::new());
}

#[test]
fn a_resume_without_payload_checksum_is_accepted_when_the_layer_is_valid() {
    resumes(&setup(), vec!["x-docker-checksum-payload"]);
}

/// A corrupt partial file makes the second pull fail (no archive, partial deleted); the third
/// pull downloads the layer again and matches the direct pull.
fn corrupt_partial_is_refused(strip_headers: Vec<&'static str>, expected: &str) {
    let setup = setup();
    let cache = LayerCache::open(&setup.dir.path().join("cache")).unwrap();
    failed_pull(&setup, &cache);
    corrupt_middle(&partial_file(&cache, SAMPLE_IDS[0]));

    let proxy = CuttingProxy::with(
        setup.server.addr,
        ProxyOptions {
            strip_headers,
            ..ProxyOptions::default()
        },
    );
    let dir = out_dir(&setup, "second");
    let err = pull(
        &proxy.client(USER, PASS),
        SAMPLE_REPO,
        Some("latest"),
        &dir.join("x.tar"),
        &cache,
    )
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains(expected), "{text}");
    assert!(
        text.contains("partial download of an earlier pull"),
        "{text}"
    );
    assert!(files_in(&dir).is_empty(), "no archive");
    assert!(cache.partial_ids().is_empty(), "the corrupt bytes are gone");
    assert!(!cache.complete_ids().iter().any(|id| id == SAMPLE_IDS[0]));
    assert!(
        layer_requests(&proxy.seen(), SAMPLE_IDS[0])[0].is_some(),
        "the corrupt bytes were resumed"
    );

    let out = out_dir(&setup, "third").join("again.tar");
    let client = user_client(setup.server.server_addr(), USER, PASS);
    pull(&client, SAMPLE_REPO, Some("latest"), &out, &cache).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), setup.direct);
}

#[test]
fn a_corrupt_partial_layer_is_refused_while_it_is_unpacked() {
    // The layer is unpacked into the archive as it arrives, so a corrupt deflate stream is
    // found before the payload checksum is compared.
    corrupt_partial_is_refused(Vec::new(), "is not a valid gzip or tar archive");
}

#[test]
fn without_payload_checksum_a_corrupt_partial_layer_fails_the_gzip_check() {
    corrupt_partial_is_refused(
        vec!["x-docker-checksum-payload"],
        "is not a valid gzip or tar archive",
    );
}
