//! Registry-only role: tokens are validated by asking the Index, as docker-registry did
//! (`GET {index}/v1/repositories/<ns>/<repo>/images` with the client's `Authorization` header
//! forwarded verbatim; 200 means valid).

use berth_auth::{Access, DockerToken};

use crate::app::App;
use crate::respond::Failure;

/// Validates `tokens` with the Index; returns the repository and access of the first token when
/// the Index accepts the header.
pub(crate) async fn validate(
    app: &App,
    authorization: &str,
    tokens: &[DockerToken],
) -> Result<Option<(String, Access)>, Failure> {
    let Some(index) = app.config.index_url.clone() else {
        return Ok(None);
    };
    let Some(token) = tokens.first() else {
        return Ok(None);
    };
    let repo = token.repository().to_owned();
    let access = token.access();
    let url = format!(
        "{}/v1/repositories/{}/images",
        index.trim_end_matches('/'),
        repo
    );
    let header = authorization.to_owned();
    let status = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .build()
            .into();
        agent
            .get(&url)
            .header("Authorization", &header)
            .call()
            .map(|r| r.status().as_u16())
    })
    .await
    .map_err(|e| Failure::Internal(anyhow::anyhow!("index call task failed: {e}")))?;
    match status {
        Ok(200) => Ok(Some((repo, access))),
        Ok(_) => Ok(None),
        Err(e) => Err(Failure::Internal(anyhow::anyhow!("index call failed: {e}"))),
    }
}
