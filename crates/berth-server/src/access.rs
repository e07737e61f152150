//! Who is calling, and what they may do.
//!
//! The Index authenticates with HTTP Basic; the Registry with tokens issued by the Index (and,
//! like a standalone docker-registry behind HTTPS, also with Basic on every request).
//!
//! Rules:
//! * a user may write the repositories of their own namespace; administrators may also write
//!   `library/…` (and every other namespace);
//! * a private repository is readable only by its owner (or an administrator) or with a read
//!   token for it;
//! * image endpoints carry no repository: writes need any valid write token (or a user), reads of
//!   an image that belongs only to private repositories need a grant for one of them.

use berth_auth::{Access, Authorization, DockerToken};
use berth_model::ModelError;

use crate::app::{App, Ctx};
use crate::respond::Failure;
use crate::store::UserRecord;

/// The caller, after checking its credentials.
pub(crate) enum Grant {
    /// No credentials.
    Anonymous,
    /// A user authenticated with Basic.
    User(UserRecord),
    /// A valid token for one repository and one access. In the Registry-only role, `declared`
    /// is the image list the Index returned when it validated the token, and `forward` the
    /// client's `Authorization` value, for later questions to the Index.
    Token {
        repo: String,
        access: Access,
        declared: Option<bytes::Bytes>,
        forward: Option<String>,
    },
}

impl Grant {
    /// Whether this grant may write (or delete, with `delete`) in `repo`.
    pub(crate) fn may_modify(&self, repo: &str, delete: bool) -> bool {
        match self {
            Self::Anonymous => false,
            Self::User(user) => owns(user, repo),
            Self::Token {
                repo: r, access, ..
            } => {
                r == repo
                    && if delete {
                        *access == Access::Delete
                    } else {
                        *access == Access::Write
                    }
            }
        }
    }

    /// Whether this grant may read `repo` when it is private.
    pub(crate) fn may_read_private(&self, repo: &str) -> bool {
        match self {
            Self::Anonymous => false,
            Self::User(user) => owns(user, repo),
            Self::Token { repo: r, .. } => r == repo,
        }
    }
}

/// Whether `user` owns `repo` (`namespace/name`).
pub(crate) fn owns(user: &UserRecord, repo: &str) -> bool {
    user.admin || repo.split_once('/').is_some_and(|(ns, _)| ns == user.name)
}

/// The 401 the Registry answers with.
pub(crate) fn registry_denied() -> Failure {
    Failure::Model(ModelError::RequiresAuthorization)
}

/// The 401 the Index answers with.
pub(crate) fn index_denied() -> Failure {
    Failure::Model(ModelError::IndexRequiresAuthorization)
}

/// Checks Basic credentials against the user table; `None` when they are wrong.
pub(crate) async fn check_basic(
    app: &App,
    username: &str,
    password: &str,
) -> Result<Option<UserRecord>, Failure> {
    let name = username.to_owned();
    let Some(user) = app.db(move |m| m.user(&name)).await? else {
        return Ok(None);
    };
    let ok = app
        .credentials
        .verify(username, password, &user.password_hash, app.now())
        .await?;
    Ok(ok.then_some(user))
}

/// Authenticates an Index call: Basic only. Wrong credentials are a 401; none are `Ok(None)`.
pub(crate) async fn index_user(app: &App, ctx: &Ctx) -> Result<Option<UserRecord>, Failure> {
    let Some(value) = ctx.header("authorization") else {
        return Ok(None);
    };
    match berth_auth::parse_authorization(value) {
        Ok(Authorization::Basic(creds)) => {
            match check_basic(app, &creds.username, creds.password.expose()).await? {
                Some(user) => Ok(Some(user)),
                None => Err(index_denied()),
            }
        }
        _ => Err(index_denied()),
    }
}

/// Verifies a token presented to the Index or (in standalone mode) to the Registry.
pub(crate) fn verify_token(app: &App, token: &DockerToken) -> Option<(String, Access)> {
    let claims = app.signer.verify(token, app.now()).ok()?;
    Some((claims.repository, claims.access))
}

