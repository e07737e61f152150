//! Test support: the real Berth server in-process on loopback, and a proxy that cuts layer bodies.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use berth_auth::Credentials;
use berth_client::Client;
use berth_client::reference::ServerAddr;

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

/// Files left in `dir` (to check that no partial archive remains).
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

/// A one-request-per-connection HTTP proxy in front of `upstream`. The first `cuts` responses to a
/// `GET …/layer` request are truncated: the head and half the body are sent, then the connection
/// is closed.
pub struct CuttingProxy {
    pub addr: SocketAddr,
    pub cut_done: Arc<AtomicUsize>,
}

impl CuttingProxy {
    pub fn start(upstream: SocketAddr, cuts: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let cut_done = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&cut_done);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    let _ = serve_one(stream, upstream, cuts, &counter);
                });
            }
        });
        Self { addr, cut_done }
    }
}

fn serve_one(
    mut client: TcpStream,
    upstream: SocketAddr,
    cuts: usize,
    counter: &AtomicUsize,
) -> std::io::Result<()> {
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
    let mut rewritten: String = text
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:") && !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect();
    rewritten.push_str("Connection: close\r\n\r\n");
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(rewritten.as_bytes())?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    let is_layer = first_line.starts_with("GET ") && first_line.contains("/layer ");
    let cut = is_layer
        && counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < cuts).then_some(n + 1)
            })
            .is_ok();
    if cut {
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(0, |p| p + 4);
        let body_len = response.len() - split;
        client.write_all(&response[..split + body_len / 2])?;
        client.flush()?;
        // Dropping the socket closes the connection mid-body.
        return Ok(());
    }
    client.write_all(&response)?;
    Ok(())
}
