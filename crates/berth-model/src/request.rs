//! The typed request: one variant per Registry and Index endpoint, and its way back to a path.

use http::Method;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::{ImageId, RepoName, SearchQuery, Tag};

/// Characters percent-encoded inside one path segment by [`Request::path`]: controls, space,
/// the URL delimiters, `%` itself and `/` (so that a segment never splits). Non-ASCII is always
/// encoded (as UTF-8 bytes).
pub const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// A routed Registry or Index request.
///
/// `HEAD` requests route to the `Get*` variant of the same path; the server sends the headers of
/// the GET answer and no body (see [`crate::route`]). [`Request::method`], [`Request::path`]
/// and [`Request::query`] give the request back, so that
/// `route(&r.method(), &r.path(), r.query().as_deref()) == Ok(r)` (with the naming caveat in
/// [`crate::route`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// `GET /`: the JSON string `"docker-registry server"`.
    Root,
    /// `GET /v1/_ping` (also `/_ping`).
    Ping,
    /// `POST /v1/users/` (also without `/`): register a user (Index).
    CreateUser,
    /// `GET /v1/users/` (also without `/`): check Basic credentials, "login" (Index).
    GetUsers,
    /// `PUT /v1/users/{username}/`: update e-mail/password (Index).
    UpdateUser {
        /// The username from the path (percent-decoded, not validated).
        username: String,
    },
    /// `PUT /v1/repositories/{repo}/` (also without `/`): start a push (Index).
    PutRepository {
        /// The repository.
        repo: RepoName,
    },
    /// `DELETE /v1/repositories/{repo}/`: delete a repository (Index and registry).
    DeleteRepository {
        /// The repository.
        repo: RepoName,
    },
    /// `PUT /v1/repositories/{repo}/images`: finish a push (Index).
    PutRepoImages {
        /// The repository.
        repo: RepoName,
    },
    /// `GET /v1/repositories/{repo}/images`: start a pull; token validation (Index).
    GetRepoImages {
        /// The repository.
        repo: RepoName,
    },
    /// `DELETE /v1/repositories/{repo}/images` (Index emulation).
    DeleteRepoImages {
        /// The repository.
        repo: RepoName,
    },
    /// `PUT /v1/repositories/{repo}/auth`: a registry asks the Index to authorize a token.
    PutRepoAuth {
        /// The repository.
        repo: RepoName,
    },
    /// `GET /v1/repositories/{repo}/layer/{id}/access`: private-layer check (Index).
    GetLayerAccess {
        /// The repository.
        repo: RepoName,
        /// The image whose layer is to be read.
        id: ImageId,
    },
    /// `GET /v1/repositories/{repo}/tags`: all tags.
    GetTags {
        /// The repository.
        repo: RepoName,
    },
    /// `DELETE /v1/repositories/{repo}/tags`: delete every tag and the repository.
    DeleteTags {
        /// The repository.
        repo: RepoName,
    },
    /// `GET /v1/repositories/{repo}/tags/{tag}`.
    GetTag {
        /// The repository.
        repo: RepoName,
        /// The tag.
        tag: Tag,
    },
    /// `PUT /v1/repositories/{repo}/tags/{tag}` (body: the JSON string image id).
    PutTag {
        /// The repository.
        repo: RepoName,
        /// The tag.
        tag: Tag,
    },
    /// `DELETE /v1/repositories/{repo}/tags/{tag}`.
    DeleteTag {
        /// The repository.
        repo: RepoName,
        /// The tag.
        tag: Tag,
    },
    /// `GET /v1/repositories/{repo}/tags/{tag}/json`: tag metadata.
    GetTagJson {
        /// The repository.
        repo: RepoName,
        /// The tag.
        tag: Tag,
    },
    /// `GET /v1/repositories/{repo}/json`: metadata of the `latest` tag.
    GetRepoJson {
        /// The repository.
        repo: RepoName,
    },
    /// `PUT /v1/repositories/{repo}/properties` (registry extension).
    PutProperties {
        /// The repository.
        repo: RepoName,
    },
    /// `GET /v1/repositories/{repo}/properties` (registry extension).
    GetProperties {
        /// The repository.
        repo: RepoName,
    },
    /// `GET /v1/images/{id}/json`.
    GetImageJson {
        /// The image.
        id: ImageId,
    },
    /// `PUT /v1/images/{id}/json`.
    PutImageJson {
        /// The image.
        id: ImageId,
    },
    /// `GET /v1/images/{id}/layer`.
    GetImageLayer {
        /// The image.
        id: ImageId,
    },
    /// `PUT /v1/images/{id}/layer`.
    PutImageLayer {
        /// The image.
        id: ImageId,
    },
    /// `PUT /v1/images/{id}/checksum`.
    PutImageChecksum {
        /// The image.
        id: ImageId,
    },
    /// `GET /v1/images/{id}/ancestry`.
    GetImageAncestry {
        /// The image.
        id: ImageId,
    },
    /// `GET /v1/images/{id}/files` (registry extension).
    GetImageFiles {
        /// The image.
        id: ImageId,
    },
    /// `GET /v1/images/{id}/diff` (registry extension).
    GetImageDiff {
        /// The image.
        id: ImageId,
    },
    /// `GET /v1/search?q=&n=&page=`.
    Search(SearchQuery),
}

