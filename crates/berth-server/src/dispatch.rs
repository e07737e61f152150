//! One axum fallback handler: route with `berth_model::route`, authenticate, call the handler,
//! render errors, strip bodies for `HEAD`.

use std::sync::Arc;

use axum::extract::{Request as HttpRequest, State};
use axum::response::Response;
use berth_model::response::StandaloneMode;
use berth_model::{Request, Tag};
use http::{Method, StatusCode};

use crate::app::{App, Ctx};
use crate::respond::{self, Failure, Reply};
use crate::{images, index, tags};

/// Entry point for every request.
pub(crate) async fn handle(State(app): State<Arc<App>>, req: HttpRequest) -> Response {
    let (parts, body) = req.into_parts();
    let head = parts.method == Method::HEAD;
    let mut resp = match berth_model::route(&parts.method, parts.uri.path(), parts.uri.query()) {
        Ok(request) => {
            let mut ctx = Ctx {
                method: parts.method,
                headers: parts.headers,
                body: std::sync::Mutex::new(Some(body)),
            };
            let resp = match run(&app, &mut ctx, &request).await {
                Ok(resp) => resp,
                Err(failure) => failure.into_response(),
            };
            // An early refusal (409 on a layer PUT, 401…) leaves the body unread; reading what the
            // client is still sending lets it see the answer instead of a reset connection.
            if let Some(body) = ctx.body.get_mut().ok().and_then(Option::take) {
                crate::body::drain(body).await;
            }
            resp
        }
        Err(e) => {
            let mut resp = respond::json(e.status(), e.body());
            if let Some(allow) = e.allow() {
                respond::set(&mut resp, http::header::ALLOW, &allow);
            }
            // Same as above: read the unrouted request's body so the connection stays usable.
            crate::body::drain(body).await;
            resp
        }
    };
    // "Always send `X-Docker-Registry-Version`" (gotcha 16).
    respond::set_named(
        &mut resp,
        "x-docker-registry-version",
        berth_model::response::DEFAULT_REGISTRY_VERSION,
    );
    respond::strip_for_head(resp, head)
}

/// Calls the handler for `request`, refusing endpoints of a role this process does not play.
async fn run(app: &App, ctx: &mut Ctx, request: &Request) -> Reply {
    use Request as R;
    if request.is_index() && !app.is_index() {
        return Err(not_here());
    }
    // Repository properties (the private flag) belong to whoever issues tokens: the Index.
    let properties = matches!(request, R::PutProperties { .. } | R::GetProperties { .. });
    if properties && !app.is_index() {
        return Err(not_here());
    }
    if !request.is_index()
        && !app.is_registry()
        && !properties
        // `DELETE /v1/repositories/<repo>/` is both the Index's "start a delete" and the
        // Registry's delete; the handler picks.
        && !matches!(request, R::Root | R::Ping | R::Search(_) | R::DeleteRepository { .. })
    {
        return Err(not_here());
    }
    match request {
        R::Root => Ok(respond::json(
            StatusCode::OK,
            berth_model::response::BODY_ROOT,
        )),
        R::Ping => {
            let mut resp = respond::json(StatusCode::OK, berth_model::response::BODY_PING);
            let mode = if app.is_index() {
                StandaloneMode::Standalone
            } else {
                StandaloneMode::WithIndex
            };
            respond::set_named(
                &mut resp,
                "x-docker-registry-standalone",
                mode.header_value(),
            );
            Ok(resp)
        }
        R::CreateUser => index::create_user(app, ctx).await,
        R::GetUsers => index::get_users(app, ctx).await,
        R::UpdateUser { username } => index::update_user(app, ctx, username).await,
        R::PutRepository { repo } => index::put_repository(app, ctx, repo).await,
        R::DeleteRepository { repo } => {
            // With `X-Docker-Token: true` this is the Index's "start a delete"; otherwise the
            // Registry deletes the repository's tags.
            if app.is_index() && (ctx.wants_token() || !app.is_registry()) {
                index::start_delete(app, ctx, repo).await
            } else {
                tags::delete_repo(app, ctx, repo).await
            }
        }
        R::PutRepoImages { repo } => index::put_repo_images(app, ctx, repo).await,
        R::GetRepoImages { repo } => index::get_repo_images(app, ctx, repo).await,
        R::DeleteRepoImages { repo } => index::delete_repo_images(app, ctx, repo).await,
        R::PutRepoAuth { repo } => index::put_repo_auth(app, ctx, repo).await,
        R::GetLayerAccess { repo, id } => index::get_layer_access(app, ctx, repo, id).await,
        R::Search(query) => index::search(app, query).await,
        R::GetTags { repo } => tags::get_tags(app, ctx, repo).await,
        R::DeleteTags { repo } => tags::delete_repo(app, ctx, repo).await,
        R::GetTag { repo, tag } => tags::get_tag(app, ctx, repo, tag).await,
        R::PutTag { repo, tag } => tags::put_tag(app, ctx, repo, tag).await,
        R::DeleteTag { repo, tag } => tags::delete_tag(app, ctx, repo, tag).await,
        R::GetTagJson { repo, tag } => tags::get_tag_json(app, ctx, repo, tag).await,
        R::GetRepoJson { repo } => tags::get_tag_json(app, ctx, repo, &Tag::latest()).await,
        R::PutProperties { repo } => tags::put_properties(app, ctx, repo).await,
        R::GetProperties { repo } => tags::get_properties(app, ctx, repo).await,
        R::GetImageJson { id } => images::get_json(app, ctx, id).await,
        R::PutImageJson { id } => images::put_json(app, ctx, id).await,
        R::GetImageLayer { id } => images::get_layer(app, ctx, id).await,
        R::PutImageLayer { id } => images::put_layer(app, ctx, id).await,
        R::PutImageChecksum { id } => images::put_checksum(app, ctx, id).await,
        R::GetImageAncestry { id } => images::get_ancestry(app, ctx, id).await,
        // The `/files` and `/diff` extensions need a tar index and a diff worker; not served.
        R::GetImageFiles { .. } | R::GetImageDiff { .. } => Err(not_here()),
        _ => Err(not_here()),
    }
}

fn not_here() -> Failure {
    Failure::NotFound
}
