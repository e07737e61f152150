//! `Authorization` classification.

use berth_auth::{Access, AuthError, Authorization, Credentials, DockerToken, parse_authorization};

#[test]
fn classifies_basic_anonymous_and_token() {
    assert_eq!(
        parse_authorization("Basic dXNlcjpwYXNz"),
        Ok(Authorization::Basic(Credentials::new("user", "pass")))
    );
    assert_eq!(
        parse_authorization("Basic Og=="),
        Ok(Authorization::Anonymous)
    );
    let hub = r#"signature=7c438fd617eb7a8f2ad7476a9a3f2c6f8c1961fa,repository="google/cadvisor",access=read"#;
    let Ok(Authorization::Token(ts)) = parse_authorization(&format!("Token {hub}")) else {
        unreachable!("a token header")
    };
    assert_eq!(ts.len(), 1);
    assert_eq!(ts[0].repository(), "google/cadvisor");
    // Gotcha 23.
    let Ok(Authorization::Token(ts)) = parse_authorization(&format!("token Token {hub}")) else {
        unreachable!("a doubled token header")
    };
    assert_eq!(ts[0].to_header_value(), hub);
}

#[test]
fn formats_back() {
    let t1 = DockerToken::new("a", "x/y", Access::Read).unwrap();
    let t2 = DockerToken::new("b", "x/y", Access::Read).unwrap();
    let v = Authorization::Token(vec![t1, t2]).to_header_value();
    assert_eq!(
        v,
        r#"Token signature=a,repository="x/y",access=read,signature=b,repository="x/y",access=read"#
    );
    assert_eq!(parse_authorization(&v).unwrap().to_header_value(), v);
    assert_eq!(Authorization::Anonymous.to_header_value(), "Basic Og==");
    assert_eq!(
        Authorization::Basic(Credentials::new("user", "pass")).to_header_value(),
        "Basic dXNlcjpwYXNz"
    );
}

#[test]
fn errors() {
    assert_eq!(parse_authorization("  "), Err(AuthError::Empty));
    assert_eq!(parse_authorization("Token"), Err(AuthError::NoToken));
    assert_eq!(
        parse_authorization("Bearer xyz"),
        Err(AuthError::WrongScheme {
            expected: "Basic or Token",
            found: Some("Bearer".into())
        })
    );
    // Positions are relative to the whole header value.
    assert_eq!(
        parse_authorization(r#"Token signature=a,repository="x/y",access=all"#),
        Err(AuthError::UnknownAccess { pos: 42 })
    );
    assert_eq!(
        parse_authorization("Basic OnBhc3M="),
        Err(AuthError::EmptyUsername)
    );
}
