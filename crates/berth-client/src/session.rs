//! Index calls that are single requests or short fixed exchanges: login, search, and the
//! read-only registry queries behind `berth tags` and `berth inspect`.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use berth_auth::Credentials;
use berth_model::{RepoName, SearchResults};
use ureq::http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use crate::reference::ServerAddr;
use crate::transport::{Payload, Transport};

/// Largest JSON body read from an Index or registry metadata call.
const MAX_BODY: u64 = 16 * 1024 * 1024;

/// What `berth login` achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// `GET /v1/users/` accepted the credentials: "Login Succeeded".
    LoggedIn,
    /// `POST /v1/users/` created the account (201).
    AccountCreated,
}

/// A client for one server, with optional credentials.
#[derive(Debug, Clone)]
pub struct Client {
    transport: Transport,
    server: ServerAddr,
    credentials: Option<Credentials>,
}

/// A read token and the registry endpoints the Index handed out for a repository.
#[derive(Debug, Clone)]
pub struct ReadSession {
    /// `Authorization` value for registry calls (`Token …`), if the Index sent a token.
    authorization: Option<HeaderValue>,
    /// Registry base URLs (`scheme://host/v1/`), in the Index's order.
    pub endpoints: Vec<String>,
}

/// The result of `berth inspect`.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The image id the tag points to.
    pub id: String,
    /// The image json exactly as the registry served it.
    pub json: Vec<u8>,
    /// The ancestry, the image itself first and the base last.
    pub ancestry: Vec<String>,
}

impl Client {
    /// A client for `server`; `credentials` are sent as Basic auth on Index calls.
    pub fn new(server: ServerAddr, credentials: Option<Credentials>) -> Self {
        Self {
            transport: Transport::new(),
            server,
            credentials,
        }
    }

    /// The server this client talks to.
    pub fn server(&self) -> &ServerAddr {
        &self.server
    }

    /// The transport (shared with the push and pull drivers).
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    fn basic(&self, headers: &mut HeaderMap) -> anyhow::Result<()> {
        if let Some(creds) = &self.credentials {
            headers.insert(header::AUTHORIZATION, basic_header(creds)?);
        }
        Ok(())
    }

    /// An Index `GET` flagged `X-Docker-Token: true`, with Basic auth when logged in.
    fn index_get(&self, url: &str) -> anyhow::Result<(ureq::http::response::Parts, Vec<u8>)> {
        let mut headers = HeaderMap::new();
        headers.insert("X-Docker-Token", HeaderValue::from_static("true"));
        self.basic(&mut headers)?;
        self.transport
            .send_small(Method::GET, url, &headers, Payload::Empty, MAX_BODY)
    }

    /// Docker's login: `POST /v1/users/` to sign up; on 400 `"Username or email already exists"`
    /// or 401, `GET /v1/users/` with Basic auth to check the credentials (flows.md §3).
    pub fn login(&self, credentials: &Credentials, email: &str) -> anyhow::Result<LoginOutcome> {
        let url = format!("{}users/", self.server.base_url());
        let body = serde_json::json!({
            "username": credentials.username,
            "password": credentials.password.expose(),
            "auth": "",
            "email": email,
        });
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        let payload = Payload::Bytes(serde_json::to_vec(&body)?);
        let (parts, reply) =
            self.transport
                .send_small(Method::POST, &url, &headers, payload, MAX_BODY)?;
        match parts.status.as_u16() {
            201 => return Ok(LoginOutcome::AccountCreated),
            // "docker compares the raw body byte-for-byte" (index-api.md §1).
            400 if reply == br#""Username or email already exists""# => {}
            401 => {}
            400 => bail!(
                "registration failed: {}",
                String::from_utf8_lossy(&reply).trim()
            ),
            code => bail!(
                "unexpected status code [{code}] from POST {url}: {}",
                String::from_utf8_lossy(&reply).trim()
            ),
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, basic_header(credentials)?);
        let (parts, reply) =
            self.transport
                .send_small(Method::GET, &url, &headers, Payload::Empty, MAX_BODY)?;
        match parts.status.as_u16() {
            200 => Ok(LoginOutcome::LoggedIn),
            401 => bail!("Wrong login/password, please try again"),
            403 => {
                bail!("Account is not Active. Please check your e-mail for a confirmation link.")
            }
            code => bail!(
                "unexpected status code [{code}] from GET {url}: {}",
                String::from_utf8_lossy(&reply).trim()
            ),
        }
    }

    /// `GET /v1/search?q=TERM` (with Basic auth when logged in).
    pub fn search(&self, term: &str) -> anyhow::Result<SearchResults> {
        let query = berth_model::SearchQuery::new(term).to_query_string();
        let url = format!("{}search?{query}", self.server.base_url());
        let (parts, body) = self.index_get(&url)?;
        if parts.status != StatusCode::OK {
            bail!(
                "search failed: unexpected status code {}",
                parts.status.as_u16()
            );
        }
        SearchResults::parse(&body).context("the server's search results are not valid JSON")
    }

