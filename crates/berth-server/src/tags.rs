//! Registry repository endpoints: tags, tag metadata, repository json, delete, properties.

use berth_model::{ModelError, RepoName, Tag};
use http::StatusCode;

use crate::access;
use crate::app::{App, Ctx};
use crate::body::read_limited;
use crate::respond::{self, Failure, Reply};

fn key(repo: &RepoName) -> String {
    repo.to_string()
}

/// `GET /v1/repositories/{repo}/tags`.
pub(crate) async fn get_tags(app: &App, ctx: &Ctx, repo: &RepoName) -> Reply {
    let k = key(repo);
    access::require_repo_read(app, ctx, &k).await?;
    let tags = app
        .db(move |m| m.tags(&k))
        .await?
        .ok_or(ModelError::RepositoryNotFound)?;
    let mut map = berth_model::TagMap::default();
    for (tag, id) in tags {
        map.0
            .insert(Tag::parse(&tag)?, berth_model::ImageId::parse(&id)?);
    }
    Ok(respond::json(StatusCode::OK, map.to_body()))
}

/// `GET /v1/repositories/{repo}/tags/{tag}`.
pub(crate) async fn get_tag(app: &App, ctx: &Ctx, repo: &RepoName, tag: &Tag) -> Reply {
    let k = key(repo);
    access::require_repo_read(app, ctx, &k).await?;
    let t = tag.as_str().to_owned();
    let (id, _) = app
        .db(move |m| m.tag(&k, &t))
        .await?
        .ok_or(ModelError::TagNotFound)?;
    Ok(respond::json(
        StatusCode::OK,
        berth_model::tag_body(&berth_model::ImageId::parse(&id)?),
    ))
}

/// `PUT /v1/repositories/{repo}/tags/{tag}`: body is the JSON string image id.
pub(crate) async fn put_tag(app: &App, ctx: &mut Ctx, repo: &RepoName, tag: &Tag) -> Reply {
    let k = key(repo);
    access::require_repo_write(app, ctx, &k, false).await?;
    let raw = read_limited(ctx.take_body(), app.config.max_json_bytes).await?;
    // "Body not a JSON string → 400 `Invalid data`".
    let id = berth_model::parse_tag_body(&raw)?;
    let image_key = id.as_str().to_owned();
    // "`images/<id>/json` must exist → else 404 `Image not found`".
    let record = app
        .db(move |m| m.image(&image_key))
        .await?
        .ok_or(ModelError::ImageNotFound)?;
    let now = i64::try_from(app.now()).unwrap_or(i64::MAX);
    let meta =
        berth_model::TagMetadata::from_user_agent(ctx.header("user-agent").unwrap_or(""), now);
    let meta = String::from_utf8_lossy(&meta.to_body()).into_owned();
    let t = tag.as_str().to_owned();
    let image = id.as_str().to_owned();
    app.db(move |m| m.put_tag(&k, &t, &image, &meta, &record.ancestry))
        .await?;
    Ok(respond::ok_true())
}

/// `DELETE /v1/repositories/{repo}/tags/{tag}`.
pub(crate) async fn delete_tag(app: &App, ctx: &Ctx, repo: &RepoName, tag: &Tag) -> Reply {
    let k = key(repo);
    access::require_repo_write(app, ctx, &k, true).await?;
    let t = tag.as_str().to_owned();
    if app.db(move |m| m.delete_tag(&k, &t)).await? {
        Ok(respond::ok_true())
    } else {
        Err(ModelError::TagNotFoundNamed {
            tag: tag.as_str().to_owned(),
        }
        .into())
    }
}

/// `GET /v1/repositories/{repo}/tags/{tag}/json`, and `GET …/json` (tag `latest`): the stored
/// metadata, or the default object. Never 404.
pub(crate) async fn get_tag_json(app: &App, ctx: &Ctx, repo: &RepoName, tag: &Tag) -> Reply {
    let k = key(repo);
    access::require_repo_read(app, ctx, &k).await?;
    let t = tag.as_str().to_owned();
    let stored = app
        .db(move |m| m.tag(&k, &t))
        .await?
        .and_then(|(_, meta)| meta);
    let body = match stored {
        Some(meta) => bytes::Bytes::from(meta),
        None => bytes::Bytes::from_static(berth_model::DEFAULT_TAG_JSON),
    };
    Ok(respond::json(StatusCode::OK, body))
}

/// `DELETE /v1/repositories/{repo}/` and `DELETE …/tags` on the Registry: removes every tag.
pub(crate) async fn delete_repo(app: &App, ctx: &Ctx, repo: &RepoName) -> Reply {
    let k = key(repo);
    access::require_repo_write(app, ctx, &k, true).await?;
    if app.db(move |m| m.delete_repo(&k)).await? {
        Ok(respond::ok_true())
    } else {
        Err(ModelError::RepositoryNotFound.into())
    }
}

/// `PUT /v1/repositories/{repo}/properties` with `{"access": "private"|"public"}`.
pub(crate) async fn put_properties(app: &App, ctx: &mut Ctx, repo: &RepoName) -> Reply {
    let k = key(repo);
    require_owner(app, ctx, &k).await?;
    let raw = read_limited(ctx.take_body(), app.config.max_json_bytes).await?;
    let private = crate::bodies::parse_properties(&raw)?;
    app.db(move |m| m.set_private(&k, private)).await?;
    Ok(respond::ok_true())
}

/// `GET /v1/repositories/{repo}/properties`.
pub(crate) async fn get_properties(app: &App, ctx: &Ctx, repo: &RepoName) -> Reply {
    let k = key(repo);
    access::require_repo_read(app, ctx, &k).await?;
    let private = app
        .db(move |m| m.repo(&k))
        .await?
        .is_some_and(|r| r.private);
    Ok(respond::json(
        StatusCode::OK,
        crate::bodies::properties_body(private),
    ))
}

/// Only the owner (Basic) or a write token may change properties.
async fn require_owner(app: &App, ctx: &Ctx, repo: &str) -> Result<(), Failure> {
    access::require_repo_write(app, ctx, repo, false)
        .await
        .map(|_| ())
}
