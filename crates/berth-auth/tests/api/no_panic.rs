//! Every parser returns (never panics) on arbitrary input; stands in for the fuzz targets in
//! plain `cargo test`.

use berth_auth::{
    DockerConfig, RegistryAuth, TokenSigner, parse_authorization, parse_basic, parse_challenges,
    parse_docker_tokens, parse_registry_auth,
};
use proptest::prelude::*;

fn header_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(Basic|Token|token|Token Token)? ?[ -~\t]{0,80}",
        "[ ,=:\"a-zA-Z0-9/.\t\\\\]{0,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn header_parsers_total(s in header_like()) {
        let _ = parse_basic(&s);
        let _ = parse_authorization(&s);
        let _ = parse_challenges(&s);
        let _ = parse_registry_auth(&s);
        if let Ok(tokens) = parse_docker_tokens(&s) {
            // Whatever parses formats into something that parses back to the same tokens.
            let joined: Vec<String> = tokens.iter().map(|t| t.to_header_value()).collect();
            prop_assert_eq!(parse_docker_tokens(&joined.join(",")).unwrap(), tokens.clone());
            let signer = TokenSigner::new(b"k");
            let _ = signer.verify(&tokens[0], 0);
        }
    }

    #[test]
    fn byte_parsers_total(b in proptest::collection::vec(any::<u8>(), 0..200), s in "\\{[ -~]{0,100}") {
        let _ = DockerConfig::parse(&b);
        let _ = DockerConfig::parse(s.as_bytes());
        let _ = RegistryAuth::from_json(&b);
        let _ = RegistryAuth::from_json(s.as_bytes());
    }
}
