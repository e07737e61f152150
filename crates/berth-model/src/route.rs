//! `route()`: method + path (+ query) → [`Request`], or a 404/405/parameter error.
//!
//! Routing rules (registry-api.md §0.1):
//!
//! * One trailing `/` is ignored on every path (`/v1/users` ≡ `/v1/users/`,
//!   `PUT /v1/repositories/{repo}` ≡ `…/{repo}/`).
//! * Path segments are percent-decoded after splitting on `/` (so `%2F` never splits; a decoded
//!   name containing `/` is rejected). `+` is a literal plus in paths.
//! * "Everything between `/v1/repositories/` and the route suffix" is the repository; it has one
//!   component (⇒ `library/<name>`) or two (`ns/name`). When both readings fit, a route with a
//!   suffix (`/images`, `/tags`, …) wins over the bare repository route (PUT/DELETE
//!   `/v1/repositories/{repo}/`), and among suffixed routes the two-component reading wins. So
//!   `/v1/repositories/busybox/images` is `library/busybox`'s image list (docker <1.5 form), and a
//!   repository `ns/images` (or `auth`, `tags`, `json`, `properties`) outside `library` cannot be
//!   created or deleted through the bare route (docker-registry's Werkzeug router had the same
//!   ambiguity; [`Request::path`] writes `library/images` as `/v1/repositories/images/`, which
//!   is unambiguous). Every other request satisfies
//!   `route(r.method(), r.path(), r.query()) == r`.
//! * Static words (`v1`, `tags`, …) are compared before percent-decoding; only parameters are
//!   decoded.
//! * `HEAD` is accepted wherever `GET` is and yields the GET request: the server answers with the
//!   same headers and no body ([`wants_body`]).
//! * Unknown path ⇒ [`RouteError::NotFound`] (404); known path with another method ⇒
//!   [`RouteError::MethodNotAllowed`] (405 + `Allow`); a malformed image id or tag in a known
//!   route ⇒ [`RouteError::Rejected`] with the registry's own answer (`404 Invalid image ID`,
//!   `400 Invalid tag name …` on PUT, `404 Tag not found` on GET, `404 Tag not found: <tag>` on
//!   DELETE).
//!
//! Deviation: docker-registry answered `GET …/tags/{tag}/json` for any tag with the default
//! metadata object; a tag that can never be stored is rejected with `404 Tag not found` here.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::{Method, StatusCode};
use percent_encoding::percent_decode_str;

use crate::{ImageId, ModelError, Namespace, RepoName, Request, SearchQuery, Tag, error_body};

/// A set of HTTP methods, for the `Allow` header of a 405.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Allowed(u8);

impl Allowed {
    const ALL: [(u8, Method); 5] = [
        (1, Method::GET),
        (2, Method::HEAD),
        (4, Method::POST),
        (8, Method::PUT),
        (16, Method::DELETE),
    ];
    const GET: u8 = 1 | 2;
    const POST: u8 = 4;
    const PUT: u8 = 8;
    const DELETE: u8 = 16;

    /// Whether `method` is in the set.
    pub fn contains(&self, method: &Method) -> bool {
        Self::ALL
            .iter()
            .any(|(bit, m)| self.0 & bit != 0 && m == method)
    }

    /// The methods in the set, in the order GET, HEAD, POST, PUT, DELETE.
    pub fn iter(&self) -> impl Iterator<Item = Method> + '_ {
        Self::ALL
            .iter()
            .filter(|(bit, _)| self.0 & bit != 0)
            .map(|(_, m)| m.clone())
    }

    /// The `Allow` header value, e.g. `GET, HEAD, PUT`.
    pub fn header_value(&self) -> String {
        self.iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Debug for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Allowed({})", self.header_value())
    }
}

/// Why a request could not be routed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// No route has this path (404).
    #[error("Not found")]
    NotFound,
    /// The path is known but not with this method (405).
    #[error("Method not allowed")]
    MethodNotAllowed {
        /// The methods the path accepts (the `Allow` header).
        allowed: Allowed,
    },
    /// The route is known but a parameter is malformed; the error is the registry's answer.
    #[error(transparent)]
    Rejected(#[from] ModelError),
}

impl RouteError {
    /// The response status: 404, 405, or the rejected parameter's status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Rejected(e) => e.status(),
        }
    }

    /// The response body (`{"error": "Not found"}`, `{"error": "Method not allowed"}`, or the
    /// rejected parameter's body). docker-registry sent Flask's HTML pages for 404/405; no client
    /// reads them.
    pub fn body(&self) -> Bytes {
        match self {
            Self::Rejected(e) => e.body(),
            other => error_body(&other.to_string()),
        }
    }

    /// The `Allow` header value for a 405.
    pub fn allow(&self) -> Option<String> {
        match self {
            Self::MethodNotAllowed { allowed } => Some(allowed.header_value()),
            _ => None,
        }
    }
}

