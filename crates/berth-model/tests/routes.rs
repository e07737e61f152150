//! Table test: every Registry and Index route of the spec, plus the error cases.

use berth_model::{ImageId, ModelError, RepoName, Request, RouteError, SearchQuery, Tag, route};
use http::Method;

const ID: &str = "511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158";
const LEGACY: &str = "cafebabe01451234";

fn id() -> ImageId {
    ImageId::parse(ID).unwrap()
}

fn repo(s: &str) -> RepoName {
    RepoName::parse(s).unwrap()
}

fn tag(s: &str) -> Tag {
    Tag::parse(s).unwrap()
}

#[track_caller]
fn check(method: Method, path: &str, expected: Request) {
    assert_eq!(route(&method, path, None), Ok(expected), "{method} {path}");
}

#[test]
fn every_route() {
    use Method as M;
    use Request as R;
    let r = || repo("foo/bar");
    let table: Vec<(Method, String, Request)> = vec![
        (M::GET, "/".into(), R::Root),
        (M::GET, "/_ping".into(), R::Ping),
        (M::GET, "/v1/_ping".into(), R::Ping),
        (M::POST, "/v1/users".into(), R::CreateUser),
        (M::POST, "/v1/users/".into(), R::CreateUser),
        (M::GET, "/v1/users".into(), R::GetUsers),
        (M::GET, "/v1/users/".into(), R::GetUsers),
        (
            M::PUT,
            "/v1/users/someone/".into(),
            R::UpdateUser {
                username: "someone".into(),
            },
        ),
        (
            M::PUT,
            "/v1/repositories/foo/bar/".into(),
            R::PutRepository { repo: r() },
        ),
        (
            M::PUT,
            "/v1/repositories/foo/bar".into(),
            R::PutRepository { repo: r() },
        ),
        (
            M::DELETE,
            "/v1/repositories/foo/bar/".into(),
            R::DeleteRepository { repo: r() },
        ),
        (
            M::PUT,
            "/v1/repositories/foo/bar/images".into(),
            R::PutRepoImages { repo: r() },
        ),
        (
            M::GET,
            "/v1/repositories/foo/bar/images".into(),
            R::GetRepoImages { repo: r() },
        ),
        (
            M::DELETE,
            "/v1/repositories/foo/bar/images".into(),
            R::DeleteRepoImages { repo: r() },
        ),
        (
            M::PUT,
            "/v1/repositories/foo/bar/auth".into(),
            R::PutRepoAuth { repo: r() },
        ),
        (
            M::GET,
            "/v1/repositories/foo/bar/tags".into(),
            R::GetTags { repo: r() },
        ),
        (
            M::DELETE,
            "/v1/repositories/foo/bar/tags".into(),
            R::DeleteTags { repo: r() },
        ),
        (
            M::GET,
            "/v1/repositories/foo/bar/tags/latest".into(),
            R::GetTag {
                repo: r(),
                tag: Tag::latest(),
            },
        ),
        (
            M::PUT,
            "/v1/repositories/foo/bar/tags/latest".into(),
            R::PutTag {
                repo: r(),
                tag: Tag::latest(),
            },
        ),
        (
            M::DELETE,
            "/v1/repositories/foo/bar/tags/latest".into(),
            R::DeleteTag {
                repo: r(),
                tag: Tag::latest(),
            },
        ),
        (
            M::GET,
            "/v1/repositories/foo/bar/tags/latest/json".into(),
            R::GetTagJson {
                repo: r(),
                tag: Tag::latest(),
            },
        ),
        (
            M::GET,
            "/v1/repositories/foo/bar/json".into(),
            R::GetRepoJson { repo: r() },
        ),
        (
            M::PUT,
            "/v1/repositories/foo/bar/properties".into(),
            R::PutProperties { repo: r() },
        ),
        (
            M::GET,
            "/v1/repositories/foo/bar/properties".into(),
            R::GetProperties { repo: r() },
        ),
        (
            M::GET,
            format!("/v1/repositories/foo/bar/layer/{ID}/access"),
            R::GetLayerAccess {
                repo: r(),
                id: id(),
            },
        ),
        (
            M::GET,
            format!("/v1/images/{ID}/json"),
            R::GetImageJson { id: id() },
        ),
        (
            M::PUT,
            format!("/v1/images/{ID}/json"),
            R::PutImageJson { id: id() },
        ),
        (
            M::GET,
            format!("/v1/images/{ID}/layer"),
            R::GetImageLayer { id: id() },
        ),
        (
            M::PUT,
            format!("/v1/images/{ID}/layer"),
            R::PutImageLayer { id: id() },
        ),
        (
            M::PUT,
            format!("/v1/images/{ID}/checksum"),
            R::PutImageChecksum { id: id() },
        ),
        (
            M::GET,
            format!("/v1/images/{ID}/ancestry"),
            R::GetImageAncestry { id: id() },
        ),
        (
            M::GET,
            format!("/v1/images/{ID}/files"),
            R::GetImageFiles { id: id() },
        ),
        (
            M::GET,
            format!("/v1/images/{ID}/diff"),
            R::GetImageDiff { id: id() },
        ),
        (
            M::GET,
            format!("/v1/images/{LEGACY}/json"),
            R::GetImageJson {
                id: ImageId::parse(LEGACY).unwrap(),
            },
        ),
    ];
    for (method, path, expected) in table {
        // The canonical path routes back to the same request.
        assert_eq!(
            route(&expected.method(), &expected.path(), None),
            Ok(expected.clone()),
            "{}",
            expected.path()
        );
        assert_eq!(expected.method(), method);
        // HEAD is accepted wherever GET is, and yields the GET request.
        if method == Method::GET {
            check(Method::HEAD, &path, expected.clone());
        }
        check(method, &path, expected);
    }
}

