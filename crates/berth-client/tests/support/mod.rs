//! Test support: the real Berth server in-process on loopback, and a proxy that cuts layer bodies.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use berth_auth::Credentials;
use berth_client::Client;
use berth_client::archive::{SAMPLE_IDS, SAMPLE_REPO, SavedArchive, write_sample_archive};
use berth_client::cache::LayerCache;
use berth_client::progress::Progress;
use berth_client::pull::PullRequest;
use berth_client::push::{PushOptions, select_tags};
use berth_client::reference::ServerAddr;
use berth_model::progress::ProgressMessage;
use berth_model::{RepoName, Tag};

/// A Berth server on `127.0.0.1:0`, stopped on drop.
pub struct TestServer {
    rt: tokio::runtime::Runtime,
    server: Option<berth_server::Server>,
    pub addr: SocketAddr,
    _data: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut config = berth_server::Config::new(data.path().join("data"));
        config.addr = "127.0.0.1:0".parse().unwrap();
        let server = rt.block_on(berth_server::Server::bind(config)).unwrap();
        let addr = server.local_addr();
        Self {
            rt,
            server: Some(server),
            addr,
            _data: data,
        }
    }

    pub fn server_addr(&self) -> ServerAddr {
        ServerAddr::parse(&self.addr.to_string(), true).unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.rt.block_on(server.shutdown());
        }
    }
}

/// Signs `user` up (or logs in) and returns a client carrying the credentials.
pub fn user_client(server: ServerAddr, user: &str, password: &str) -> Client {
    let creds = Credentials::new(user, password);
    Client::new(server.clone(), None)
        .login(&creds, &format!("{user}@example.com"))
        .unwrap();
    Client::new(server, Some(creds))
}

pub fn layer_bytes(archive: &SavedArchive, id: &str) -> Vec<u8> {
    let mut out = Vec::new();
    archive
        .open_layer(archive.image(id).unwrap())
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Pushes the sample archive (all tags) as `user` to `berth/sample`.
pub fn push_sample(client: &Client, dir: &Path) -> SavedArchive {
    push_sample_with(client, dir, &PushOptions::default())
}

/// [`push_sample`] with push `options` (e.g. the layer compression).
pub fn push_sample_with(client: &Client, dir: &Path, options: &PushOptions) -> SavedArchive {
    let path = dir.join("sample.tar");
    write_sample_archive(&path).unwrap();
    let archive = SavedArchive::open(&path).unwrap();
    let repo = RepoName::parse(SAMPLE_REPO).unwrap();
    let tags = select_tags(&archive, SAMPLE_REPO, &repo, None).unwrap();
    let mut messages = Vec::new();
    let mut sink = |m: &ProgressMessage| messages.push(m.clone());
    let summary = client
        .push_with(&archive, &repo, &tags, options, &mut sink)
        .unwrap();
    assert_eq!(summary.images, 3);
    assert_eq!(summary.tags.len(), 2);
    assert!(messages.iter().any(|m| {
        m.status
            .starts_with("The push refers to a repository [berth/sample]")
    }));
    assert!(
        messages
            .iter()
            .any(|m| m.status == "Pushing" && m.progress_detail.is_some_and(|d| d.total > 0))
    );
    archive
}

/// Asserts that `pulled` holds the images of `original` with the same json and layer.tar
/// bytes, and the same `repositories`.
pub fn assert_same_images(pulled: &SavedArchive, original: &SavedArchive) {
    assert_eq!(pulled.repositories(), original.repositories());
    for id in SAMPLE_IDS {
        assert_eq!(
            pulled.image(id).unwrap().json,
            original.image(id).unwrap().json,
            "json of {id}"
        );
        assert!(
            layer_bytes(pulled, id) == layer_bytes(original, id),
            "layer.tar of {id}"
        );
    }
}

pub fn pull(
    client: &Client,
    repo: &str,
    tag: Option<&str>,
    output: &Path,
    cache: &LayerCache,
) -> anyhow::Result<berth_client::pull::PullSummary> {
    let repo = RepoName::parse(repo).unwrap();
    let request = PullRequest {
        repo: &repo,
        tag: tag.map(|t| Tag::parse(t).unwrap()),
        local_name: SAMPLE_REPO,
        output,
        cache,
    };
    let mut quiet = berth_client::progress::Quiet;
    client.pull(&request, &mut quiet as &mut dyn Progress)
}

/// Files left in `dir` (to check that no partial archive remains).
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

/// What a [`CuttingProxy`] does besides forwarding.
#[derive(Debug, Clone, Default)]
pub struct ProxyOptions {
    /// The first `cuts` responses to a `GET …/layer` request are truncated.
    pub cuts: usize,
    /// After the last cut, every new connection is closed at once (a registry gone away).
    pub refuse_after_cuts: bool,
    /// Response headers removed (lowercase names), e.g. to hide `x-docker-checksum-payload`.
    pub strip_headers: Vec<&'static str>,
}

/// One request the proxy saw: the request line and its `Range` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub line: String,
    pub range: Option<String>,
}

