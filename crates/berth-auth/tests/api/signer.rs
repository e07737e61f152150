//! Issuing and verifying tokens.

use berth_auth::{Access, AuthError, DockerToken, TokenClaims, TokenSigner, parse_docker_token};
use proptest::prelude::*;

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

#[test]
fn signed_token_survives_the_wire_and_verifies() {
    let signer = TokenSigner::new(KEY);
    let t = signer
        .sign("library/ubuntu", Access::Read, 2_000_000_000)
        .unwrap();
    let sig = t.signature().expose();
    // The signature is `<expires_at>.<64 lowercase hex>`: no `"`, `,` or whitespace, so
    // docker-registry's `[^",]+` captures it whole.
    assert!(sig.starts_with("2000000000."));
    assert_eq!(sig.len(), "2000000000.".len() + 64);
    let header = t.to_header_value();
    let back = parse_docker_token(&header).unwrap();
    assert_eq!(
        signer.verify(&back, 1_999_999_999),
        Ok(TokenClaims {
            repository: "library/ubuntu".into(),
            access: Access::Read,
            expires_at: 2_000_000_000,
        })
    );
}

#[test]
fn signing_is_deterministic_and_key_dependent() {
    let a = TokenSigner::new(KEY)
        .sign("a/b", Access::Write, 10)
        .unwrap();
    let b = TokenSigner::new(KEY)
        .sign("a/b", Access::Write, 10)
        .unwrap();
    let c = TokenSigner::new(b"another key")
        .sign("a/b", Access::Write, 10)
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a.signature(), c.signature());
    assert_eq!(
        TokenSigner::new(b"another key").verify(&a, 0),
        Err(AuthError::BadMac)
    );
}

#[test]
fn expiry_boundary() {
    let signer = TokenSigner::new(KEY);
    let t = signer.sign("a/b", Access::Read, 100).unwrap();
    assert!(signer.verify(&t, 0).is_ok());
    assert!(signer.verify(&t, 99).is_ok());
    assert_eq!(
        signer.verify(&t, 100),
        Err(AuthError::Expired {
            expires_at: 100,
            now: 100
        })
    );
    assert_eq!(
        signer.verify(&t, u64::MAX),
        Err(AuthError::Expired {
            expires_at: 100,
            now: u64::MAX
        })
    );
    let forever = signer.sign("a/b", Access::Read, u64::MAX).unwrap();
    assert!(signer.verify(&forever, u64::MAX - 1).is_ok());
}

#[test]
fn foreign_signatures_are_a_format_error() {
    let signer = TokenSigner::new(KEY);
    for sig in [
        "7c438fd617eb7a8f2ad7476a9a3f2c6f8c1961fa",
        "ABCDEFGHIJ012345",
        "1.2",
    ] {
        let t = DockerToken::new(sig, "a/b", Access::Read).unwrap();
        assert_eq!(
            signer.verify(&t, 0),
            Err(AuthError::BadSignatureFormat),
            "{sig}"
        );
    }
}

#[test]
fn authorize_checks_repository_and_method() {
    let claims = TokenClaims {
        repository: "foo/bar".into(),
        access: Access::Read,
        expires_at: 1,
    };
    assert_eq!(claims.authorize("GET", Some("foo/bar")), Ok(()));
    assert_eq!(claims.authorize("HEAD", None), Ok(()));
    assert_eq!(
        claims.authorize("GET", Some("foo/baz")),
        Err(AuthError::RepositoryMismatch {
            expected: "foo/baz".into(),
            token: "foo/bar".into()
        })
    );
    assert_eq!(
        claims.authorize("PUT", None),
        Err(AuthError::MethodNotAllowed {
            access: Access::Read,
            method: "PUT".into()
        })
    );
    let long = "X".repeat(100);
    let Err(AuthError::MethodNotAllowed { method, .. }) = claims.authorize(&long, None) else {
        unreachable!("a long method is not allowed")
    };
    assert_eq!(method.len(), 32);
}

fn access() -> impl Strategy<Value = Access> {
    prop_oneof![
        Just(Access::Read),
        Just(Access::Write),
        Just(Access::Delete)
    ]
}

proptest! {
    #[test]
    fn valid_exactly_before_expiry(repo in "[a-z0-9_]{1,12}/[a-z0-9._-]{1,20}", a in access(), exp in any::<u64>(), now in any::<u64>()) {
        let signer = TokenSigner::new(KEY);
        let t = signer.sign(&repo, a, exp).unwrap();
        let res = signer.verify(&t, now);
        if now < exp {
            prop_assert_eq!(res, Ok(TokenClaims { repository: repo, access: a, expires_at: exp }));
        } else {
            prop_assert_eq!(res, Err(AuthError::Expired { expires_at: exp, now }));
        }
    }

    #[test]
    fn tampering_any_field_fails(
        repo in "[a-z0-9]{1,12}/[a-z0-9]{1,12}",
        other_repo in "[a-z0-9]{1,12}/[a-z0-9]{1,12}",
        a in access(),
        b in access(),
        exp in 1u64..u64::MAX,
        other_exp in any::<u64>(),
        flip in 0usize..64,
    ) {
        let signer = TokenSigner::new(KEY);
        let t = signer.sign(&repo, a, exp).unwrap();
        let sig = t.signature().expose();
        let (_, mac) = sig.split_once('.').unwrap();

        if other_repo != repo {
            let forged = DockerToken::new(sig, other_repo, a).unwrap();
            prop_assert_eq!(signer.verify(&forged, 0), Err(AuthError::BadMac));
        }
        if b != a {
            let forged = DockerToken::new(sig, repo.clone(), b).unwrap();
            prop_assert_eq!(signer.verify(&forged, 0), Err(AuthError::BadMac));
        }
        if other_exp != exp {
            let forged = DockerToken::new(format!("{other_exp}.{mac}"), repo.clone(), a).unwrap();
            prop_assert_eq!(signer.verify(&forged, 0), Err(AuthError::BadMac));
        }
        let mut bytes = mac.as_bytes().to_vec();
        bytes[flip] = if bytes[flip] == b'0' { b'1' } else { b'0' };
        let flipped = format!("{exp}.{}", String::from_utf8(bytes).unwrap());
        let forged = DockerToken::new(flipped, repo, a).unwrap();
        prop_assert_eq!(signer.verify(&forged, 0), Err(AuthError::BadMac));
    }
}