#[test]
fn library_repositories() {
    // "a single component `repo` → namespace **`library`**".
    let lib = repo("library/busybox");
    check(
        Method::PUT,
        "/v1/repositories/busybox/",
        Request::PutRepository { repo: lib.clone() },
    );
    check(
        Method::PUT,
        "/v1/repositories/busybox",
        Request::PutRepository { repo: lib.clone() },
    );
    check(
        Method::GET,
        "/v1/repositories/busybox/images",
        Request::GetRepoImages { repo: lib.clone() },
    );
    check(
        Method::PUT,
        "/v1/repositories/busybox/auth",
        Request::PutRepoAuth { repo: lib.clone() },
    );
    check(
        Method::GET,
        "/v1/repositories/busybox/tags",
        Request::GetTags { repo: lib.clone() },
    );
    check(
        Method::GET,
        "/v1/repositories/busybox/tags/latest",
        Request::GetTag {
            repo: lib.clone(),
            tag: Tag::latest(),
        },
    );
    check(
        Method::GET,
        "/v1/repositories/busybox/tags/1.0/json",
        Request::GetTagJson {
            repo: lib.clone(),
            tag: tag("1.0"),
        },
    );
    check(
        Method::GET,
        "/v1/repositories/busybox/json",
        Request::GetRepoJson { repo: lib },
    );
}

#[test]
fn special_characters_and_percent_encoding() {
    // tests.md C `test_special_chars`: repository name `<5 random>%$_-test`.
    let special = repo("foo/abcde%$_-test");
    let req = Request::GetTags {
        repo: special.clone(),
    };
    assert_eq!(req.path(), "/v1/repositories/foo/abcde%25$_-test/tags");
    check(
        Method::GET,
        "/v1/repositories/foo/abcde%25$_-test/tags",
        req,
    );
    check(
        Method::PUT,
        "/v1/repositories/foo/abcde%25$_-test/tags/latest/",
        Request::PutTag {
            repo: special,
            tag: Tag::latest(),
        },
    );
    check(
        Method::GET,
        "/v1/repositories/f%6Fo/b%20r/json",
        Request::GetRepoJson {
            repo: repo("foo/b r"),
        },
    );
    // `%2F` decodes to a `/` inside a component, which is not a valid name.
    assert_eq!(
        route(&Method::GET, "/v1/repositories/a%2Fb/c/tags", None),
        Err(RouteError::NotFound)
    );
    assert_eq!(
        route(&Method::GET, "/v1/repositories/%ff/tags", None),
        Err(RouteError::NotFound)
    );
}

#[test]
fn search_query() {
    let expected = Request::Search(SearchQuery {
        q: "busy box".into(),
        n: Some(10),
        page: Some(2),
    });
    assert_eq!(
        route(&Method::GET, "/v1/search", Some("q=busy+box&n=10&page=2")),
        Ok(expected.clone())
    );
    assert_eq!(
        route(&Method::GET, "/v1/search?q=busy%20box&n=10&page=2", None),
        Ok(expected.clone())
    );
    assert_eq!(
        expected.path_and_query(),
        "/v1/search?q=busy%20box&n=10&page=2"
    );
    assert_eq!(
        route(&Method::GET, "/v1/search", None),
        Ok(Request::Search(SearchQuery::new("")))
    );
}

