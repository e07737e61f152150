//! Index endpoints: users, repositories and their image lists, tokens, layer access, search.

use axum::response::Response;
use berth_auth::Access;
use berth_model::{ImageId, ModelError, RepoName, SearchQuery};
use http::StatusCode;

use crate::access::{self, Grant};
use crate::app::{App, Ctx};
use crate::body::read_limited;
use crate::config::SignUp;
use crate::respond::{self, Failure, Reply};
use crate::store::UserRecord;

/// `POST /v1/users/`: sign up.
pub(crate) async fn create_user(app: &App, ctx: &mut Ctx) -> Reply {
    if app.config.sign_up == SignUp::Closed {
        return Err(ModelError::AccessDenied.into());
    }
    let raw = read_limited(ctx.take_body(), app.config.max_json_bytes).await?;
    let sign_up = berth_model::UserBody::parse(&raw)?.into_new_user()?;
    // `docker login` always tries to sign up first: answer existing names without hashing.
    let existing = sign_up.username.as_str().to_owned();
    if app.db(move |m| m.user(&existing)).await?.is_some() {
        return Err(ModelError::UserAlreadyExists.into());
    }
    let password = sign_up.password.expose_secret().to_owned();
    let hash = app.credentials.hash(&password).await?;
    let name = sign_up.username.as_str().to_owned();
    let admin = app.config.admins.contains(&name);
    let first_is_admin = app.config.admins.is_empty();
    let user = UserRecord {
        name,
        email: sign_up.email.as_str().to_owned(),
        password_hash: hash,
        admin,
    };
    if app
        .db(move |m| m.create_user(&user, first_is_admin))
        .await?
    {
        Ok(respond::json(
            StatusCode::CREATED,
            berth_model::response::BODY_USER_CREATED,
        ))
    } else {
        // Docker compares this body byte for byte, then falls back to `GET /v1/users/`.
        Err(ModelError::UserAlreadyExists.into())
    }
}

/// `GET /v1/users/`: check Basic credentials.
pub(crate) async fn get_users(app: &App, ctx: &Ctx) -> Reply {
    match access::index_user(app, ctx).await? {
        Some(_) => Ok(respond::json(
            StatusCode::OK,
            berth_model::response::BODY_OK,
        )),
        None => Err(access::index_denied()),
    }
}

/// `PUT /v1/users/{name}/`: change e-mail and/or password (the user themself or an admin).
pub(crate) async fn update_user(app: &App, ctx: &mut Ctx, username: &str) -> Reply {
    let user = access::index_user(app, ctx)
        .await?
        .ok_or_else(access::index_denied)?;
    if user.name != username && !user.admin {
        return Err(ModelError::AccessDenied.into());
    }
    let raw = read_limited(ctx.take_body(), app.config.max_json_bytes).await?;
    let update = berth_model::UserBody::parse(&raw)?.into_update()?;
    let hash = match update.password {
        Some(p) => Some(app.credentials.hash(p.expose_secret()).await?),
        None => None,
    };
    let email = update.email.map(|e| e.as_str().to_owned());
    let name = username.to_owned();
    if app
        .db(move |m| m.update_user(&name, email.as_deref(), hash.as_deref()))
        .await?
    {
        let mut resp = respond::json(StatusCode::NO_CONTENT, bytes::Bytes::new());
        resp.headers_mut().remove(http::header::CONTENT_TYPE);
        Ok(resp)
    } else {
        Err(ModelError::UserNotFound.into())
    }
}

/// The user behind an Index write: Basic required, and the namespace must be theirs.
async fn index_owner(app: &App, ctx: &Ctx, repo: &str) -> Result<UserRecord, Failure> {
    let user = access::index_user(app, ctx)
        .await?
        .ok_or_else(access::index_denied)?;
    if !access::owns(&user, repo) {
        return Err(ModelError::AccessDenied.into());
    }
    Ok(user)
}

