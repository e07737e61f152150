//! Blocking HTTP transport on ureq 3: executes requests built by the protocol core.

use std::io::Read;
use std::time::Duration;

use anyhow::Context;
use ureq::http::{self, HeaderMap, Method};

/// The `User-Agent` Berth sends (`name/value` tokens, like docker's).
pub const USER_AGENT: &str = concat!("berth/", env!("CARGO_PKG_VERSION"));

/// Redirects followed by a GET or HEAD.
const MAX_REDIRECTS: u32 = 10;

/// A request body.
pub enum Payload<'a> {
    /// No body.
    Empty,
    /// A body of known length (sent with `Content-Length`).
    Bytes(Vec<u8>),
    /// A streamed body of unknown length (sent with `Transfer-Encoding: chunked`).
    Stream(&'a mut dyn Read),
}

impl std::fmt::Debug for Payload<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// A response whose body has not been read yet.
pub type Reply = http::Response<ureq::Body>;

/// An HTTP client shared by all requests of one command.
#[derive(Debug, Clone)]
pub struct Transport {
    agent: ureq::Agent,
}

impl Default for Transport {
    fn default() -> Self {
        Self::new()
    }
}

impl Transport {
    /// A transport with Berth's defaults: statuses are returned (never turned into errors),
    /// 10 s connect timeout, 120 s without progress on a read or write fails the request,
    /// redirects followed for GET and HEAD only (never with `Authorization`), no compression
    /// negotiation.
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_per_read(Some(Duration::from_secs(120)))
            .timeout_per_write(Some(Duration::from_secs(120)))
            .build();
        Self {
            agent: config.new_agent(),
        }
    }

    /// Sends one request and returns the response head; the body is read by the caller.
    pub fn send(
        &self,
        method: Method,
        url: &str,
        headers: &HeaderMap,
        payload: Payload<'_>,
    ) -> anyhow::Result<Reply> {
        // A PUT or POST without body goes out with `Content-Length: 0`, as Go's client sent it
        // (ureq would otherwise announce a chunked body the server may leave unread).
        let payload = match payload {
            Payload::Empty if method == Method::PUT || method == Method::POST => {
                Payload::Bytes(Vec::new())
            }
            other => other,
        };
        let build = || {
            let mut builder = http::Request::builder().method(method.clone()).uri(url);
            for (name, value) in headers {
                builder = builder.header(name, value);
            }
            builder
        };
        match payload {
            Payload::Empty => self.retry_once(
                || {
                    let request = build().body(())?;
                    // GET and HEAD follow redirects (layers may live on a storage host), without
                    // Authorization, like docker's client for hosts outside docker.com/docker.io.
                    // Other methods hand 3xx to the session, which re-sends to `Location`.
                    let request = if method == Method::GET || method == Method::HEAD {
                        self.agent
                            .configure_request(request)
                            .max_redirects(MAX_REDIRECTS)
                            .build()
                    } else {
                        request
                    };
                    self.agent.run(request)
                },
                &method,
                url,
            ),
            Payload::Bytes(bytes) => self.retry_once(
                || self.agent.run(build().body(bytes.clone())?),
                &method,
                url,
            ),
            Payload::Stream(reader) => self
                .agent
                .run(build().body(ureq::SendBody::from_reader(reader))?)
                .map_err(|err| describe(err, &method, url)),
        }
    }

    /// Runs a replayable request, retrying once when the connection broke before an answer
    /// (typically a pooled keep-alive connection the server had already closed).
    fn retry_once(
        &self,
        run: impl Fn() -> Result<Reply, ureq::Error>,
        method: &Method,
        url: &str,
    ) -> anyhow::Result<Reply> {
        match run() {
            Err(ureq::Error::Io(err)) => {
                tracing::debug!(%method, url, error = %err, "connection broke; retrying once");
                run().map_err(|err| describe(err, method, url))
            }
            other => other.map_err(|err| describe(err, method, url)),
        }
    }

    /// Sends a request and reads the whole (small) body, at most `limit` bytes.
    pub fn send_small(
        &self,
        method: Method,
        url: &str,
        headers: &HeaderMap,
        payload: Payload<'_>,
        limit: u64,
    ) -> anyhow::Result<(http::response::Parts, Vec<u8>)> {
        let reply = self.send(method.clone(), url, headers, payload)?;
        let (parts, mut body) = reply.into_parts();
        let bytes = body
            .with_config()
            .limit(limit)
            .read_to_vec()
            .with_context(|| format!("cannot read the response to {method} {url}"))?;
        Ok((parts, bytes))
    }
}

/// Turns a transport error into a message saying what failed and what to do.
fn describe(err: ureq::Error, method: &Method, url: &str) -> anyhow::Error {
    let hint = match &err {
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
            " (is the server running and the address right? use --insecure for a plain-http server)"
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            " (is the server running and the address right?)"
        }
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
            " (TLS failed; for a plain-http server pass --insecure)"
        }
        _ => "",
    };
    anyhow::Error::new(err).context(format!("{method} {url} failed{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    /// A server answering each connection with the next canned response, recording requests.
    fn canned(responses: Vec<String>) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for response in responses {
                let (mut stream, _) = listener.accept().unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).unwrap() == 0 {
                        break;
                    }
                    head.push(byte[0]);
                }
                seen.push(String::from_utf8_lossy(&head).into_owned());
                stream.write_all(response.as_bytes()).unwrap();
            }
            seen
        });
        (base, handle)
    }

    #[test]
    fn get_follows_redirects_without_authorization() {
        let (base, server) = canned(vec![
            "HTTP/1.1 302 Found\r\nLocation: /storage/layer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_owned(),
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nlayer".to_owned(),
        ]);
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            "Token signature=x".parse().unwrap(),
        );
        let (parts, body) = Transport::new()
            .send_small(
                Method::GET,
                &format!("{base}/v1/images/a/layer"),
                &headers,
                Payload::Empty,
                100,
            )
            .unwrap();
        assert_eq!(
            (parts.status.as_u16(), body.as_slice()),
            (200, &b"layer"[..])
        );
        let seen = server.join().unwrap();
        assert!(
            seen[0]
                .to_ascii_lowercase()
                .contains("authorization: token")
        );
        assert!(seen[1].starts_with("GET /storage/layer "));
        assert!(
            !seen[1].to_ascii_lowercase().contains("authorization"),
            "{}",
            seen[1]
        );
    }

    #[test]
    fn put_hands_redirects_back_and_sends_content_length_zero() {
        let (base, server) = canned(vec![
            "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_owned(),
        ]);
        let (parts, _) = Transport::new()
            .send_small(
                Method::PUT,
                &format!("{base}/v1/images/a/checksum"),
                &HeaderMap::new(),
                Payload::Empty,
                100,
            )
            .unwrap();
        assert_eq!(parts.status.as_u16(), 302);
        let seen = server.join().unwrap();
        assert!(
            seen[0].to_ascii_lowercase().contains("content-length: 0"),
            "{}",
            seen[0]
        );
    }
}
