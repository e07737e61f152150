//! Docker tokens in `X-Docker-Token` and `Authorization: Token …`.

use berth_auth::{Access, AuthError, DockerToken, parse_docker_token, parse_docker_tokens};
use proptest::prelude::*;

const HUB: &str = r#"signature=7c438fd617eb7a8f2ad7476a9a3f2c6f8c1961fa,repository="google/cadvisor",access=read"#;

#[test]
fn live_hub_token_round_trips_byte_for_byte() {
    // auth.md §2: a live Hub response `X-Docker-Token: signature=7c43…,repository="google/cadvisor",access=read`.
    let t = parse_docker_token(HUB).unwrap();
    assert_eq!(
        t.signature().expose(),
        "7c438fd617eb7a8f2ad7476a9a3f2c6f8c1961fa"
    );
    assert_eq!(t.repository(), "google/cadvisor");
    assert_eq!(t.access(), Access::Read);
    assert_eq!(t.to_header_value(), HUB);
    assert_eq!(t.to_authorization_value(), format!("Token {HUB}"));
}

#[test]
fn hub_docs_example() {
    // index-api.md §2: `X-Docker-Token` and `WWW-Authenticate` of `PUT /v1/repositories/…/`.
    let t = DockerToken::new("123abc", "foo/bar", Access::Write).unwrap();
    assert_eq!(
        t.to_header_value(),
        r#"signature=123abc,repository="foo/bar",access=write"#
    );
    assert_eq!(
        t.to_authorization_value(),
        r#"Token signature=123abc,repository="foo/bar",access=write"#
    );
}

#[test]
fn doubled_token_prefix_is_accepted() {
    // Gotcha 23: docker-registry's emulation puts `Token ` inside X-Docker-Token.
    for v in [
        r#"Token signature=ABCDEFGHIJ012345,repository="library/foo",access=read"#,
        r#"Token Token signature=ABCDEFGHIJ012345,repository="library/foo",access=read"#,
        r#"token   TOKEN	signature=ABCDEFGHIJ012345,repository="library/foo",access=read"#,
    ] {
        let t = parse_docker_token(v).unwrap();
        assert_eq!(t.signature().expose(), "ABCDEFGHIJ012345", "{v}");
        assert_eq!(t.repository(), "library/foo");
    }
}

#[test]
fn several_tokens_joined_with_commas() {
    // The client joins all X-Docker-Token values with "," (docker 0.7: ", " on GETs), each
    // possibly carrying the emulation's `Token ` prefix.
    let joined = format!(
        r#"{HUB}, Token signature=S2,repository="foo/bar",access=write,signature=S3,repository="a/b",access=delete"#
    );
    let ts = parse_docker_tokens(&joined).unwrap();
    let got: Vec<_> = ts
        .iter()
        .map(|t| {
            (
                t.signature().expose().to_owned(),
                t.repository().to_owned(),
                t.access(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "7c438fd617eb7a8f2ad7476a9a3f2c6f8c1961fa".into(),
                "google/cadvisor".into(),
                Access::Read
            ),
            ("S2".into(), "foo/bar".into(), Access::Write),
            ("S3".into(), "a/b".into(), Access::Delete),
        ]
    );
    assert_eq!(
        parse_docker_token(&joined),
        Err(AuthError::TokenCount { count: 3 })
    );
}

#[test]
fn lenient_like_docker_registry_regex() {
    // `(\w+)[:=][\s"]?([^",]+)"?`: `:` or `=`, optional quotes on any value, any key order,
    // whitespace around items, unknown keys ignored.
    let v = r#" access:"write" , repository = foo/bar ,signature= "abc" , extra=1 ,"#;
    let t = parse_docker_token(v).unwrap();
    assert_eq!(
        (t.signature().expose(), t.repository(), t.access()),
        ("abc", "foo/bar", Access::Write)
    );
    // A missing closing quote is tolerated as by the regex.
    let t = parse_docker_token(r#"signature=a,repository="x/y,access=READ"#).unwrap();
    assert_eq!((t.repository(), t.access()), ("x/y", Access::Read));
}

#[test]
fn typed_errors_with_positions() {
    assert_eq!(parse_docker_tokens(""), Err(AuthError::NoToken));
    assert_eq!(parse_docker_tokens("Token"), Err(AuthError::NoToken));
    assert_eq!(
        parse_docker_tokens(r#"signature=a,repository="x/y""#),
        Err(AuthError::TokenMissingField {
            field: "access",
            pos: 0
        })
    );
    assert_eq!(
        parse_docker_tokens(r#"signature=a,repository="x/y",access=admin"#),
        Err(AuthError::UnknownAccess { pos: 36 })
    );
    assert_eq!(
        parse_docker_tokens(r#"signature=a b,repository="x/y",access=read"#),
        Err(AuthError::InvalidTokenField {
            field: "signature",
            pos: Some(10)
        })
    );
    assert_eq!(
        parse_docker_tokens(r#"signature=a,"repository"="x/y""#),
        Err(AuthError::TokenSyntax {
            pos: 12,
            expected: "a key"
        })
    );
    assert_eq!(
        parse_docker_tokens("signature=a,repository"),
        Err(AuthError::TokenSyntax {
            pos: 22,
            expected: "'=' or ':'"
        })
    );
}

#[test]
fn constructor_enforces_wire_safety() {
    for (sig, repo) in [
        ("", "a/b"),
        ("s", ""),
        ("s\"", "a/b"),
        ("s", "a,b"),
        ("s", "a b"),
        ("é", "a/b"),
    ] {
        assert!(
            DockerToken::new(sig, repo, Access::Read).is_err(),
            "{sig:?} {repo:?}"
        );
    }
}

#[test]
fn access_vs_method() {
    // registry-api.md §0.3 plus gotcha 13 (HEAD allowed with a read token).
    let table = [
        (
            Access::Read,
            ["GET", "HEAD"].as_slice(),
            ["PUT", "POST", "DELETE", "get"].as_slice(),
        ),
        (
            Access::Write,
            &["PUT", "POST"],
            &["GET", "HEAD", "DELETE", "PATCH"],
        ),
        (Access::Delete, &["DELETE"], &["GET", "HEAD", "PUT", "POST"]),
    ];
    for (access, allowed, denied) in table {
        for m in allowed {
            assert!(access.allows_method(m), "{access} {m}");
        }
        for m in denied {
            assert!(!access.allows_method(m), "{access} {m}");
        }
    }
}

fn wire_value() -> impl Strategy<Value = String> {
    // Printable ASCII without `"` and `,`.
    "[!#-+\\--~]{1,70}"
}

fn access() -> impl Strategy<Value = Access> {
    prop_oneof![
        Just(Access::Read),
        Just(Access::Write),
        Just(Access::Delete)
    ]
}

fn token() -> impl Strategy<Value = DockerToken> {
    (wire_value(), wire_value(), access()).prop_map(|(s, r, a)| DockerToken::new(s, r, a).unwrap())
}

proptest! {
    #[test]
    fn header_round_trip(t in token()) {
        prop_assert_eq!(parse_docker_token(&t.to_header_value()).unwrap(), t.clone());
        let auth = t.to_authorization_value();
        prop_assert_eq!(parse_docker_token(&auth).unwrap(), t);
    }

    #[test]
    fn joined_list_round_trip(ts in proptest::collection::vec(token(), 1..5), sep in prop_oneof![Just(","), Just(", ")]) {
        let joined: Vec<String> = ts.iter().map(DockerToken::to_header_value).collect();
        prop_assert_eq!(parse_docker_tokens(&joined.join(sep)).unwrap(), ts);
    }
}