impl Request {
    /// The HTTP method of this request (`GET` for every `Get*` variant; a routed `HEAD` also
    /// yields a `Get*` variant).
    pub fn method(&self) -> Method {
        match self {
            Self::CreateUser => Method::POST,
            Self::UpdateUser { .. }
            | Self::PutRepository { .. }
            | Self::PutRepoImages { .. }
            | Self::PutRepoAuth { .. }
            | Self::PutTag { .. }
            | Self::PutProperties { .. }
            | Self::PutImageJson { .. }
            | Self::PutImageLayer { .. }
            | Self::PutImageChecksum { .. } => Method::PUT,
            Self::DeleteRepository { .. }
            | Self::DeleteRepoImages { .. }
            | Self::DeleteTags { .. }
            | Self::DeleteTag { .. } => Method::DELETE,
            Self::Root
            | Self::Ping
            | Self::GetUsers
            | Self::GetRepoImages { .. }
            | Self::GetLayerAccess { .. }
            | Self::GetTags { .. }
            | Self::GetTag { .. }
            | Self::GetTagJson { .. }
            | Self::GetRepoJson { .. }
            | Self::GetProperties { .. }
            | Self::GetImageJson { .. }
            | Self::GetImageLayer { .. }
            | Self::GetImageAncestry { .. }
            | Self::GetImageFiles { .. }
            | Self::GetImageDiff { .. }
            | Self::Search(_) => Method::GET,
        }
    }