/// Whether a response to `method` carries a body (`false` for `HEAD`).
pub fn wants_body(method: &Method) -> bool {
    method != Method::HEAD
}

/// Routes a request.
///
/// `path` is the request path (e.g. `/v1/images/<id>/json`); `query` is the raw query string
/// without `?` (only `/v1/search` reads it). A `?` inside `path` is also treated as the start of
/// the query when `query` is `None`.
///
/// ```
/// use berth_model::{route, Request, RepoName, Tag};
/// use http::Method;
/// let r = route(&Method::PUT, "/v1/repositories/busybox/tags/latest", None)?;
/// assert_eq!(r, Request::PutTag { repo: RepoName::parse("library/busybox")?, tag: Tag::latest() });
/// assert_eq!(r.path(), "/v1/repositories/library/busybox/tags/latest");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn route(method: &Method, path: &str, query: Option<&str>) -> Result<Request, RouteError> {
    let (path, query) = match (path.split_once('?'), query) {
        (Some((p, q)), None) => (p, Some(q)),
        (Some((p, _)), Some(q)) => (p, Some(q)),
        (None, q) => (path, q),
    };
    let Some(rest) = path.strip_prefix('/') else {
        return Err(RouteError::NotFound);
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return only(method, Allowed::GET, || Ok(Request::Root));
    }
    // The longest route has eight segments (`v1/repositories/ns/name/layer/<id>/access`);
    // collect into a fixed array so routing does not allocate.
    let mut buf = [""; MAX_SEGMENTS];
    let mut n = 0;
    for seg in rest.split('/') {
        let Some(slot) = buf.get_mut(n) else {
            return Err(RouteError::NotFound);
        };
        *slot = seg;
        n += 1;
    }
    match &buf[..n] {
        ["_ping"] | ["v1", "_ping"] => only(method, Allowed::GET, || Ok(Request::Ping)),
        ["v1", "users"] => {
            if *method == Method::POST {
                Ok(Request::CreateUser)
            } else {
                only(method, Allowed::GET | Allowed::POST, || {
                    Ok(Request::GetUsers)
                })
            }
        }
        ["v1", "users", name] => {
            let username = decode(name).ok_or(RouteError::NotFound)?;
            if username.is_empty() || username.contains('/') {
                return Err(RouteError::NotFound);
            }
            only(method, Allowed::PUT, || {
                Ok(Request::UpdateUser {
                    username: username.into_owned(),
                })
            })
        }
        ["v1", "search"] => only(method, Allowed::GET, || {
            Ok(Request::Search(SearchQuery::parse(query.unwrap_or(""))))
        }),
        ["v1", "images", id, action] => route_image(method, id, action),
        ["v1", "repositories", repo_segs @ ..] => route_repository(method, repo_segs),
        _ => Err(RouteError::NotFound),
    }
}

/// More segments than any route has.
const MAX_SEGMENTS: usize = 8;

/// Applies the method check, then builds the request.
fn only(
    method: &Method,
    allowed: u8,
    build: impl FnOnce() -> Result<Request, RouteError>,
) -> Result<Request, RouteError> {
    let allowed = Allowed(allowed);
    if allowed.contains(method) {
        build()
    } else {
        Err(RouteError::MethodNotAllowed { allowed })
    }
}

fn decode(seg: &str) -> Option<Cow<'_, str>> {
    percent_decode_str(seg).decode_utf8().ok()
}

fn image_id(seg: &str) -> Result<ImageId, RouteError> {
    let s = decode(seg).ok_or(ModelError::InvalidImageId { position: 0 })?;
    Ok(ImageId::parse(&s)?)
}

fn route_image(method: &Method, id: &str, action: &str) -> Result<Request, RouteError> {
    type Build = fn(ImageId) -> Request;
    let (allowed, get, put): (u8, Build, Option<Build>) = match action {
        "json" => (
            Allowed::GET | Allowed::PUT,
            |id| Request::GetImageJson { id },
            Some(|id| Request::PutImageJson { id }),
        ),
        "layer" => (
            Allowed::GET | Allowed::PUT,
            |id| Request::GetImageLayer { id },
            Some(|id| Request::PutImageLayer { id }),
        ),
        "checksum" => (
            Allowed::PUT,
            |id| Request::PutImageChecksum { id },
            Some(|id| Request::PutImageChecksum { id }),
        ),
        "ancestry" => (Allowed::GET, |id| Request::GetImageAncestry { id }, None),
        "files" => (Allowed::GET, |id| Request::GetImageFiles { id }, None),
        "diff" => (Allowed::GET, |id| Request::GetImageDiff { id }, None),
        _ => return Err(RouteError::NotFound),
    };
    only(method, allowed, || {
        let id = image_id(id)?;
        Ok(match put {
            Some(put) if *method == Method::PUT => put(id),
            _ => get(id),
        })
    })
}