#[test]
fn unknown_paths_are_404() {
    for path in [
        "",
        "v1/_ping",
        "/v2/",
        "/v1/_ping/x",
        "/v1/images/abc",
        &format!("/v1/images/{ID}/nope"),
        "/v1/repositories/",
        "/v1/repositories/a/b/c",
        "/v1/repositories//tags",
        "/v1/repositories/a/b/c/d/e/f/g/h",
        "/v1/users/a/b",
        "/v1/private_images/x/json",
    ] {
        assert_eq!(
            route(&Method::GET, path, None),
            Err(RouteError::NotFound),
            "{path}"
        );
    }
}

#[test]
fn wrong_methods_are_405() {
    let cases = [
        (Method::POST, "/v1/_ping".to_owned(), "GET, HEAD"),
        (
            Method::DELETE,
            format!("/v1/images/{ID}/json"),
            "GET, HEAD, PUT",
        ),
        (Method::GET, format!("/v1/images/{ID}/checksum"), "PUT"),
        (
            Method::PUT,
            "/v1/repositories/foo/bar/tags".to_owned(),
            "GET, HEAD, DELETE",
        ),
        (
            Method::GET,
            "/v1/repositories/foo/bar/".to_owned(),
            "PUT, DELETE",
        ),
        (Method::DELETE, "/v1/users/".to_owned(), "GET, HEAD, POST"),
        (Method::OPTIONS, "/v1/search".to_owned(), "GET, HEAD"),
    ];
    for (method, path, allow) in cases {
        let err = route(&method, &path, None).unwrap_err();
        assert_eq!(err.status(), 405, "{method} {path}");
        assert_eq!(err.allow().as_deref(), Some(allow), "{method} {path}");
    }
}

#[test]
fn invalid_parameters_get_the_registry_answer() {
    // Invalid image ids: 404 {"error": "Invalid image ID"} (registry-api.md §0.4).
    for path in [
        "/v1/images/xyz/checksum",
        "/v1/images/CAFEBABE01451234/json",
        "/v1/images/cafe/layer",
    ] {
        let err = route(&Method::PUT, path, None).unwrap_err();
        assert_eq!(err.status(), 404);
        assert_eq!(&err.body()[..], br#"{"error": "Invalid image ID"}"#);
    }
    let err = route(&Method::GET, "/v1/repositories/a/b/layer/zz/access", None).unwrap_err();
    assert!(matches!(
        err,
        RouteError::Rejected(ModelError::InvalidImageId { .. })
    ));

    // Tags: PUT → 400 invalid name; GET → 404 Tag not found; DELETE → 404 Tag not found: <tag>.
    for bad in ["%24invalid", ".invalid", "-invalid"] {
        let path = format!("/v1/repositories/foo/bar/tags/{bad}");
        let err = route(&Method::PUT, &path, None).unwrap_err();
        assert_eq!(err.status(), 400);
        assert_eq!(
            &err.body()[..],
            br#"{"error": "Invalid tag name (must match ^[\\w][\\w.-]{0,127}$)"}"#
        );
        assert_eq!(
            route(&Method::GET, &path, None),
            Err(RouteError::Rejected(ModelError::TagNotFound))
        );
    }
    let err = route(&Method::DELETE, "/v1/repositories/foo/bar/tags/%24x", None).unwrap_err();
    assert_eq!(&err.body()[..], br#"{"error": "Tag not found: $x"}"#);
    check(
        Method::PUT,
        "/v1/repositories/foo/bar/tags/_valid",
        Request::PutTag {
            repo: repo("foo/bar"),
            tag: tag("_valid"),
        },
    );
}

#[test]
fn ambiguous_repository_paths() {
    // docker <1.5 addressed official repositories without `library/`.
    check(
        Method::PUT,
        "/v1/repositories/foo/images",
        Request::PutRepoImages { repo: repo("foo") },
    );
    // A library repository named like a suffix keeps a path that routes back to it.
    let images = Request::PutRepository {
        repo: repo("library/images"),
    };
    assert_eq!(images.path(), "/v1/repositories/images/");
    check(Method::PUT, &images.path(), images.clone());
    // Two components win among suffixed readings.
    check(
        Method::GET,
        "/v1/repositories/library/tags/tags",
        Request::GetTags { repo: repo("tags") },
    );
    check(
        Method::GET,
        "/v1/repositories/a/tags/x",
        Request::GetTag {
            repo: repo("library/a"),
            tag: tag("x"),
        },
    );
}