/// Authenticates a Registry call. `repo` is the repository of the URL, if any.
///
/// Tokens must name `repo` (when given) and allow the method (HEAD counts as GET, gotcha 13).
pub(crate) async fn registry_grant(
    app: &App,
    ctx: &Ctx,
    repo: Option<&str>,
) -> Result<Grant, Failure> {
    let Some(value) = ctx.header("authorization") else {
        return Ok(Grant::Anonymous);
    };
    let grant = match berth_auth::parse_authorization(value) {
        Ok(Authorization::Basic(creds)) => {
            match check_basic(app, &creds.username, creds.password.expose()).await? {
                Some(user) => Grant::User(user),
                None => return Err(registry_denied()),
            }
        }
        Ok(Authorization::Token(tokens)) => {
            let checked = if app.is_index() {
                tokens
                    .iter()
                    .find_map(|t| verify_token(app, t))
                    .map(|(r, a)| (r, a, None))
            } else {
                crate::remote::validate(app, value, &tokens)
                    .await?
                    .map(|(r, a, list)| (r, a, Some(list)))
            };
            let forward = (!app.is_index()).then(|| value.to_owned());
            let Some((token_repo, access, declared)) = checked else {
                return Err(registry_denied());
            };
            let claims = berth_auth::TokenClaims {
                repository: token_repo,
                access,
                expires_at: 0,
            };
            if claims.authorize(ctx.method.as_str(), repo).is_err() {
                return Err(registry_denied());
            }
            let token_repo = claims.repository;
            Grant::Token {
                repo: token_repo,
                access,
                declared,
                forward,
            }
        }
        Ok(Authorization::Anonymous) => Grant::Anonymous,
        _ => return Err(registry_denied()),
    };
    Ok(grant)
}

/// Requires a grant that may read `repo`. The Registry-only role does not know which
/// repositories are private (the Index does), so there every read needs a token.
pub(crate) async fn require_repo_read(app: &App, ctx: &Ctx, repo: &str) -> Result<Grant, Failure> {
    let grant = registry_grant(app, ctx, Some(repo)).await?;
    if !app.is_index() && matches!(grant, Grant::Anonymous) {
        return Err(registry_denied());
    }
    let key = repo.to_owned();
    let private = app
        .db(move |m| m.repo(&key))
        .await?
        .is_some_and(|r| r.private);
    if private && !grant.may_read_private(repo) {
        return Err(registry_denied());
    }
    Ok(grant)
}

/// Requires a grant that may write (or delete) in `repo`.
pub(crate) async fn require_repo_write(
    app: &App,
    ctx: &Ctx,
    repo: &str,
    delete: bool,
) -> Result<Grant, Failure> {
    let grant = registry_grant(app, ctx, Some(repo)).await?;
    if !grant.may_modify(repo, delete) {
        return Err(registry_denied());
    }
    Ok(grant)
}

/// Requires a grant that may upload images: a write token or a user.
pub(crate) async fn require_image_write(app: &App, ctx: &Ctx) -> Result<Grant, Failure> {
    let grant = registry_grant(app, ctx, None).await?;
    match &grant {
        Grant::User(_)
        | Grant::Token {
            access: Access::Write,
            ..
        } => Ok(grant),
        _ => Err(registry_denied()),
    }
}

/// Requires a grant that may read image `id`: anybody unless every repository holding the image
/// is private.
pub(crate) async fn require_image_read(app: &App, ctx: &Ctx, id: &str) -> Result<Grant, Failure> {
    let grant = registry_grant(app, ctx, None).await?;
    if image_readable(app, &grant, id).await? {
        Ok(grant)
    } else if matches!(grant, Grant::Anonymous) {
        Err(registry_denied())
    } else {
        Err(Failure::Model(ModelError::ImageNotFound))
    }
}

/// Whether `grant` may read image `id`. The Registry-only role asks the Index
/// (`GET …/layer/<id>/access` for the token's repository), as docker-registry did.
pub(crate) async fn image_readable(app: &App, grant: &Grant, id: &str) -> Result<bool, Failure> {
    if !app.is_index() {
        return match grant {
            Grant::Token {
                repo,
                forward: Some(header),
                ..
            } => crate::remote::layer_access(app, header, repo, id).await,
            _ => Ok(false),
        };
    }
    let key = id.to_owned();
    let repos = app.db(move |m| m.image_repos(&key)).await?;
    Ok(repos.is_empty()
        || repos
            .iter()
            .any(|(name, private)| !private || grant.may_read_private(name)))
}
