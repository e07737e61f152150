//! `berth push` with each layer compression, against the real Berth server in-process: the
//! registry keeps the bytes sent (gzip or the plain tar) and a pull gives the same layers back.

mod support;

use std::io::Read as _;

use berth_auth::Credentials;
use berth_client::Client;
use berth_client::archive::{SAMPLE_IDS, SAMPLE_REPO, SavedArchive, write_sample_archive};
use berth_client::cache::LayerCache;
use berth_client::push::{LayerCompression, PushOptions, select_tags};
use berth_client::transport::Payload;
use berth_model::RepoName;
use berth_model::progress::ProgressMessage;
use support::{TestServer, layer_bytes, pull, user_client};
use ureq::http::{HeaderMap, HeaderValue, Method, header};

/// The layer of `id` exactly as the registry serves it.
fn served_layer(client: &Client, id: &str) -> Vec<u8> {
    let url = format!("{}images/{id}/layer", client.server().base_url());
    let mut headers = HeaderMap::new();
    let creds = Credentials::new("berth", "sample-pass");
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&creds.to_header_value()).unwrap(),
    );
    let (parts, body) = client
        .transport()
        .send_small(Method::GET, &url, &headers, Payload::Empty, 1 << 20)
        .unwrap();
    assert_eq!(parts.status, 200, "GET {url}");
    body
}

fn push_and_pull(compression: LayerCompression) {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let client = user_client(server.server_addr(), "berth", "sample-pass");

    let path = dir.path().join("sample.tar");
    write_sample_archive(&path).unwrap();
    let original = SavedArchive::open(&path).unwrap();
    let repo = RepoName::parse(SAMPLE_REPO).unwrap();
    let tags = select_tags(&original, SAMPLE_REPO, &repo, None).unwrap();
    let mut messages = Vec::new();
    let mut sink = |m: &ProgressMessage| messages.push(m.clone());
    let options = PushOptions::with_compression(compression);
    let summary = client
        .push_with(&original, &repo, &tags, &options, &mut sink)
        .unwrap();
    assert_eq!((summary.images, summary.tags.len()), (3, 2));

    for id in SAMPLE_IDS {
        let tar = layer_bytes(&original, id);
        let stored = served_layer(&client, id);
        match compression {
            LayerCompression::None => assert!(stored == tar, "{id}: the plain tar, as it is"),
            _ => {
                assert_eq!(&stored[..2], &[0x1f, 0x8b], "{id}: gzip");
                let mut inflated = Vec::new();
                flate2::read::GzDecoder::new(&stored[..])
                    .read_to_end(&mut inflated)
                    .unwrap();
                assert!(inflated == tar, "{id}: the gzip of the layer.tar");
            }
        }
    }

    let cache = LayerCache::open(&dir.path().join("cache")).unwrap();
    let out = dir.path().join("out").join("pulled.tar");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let pulled = pull(&client, SAMPLE_REPO, None, &out, &cache).unwrap();
    assert_eq!((pulled.images, pulled.downloaded), (3, 3));
    let pulled = SavedArchive::open(&out).unwrap();
    assert_eq!(pulled.repositories(), original.repositories());
    for id in SAMPLE_IDS {
        assert_eq!(
            pulled.image(id).unwrap().json,
            original.image(id).unwrap().json
        );
        assert!(
            layer_bytes(&pulled, id) == layer_bytes(&original, id),
            "layer.tar of {id}"
        );
    }
}

#[test]
fn default_compression_pushes_gzip_that_pulls_back_identical() {
    push_and_pull(LayerCompression::Default);
}

#[test]
fn fast_compression_pushes_gzip_that_pulls_back_identical() {
    push_and_pull(LayerCompression::Fast);
}

#[test]
fn no_compression_pushes_the_plain_tar_that_pulls_back_identical() {
    push_and_pull(LayerCompression::None);
}

#[test]
fn fast_is_level_1_and_default_is_docker_s_level_6() {
    assert_eq!(LayerCompression::default(), LayerCompression::Default);
    assert_eq!(LayerCompression::Default.gzip_level(), Some(6));
    assert_eq!(LayerCompression::Fast.gzip_level(), Some(1));
    assert_eq!(LayerCompression::None.gzip_level(), None);
    assert_eq!(
        PushOptions::default().compression,
        LayerCompression::Default
    );
    assert!(PushOptions::default().threads >= 1);
}