/// The shapes a repository route can take after the repository segments.
#[derive(Clone, Copy)]
enum Shape<'a> {
    Bare,
    Images,
    Auth,
    Tags,
    Json,
    Properties,
    Tag(&'a str),
    TagJson(&'a str),
    LayerAccess(&'a str),
}

fn shape<'a>(suffix: &[&'a str]) -> Option<Shape<'a>> {
    Some(match suffix {
        [] => Shape::Bare,
        ["images"] => Shape::Images,
        ["auth"] => Shape::Auth,
        ["tags"] => Shape::Tags,
        ["json"] => Shape::Json,
        ["properties"] => Shape::Properties,
        ["tags", tag] => Shape::Tag(tag),
        ["tags", tag, "json"] => Shape::TagJson(tag),
        ["layer", id, "access"] => Shape::LayerAccess(id),
        _ => return None,
    })
}

fn repo_name(segs: &[&str]) -> Option<RepoName> {
    match segs {
        [name] => RepoName::new(Namespace::library(), &decode(name)?).ok(),
        [ns, name] => RepoName::new(Namespace::parse(&decode(ns)?).ok()?, &decode(name)?).ok(),
        _ => None,
    }
}

fn route_repository(method: &Method, segs: &[&str]) -> Result<Request, RouteError> {
    // Suffixed routes first (two-component repository, then one), the bare route last.
    let mut candidates = [2usize, 1].into_iter().filter_map(|n| {
        let (repo, suffix) = segs.split_at_checked(n)?;
        let shape = shape(suffix)?;
        if matches!(shape, Shape::Bare) {
            return None;
        }
        Some((repo_name(repo)?, shape))
    });
    let (repo, shape) = match candidates.next() {
        Some(found) => found,
        None => match segs {
            [_, _] | [_] => (repo_name(segs).ok_or(RouteError::NotFound)?, Shape::Bare),
            _ => return Err(RouteError::NotFound),
        },
    };
    build_repository(method, repo, shape)
}

fn build_repository(
    method: &Method,
    repo: RepoName,
    shape: Shape<'_>,
) -> Result<Request, RouteError> {
    use Allowed as A;
    let m = method.clone();
    let is = |want: Method| m == want || (want == Method::GET && m == Method::HEAD);
    match shape {
        Shape::Bare => only(method, A::PUT | A::DELETE, || {
            Ok(if is(Method::PUT) {
                Request::PutRepository { repo }
            } else {
                Request::DeleteRepository { repo }
            })
        }),
        Shape::Images => only(method, A::GET | A::PUT | A::DELETE, || {
            Ok(if is(Method::PUT) {
                Request::PutRepoImages { repo }
            } else if is(Method::DELETE) {
                Request::DeleteRepoImages { repo }
            } else {
                Request::GetRepoImages { repo }
            })
        }),
        Shape::Auth => only(method, A::PUT, || Ok(Request::PutRepoAuth { repo })),
        Shape::Tags => only(method, A::GET | A::DELETE, || {
            Ok(if is(Method::DELETE) {
                Request::DeleteTags { repo }
            } else {
                Request::GetTags { repo }
            })
        }),
        Shape::Json => only(method, A::GET, || Ok(Request::GetRepoJson { repo })),
        Shape::Properties => only(method, A::GET | A::PUT, || {
            Ok(if is(Method::PUT) {
                Request::PutProperties { repo }
            } else {
                Request::GetProperties { repo }
            })
        }),
        Shape::Tag(raw) => only(method, A::GET | A::PUT | A::DELETE, || {
            let text = decode(raw).unwrap_or(Cow::Borrowed(raw));
            let tag = Tag::parse(&text);
            Ok(if is(Method::PUT) {
                Request::PutTag { repo, tag: tag? }
            } else if is(Method::DELETE) {
                let tag = tag.map_err(|_| ModelError::TagNotFoundNamed {
                    tag: text.into_owned(),
                })?;
                Request::DeleteTag { repo, tag }
            } else {
                Request::GetTag {
                    repo,
                    tag: tag.map_err(|_| ModelError::TagNotFound)?,
                }
            })
        }),
        Shape::TagJson(raw) => only(method, A::GET, || {
            let text = decode(raw).ok_or(ModelError::TagNotFound)?;
            let tag = Tag::parse(&text).map_err(|_| ModelError::TagNotFound)?;
            Ok(Request::GetTagJson { repo, tag })
        }),
        Shape::LayerAccess(raw) => only(method, A::GET, || {
            Ok(Request::GetLayerAccess {
                repo,
                id: image_id(raw)?,
            })
        }),
    }
}
