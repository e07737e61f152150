//! The status texts docker 1.x emitted during push and pull (flows.md §1, §2), as constructors.
//!
//! Constructors named after `FormatStatus` texts produce line-framed messages (no `progressDetail`);
//! those named after `FormatProgress` texts carry a `progressDetail` (`{}` when there is none) and
//! are therefore unterminated on the wire. Image ids are shortened to 12 characters
//! (`stringid.TruncateID`) by the constructors that take an id.

use super::{ErrorDetail, ProgressDetail, ProgressMessage};
use std::fmt::Display;

/// Docker's `stringid.TruncateID`: the first 12 characters of an id.
pub fn short_id(id: &str) -> &str {
    match id.char_indices().nth(12) {
        Some((end, _)) => &id[..end],
        None => id,
    }
}

impl ProgressMessage {
    /// `FormatStatus("", text)`: a line-framed status message without id.
    pub fn status(text: impl Into<String>) -> Self {
        Self {
            status: text.into(),
            ..Self::default()
        }
    }

    /// `FormatProgress(id, action, detail)`: a progress message (unterminated on the wire).
    ///
    /// The pre-rendered `progress` string is filled from `detail` (see [`ProgressDetail::render`]).
    pub fn progress(id: &str, action: impl Into<String>, detail: Option<ProgressDetail>) -> Self {
        let detail = detail.unwrap_or_default();
        Self {
            status: action.into(),
            progress: detail.render(),
            progress_detail: Some(detail),
            id: short_id(id).to_owned(),
            ..Self::default()
        }
    }

    /// `FormatError(err)`: `{"errorDetail":{"code":…,"message":…},"error":…}` + `\r\n`.
    ///
    /// `code` is the HTTP status the error came from, or 0 for none.
    pub fn error(message: impl Into<String>, code: i64) -> Self {
        let message = message.into();
        Self {
            error: message.clone(),
            error_detail: Some(ErrorDetail { code, message }),
            ..Self::default()
        }
    }

    // ---- push (flows.md §1) ----

    /// `The push refers to a repository [ns/repo] (len: N)`.
    pub fn push_refers_to(repo: impl Display, len: usize) -> Self {
        Self::status(format!(
            "The push refers to a repository [{repo}] (len: {len})"
        ))
    }

    /// `Sending image list`.
    pub fn sending_image_list() -> Self {
        Self::status("Sending image list")
    }

    /// `Pushing repository ns/repo (N tags)`.
    pub fn pushing_repository(repo: impl Display, tags: usize) -> Self {
        Self::status(format!("Pushing repository {repo} ({tags} tags)"))
    }

    /// `Image <id12> already pushed, skipping` (found by the existence check).
    pub fn image_already_pushed(id: &str) -> Self {
        Self::status(format!("Image {} already pushed, skipping", short_id(id)))
    }

    /// Progress `Image already pushed, skipping` (the registry answered `Image already exists`).
    pub fn image_already_exists_skipping(id: &str) -> Self {
        Self::progress(id, "Image already pushed, skipping", None)
    }

    /// Progress `Pushing` with the bytes sent so far (`None` before the upload starts).
    pub fn pushing(id: &str, detail: Option<ProgressDetail>) -> Self {
        Self::progress(id, "Pushing", detail)
    }

    /// Progress `Buffering to disk` (the layer tar is being generated).
    pub fn buffering_to_disk(id: &str, detail: Option<ProgressDetail>) -> Self {
        Self::progress(id, "Buffering to disk", detail)
    }

    /// Progress `Image successfully pushed`.
    pub fn image_successfully_pushed(id: &str) -> Self {
        Self::progress(id, "Image successfully pushed", None)
    }

    /// `Pushing tag for rev [<id12>] on {<tag url>}`.
    pub fn pushing_tag(id: &str, tag_url: impl Display) -> Self {
        Self::status(format!(
            "Pushing tag for rev [{}] on {{{tag_url}}}",
            short_id(id)
        ))
    }

    // ---- pull (flows.md §2) ----

    /// `Pulling repository ns/repo`.
    pub fn pulling_repository(repo: impl Display) -> Self {
        Self::status(format!("Pulling repository {repo}"))
    }

    /// Progress `Pulling image (<tag>) from ns/repo`.
    pub fn pulling_image(id: &str, tag: impl Display, repo: impl Display) -> Self {
        Self::progress(id, format!("Pulling image ({tag}) from {repo}"), None)
    }

    /// Progress `Pulling image (<tag>) from ns/repo, endpoint: E`.
    pub fn pulling_image_from_endpoint(
        id: &str,
        tag: impl Display,
        repo: impl Display,
        endpoint: impl Display,
    ) -> Self {
        Self::progress(
            id,
            format!("Pulling image ({tag}) from {repo}, endpoint: {endpoint}"),
            None,
        )
    }

