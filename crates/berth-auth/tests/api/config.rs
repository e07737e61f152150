//! docker config files.

use berth_auth::{AuthError, ConfigFormat, Credentials, DockerConfig, INDEX_SERVER};
use proptest::prelude::*;

/// auth.md §8's `.dockercfg` example, with a real `auth` value (base64 of `admin:s3cr:et`) in
/// place of the spec's `"..."` placeholder.
const DOCKERCFG: &str = r#"{"https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz", "email": "user@example.com"},
 "localhost:5000": {"auth": "YWRtaW46czNjcjpldA==", "email": "admin@example.com"}}"#;

#[test]
fn legacy_dockercfg_map() {
    let c = DockerConfig::parse(DOCKERCFG.as_bytes()).unwrap();
    assert_eq!(c.format(), ConfigFormat::DockerCfg);
    assert_eq!(
        c.servers().collect::<Vec<_>>(),
        [INDEX_SERVER, "localhost:5000"]
    );
    let user = Some(Credentials::new("user", "pass"));
    // The official index, however it is named.
    for name in [
        INDEX_SERVER,
        "docker.io",
        "index.docker.io",
        "https://index.docker.io/v1/",
    ] {
        assert_eq!(c.get(name), user, "{name}");
    }
    assert_eq!(
        c.get("localhost:5000"),
        Some(Credentials::new("admin", "s3cr:et"))
    );
    assert_eq!(
        c.get("https://localhost:5000/v1/"),
        Some(Credentials::new("admin", "s3cr:et"))
    );
    assert_eq!(c.email("localhost:5000"), Some("admin@example.com"));
    assert_eq!(c.get("localhost:5001"), None);
}

#[test]
fn legacy_dockercfg_migrates_to_config_json() {
    let c = DockerConfig::parse(DOCKERCFG.as_bytes()).unwrap();
    let out = String::from_utf8(c.to_vec()).unwrap();
    assert_eq!(
        out,
        "{\n\t\"auths\": {\n\t\t\"https://index.docker.io/v1/\": {\n\t\t\t\"auth\": \"dXNlcjpwYXNz\",\n\t\t\t\"email\": \"user@example.com\"\n\t\t},\n\t\t\"localhost:5000\": {\n\t\t\t\"auth\": \"YWRtaW46czNjcjpldA==\",\n\t\t\t\"email\": \"admin@example.com\"\n\t\t}\n\t}\n}\n"
    );
    let again = DockerConfig::parse(out.as_bytes()).unwrap();
    assert_eq!(again.format(), ConfigFormat::ConfigJson);
    assert_eq!(again.get("localhost:5000"), c.get("localhost:5000"));
}

#[test]
fn full_url_keys_match_hosts() {
    // auth.md §8: "older files may use full URLs such as `https://host:5000/v1/`; lookups normalise
    // by stripping the scheme and path".
    let c =
        DockerConfig::parse(br#"{"auths": {"https://host:5000/v1/": {"auth": "dXNlcjpwYXNz"}}}"#)
            .unwrap();
    assert_eq!(c.get("host:5000"), Some(Credentials::new("user", "pass")));
    assert_eq!(c.get("HOST:5000"), Some(Credentials::new("user", "pass")));
    assert_eq!(
        c.get("http://host:5000"),
        Some(Credentials::new("user", "pass"))
    );
    assert_eq!(c.get("host:5001"), None);
}

#[test]
fn preserves_unknown_keys() {
    let input =
        br#"{"auths": {"reg:5000": {"auth": "dXNlcjpwYXNz", "email": "a@b", "identitytoken": "t"}},
        "HttpHeaders": {"X-Meta-Foo": "bar"}, "psFormat": "table {{.ID}}"}"#;
    let mut c = DockerConfig::parse(input).unwrap();
    c.set("reg:5000", &Credentials::new("new", "pw"), "n@b");
    c.set("docker.io", &Credentials::new("hub", "pw2"), "");
    let out: serde_json::Value = serde_json::from_slice(&c.to_vec()).unwrap();
    assert_eq!(
        out,
        serde_json::json!({
            "auths": {
                // base64("new:pw"), base64("hub:pw2").
                "reg:5000": {"auth": "bmV3OnB3", "email": "n@b", "identitytoken": "t"},
                "https://index.docker.io/v1/": {"auth": "aHViOnB3Mg==", "email": ""}
            },
            "HttpHeaders": {"X-Meta-Foo": "bar"},
            "psFormat": "table {{.ID}}"
        })
    );
    // Key order in the file: auths first, then the others as they were.
    let text = String::from_utf8(c.to_vec()).unwrap();
    let (a, h, p) = (
        text.find("auths"),
        text.find("HttpHeaders"),
        text.find("psFormat"),
    );
    assert!(a < h && h < p, "{text}");
}

