//! `WWW-Authenticate`.

use berth_auth::{
    Access, AuthError, DockerToken, INDEX_CHALLENGE, REGISTRY_CHALLENGE, parse_challenges,
};

/// A challenge as plain data: scheme, token68, parameters.
type Flat = (String, Option<String>, Vec<(String, String)>);

fn flat(v: &str) -> Vec<Flat> {
    parse_challenges(v)
        .unwrap()
        .iter()
        .map(|c| {
            (
                c.scheme().to_owned(),
                c.token68().map(str::to_owned),
                c.params()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            )
        })
        .collect()
}

fn p(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

#[test]
fn fixed_challenges_are_byte_exact() {
    // index-api.md: "The Hub's 401 challenge is `WWW-Authenticate: Basic realm="auth required",Token`";
    // registry-api.md §0.3: "Failure ⇒ 401 … + header `WWW-Authenticate: Token`".
    assert_eq!(INDEX_CHALLENGE, r#"Basic realm="auth required",Token"#);
    assert_eq!(REGISTRY_CHALLENGE, "Token");
    let t = DockerToken::new("123abc", "foo/bar", Access::Write).unwrap();
    assert_eq!(
        t.to_authorization_value(),
        r#"Token signature=123abc,repository="foo/bar",access=write"#
    );
}

#[test]
fn parses_the_protocol_challenges() {
    assert_eq!(
        flat(INDEX_CHALLENGE),
        [
            ("Basic".into(), None, vec![p("realm", "auth required")]),
            ("Token".into(), None, vec![])
        ]
    );
    assert_eq!(flat(REGISTRY_CHALLENGE), [("Token".into(), None, vec![])]);
    assert_eq!(
        flat(r#"Token signature=123abc,repository="foo/bar",access=write"#),
        [(
            "Token".into(),
            None,
            vec![
                p("signature", "123abc"),
                p("repository", "foo/bar"),
                p("access", "write")
            ]
        )]
    );
}

#[test]
fn tolerant_forms() {
    assert_eq!(
        flat(r#" , Basic  realm = "a \"q\" b" , , Newauth abc==, Token "#),
        [
            ("Basic".into(), None, vec![p("realm", "a \"q\" b")]),
            ("Newauth".into(), Some("abc==".into()), vec![]),
            ("Token".into(), None, vec![]),
        ]
    );
    let c = &parse_challenges("Token Signature=1.ab").unwrap()[0];
    assert_eq!(c.param("signature"), Some("1.ab"));
}

#[test]
fn errors_carry_positions() {
    let e = |v: &str| parse_challenges(v).unwrap_err();
    assert_eq!(
        e(""),
        AuthError::ChallengeSyntax {
            pos: 0,
            expected: "an auth-scheme"
        }
    );
    assert_eq!(
        e(" , "),
        AuthError::ChallengeSyntax {
            pos: 3,
            expected: "an auth-scheme"
        }
    );
    assert_eq!(
        e("=x"),
        AuthError::ChallengeSyntax {
            pos: 0,
            expected: "an auth-scheme"
        }
    );
    assert_eq!(
        e(r#"Basic realm="x"#),
        AuthError::ChallengeSyntax {
            pos: 12,
            expected: "a closing '\"' for the quoted-string starting here"
        }
    );
    assert_eq!(
        e(r#"Basic realm="x" junk"#),
        AuthError::ChallengeSyntax {
            pos: 16,
            expected: "','"
        }
    );
    assert_eq!(
        e("Basic a=b, realm= ,"),
        AuthError::ChallengeSyntax {
            pos: 18,
            expected: "an auth-param value"
        }
    );
    // A lone `word=` is a token68, not a parameter without value.
    assert_eq!(
        flat("Basic realm= ,"),
        [("Basic".into(), Some("realm=".into()), vec![])]
    );
    assert_eq!(
        e(r#"Basic"x""#),
        AuthError::ChallengeSyntax {
            pos: 5,
            expected: "whitespace after the auth-scheme"
        }
    );
}
