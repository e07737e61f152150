//! Credentials and authorization headers (`berth_auth`).
//!
//! Header values arrive as bytes; they are decoded lossily so that the parsers see every input
//! the fuzzer makes, not only valid UTF-8.

use std::fmt::Write as _;

use berth_auth::{
    Authorization, Challenge, Credentials, DockerConfig, DockerToken, RegistryAuth, Secret,
    parse_authorization, parse_basic, parse_challenges, parse_docker_token, parse_docker_tokens,
    parse_registry_auth,
};

/// A password or signature that no fuzz input shares with the value it replaces.
const STAND_IN: &str = "stand-in-secret";

/// `Authorization: Basic …` and the classification of any `Authorization` value.
///
/// Invariants: no panic; parsed credentials re-encode (`encode_basic`) to a value that parses to
/// the same credentials; a parsed `Authorization` re-formats to a value that parses to itself;
/// `Debug` output does not depend on the password.
pub fn auth_basic(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    if let Ok(credentials) = parse_basic(&value) {
        let again = parse_basic(&credentials.to_header_value());
        assert_eq!(again.as_ref(), Ok(&credentials), "Basic round trip");
        let stand_in = Credentials::new(credentials.username.clone(), STAND_IN);
        assert_eq!(
            format!("{credentials:?}"),
            format!("{stand_in:?}"),
            "Debug shows the password"
        );
    }
    if let Ok(authorization) = parse_authorization(&value) {
        let again = parse_authorization(&authorization.to_header_value());
        assert_eq!(
            again.as_ref(),
            Ok(&authorization),
            "Authorization round trip"
        );
    }
}

/// Docker tokens: `X-Docker-Token` values, joined lists, and `Authorization: Token …`.
///
/// Invariants: no panic; parsed tokens re-format (joined with `,` as docker does) to a value
/// that parses to the same tokens; `Debug` and `Display` do not depend on the signature.
pub fn auth_token(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    if let Ok(tokens) = parse_docker_tokens(&value) {
        let joined: Vec<String> = tokens.iter().map(DockerToken::to_header_value).collect();
        let again = parse_docker_tokens(&joined.join(","));
        assert_eq!(again.as_ref(), Ok(&tokens), "token list round trip");
        let authorization = Authorization::Token(tokens.clone()).to_header_value();
        let again = parse_authorization(&authorization);
        assert_eq!(
            again,
            Ok(Authorization::Token(tokens.clone())),
            "Token header round trip"
        );
        for token in &tokens {
            let stand_in = DockerToken::new(STAND_IN, token.repository(), token.access())
                .expect("a parsed repository is a valid token field");
            assert_eq!(
                format!("{token:?}"),
                format!("{stand_in:?}"),
                "Debug shows the signature"
            );
            assert_eq!(
                format!("{token}"),
                format!("{stand_in}"),
                "Display shows the signature"
            );
        }
    }
    if let Ok(token) = parse_docker_token(&value) {
        assert_eq!(
            parse_docker_token(&token.to_header_value()),
            Ok(token),
            "token round trip"
        );
    }
}

/// `WWW-Authenticate` challenges.
///
/// Invariants: no panic; parsed challenges, formatted back (every parameter value quoted), parse
/// to the same challenges.
pub fn auth_www_authenticate(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    if let Ok(challenges) = parse_challenges(&value) {
        let formatted = format_challenges(&challenges);
        let again = parse_challenges(&formatted);
        assert_eq!(
            again.as_ref(),
            Ok(&challenges),
            "challenge round trip via {formatted:?}"
        );
    }
}

/// Formats challenges as RFC 7235 does: `scheme token68` or `scheme k="v", k2="v2"`, joined by
/// `, `, with `"` and `\` escaped in quoted values.
fn format_challenges(challenges: &[Challenge]) -> String {
    let mut out = String::new();
    for (n, challenge) in challenges.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        out.push_str(challenge.scheme());
        if let Some(token68) = challenge.token68() {
            let _ = write!(out, " {token68}");
        }
        for (i, (name, value)) in challenge.params().enumerate() {
            out.push_str(if i == 0 { " " } else { ", " });
            let _ = write!(out, "{name}=\"");
            for c in value.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
    }
    out
}

/// `X-Registry-Auth` values, and the JSON `AuthConfig` they carry.
///
/// Invariants: no panic; a parsed value re-encodes to one that parses to the same config; the
/// JSON form round-trips too; `Debug` does not depend on `password` or `auth`.
pub fn registry_auth(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    if let Ok(auth) = parse_registry_auth(&value) {
        check_registry_auth(&auth);
    }
    if let Ok(auth) = RegistryAuth::from_json(data) {
        check_registry_auth(&auth);
    }
}

fn check_registry_auth(auth: &RegistryAuth) {
    let again = parse_registry_auth(&auth.to_header_value());
    assert_eq!(again.as_ref(), Ok(auth), "X-Registry-Auth round trip");
    let again = RegistryAuth::from_json(auth.to_json().as_bytes());
    assert_eq!(again.as_ref(), Ok(auth), "AuthConfig JSON round trip");
    let stand_in = RegistryAuth {
        password: Secret::from(STAND_IN),
        auth: Secret::from(STAND_IN),
        ..auth.clone()
    };
    assert_eq!(
        format!("{auth:?}"),
        format!("{stand_in:?}"),
        "Debug shows a secret"
    );
    // Credentials derived from the config must survive a Basic round trip when they exist.
    if let Some(credentials) = auth.credentials() {
        if !credentials.username.contains(':') {
            assert_eq!(parse_basic(&credentials.to_header_value()), Ok(credentials));
        }
    }
}

/// docker's `config.json` and both legacy `.dockercfg` shapes.
///
/// Invariants: no panic; a parsed file, written back (always in the `config.json` shape),
/// parses to a config with the same servers, credentials and e-mails, and writes the same
/// bytes again.
pub fn docker_config(data: &[u8]) {
    let Ok(config) = DockerConfig::parse(data) else {
        return;
    };
    let written = config.to_vec();
    let again = DockerConfig::parse(&written).expect("a written config parses");
    let servers: Vec<&str> = config.servers().collect();
    assert_eq!(
        again.servers().collect::<Vec<_>>(),
        servers,
        "servers changed"
    );
    for server in servers {
        assert_eq!(
            again.get(server),
            config.get(server),
            "credentials of {server:?} changed"
        );
        assert_eq!(
            again.email(server),
            config.email(server),
            "e-mail of {server:?} changed"
        );
    }
    assert_eq!(
        again.to_vec(),
        written,
        "writing a config is not idempotent"
    );
}