    /// The path, percent-encoded per segment with [`SEGMENT`]. Repositories are always written
    /// with their namespace (`library/busybox`), as docker ≥1.5 does.
    pub fn path(&self) -> String {
        match self {
            Self::Root => "/".to_owned(),
            Self::Ping => "/v1/_ping".to_owned(),
            Self::CreateUser | Self::GetUsers => "/v1/users/".to_owned(),
            Self::UpdateUser { username } => format!("/v1/users/{}/", enc(username)),
            Self::PutRepository { repo } | Self::DeleteRepository { repo } => {
                // `library/images/` would route as `library`'s image list; the one-component
                // form is unambiguous (see `route`).
                if repo.namespace().is_library() && ROUTE_SUFFIXES.contains(&repo.name()) {
                    format!("/v1/repositories/{}/", enc(repo.name()))
                } else {
                    format!("{}/", repo_path(repo))
                }
            }
            Self::PutRepoImages { repo }
            | Self::GetRepoImages { repo }
            | Self::DeleteRepoImages { repo } => {
                format!("{}/images", repo_path(repo))
            }
            Self::PutRepoAuth { repo } => format!("{}/auth", repo_path(repo)),
            Self::GetLayerAccess { repo, id } => format!("{}/layer/{id}/access", repo_path(repo)),
            Self::GetTags { repo } | Self::DeleteTags { repo } => {
                format!("{}/tags", repo_path(repo))
            }
            Self::GetTag { repo, tag }
            | Self::PutTag { repo, tag }
            | Self::DeleteTag { repo, tag } => {
                format!("{}/tags/{tag}", repo_path(repo))
            }
            Self::GetTagJson { repo, tag } => format!("{}/tags/{tag}/json", repo_path(repo)),
            Self::GetRepoJson { repo } => format!("{}/json", repo_path(repo)),
            Self::PutProperties { repo } | Self::GetProperties { repo } => {
                format!("{}/properties", repo_path(repo))
            }
            Self::GetImageJson { id } | Self::PutImageJson { id } => {
                format!("/v1/images/{id}/json")
            }
            Self::GetImageLayer { id } | Self::PutImageLayer { id } => {
                format!("/v1/images/{id}/layer")
            }
            Self::PutImageChecksum { id } => format!("/v1/images/{id}/checksum"),
            Self::GetImageAncestry { id } => format!("/v1/images/{id}/ancestry"),
            Self::GetImageFiles { id } => format!("/v1/images/{id}/files"),
            Self::GetImageDiff { id } => format!("/v1/images/{id}/diff"),
            Self::Search(_) => "/v1/search".to_owned(),
        }
    }

    /// The query string (without `?`), only for [`Request::Search`].
    pub fn query(&self) -> Option<String> {
        match self {
            Self::Search(q) => Some(q.to_query_string()),
            _ => None,
        }
    }

    /// Path and query as one string (`/v1/search?q=…`), ready to append to a base URL.
    pub fn path_and_query(&self) -> String {
        match self.query() {
            Some(q) => format!("{}?{q}", self.path()),
            None => self.path(),
        }
    }

    /// The repository the request addresses, if any.
    pub fn repo(&self) -> Option<&RepoName> {
        match self {
            Self::PutRepository { repo }
            | Self::DeleteRepository { repo }
            | Self::PutRepoImages { repo }
            | Self::GetRepoImages { repo }
            | Self::DeleteRepoImages { repo }
            | Self::PutRepoAuth { repo }
            | Self::GetLayerAccess { repo, .. }
            | Self::GetTags { repo }
            | Self::DeleteTags { repo }
            | Self::GetTag { repo, .. }
            | Self::PutTag { repo, .. }
            | Self::DeleteTag { repo, .. }
            | Self::GetTagJson { repo, .. }
            | Self::GetRepoJson { repo }
            | Self::PutProperties { repo }
            | Self::GetProperties { repo } => Some(repo),
            _ => None,
        }
    }

    /// The image the request addresses, if any.
    pub fn image_id(&self) -> Option<&ImageId> {
        match self {
            Self::GetLayerAccess { id, .. }
            | Self::GetImageJson { id }
            | Self::PutImageJson { id }
            | Self::GetImageLayer { id }
            | Self::PutImageLayer { id }
            | Self::PutImageChecksum { id }
            | Self::GetImageAncestry { id }
            | Self::GetImageFiles { id }
            | Self::GetImageDiff { id } => Some(id),
            _ => None,
        }
    }

    /// Whether docker-registry's `requires_auth` decorator applies: every image, tag and
    /// repository endpoint, but not `/`, `_ping`, `/v1/users*`, `/v1/search` or `PUT …/auth`.
    pub fn requires_auth(&self) -> bool {
        !matches!(
            self,
            Self::Root
                | Self::Ping
                | Self::CreateUser
                | Self::GetUsers
                | Self::UpdateUser { .. }
                | Self::PutRepoAuth { .. }
                | Self::Search(_)
        )
    }