#[test]
fn set_uses_docker_keys_and_remove_matches_hosts() {
    let mut c = DockerConfig::default();
    c.set(
        "https://index.docker.io/v1/",
        &Credentials::new("u", "p"),
        "e",
    );
    c.set("https://myreg:5000/v1/", &Credentials::new("v", "q"), "f");
    assert_eq!(
        c.servers().collect::<Vec<_>>(),
        [INDEX_SERVER, "myreg:5000"]
    );
    // Updating through another spelling of the same host keeps a single entry.
    c.set("myreg:5000", &Credentials::new("w", "r"), "g");
    assert_eq!(c.servers().count(), 2);
    assert_eq!(c.get("myreg:5000"), Some(Credentials::new("w", "r")));
    assert!(c.remove("https://myreg:5000"));
    assert!(!c.remove("myreg:5000"));
    assert!(c.remove("docker.io"));
    assert_eq!(c.servers().count(), 0);
    assert_eq!(c.to_vec(), b"{\n\t\"auths\": {}\n}\n");
}

#[test]
fn pre_0_6_two_line_format() {
    let c = DockerConfig::parse(b"auth = dXNlcjpwYXNz\nemail = user@example.com\n").unwrap();
    assert_eq!(c.format(), ConfigFormat::LegacyText);
    assert_eq!(c.get("docker.io"), Some(Credentials::new("user", "pass")));
    assert_eq!(c.email(INDEX_SERVER), Some("user@example.com"));
    assert_eq!(
        DockerConfig::parse(b"auth = dXNlcjpwYXNz"),
        Err(AuthError::LegacyConfig {
            line: 2,
            expected: "`email = <address>`"
        })
    );
    assert_eq!(
        DockerConfig::parse(b"user = x\nemail = y"),
        Err(AuthError::LegacyConfig {
            line: 1,
            expected: "`auth = <base64>`"
        })
    );
}

#[test]
fn decoding_rules() {
    // Trailing NULs of the password are trimmed (docker's decodeAuth); base64("user:pass\0\0").
    let c = DockerConfig::parse(br#"{"auths": {"r": {"auth": "dXNlcjpwYXNzAAA="}}}"#).unwrap();
    assert_eq!(c.get("r"), Some(Credentials::new("user", "pass")));
    // Empty input is an empty config; entries without auth give no credentials.
    assert_eq!(
        DockerConfig::parse(b" \n").unwrap(),
        DockerConfig::default()
    );
    let c = DockerConfig::parse(br#"{"auths": {"r": {"email": "x"}, "s": null}, "psFormat": "x"}"#)
        .unwrap();
    assert_eq!((c.get("r"), c.get("s")), (None, None));
    // A config.json without auths is not mistaken for a legacy map.
    let c = DockerConfig::parse(br#"{"HttpHeaders": {"A": "b"}}"#).unwrap();
    assert_eq!(
        (c.format(), c.servers().count()),
        (ConfigFormat::ConfigJson, 0)
    );
}

#[test]
fn typed_errors() {
    assert_eq!(
        DockerConfig::parse(b"{\"auths\": "),
        Err(AuthError::JsonSyntax {
            line: 1,
            column: 10
        })
    );
    assert_eq!(
        DockerConfig::parse(br#"{"auths": []}"#),
        Err(AuthError::JsonType {
            field: "auths".into(),
            expected: "an object"
        })
    );
    assert_eq!(
        DockerConfig::parse(br#"{"auths": {"r": {"auth": "***"}}}"#),
        Err(AuthError::ConfigAuth {
            server: "r".into(),
            reason: "invalid base64"
        })
    );
    // base64("nocolon")
    assert_eq!(
        DockerConfig::parse(br#"{"auths": {"r": {"auth": "bm9jb2xvbg=="}}}"#),
        Err(AuthError::ConfigAuth {
            server: "r".into(),
            reason: "no ':' between username and password"
        })
    );
    assert_eq!(
        DockerConfig::parse(br#"{"auths": {"r": 1}}"#),
        Err(AuthError::JsonType {
            field: "r".into(),
            expected: "an object"
        })
    );
}

proptest! {
    #[test]
    fn set_then_reparse(
        entries in proptest::collection::vec(("[a-z]{1,10}(\\.[a-z]{1,5})?(:[0-9]{1,5})?", "[^:]{1,12}", "[^\u{0}]{0,12}", ".{0,12}"), 0..5),
        extra in proptest::collection::btree_map("[A-Za-z]{1,8}", ".{0,10}", 0..3),
    ) {
        let mut json = serde_json::Map::new();
        json.insert("auths".into(), serde_json::json!({}));
        for (k, v) in extra.iter().filter(|(k, _)| *k != "auths") {
            json.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        let mut c = DockerConfig::parse(&serde_json::to_vec(&json).unwrap()).unwrap();
        let mut latest = std::collections::BTreeMap::new();
        for (server, user, pass, email) in &entries {
            c.set(server, &Credentials::new(user.clone(), pass.clone()), email);
            latest.insert(server.to_ascii_lowercase(), (user, pass, email));
        }
        let back = DockerConfig::parse(&c.to_vec()).unwrap();
        prop_assert_eq!(&back, &c);
        prop_assert_eq!(back.servers().count(), latest.len());
        for (server, (user, pass, email)) in latest {
            prop_assert_eq!(back.get(&server), Some(Credentials::new(user.clone(), pass.clone())));
            prop_assert_eq!(back.email(&server), Some(email.as_str()));
        }
        let out: serde_json::Value = serde_json::from_slice(&back.to_vec()).unwrap();
        for (k, v) in &extra {
            if k != "auths" {
                prop_assert_eq!(&out[k], &serde_json::Value::String(v.clone()));
            }
        }
    }
}
