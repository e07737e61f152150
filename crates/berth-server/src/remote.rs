//! Registry-only role: tokens are validated by asking the Index, as docker-registry did
//! (`GET {index}/v1/repositories/<ns>/<repo>/images` with the client's `Authorization` header
//! forwarded verbatim; 200 means valid, and the body is the list of images the repository may
//! receive).

use berth_auth::{Access, DockerToken};
use bytes::Bytes;

use crate::app::App;
use crate::respond::Failure;

/// Largest image list accepted from the Index.
const MAX_LIST_BYTES: u64 = 16 << 20;

/// One GET to the Index with the client's `Authorization` forwarded: status and body.
async fn index_get(
    app: &App,
    path: String,
    authorization: &str,
) -> Result<(u16, Vec<u8>), Failure> {
    let Some(index) = app.config.index_url.clone() else {
        return Ok((0, Vec::new()));
    };
    let url = format!("{}{path}", index.trim_end_matches('/'));
    let header = authorization.to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .build()
            .into();
        let mut resp = agent.get(&url).header("Authorization", &header).call()?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_LIST_BYTES)
            .read_to_vec()?;
        Ok::<_, ureq::Error>((status, body))
    })
    .await
    .map_err(|e| Failure::Internal(anyhow::anyhow!("index call task failed: {e}")))?;
    answer.map_err(|e| Failure::Internal(anyhow::anyhow!("index call failed: {e}")))
}

/// Asks the Index whether the token's repository grants reading image `id`
/// (`GET …/layer/<id>/access` → `{"access": true}`).
pub(crate) async fn layer_access(
    app: &App,
    authorization: &str,
    repo: &str,
    id: &str,
) -> Result<bool, Failure> {
    let (Ok(repo), Ok(id)) = (
        berth_model::RepoName::parse(repo),
        berth_model::ImageId::parse(id),
    ) else {
        return Ok(false);
    };
    let path = berth_model::Request::GetLayerAccess { repo, id }.path();
    let (status, body) = index_get(app, path, authorization).await?;
    Ok(status == 200 && crate::bodies::parse_layer_access(&body))
}

/// Validates `tokens` with the Index. On success returns the repository and access of the first
/// token and the Index's image list for that repository.
pub(crate) async fn validate(
    app: &App,
    authorization: &str,
    tokens: &[DockerToken],
) -> Result<Option<(String, Access, Bytes)>, Failure> {
    let Some(token) = tokens.first() else {
        return Ok(None);
    };
    let repo = token.repository().to_owned();
    let access = token.access();
    let path = berth_model::RepoName::parse(&repo)
        .map(|r| berth_model::Request::GetRepoImages { repo: r }.path())
        .map_err(|_| Failure::Model(berth_model::ModelError::RequiresAuthorization))?;
    match index_get(app, path, authorization).await? {
        (200, body) => Ok(Some((repo, access, Bytes::from(body)))),
        (status, _) => {
            tracing::debug!(status, "index refused a token");
            Ok(None)
        }
    }
}