    /// Whether this endpoint belongs to the Index role (users, repository image lists, auth,
    /// layer access, search) rather than the registry role. `DELETE /v1/repositories/{repo}/`
    /// serves both roles and counts as registry.
    pub fn is_index(&self) -> bool {
        matches!(
            self,
            Self::CreateUser
                | Self::GetUsers
                | Self::UpdateUser { .. }
                | Self::PutRepository { .. }
                | Self::PutRepoImages { .. }
                | Self::GetRepoImages { .. }
                | Self::DeleteRepoImages { .. }
                | Self::PutRepoAuth { .. }
                | Self::GetLayerAccess { .. }
                | Self::Search(_)
        )
    }

    /// A fixed name of the endpoint for logs and metrics, e.g. `"GET /v1/images/{id}/json"`.
    pub fn endpoint(&self) -> &'static str {
        match self {
            Self::Root => "GET /",
            Self::Ping => "GET /v1/_ping",
            Self::CreateUser => "POST /v1/users/",
            Self::GetUsers => "GET /v1/users/",
            Self::UpdateUser { .. } => "PUT /v1/users/{username}/",
            Self::PutRepository { .. } => "PUT /v1/repositories/{repo}/",
            Self::DeleteRepository { .. } => "DELETE /v1/repositories/{repo}/",
            Self::PutRepoImages { .. } => "PUT /v1/repositories/{repo}/images",
            Self::GetRepoImages { .. } => "GET /v1/repositories/{repo}/images",
            Self::DeleteRepoImages { .. } => "DELETE /v1/repositories/{repo}/images",
            Self::PutRepoAuth { .. } => "PUT /v1/repositories/{repo}/auth",
            Self::GetLayerAccess { .. } => "GET /v1/repositories/{repo}/layer/{id}/access",
            Self::GetTags { .. } => "GET /v1/repositories/{repo}/tags",
            Self::DeleteTags { .. } => "DELETE /v1/repositories/{repo}/tags",
            Self::GetTag { .. } => "GET /v1/repositories/{repo}/tags/{tag}",
            Self::PutTag { .. } => "PUT /v1/repositories/{repo}/tags/{tag}",
            Self::DeleteTag { .. } => "DELETE /v1/repositories/{repo}/tags/{tag}",
            Self::GetTagJson { .. } => "GET /v1/repositories/{repo}/tags/{tag}/json",
            Self::GetRepoJson { .. } => "GET /v1/repositories/{repo}/json",
            Self::PutProperties { .. } => "PUT /v1/repositories/{repo}/properties",
            Self::GetProperties { .. } => "GET /v1/repositories/{repo}/properties",
            Self::GetImageJson { .. } => "GET /v1/images/{id}/json",
            Self::PutImageJson { .. } => "PUT /v1/images/{id}/json",
            Self::GetImageLayer { .. } => "GET /v1/images/{id}/layer",
            Self::PutImageLayer { .. } => "PUT /v1/images/{id}/layer",
            Self::PutImageChecksum { .. } => "PUT /v1/images/{id}/checksum",
            Self::GetImageAncestry { .. } => "GET /v1/images/{id}/ancestry",
            Self::GetImageFiles { .. } => "GET /v1/images/{id}/files",
            Self::GetImageDiff { .. } => "GET /v1/images/{id}/diff",
            Self::Search(_) => "GET /v1/search",
        }
    }
}

/// Route suffix words that make the bare repository route ambiguous.
const ROUTE_SUFFIXES: [&str; 5] = ["images", "auth", "tags", "json", "properties"];

fn enc(s: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(s, SEGMENT)
}

fn repo_path(repo: &RepoName) -> String {
    format!(
        "/v1/repositories/{}/{}",
        enc(repo.namespace().as_str()),
        enc(repo.name())
    )
}
