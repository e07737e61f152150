//! Property tests: newtype parse/display round trips and `route(r.path()) == r`.

use berth_model::{ImageId, Namespace, RepoName, Request, SearchQuery, Tag, route};
use proptest::prelude::*;

fn image_id() -> impl Strategy<Value = ImageId> {
    prop_oneof!["[a-f0-9]{64}", "[a-f0-9]{16}"].prop_map(|s| ImageId::parse(&s).unwrap())
}

fn tag() -> impl Strategy<Value = Tag> {
    "[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}".prop_map(|s| Tag::parse(&s).unwrap())
}

/// Any lenient component: printable text including `%`, spaces, `?`, `#` and non-ASCII.
fn component() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9%$_ ?#+.é~-]{1,12}".prop_filter("not . or ..", |s| s != "." && s != "..")
}

/// Repository names that the bare PUT/DELETE route cannot address (see `route` docs).
const SUFFIX_WORDS: [&str; 5] = ["images", "auth", "tags", "json", "properties"];

fn repo() -> impl Strategy<Value = RepoName> {
    let name = prop_oneof![4 => component(), 1 => prop::sample::select(SUFFIX_WORDS.to_vec()).prop_map(str::to_owned)];
    (prop::option::of(component()), name).prop_map(|(ns, name)| match ns {
        Some(ns) => RepoName::new(Namespace::parse(&ns).unwrap(), &name).unwrap(),
        None => RepoName::new(Namespace::library(), &name).unwrap(),
    })
}

/// Bare-route requests for `ns/<suffix word>` (ns ≠ library) have no unambiguous path.
fn ambiguous(req: &Request) -> bool {
    match req {
        Request::PutRepository { repo } | Request::DeleteRepository { repo } => {
            !repo.namespace().is_library() && SUFFIX_WORDS.contains(&repo.name())
        }
        _ => false,
    }
}

fn request() -> impl Strategy<Value = Request> {
    use Request as R;
    prop_oneof![
        Just(R::Root),
        Just(R::Ping),
        Just(R::CreateUser),
        Just(R::GetUsers),
        component().prop_map(|username| R::UpdateUser { username }),
        repo()
            .prop_filter("bare-route ambiguity", |r| {
                r.namespace().is_library() || !SUFFIX_WORDS.contains(&r.name())
            })
            .prop_flat_map(|repo| prop_oneof![
                Just(R::PutRepository { repo: repo.clone() }),
                Just(R::DeleteRepository { repo }),
            ]),
        repo().prop_map(|repo| R::PutRepoImages { repo }),
        repo().prop_map(|repo| R::GetRepoImages { repo }),
        repo().prop_map(|repo| R::DeleteRepoImages { repo }),
        repo().prop_map(|repo| R::PutRepoAuth { repo }),
        (repo(), image_id()).prop_map(|(repo, id)| R::GetLayerAccess { repo, id }),
        repo().prop_map(|repo| R::GetTags { repo }),
        repo().prop_map(|repo| R::DeleteTags { repo }),
        (repo(), tag()).prop_map(|(repo, tag)| R::GetTag { repo, tag }),
        (repo(), tag()).prop_map(|(repo, tag)| R::PutTag { repo, tag }),
        (repo(), tag()).prop_map(|(repo, tag)| R::DeleteTag { repo, tag }),
        (repo(), tag()).prop_map(|(repo, tag)| R::GetTagJson { repo, tag }),
        repo().prop_map(|repo| R::GetRepoJson { repo }),
        repo().prop_map(|repo| R::PutProperties { repo }),
        repo().prop_map(|repo| R::GetProperties { repo }),
        image_id().prop_map(|id| R::GetImageJson { id }),
        image_id().prop_map(|id| R::PutImageJson { id }),
        image_id().prop_map(|id| R::GetImageLayer { id }),
        image_id().prop_map(|id| R::PutImageLayer { id }),
        image_id().prop_map(|id| R::PutImageChecksum { id }),
        image_id().prop_map(|id| R::GetImageAncestry { id }),
        image_id().prop_map(|id| R::GetImageFiles { id }),
        image_id().prop_map(|id| R::GetImageDiff { id }),
        (
            ".{0,12}",
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>())
        )
            .prop_map(|(q, n, page)| R::Search(SearchQuery { q, n, page })),
    ]
}

proptest! {
    #[test]
    fn route_inverts_path(req in request()) {
        let query = req.query();
        prop_assert_eq!(route(&req.method(), &req.path(), query.as_deref()), Ok(req.clone()));
        prop_assert_eq!(route(&req.method(), &req.path_and_query(), None), Ok(req.clone()));
        prop_assert!(req.path().is_ascii());
    }

    #[test]
    fn route_never_panics(method in prop_oneof![Just(http::Method::GET), Just(http::Method::PUT)],
                          path in "(/[a-z0-9%_.]{0,6}){0,10}/?", query in prop::option::of(".{0,20}")) {
        let _ = route(&method, &path, query.as_deref());
    }

    #[test]
    fn route_never_panics_on_any_text(path in "/?\\PC{0,80}", query in prop::option::of("\\PC{0,40}")) {
        for method in [http::Method::GET, http::Method::HEAD, http::Method::PUT, http::Method::POST, http::Method::DELETE] {
            if let Ok(req) = route(&method, &path, query.as_deref()) {
                if ambiguous(&req) {
                    continue;
                }
                // Whatever routes has a canonical path that routes to the same endpoint.
                let again = route(&req.method(), &req.path_and_query(), None);
                prop_assert_eq!(again.map(|r| r.endpoint()), Ok(req.endpoint()));
            }
        }
    }

    #[test]
    fn image_id_round_trip(id in image_id()) {
        prop_assert_eq!(ImageId::parse(&format!("{id}")), Ok(id.clone()));
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(serde_json::from_str::<ImageId>(&json).unwrap(), id);
    }

    #[test]
    fn image_id_rejects_other_text(s in ".{0,70}") {
        let valid = (s.len() == 64 || s.len() == 16)
            && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        prop_assert_eq!(ImageId::parse(&s).is_ok(), valid);
    }

    #[test]
    fn tag_round_trip(t in tag()) {
        prop_assert_eq!(Tag::parse(t.as_str()), Ok(t.clone()));
        let json = serde_json::to_string(&t).unwrap();
        prop_assert_eq!(serde_json::from_str::<Tag>(&json).unwrap(), t);
    }

    #[test]
    fn tag_matches_regex(s in ".{0,140}") {
        let b = s.as_bytes();
        let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
        let valid = !b.is_empty() && b.len() <= 128 && word(&b[0])
            && b.iter().all(|c| word(c) || *c == b'.' || *c == b'-');
        prop_assert_eq!(Tag::parse(&s).is_ok(), valid);
    }

    #[test]
    fn repo_name_round_trip(r in repo()) {
        prop_assert_eq!(RepoName::parse(&r.to_string()), Ok(r.clone()));
        let json = serde_json::to_string(&r).unwrap();
        prop_assert_eq!(serde_json::from_str::<RepoName>(&json).unwrap(), r);
    }
}