/// A one-request-per-connection HTTP proxy in front of `upstream`. The first `cuts` responses to a
/// `GET …/layer` request are truncated: the head and half the body are sent, then the connection
/// is closed. Every request it forwards is logged.
pub struct CuttingProxy {
    pub addr: SocketAddr,
    pub cut_done: Arc<AtomicUsize>,
    pub log: Arc<Mutex<Vec<Seen>>>,
}

struct Shared {
    upstream: SocketAddr,
    options: ProxyOptions,
    cut_done: Arc<AtomicUsize>,
    refusing: AtomicBool,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl CuttingProxy {
    pub fn start(upstream: SocketAddr, cuts: usize) -> Self {
        Self::with(
            upstream,
            ProxyOptions {
                cuts,
                ..ProxyOptions::default()
            },
        )
    }

    pub fn with(upstream: SocketAddr, options: ProxyOptions) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let cut_done = Arc::new(AtomicUsize::new(0));
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            upstream,
            options,
            cut_done: Arc::clone(&cut_done),
            refusing: AtomicBool::new(false),
            log: Arc::clone(&log),
        });
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if shared.refusing.load(Ordering::SeqCst) {
                    drop(stream);
                    continue;
                }
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let _ = serve_one(stream, &shared);
                });
            }
        });
        Self {
            addr,
            cut_done,
            log,
        }
    }

    /// The requests forwarded so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    /// A client for `user` that goes through the proxy.
    pub fn client(&self, user: &str, password: &str) -> Client {
        let via = ServerAddr::parse(&self.addr.to_string(), true).unwrap();
        Client::new(via, Some(Credentials::new(user, password)))
    }
}

fn serve_one(mut client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    // Read the request head; the pull sends only GETs, which have no body.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let first_line = text.lines().next().unwrap_or_default().to_owned();
    let range = text.split("\r\n").find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("range")
            .then(|| value.trim().to_owned())
    });
    shared.log.lock().unwrap().push(Seen {
        line: first_line.clone(),
        range,
    });
    let mut rewritten: String = text
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:") && !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect();
    rewritten.push_str("Connection: close\r\n\r\n");
    let mut up = TcpStream::connect(shared.upstream)?;
    up.write_all(rewritten.as_bytes())?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |p| p + 4);
    let (head, body) = response.split_at(split);
    let head: String = String::from_utf8_lossy(head)
        .split_inclusive("\r\n")
        .filter(|l| {
            let name = l.split(':').next().unwrap_or_default().to_ascii_lowercase();
            !shared.options.strip_headers.contains(&name.as_str())
        })
        .collect();
    let is_layer = first_line.starts_with("GET ") && first_line.contains("/layer ");
    let cuts = shared.options.cuts;
    let cut = is_layer
        && shared
            .cut_done
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < cuts).then_some(n + 1)
            })
            .is_ok();
    client.write_all(head.as_bytes())?;
    if cut {
        if shared.options.refuse_after_cuts && shared.cut_done.load(Ordering::SeqCst) == cuts {
            shared.refusing.store(true, Ordering::SeqCst);
        }
        client.write_all(&body[..body.len() / 2])?;
        client.flush()?;
        // Dropping the socket closes the connection mid-body.
        return Ok(());
    }
    client.write_all(body)?;
    Ok(())
}
