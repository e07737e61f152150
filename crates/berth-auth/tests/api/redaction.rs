//! No secret ever shows up in `Debug`, `Display` or error messages.

use berth_auth::{
    Access, Authorization, Credentials, DockerConfig, DockerToken, RegistryAuth, Secret,
    TokenSigner, parse_authorization, parse_basic, parse_challenges, parse_docker_tokens,
    parse_registry_auth,
};

const SECRET: &str = "hunter2secret";

#[track_caller]
fn clean(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
}

#[test]
fn debug_and_display_redact() {
    let creds = Credentials::new("user", SECRET);
    clean(&format!("{creds:?} {creds:#?}"));
    let token = DockerToken::new(SECRET, "foo/bar", Access::Read).unwrap();
    clean(&format!("{token:?} {token}"));
    assert_eq!(
        token.to_string(),
        r#"signature=<redacted>,repository="foo/bar",access=read"#
    );
    clean(&format!("{:?}", Authorization::Basic(creds.clone())));
    clean(&format!("{:?}", Authorization::Token(vec![token.clone()])));
    let ra = RegistryAuth {
        username: "u".into(),
        password: Secret::new(SECRET),
        auth: Secret::new(SECRET),
        ..Default::default()
    };
    clean(&format!("{ra:?}"));
    clean(&format!("{:?}", TokenSigner::new(SECRET.as_bytes())));
    let mut config = DockerConfig::default();
    config.set("r", &creds, "e");
    clean(&format!("{config:?}"));
    // The config stores base64; make sure that is not printed either.
    let b64 = "dXNlcjpodW50ZXIyc2VjcmV0";
    assert!(String::from_utf8(config.to_vec()).unwrap().contains(b64));
    assert!(!format!("{config:?}").contains(b64));
    let ch = parse_challenges(&format!(
        "Token signature={SECRET},repository=\"a/b\", Basic {SECRET}"
    ))
    .unwrap();
    clean(&format!("{ch:?}"));
}

#[test]
fn wire_forms_do_expose() {
    let token = DockerToken::new(SECRET, "foo/bar", Access::Read).unwrap();
    assert!(token.to_header_value().contains(SECRET));
    assert!(token.to_authorization_value().contains(SECRET));
    assert_eq!(token.signature().expose(), SECRET);
}

#[test]
fn errors_do_not_echo_input() {
    // A bare credential without scheme must not be echoed as the "found" scheme.
    let e = parse_basic(SECRET).unwrap_err();
    clean(&format!("{e} {e:?}"));
    let e = parse_authorization(SECRET).unwrap_err();
    clean(&format!("{e} {e:?}"));
    let e =
        parse_docker_tokens(&format!("signature={SECRET},access=nope,repository=a/b")).unwrap_err();
    clean(&format!("{e} {e:?}"));
    let e = parse_registry_auth(&format!("{SECRET}!")).unwrap_err();
    clean(&format!("{e} {e:?}"));
    // JSON errors keep only line and column.
    let e = RegistryAuth::from_json(format!(r#"{{"password": {SECRET}}}"#).as_bytes()).unwrap_err();
    clean(&format!("{e} {e:?}"));
    let e =
        DockerConfig::parse(format!(r#"{{"auths": {{"r": {{"auth": "{SECRET}!"}}}}}}"#).as_bytes())
            .unwrap_err();
    clean(&format!("{e} {e:?}"));
}
