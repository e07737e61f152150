//! Registry image endpoints: json, layer, checksum, ancestry.

use axum::body::Body;
use axum::response::Response;
use berth_model::{ImageId, ModelError};
use futures_util::StreamExt;
use http::StatusCode;

use crate::access::{self, Grant};
use crate::app::{App, Ctx};
use crate::body::read_limited;
use crate::respond::{self, Failure, Reply};
use crate::store::{ByteRange, CompleteError, ImageRecord, NewImageError};

/// The image record, or the errors every completed-image read shares: 400 while in progress,
/// 304 on any `If-Modified-Since` (gotcha 14), 404 when absent.
async fn completed(app: &App, ctx: &Ctx, id: &ImageId) -> Result<ImageRecord, Failure> {
    let key = id.as_str().to_owned();
    let record = app.db(move |m| m.image(&key)).await?;
    // "read endpoints decorated with `require_completion` … answer 400".
    if record.as_ref().is_some_and(|r| r.in_progress) {
        return Err(ModelError::ImageInProgress.into());
    }
    if ctx.headers.contains_key(http::header::IF_MODIFIED_SINCE) {
        return Err(Failure::NotModified { now: app.now() });
    }
    record.ok_or_else(|| ModelError::ImageNotFound.into())
}

/// `GET /v1/images/{id}/json`.
pub(crate) async fn get_json(app: &App, ctx: &Ctx, id: &ImageId) -> Reply {
    access::require_image_read(app, ctx, id.as_str()).await?;
    let record = completed(app, ctx, id).await?;
    let json = app
        .blobs
        .get_json(id.as_str())
        .await?
        .ok_or(ModelError::ImageNotFound)?;
    let mut resp = respond::json(StatusCode::OK, json);
    respond::set_immutable_cache(&mut resp, app.now());
    if let Some(size) = record.layer_size {
        respond::set_named(&mut resp, "x-docker-size", &size.to_string());
    }
    if let Some(sum) = &record.checksum {
        respond::set_named(&mut resp, "x-docker-checksum-payload", sum);
    }
    Ok(resp)
}

/// `GET /v1/images/{id}/ancestry`.
pub(crate) async fn get_ancestry(app: &App, ctx: &Ctx, id: &ImageId) -> Reply {
    access::require_image_read(app, ctx, id.as_str()).await?;
    let record = completed(app, ctx, id).await?;
    let ids = record
        .ancestry
        .iter()
        .map(|a| ImageId::parse(a))
        .collect::<Result<Vec<_>, _>>()?;
    let ancestry = berth_model::Ancestry::from_ids(ids)?;
    let mut resp = respond::json(StatusCode::OK, ancestry.to_body());
    respond::set_immutable_cache(&mut resp, app.now());
    Ok(resp)
}

/// `PUT /v1/images/{id}/json`.
pub(crate) async fn put_json(app: &App, ctx: &mut Ctx, id: &ImageId) -> Reply {
    let grant = access::require_image_write(app, ctx).await?;
    let raw = read_limited(ctx.take_body(), app.config.max_json_bytes).await?;
    // Object, `id` present, `id` equal to the URL id: the core's checks, in docker-registry's order.
    let image = berth_model::ImageJson::validate_put(id, raw.clone())?;
    if let Grant::Token { repo, declared, .. } = &grant {
        check_declared(app, repo, declared.as_deref(), id).await?;
    }
    let mut ancestry = vec![id.as_str().to_owned()];
    let parent = image.parent().map(|p| p.as_str().to_owned());
    if let Some(parent) = &parent {
        let key = parent.clone();
        // "`images/<parent>/json` must exist → else `Image depends on a non existing parent`".
        let Some(record) = app.db(move |m| m.image(&key)).await? else {
            return Err(ModelError::ParentNotFound.into());
        };
        if !access::image_readable(app, &grant, parent).await? {
            return Err(ModelError::UnauthorizedParent.into());
        }
        ancestry.extend(record.ancestry);
    }
    let key = id.as_str().to_owned();
    let begun = app
        .db(move |m| m.begin_image(&key, parent.as_deref(), &ancestry))
        .await?;
    if let Err(NewImageError::AlreadyExists) = begun {
        return Err(ModelError::ImageAlreadyExists.into());
    }
    app.blobs.put_json(id.as_str(), raw).await?;
    Ok(respond::ok_true())
}

/// With token auth, the image must be in the list declared to the Index for the token's
/// repository: "→ else `This image does not belong to the repository`".
/// In the Registry-only role the list is the one the Index returned when it validated the token.
async fn check_declared(
    app: &App,
    repo: &str,
    from_index: Option<&[u8]>,
    id: &ImageId,
) -> Result<(), Failure> {
    let stored = match from_index {
        Some(list) => Some(list.to_vec()),
        None => {
            let key = repo.to_owned();
            app.db(move |m| m.repo(&key)).await?.and_then(|r| r.images)
        }
    };
    let declared = stored
        .and_then(|raw| berth_model::ImageList::parse(&raw).ok())
        .is_some_and(|list| list.contains(id));
    if declared {
        Ok(())
    } else {
        Err(ModelError::ImageNotInRepository.into())
    }
}