    /// `GET /v1/repositories/NS/REPO/images` with `X-Docker-Token: true`: a read token and the
    /// registry endpoints.
    pub fn read_session(&self, repo: &RepoName) -> anyhow::Result<ReadSession> {
        let url = format!("{}repositories/{repo}/images", self.server.base_url());
        let (parts, body) = self.index_get(&url)?;
        match parts.status.as_u16() {
            200 => {}
            401 => bail!(
                "authentication is required for {repo}: run `berth login` with an account that \
                 can read it"
            ),
            403 => bail!("access to {repo} is denied for this account"),
            404 => bail!("repository {repo} not found"),
            code => bail!(
                "unexpected status code {code} trying to read repository {repo}: {}",
                String::from_utf8_lossy(&body).trim()
            ),
        }
        let tokens: Vec<&str> = parts
            .headers
            .get_all("X-Docker-Token")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let authorization = if tokens.is_empty() {
            None
        } else {
            let mut value = HeaderValue::from_str(&format!("Token {}", tokens.join(",")))?;
            value.set_sensitive(true);
            Some(value)
        };
        let mut endpoints: Vec<String> = parts
            .headers
            .get_all("X-Docker-Endpoints")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|host| format!("{}://{host}/v1/", self.server.scheme))
            .collect();
        if endpoints.is_empty() {
            endpoints.push(self.server.base_url());
        }
        Ok(ReadSession {
            authorization,
            endpoints,
        })
    }

    fn registry_get(&self, session: &ReadSession, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut headers = HeaderMap::new();
        if let Some(auth) = &session.authorization {
            headers.insert(header::AUTHORIZATION, auth.clone());
        }
        let mut last = None;
        for endpoint in &session.endpoints {
            let url = format!("{endpoint}{path}");
            match self
                .transport
                .send_small(Method::GET, &url, &headers, Payload::Empty, MAX_BODY)
            {
                Ok((parts, body)) => return Ok((parts.status.as_u16(), body)),
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("the Index returned no registry endpoint")))
    }

    /// The tags of `repo` (`GET /v1/repositories/NS/REPO/tags`): tag → image id.
    pub fn tags(&self, repo: &RepoName) -> anyhow::Result<BTreeMap<String, String>> {
        let session = self.read_session(repo)?;
        let (status, body) = self.registry_get(&session, &format!("repositories/{repo}/tags"))?;
        match status {
            200 => serde_json::from_slice(&body).context("the tag list is not a JSON object"),
            404 => bail!("repository {repo} not found"),
            code => bail!("unexpected status code {code} listing the tags of {repo}"),
        }
    }

    /// The image a tag points to, its json and its ancestry.
    pub fn inspect(&self, repo: &RepoName, tag: &str) -> anyhow::Result<Inspection> {
        let session = self.read_session(repo)?;
        let (status, body) =
            self.registry_get(&session, &format!("repositories/{repo}/tags/{tag}"))?;
        let id: String = match status {
            200 => serde_json::from_slice(&body).context("the tag body is not a JSON string")?,
            404 => bail!("tag {tag} not found in repository {repo}"),
            code => bail!("unexpected status code {code} reading tag {repo}:{tag}"),
        };
        if !crate::archive::is_image_id(&id) {
            bail!("tag {repo}:{tag} points to {id:?}, which is not an image id");
        }
        let (status, json) = self.registry_get(&session, &format!("images/{id}/json"))?;
        if status != 200 {
            bail!("unexpected status code {status} reading the json of image {id}");
        }
        let (status, body) = self.registry_get(&session, &format!("images/{id}/ancestry"))?;
        if status != 200 {
            bail!("unexpected status code {status} reading the ancestry of image {id}");
        }
        let ancestry = serde_json::from_slice(&body).context("the ancestry is not a JSON list")?;
        Ok(Inspection { id, json, ancestry })
    }
}

/// Adds what to do to a push or pull error: log in after a 401.
pub(crate) fn with_hint(err: anyhow::Error, server: &ServerAddr) -> anyhow::Error {
    use berth_model::session::SessionError;
    let needs_login = err
        .chain()
        .any(|cause| match cause.downcast_ref::<SessionError>() {
            Some(SessionError::AuthenticationRequired | SessionError::PlainHttpUnauthorized) => {
                true
            }
            Some(other) => other.status() == Some(401),
            None => false,
        });
    if needs_login {
        anyhow::anyhow!(
            "{err:#}\nhint: run `berth login {}` with an account allowed to do this",
            server.host
        )
    } else {
        err
    }
}

/// `Authorization: Basic …` for `creds`, marked sensitive so that it never shows in `Debug` output.
pub(crate) fn basic_header(creds: &Credentials) -> anyhow::Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&creds.to_header_value())
        .context("the username or password contains characters HTTP cannot carry")?;
    value.set_sensitive(true);
    Ok(value)
}
