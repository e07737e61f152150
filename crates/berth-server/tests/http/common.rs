//! A real server on 127.0.0.1:0 with a temporary data directory, and a small HTTP client.

use std::io::Read;
use std::path::PathBuf;

use berth_server::{Config, ManualClock, Server};
use sha2::{Digest, Sha256};

/// Start time of every test clock.
pub(crate) const T0: u64 = 1_700_000_000;

pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }
}

pub(crate) struct TestServer {
    rt: tokio::runtime::Runtime,
    server: Option<Server>,
    pub(crate) base: String,
    pub(crate) addr: std::net::SocketAddr,
    pub(crate) clock: ManualClock,
    pub(crate) dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    agent: ureq::Agent,
}

impl TestServer {
    pub(crate) fn start() -> Self {
        Self::start_with(|_| {})
    }

    pub(crate) fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut server = Self::start_in(dir, ManualClock::new(T0), adjust);
        server._tmp = Some(tmp);
        server
    }

    pub(crate) fn start_in(
        dir: PathBuf,
        clock: ManualClock,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut config = Config::new(&dir);
        config.addr = "127.0.0.1:0".parse().unwrap();
        config.clock = std::sync::Arc::new(clock.clone());
        config.max_json_bytes = 64 << 10;
        config.max_layer_bytes = 8 << 20;
        adjust(&mut config);
        let server = rt.block_on(Server::bind(config)).unwrap();
        let addr = server.local_addr();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Self {
            rt,
            server: Some(server),
            base: format!("http://{addr}"),
            addr,
            clock,
            dir,
            _tmp: None,
            agent,
        }
    }

    /// Stops this server and starts a new one on the same data directory.
    pub(crate) fn restart(mut self) -> Self {
        let server = self.server.take().unwrap();
        self.rt.block_on(server.shutdown()).unwrap();
        let tmp = self._tmp.take();
        let mut next = Self::start_in(self.dir.clone(), self.clock.clone(), |_| {});
        next._tmp = tmp;
        next
    }

    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder.body(body.to_vec()).unwrap();
        let mut resp = self
            .agent
            .run(request)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.call("GET", path, headers, b"")
    }

    pub(crate) fn put(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        self.call("PUT", path, headers, body)
    }

    /// Sends a chunked body (no Content-Length), as docker does for layers.
    pub(crate) fn put_chunked(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut builder = http::Request::builder()
            .method("PUT")
            .uri(format!("{}{path}", self.base));
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let mut reader: &[u8] = body;
        let request = builder
            .body(ureq::SendBody::from_reader(&mut reader as &mut dyn Read))
            .unwrap();
        let mut resp = self.agent.run(request).unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.body_mut().read_to_vec().unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// Signs a user up and returns its Basic header value.
    pub(crate) fn user(&self, name: &str) -> String {
        let body = format!(
            r#"{{"username":"{name}","password":"secret-{name}","email":"{name}@example.com","auth":""}}"#
        );
        let r = self.call(
            "POST",
            "/v1/users/",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
        assert_eq!(r.status, 201, "sign up {name}: {}", r.text());
        berth_auth::encode_basic(name, &format!("secret-{name}"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.rt.block_on(server.shutdown());
        }
    }
}

/// A 16-hex id as docker-registry's test suite generates.
pub(crate) fn hex16() -> String {
    let n: u64 = rand::random();
    format!("{n:016x}")
}

/// A 64-hex id as docker generates.
pub(crate) fn hex64() -> String {
    (0..4)
        .map(|_| format!("{:016x}", rand::random::<u64>()))
        .collect()
}

/// A random lower-case name.
pub(crate) fn name(len: usize) -> String {
    (0..len)
        .map(|_| char::from(b'a' + rand::random::<u8>() % 26))
        .collect()
}

/// `{"id": "<id>"}` (+ parent) with Python's separators, as the suite's helper builds it.
pub(crate) fn image_json(id: &str, parent: Option<&str>) -> String {
    match parent {
        Some(p) => format!(r#"{{"id": "{id}", "parent": "{p}"}}"#),
        None => format!(r#"{{"id": "{id}"}}"#),
    }
}

/// `sha256:` + hex(sha256(json + "\n" + layer)).
pub(crate) fn payload_checksum(json: &[u8], layer: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(json);
    h.update(b"\n");
    h.update(layer);
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Random bytes.
pub(crate) fn random_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|_| rand::random::<u8>()).collect()
}

/// `PUT /v1/images/<id>/checksum` with an empty body and `X-Docker-Checksum-Payload: <payload>`.
pub(crate) fn put_checksum(s: &TestServer, auth: (&str, &str), id: &str, payload: &str) -> Resp {
    s.put(
        &format!("/v1/images/{id}/checksum"),
        &[auth, ("X-Docker-Checksum-Payload", payload)],
        b"",
    )
}

/// The suite's `upload_image` helper (tests.md A), with every assertion it makes.
pub(crate) fn upload_image(
    s: &TestServer,
    auth: &[(&str, &str)],
    id: &str,
    parent: Option<&str>,
    layer: &[u8],
) {
    let json = image_json(id, parent);
    let checksum = payload_checksum(json.as_bytes(), layer);
    let r = s.put(&format!("/v1/images/{id}/json"), auth, json.as_bytes());
    assert_eq!(r.status, 200, "PUT json: {}", r.text());
    assert_eq!(r.body, b"true");
    let r = s.get(&format!("/v1/images/{id}/json"), auth);
    assert_eq!(r.status, 400, "GET json while in progress");
    assert_eq!(
        r.text(),
        r#"{"error": "Image is being uploaded, retry later"}"#
    );
    let r = s.put_chunked(&format!("/v1/images/{id}/layer"), auth, layer);
    assert_eq!(r.status, 200, "PUT layer: {}", r.text());
    let mut with_sum = auth.to_vec();
    with_sum.push(("X-Docker-Checksum-Payload", &checksum));
    let r = s.put(&format!("/v1/images/{id}/checksum"), &with_sum, b"");
    assert_eq!(r.status, 200, "PUT checksum: {}", r.text());
    let r = s.put(&format!("/v1/images/{id}/checksum"), &with_sum, b"");
    assert_eq!(r.status, 409, "PUT checksum again");
    assert_eq!(r.text(), r#"{"error": "Cannot set this image checksum"}"#);
    let r = s.put(&format!("/v1/images/{}/checksum", name(16)), &with_sum, b"");
    assert_eq!(r.status, 404, "PUT checksum with a non-hex id");
    let r = s.get(&format!("/v1/images/{id}/json"), auth);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-docker-size"),
        Some(layer.len().to_string().as_str())
    );
    assert_eq!(
        r.header("x-docker-checksum-payload"),
        Some(checksum.as_str())
    );
    assert_eq!(r.body, json.as_bytes());
}
