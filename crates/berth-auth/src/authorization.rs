//! Classifying an `Authorization` request header.

use crate::basic::decode_user_pass;
use crate::token::parse_docker_tokens;
use crate::{AuthError, Credentials, DockerToken, scheme};

/// What an `Authorization` header carries.
///
/// `Debug` redacts passwords and signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authorization {
    /// `Basic` with a non-empty username.
    Basic(Credentials),
    /// `Basic Og==`: the empty username and password docker sends when not logged in; treat it as
    /// no credentials at all.
    Anonymous,
    /// `Token …` with one or more Docker tokens (docker joins every `X-Docker-Token` value it
    /// received with `,`).
    Token(Vec<DockerToken>),
}

impl Authorization {
    /// Formats the header value: `Basic …`, `Basic Og==` or `Token t1,t2,…`.
    ///
    /// This exposes the password or signatures: send it, never log it.
    pub fn to_header_value(&self) -> String {
        match self {
            Self::Basic(c) => c.to_header_value(),
            Self::Anonymous => crate::encode_basic("", ""),
            Self::Token(tokens) => {
                let mut out = String::from("Token ");
                for (n, t) in tokens.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    out.push_str(&t.to_header_value());
                }
                out
            }
        }
    }
}

/// Parses an `Authorization` value as either `Basic` or `Token` (schemes matched
/// case-insensitively).
///
/// `Token Token signature=…` (docker-registry's Index emulation, gotcha 23) is accepted.
///
/// ```
/// use berth_auth::{Authorization, parse_authorization};
///
/// assert_eq!(parse_authorization("Basic Og==").unwrap(), Authorization::Anonymous);
/// let Authorization::Token(t) = parse_authorization(
///     r#"Token Token signature=ABCDEF0123456789,repository="foo/bar",access=write"#,
/// ).unwrap() else { panic!("not a token") };
/// assert_eq!(t[0].repository(), "foo/bar");
/// ```
pub fn parse_authorization(value: &str) -> Result<Authorization, AuthError> {
    let split = scheme::split(value)?;
    if split.scheme.eq_ignore_ascii_case("basic") {
        if split.rest.is_empty() {
            return Err(AuthError::MissingCredentials { scheme: "Basic" });
        }
        return match decode_user_pass(split.rest, split.rest_pos) {
            Ok(c) => Ok(Authorization::Basic(c)),
            Err(AuthError::AnonymousBasic) => Ok(Authorization::Anonymous),
            Err(e) => Err(e),
        };
    }
    if split.scheme.eq_ignore_ascii_case("token") {
        if split.rest.is_empty() {
            return Err(AuthError::NoToken);
        }
        let tokens = parse_docker_tokens(split.rest).map_err(|e| offset(e, split.rest_pos))?;
        return Ok(Authorization::Token(tokens));
    }
    Err(split.wrong_scheme("Basic or Token"))
}

/// Shifts the position of a token error from `rest`-relative to value-relative.
fn offset(e: AuthError, by: usize) -> AuthError {
    match e {
        AuthError::TokenSyntax { pos, expected } => AuthError::TokenSyntax {
            pos: pos + by,
            expected,
        },
        AuthError::TokenMissingField { field, pos } => AuthError::TokenMissingField {
            field,
            pos: pos + by,
        },
        AuthError::InvalidTokenField { field, pos } => AuthError::InvalidTokenField {
            field,
            pos: pos.map(|p| p + by),
        },
        AuthError::UnknownAccess { pos } => AuthError::UnknownAccess { pos: pos + by },
        other => other,
    }
}
