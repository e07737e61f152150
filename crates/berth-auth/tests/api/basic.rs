//! `Authorization: Basic …`.

use berth_auth::{AuthError, Credentials, encode_basic, parse_basic};
use proptest::prelude::*;

#[test]
fn spec_examples() {
    // auth.md §1: `Authorization: Basic base64(username ":" password)`; auth.md §8 uses
    // `dXNlcjpwYXNz` for user:pass.
    assert_eq!(encode_basic("user", "pass"), "Basic dXNlcjpwYXNz");
    assert_eq!(
        parse_basic("Basic dXNlcjpwYXNz"),
        Ok(Credentials::new("user", "pass"))
    );
    // auth.md §4: "With empty credentials the header is `Authorization: Basic Og==`".
    assert_eq!(encode_basic("", ""), "Basic Og==");
    assert_eq!(parse_basic("Basic Og=="), Err(AuthError::AnonymousBasic));
}

#[test]
fn scheme_is_case_insensitive_and_whitespace_tolerated() {
    for v in [
        "basic dXNlcjpwYXNz",
        "BASIC dXNlcjpwYXNz",
        " \tBasic   dXNlcjpwYXNz \r\n",
    ] {
        assert_eq!(
            parse_basic(v),
            Ok(Credentials::new("user", "pass")),
            "{v:?}"
        );
    }
}

#[test]
fn password_may_contain_colons() {
    // base64("admin:s3cr:et")
    let c = parse_basic("Basic YWRtaW46czNjcjpldA==").unwrap();
    assert_eq!(c.username, "admin");
    assert_eq!(c.password.expose(), "s3cr:et");
}

#[test]
fn typed_errors() {
    assert_eq!(parse_basic(""), Err(AuthError::Empty));
    assert_eq!(
        parse_basic("Basic"),
        Err(AuthError::MissingCredentials { scheme: "Basic" })
    );
    assert_eq!(
        parse_basic("Bearer abc"),
        Err(AuthError::WrongScheme {
            expected: "Basic",
            found: Some("Bearer".into())
        })
    );
    assert_eq!(
        parse_basic("dXNlcjpwYXNz"),
        Err(AuthError::WrongScheme {
            expected: "Basic",
            found: None
        })
    );
    assert_eq!(
        parse_basic("Basic dXNl*jpwYXNz"),
        Err(AuthError::BadBase64 { pos: 10 })
    );
    // base64("user") has no colon.
    assert_eq!(parse_basic("Basic dXNlcg=="), Err(AuthError::MissingColon));
    // base64(":pass")
    assert_eq!(parse_basic("Basic OnBhc3M="), Err(AuthError::EmptyUsername));
    // base64(b"u:\xff")
    assert_eq!(
        parse_basic("Basic dTr/"),
        Err(AuthError::NotUtf8 { pos: 2 })
    );
}

#[test]
fn credentials_format_like_encode_basic() {
    let c = Credentials::new("user", "pass");
    assert_eq!(c.to_header_value(), "Basic dXNlcjpwYXNz");
}

proptest! {
    #[test]
    fn round_trip(user in "[^:]{1,40}", password in ".{0,60}") {
        let header = encode_basic(&user, &password);
        let parsed = parse_basic(&header).unwrap();
        prop_assert_eq!(parsed.username, user);
        prop_assert_eq!(parsed.password.expose(), password.as_str());
    }
}