    /// Progress `Error pulling image (<tag>) from ns/repo, endpoint: E, <err>`.
    pub fn error_pulling_image(
        id: &str,
        tag: impl Display,
        repo: impl Display,
        endpoint: impl Display,
        err: impl Display,
    ) -> Self {
        Self::progress(
            id,
            format!("Error pulling image ({tag}) from {repo}, endpoint: {endpoint}, {err}"),
            None,
        )
    }

    /// Progress `Pulling dependent layers`.
    pub fn pulling_dependent_layers(id: &str) -> Self {
        Self::progress(id, "Pulling dependent layers", None)
    }

    /// Progress `Pulling metadata`.
    pub fn pulling_metadata(id: &str) -> Self {
        Self::progress(id, "Pulling metadata", None)
    }

    /// Progress `Pulling fs layer`.
    pub fn pulling_fs_layer(id: &str) -> Self {
        Self::progress(id, "Pulling fs layer", None)
    }

    /// Progress `Downloading` with `current`/`total` (total = `X-Docker-Size`).
    pub fn downloading(id: &str, detail: ProgressDetail) -> Self {
        Self::progress(id, "Downloading", Some(detail))
    }

    /// Progress `Download complete`.
    pub fn download_complete(id: &str) -> Self {
        Self::progress(id, "Download complete", None)
    }

    /// Progress `Already exists` (the layer is present locally).
    pub fn already_exists(id: &str) -> Self {
        Self::progress(id, "Already exists", None)
    }

    /// `Status: Downloaded newer image for ns/repo:tag`.
    pub fn downloaded_newer_image(reference: impl Display) -> Self {
        Self::status(format!("Status: Downloaded newer image for {reference}"))
    }

    /// `Status: Image is up to date for ns/repo:tag`.
    pub fn image_up_to_date(reference: impl Display) -> Self {
        Self::status(format!("Status: Image is up to date for {reference}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(m: &ProgressMessage) -> String {
        let mut out = Vec::new();
        m.encode(&mut out);
        String::from_utf8(out).unwrap()
    }

    const ID: &str = "df7546f9f060a2268024c8a230d8639878585defcc1bc6f79d2728a13957871b";

    #[test]
    fn engine_api_examples_byte_exact() {
        assert_eq!(
            wire(&ProgressMessage::pulling_repository("busybox")),
            "{\"status\":\"Pulling repository busybox\"}\r\n"
        );
        assert_eq!(
            wire(&ProgressMessage::pulling_image(
                "4986bf8c15363d1c5d15512d5266f8777bfba4974ac56e3270e7760f6f0a8125",
                "latest",
                "busybox"
            )),
            "{\"status\":\"Pulling image (latest) from busybox\",\"progressDetail\":{},\"id\":\"4986bf8c1536\"}"
        );
        assert_eq!(
            wire(&ProgressMessage::download_complete(ID)),
            "{\"status\":\"Download complete\",\"progressDetail\":{},\"id\":\"df7546f9f060\"}"
        );
        assert_eq!(
            wire(&ProgressMessage::downloaded_newer_image("busybox:latest")),
            "{\"status\":\"Status: Downloaded newer image for busybox:latest\"}\r\n"
        );
        assert_eq!(
            wire(&ProgressMessage::error(
                "Error: image foo/bar:latest not found",
                0
            )),
            "{\"errorDetail\":{\"message\":\"Error: image foo/bar:latest not found\"},\"error\":\"Error: image foo/bar:latest not found\"}\r\n"
        );
        let dl = wire(&ProgressMessage::downloading(
            ID,
            ProgressDetail::new(65536, 2433303),
        ));
        // Go's encoder escapes `>` in the bar, so real streams carry `\u003e` (the docs show `>`).
        assert!(dl.starts_with(
            "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":65536,\"total\":2433303},\"progress\":\"[=\\u003e "
        ), "{dl}");
        assert!(dl.ends_with(" 65.54 kB/2.433 MB\",\"id\":\"df7546f9f060\"}"));
    }

    #[test]
    fn push_texts() {
        assert_eq!(
            ProgressMessage::image_already_pushed(ID).status,
            "Image df7546f9f060 already pushed, skipping"
        );
        assert_eq!(
            ProgressMessage::pushing_tag(
                ID,
                "https://registry-1.docker.io/v1/repositories/ns/repo/tags/latest"
            )
            .status,
            "Pushing tag for rev [df7546f9f060] on {https://registry-1.docker.io/v1/repositories/ns/repo/tags/latest}"
        );
        assert_eq!(
            ProgressMessage::push_refers_to("ns/repo", 3).status,
            "The push refers to a repository [ns/repo] (len: 3)"
        );
        assert_eq!(
            ProgressMessage::pushing_repository("ns/repo", 1).status,
            "Pushing repository ns/repo (1 tags)"
        );
        assert_eq!(
            wire(&ProgressMessage::image_successfully_pushed(ID)),
            "{\"status\":\"Image successfully pushed\",\"progressDetail\":{},\"id\":\"df7546f9f060\"}"
        );
        assert_eq!(short_id("abc"), "abc");
    }
}