/// Adds `X-Docker-Endpoints`, and a token when the client asked for one.
fn token_headers(app: &App, ctx: &Ctx, resp: &mut Response, repo: &str, access: Access) {
    let endpoint = app
        .config
        .public_endpoint
        .clone()
        .or_else(|| ctx.header("host").map(str::to_owned))
        .unwrap_or_else(|| app.config.addr.to_string());
    respond::set_named(
        resp,
        "x-docker-endpoints",
        &berth_model::format_endpoints(&[endpoint]),
    );
    if ctx.wants_token() {
        let expires = app.now() + app.config.token_ttl_secs;
        // Repository names that cannot travel in a token get no token; the client then fails
        // with "Index response didn't contain an access token".
        if let Ok(token) = app.signer.sign(repo, access, expires) {
            respond::set_named(resp, "x-docker-token", &token.to_header_value());
            respond::set(
                resp,
                http::header::WWW_AUTHENTICATE,
                &token.to_authorization_value(),
            );
        }
    }
}

/// Stores `body` (an image list) into the repository with the merge rule: "on the very first
/// PUT (no stored list) the raw request body is stored unchanged", later ones are merged.
async fn merge_images(app: &App, repo: &str, raw: bytes::Bytes) -> Result<(), Failure> {
    use berth_model::ImageList;
    let list = ImageList::parse(&raw)?;
    let ids: Vec<String> = list.ids().map(|id| id.as_str().to_owned()).collect();
    let key = repo.to_owned();
    app.db(move |m| {
        m.update_repo_images(
            &key,
            &mut |stored| match stored.map(ImageList::parse) {
                None => raw.to_vec(),
                Some(Ok(old)) => ImageList::merge(&list, &old).to_body().to_vec(),
                // A stored list that no longer parses is replaced by the new one.
                Some(Err(_)) => raw.to_vec(),
            },
            &ids,
        )
    })
    .await
}

/// `PUT /v1/repositories/{repo}/`: start a push.
pub(crate) async fn put_repository(app: &App, ctx: &mut Ctx, repo: &RepoName) -> Reply {
    let k = repo.to_string();
    index_owner(app, ctx, &k).await?;
    let raw = read_limited(ctx.take_body(), app.config.max_json_bytes).await?;
    merge_images(app, &k, raw).await?;
    let mut resp = respond::json(StatusCode::OK, berth_model::response::BODY_EMPTY_STRING);
    token_headers(app, ctx, &mut resp, &k, Access::Write);
    Ok(resp)
}

/// `PUT /v1/repositories/{repo}/images`: finish a push (docker sends `[]`).
pub(crate) async fn put_repo_images(app: &App, ctx: &mut Ctx, repo: &RepoName) -> Reply {
    let k = repo.to_string();
    index_owner(app, ctx, &k).await?;
    let raw = read_limited(ctx.take_body(), app.config.max_json_bytes).await?;
    merge_images(app, &k, raw).await?;
    let mut resp = respond::json(StatusCode::NO_CONTENT, bytes::Bytes::new());
    token_headers(app, ctx, &mut resp, &k, Access::Write);
    Ok(resp)
}

/// `GET /v1/repositories/{repo}/images`: start a pull, or validate a token for a registry.
pub(crate) async fn get_repo_images(app: &App, ctx: &Ctx, repo: &RepoName) -> Reply {
    let k = repo.to_string();
    let grant = index_or_token(app, ctx, &k).await?;
    let key = k.clone();
    let record = app.db(move |m| m.repo(&key)).await?;
    let Some(record) = record else {
        return Err(ModelError::ImagesNotFound.into());
    };
    if record.private && !grant.may_read_private(&k) {
        return Err(match grant {
            Grant::Anonymous => access::index_denied(),
            _ => ModelError::AccessDenied.into(),
        });
    }
    let body = record.images.unwrap_or_else(|| b"[]".to_vec());
    let mut resp = respond::json(StatusCode::OK, body);
    token_headers(app, ctx, &mut resp, &k, Access::Read);
    Ok(resp)
}

/// The Index accepts Basic, or a token for this repository (a registry validating it).
async fn index_or_token(app: &App, ctx: &Ctx, repo: &str) -> Result<Grant, Failure> {
    let Some(value) = ctx.header("authorization") else {
        return Ok(Grant::Anonymous);
    };
    match berth_auth::parse_authorization(value) {
        Ok(berth_auth::Authorization::Token(tokens)) => tokens
            .iter()
            .find_map(|t| access::verify_token(app, t).filter(|(r, _)| r == repo))
            .map(|(repo, access)| Grant::Token {
                repo,
                access,
                declared: None,
                forward: None,
            })
            .ok_or_else(access::index_denied),
        _ => Ok(access::index_user(app, ctx)
            .await?
            .map_or(Grant::Anonymous, Grant::User)),
    }
}

