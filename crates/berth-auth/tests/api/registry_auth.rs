//! `X-Registry-Auth`.

use berth_auth::{AuthError, Credentials, RegistryAuth, Secret, parse_registry_auth};
use proptest::prelude::*;

/// auth.md §7's example AuthConfig JSON.
const SPEC_JSON: &str = r#"{"username":"u","password":"p","auth":"","email":"e@x","serveraddress":"https://index.docker.io/v1/"}"#;
/// base64url (with padding) of `SPEC_JSON`, computed with Python's `base64.urlsafe_b64encode`.
const SPEC_HEADER: &str = "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJhdXRoIjoiIiwiZW1haWwiOiJlQHgiLCJzZXJ2ZXJhZGRyZXNzIjoiaHR0cHM6Ly9pbmRleC5kb2NrZXIuaW8vdjEvIn0=";

fn spec() -> RegistryAuth {
    RegistryAuth {
        username: "u".into(),
        password: Secret::new("p"),
        auth: Secret::default(),
        email: "e@x".into(),
        serveraddress: "https://index.docker.io/v1/".into(),
    }
}

#[test]
fn spec_example_is_byte_exact() {
    assert_eq!(spec().to_json(), SPEC_JSON);
    assert_eq!(spec().to_header_value(), SPEC_HEADER);
    assert_eq!(parse_registry_auth(SPEC_HEADER), Ok(spec()));
    assert_eq!(RegistryAuth::from_json(SPEC_JSON.as_bytes()), Ok(spec()));
}

#[test]
fn go_field_rules() {
    // `username`, `password`, `serveraddress` omitempty; `auth`, `email` always present.
    assert_eq!(
        RegistryAuth::default().to_json(),
        r#"{"auth":"","email":""}"#
    );
    // Go escapes HTML characters in strings.
    let a = RegistryAuth {
        email: "<a&b>".into(),
        ..Default::default()
    };
    assert_eq!(a.to_json(), r#"{"auth":"","email":"\u003ca\u0026b\u003e"}"#);
}

#[test]
fn lenient_decoding() {
    // Without padding, with standard alphabet, with surrounding whitespace.
    let unpadded = SPEC_HEADER.trim_end_matches('=');
    assert_eq!(parse_registry_auth(unpadded), Ok(spec()));
    // `{"username":"a?>","password":"p","auth":"","email":""}` in both alphabets.
    let url = "eyJ1c2VybmFtZSI6ImE_PiIsInBhc3N3b3JkIjoicCIsImF1dGgiOiIiLCJlbWFpbCI6IiJ9";
    let std = "eyJ1c2VybmFtZSI6ImE/PiIsInBhc3N3b3JkIjoicCIsImF1dGgiOiIiLCJlbWFpbCI6IiJ9";
    assert_eq!(parse_registry_auth(url).unwrap().username, "a?>");
    assert_eq!(
        parse_registry_auth(&format!(" {std}\n")).unwrap().username,
        "a?>"
    );
    // Go matches keys case-insensitively, ignores unknown keys and treats null as empty.
    let a = RegistryAuth::from_json(br#"{"Username":"x","EMAIL":"y","other":1,"password":null}"#)
        .unwrap();
    assert_eq!(
        (a.username.as_str(), a.email.as_str(), a.password.is_empty()),
        ("x", "y", true)
    );
    assert_eq!(
        RegistryAuth::from_json(b"null"),
        Ok(RegistryAuth::default())
    );
}

#[test]
fn typed_errors() {
    assert_eq!(parse_registry_auth(""), Err(AuthError::Empty));
    assert_eq!(
        parse_registry_auth(" ab*c"),
        Err(AuthError::BadBase64 { pos: 3 })
    );
    // base64url("{") is not complete JSON.
    assert_eq!(
        parse_registry_auth("ew=="),
        Err(AuthError::JsonSyntax { line: 1, column: 1 })
    );
    assert_eq!(
        RegistryAuth::from_json(br#"{"username":5}"#),
        Err(AuthError::JsonType {
            field: "username".into(),
            expected: "a string"
        })
    );
    assert_eq!(
        RegistryAuth::from_json(b"[]"),
        Err(AuthError::JsonType {
            field: "(top level)".into(),
            expected: "an object"
        })
    );
}

#[test]
fn credentials_from_fields_or_auth() {
    assert_eq!(spec().credentials(), Some(Credentials::new("u", "p")));
    let a = RegistryAuth::from_credentials(&Credentials::new("user", "pass"), "e", "s");
    assert_eq!(a.auth.expose(), "dXNlcjpwYXNz");
    let only_auth = RegistryAuth {
        auth: a.auth.clone(),
        ..Default::default()
    };
    assert_eq!(
        only_auth.credentials(),
        Some(Credentials::new("user", "pass"))
    );
    assert_eq!(RegistryAuth::default().credentials(), None);
}

fn any_auth() -> impl Strategy<Value = RegistryAuth> {
    (
        ".{0,20}",
        ".{0,20}",
        "[A-Za-z0-9+/=]{0,20}",
        ".{0,20}",
        ".{0,30}",
    )
        .prop_map(|(u, p, a, e, s)| RegistryAuth {
            username: u,
            password: Secret::new(p),
            auth: Secret::new(a),
            email: e,
            serveraddress: s,
        })
}

proptest! {
    #[test]
    fn header_round_trip(a in any_auth()) {
        let header = a.to_header_value();
        prop_assert!(header.len() % 4 == 0);
        prop_assert!(!header.contains(['+', '/']));
        prop_assert_eq!(parse_registry_auth(&header).unwrap(), a.clone());
        prop_assert_eq!(RegistryAuth::from_json(a.to_json().as_bytes()).unwrap(), a);
    }
}
