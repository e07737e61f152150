//! `berth push` with each layer compression, against the real Berth server in-process: the
//! registry keeps the bytes sent (gzip or the plain tar) and a pull gives the same layers back.

mod support;

use std::io::Read as _;

use berth_auth::Credentials;
use berth_client::Client;
use berth_client::archive::{SAMPLE_IDS, SAMPLE_REPO, SavedArchive};
use berth_client::cache::LayerCache;
use berth_client::push::{LayerCompression, PushOptions};
use berth_client::transport::Payload;
use support::{TestServer, assert_same_images, layer_bytes, pull, push_sample_with, user_client};
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

    let original = push_sample_with(
        &client,
        dir.path(),
        &PushOptions::with_compression(compression),
    );

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
    assert_same_images(&SavedArchive::open(&out).unwrap(), &original);
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