/// `DELETE /v1/repositories/{repo}/images`: 204 with a delete token; stores nothing.
pub(crate) async fn delete_repo_images(app: &App, ctx: &Ctx, repo: &RepoName) -> Reply {
    let k = repo.to_string();
    index_owner(app, ctx, &k).await?;
    let mut resp = respond::json(StatusCode::NO_CONTENT, bytes::Bytes::new());
    token_headers(app, ctx, &mut resp, &k, Access::Delete);
    Ok(resp)
}

/// `DELETE /v1/repositories/{repo}/` on the Index with `X-Docker-Token: true`: 202 with a delete
/// token and endpoints (the client then deletes on each registry).
pub(crate) async fn start_delete(app: &App, ctx: &Ctx, repo: &RepoName) -> Reply {
    let k = repo.to_string();
    index_owner(app, ctx, &k).await?;
    let mut resp = respond::json(
        StatusCode::ACCEPTED,
        berth_model::response::BODY_EMPTY_STRING,
    );
    token_headers(app, ctx, &mut resp, &k, Access::Delete);
    Ok(resp)
}

/// `PUT /v1/repositories/{repo}/auth`: a registry asks whether a delete token is valid.
pub(crate) async fn put_repo_auth(app: &App, ctx: &Ctx, repo: &RepoName) -> Reply {
    let k = repo.to_string();
    match index_or_token(app, ctx, &k).await? {
        Grant::Token {
            access: Access::Delete,
            ..
        } => Ok(respond::json(
            StatusCode::OK,
            berth_model::response::BODY_OK,
        )),
        Grant::User(user) if access::owns(&user, &k) => Ok(respond::json(
            StatusCode::OK,
            berth_model::response::BODY_OK,
        )),
        Grant::Anonymous => Err(access::index_denied()),
        _ => Err(ModelError::AccessDenied.into()),
    }
}

/// `GET /v1/repositories/{repo}/layer/{id}/access`: `{"access": true|false}`.
pub(crate) async fn get_layer_access(app: &App, ctx: &Ctx, repo: &RepoName, id: &ImageId) -> Reply {
    let k = repo.to_string();
    let grant = index_or_token(app, ctx, &k).await?;
    let key = k.clone();
    let private = app
        .db(move |m| m.repo(&key))
        .await?
        .is_some_and(|r| r.private);
    let image = id.as_str().to_owned();
    let in_repo = app
        .db(move |m| m.image_repos(&image))
        .await?
        .iter()
        .any(|(name, _)| *name == k);
    let allowed = in_repo && (!private || grant.may_read_private(&repo.to_string()));
    Ok(respond::json(
        StatusCode::OK,
        crate::bodies::layer_access_body(allowed),
    ))
}

/// `GET /v1/search?q=&n=&page=`: public repositories whose name or description contains `q`,
/// one page at a time (the page is cut in SQL; the body shape is the core's).
pub(crate) async fn search(app: &App, query: &SearchQuery) -> Reply {
    let term = query.q.clone();
    let page_size = query.page_size();
    let page = query.page();
    let offset = u64::from(page.saturating_sub(1)) * u64::from(page_size);
    let limit = u64::from(page_size);
    let (total, hits) = app.db(move |m| m.search(&term, limit, offset)).await?;
    let results = hits
        .into_iter()
        .filter_map(|h| {
            let name = RepoName::parse(&h.name).ok()?;
            Some(berth_model::SearchResult {
                name: name.local_name(),
                description: h.description,
                star_count: 0,
                is_official: name.namespace().is_library(),
                is_trusted: false,
                is_automated: false,
            })
        })
        .collect();
    let body = berth_model::SearchResults {
        num_pages: u32::try_from(total.div_ceil(limit.max(1))).unwrap_or(u32::MAX),
        num_results: total,
        page_size,
        page,
        query: query.q.clone(),
        results,
    }
    .to_body();
    Ok(respond::json(StatusCode::OK, body))
}