/// `PUT /v1/images/{id}/layer`: streams the body to a temporary file while the digester runs
/// over the same bytes; the layer becomes visible only when whole.
pub(crate) async fn put_layer(app: &App, ctx: &mut Ctx, id: &ImageId) -> Reply {
    access::require_image_write(app, ctx).await?;
    let key = id.as_str().to_owned();
    // "json must exist → 404 `Image not found` (so layer before json ⇒ 404)".
    let record = app
        .db(move |m| m.image(&key))
        .await?
        .ok_or(ModelError::ImageNotFound)?;
    if !record.in_progress {
        return Err(ModelError::ImageAlreadyExists.into());
    }
    let json = app
        .blobs
        .get_json(id.as_str())
        .await?
        .ok_or(ModelError::ImageNotFound)?;
    let mut digester = crate::digest::PayloadDigester::new(&json);
    let mut upload = app.blobs.begin_layer(id.as_str()).await?;
    let mut size: u64 = 0;
    let mut stream = ctx.take_body().into_data_stream();
    while let Some(chunk) = stream.next().await {
        // A dropped connection or a truncated chunked body ends here; the upload is dropped,
        // which deletes its temporary file.
        let chunk = chunk.map_err(|e| Failure::Aborted(e.to_string()))?;
        size += chunk.len() as u64;
        if size > app.config.max_layer_bytes {
            drop(upload);
            crate::body::drain_stream(stream).await;
            return Err(Failure::TooLarge);
        }
        digester.update(&chunk);
        upload.write(&chunk).await?;
    }
    let checksum = digester.finish();
    let _guard = app.commit_lock.lock().await;
    let key = id.as_str().to_owned();
    let still = app.db(move |m| m.image(&key)).await?;
    if !still.is_some_and(|r| r.in_progress) {
        return Err(ModelError::ImageAlreadyExists.into());
    }
    upload.commit().await?;
    let key = id.as_str().to_owned();
    let logged = checksum.clone();
    app.db(move |m| m.set_layer(&key, size, &checksum)).await?;
    tracing::debug!(id = id.as_str(), size, checksum = %logged, "layer stored");
    Ok(respond::ok_true())
}

/// `PUT /v1/images/{id}/checksum`.
pub(crate) async fn put_checksum(app: &App, ctx: &Ctx, id: &ImageId) -> Reply {
    access::require_image_write(app, ctx).await?;
    let Some(sum) = ctx.header("x-docker-checksum-payload") else {
        return Err(ModelError::ChecksumPayloadNotSet.into());
    };
    let sum = sum.trim().to_owned();
    if sum.is_empty() {
        return Err(ModelError::MissingChecksum.into());
    }
    let _guard = app.commit_lock.lock().await;
    let key = id.as_str().to_owned();
    match app.db(move |m| m.complete_image(&key, &sum)).await? {
        Ok(()) => Ok(respond::ok_true()),
        Err(CompleteError::NotFound) => Err(ModelError::ImageNotFound.into()),
        Err(CompleteError::NotInProgress) => Err(ModelError::CannotSetChecksum.into()),
        // Gotcha 3: checksum before any layer is a 400, not docker-registry's 500.
        Err(CompleteError::NoLayer) => Err(ModelError::LayerNotUploaded.into()),
        Err(CompleteError::Mismatch) => Err(ModelError::ChecksumMismatch.into()),
    }
}

/// `GET /v1/images/{id}/layer`, with `Range` support.
pub(crate) async fn get_layer(app: &App, ctx: &Ctx, id: &ImageId) -> Reply {
    access::require_image_read(app, ctx, id.as_str()).await?;
    let record = completed(app, ctx, id).await?;
    let size = record.layer_size.ok_or(ModelError::ImageNotFound)?;
    let plan = berth_model::range::plan_range(ctx.header("range"), size);
    let range = match plan {
        berth_model::range::RangePlan::Partial { start, end } => Some(ByteRange { start, end }),
        berth_model::range::RangePlan::Unsatisfiable => {
            // "416 with Content-Length 0" is what docker treats as end of file when resuming.
            let mut resp = Response::new(Body::empty());
            *resp.status_mut() = plan.status();
            respond::set(&mut resp, http::header::CONTENT_LENGTH, "0");
            if let Some(value) = plan.content_range(size) {
                respond::set(&mut resp, http::header::CONTENT_RANGE, &value);
            }
            return Ok(resp);
        }
        _ => None,
    };
    let head = ctx.method == http::Method::HEAD;
    let length = plan.content_length(size);
    let body = if head {
        Body::empty()
    } else {
        let read = app
            .blobs
            .open_layer(id.as_str(), range)
            .await?
            .ok_or(ModelError::ImageNotFound)?;
        Body::from_stream(read.body)
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = plan.status();
    respond::set(
        &mut resp,
        http::header::CONTENT_TYPE,
        berth_model::response::LAYER_CONTENT_TYPE,
    );
    respond::set(&mut resp, http::header::CONTENT_LENGTH, &length.to_string());
    respond::set(&mut resp, http::header::ACCEPT_RANGES, "bytes");
    if let Some(value) = plan.content_range(size) {
        respond::set(&mut resp, http::header::CONTENT_RANGE, &value);
    }
    respond::set_immutable_cache(&mut resp, app.now());
    Ok(resp)
}
