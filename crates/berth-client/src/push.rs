//! `berth push`: drives `berth_model::push::PushSession` over HTTP with layers streamed from a
//! `docker save` archive.
//!
//! The session decides every request; this module only executes them. For `PUT …/layer` the
//! archive's `layer.tar` is gzip-compressed on the fly on every core (docker pushes gzip; see
//! [`LayerCompression`] for the choices) and sent with chunked transfer encoding, while the
//! digests are computed over exactly the bytes sent: the payload checksum
//! (`sha256(json + "\n" + blob bytes)`) and TarSum v0 are reported back to the session with
//! `handle_layer_uploaded`.

mod upload;

use std::collections::{BTreeMap, VecDeque};

use anyhow::{Context, bail};
use berth_model::progress::ProgressMessage;
use berth_model::push::{
    Body, Output, PushConfig, PushImage, PushSession, Request, RequestId, ResponseMode, image_list,
};
use berth_model::{ImageId, RepoName, Tag};
use bytes::Bytes;
use ureq::http::{HeaderMap, header};

use crate::archive::SavedArchive;
use crate::progress::Progress;
use crate::session::{Client, basic_header, with_hint};
use crate::transport::Payload;
use upload::UploadStream;
pub use upload::{LayerCompression, PushOptions};

/// What a push sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSummary {
    /// The tags pushed (tag → image id).
    pub tags: BTreeMap<String, String>,
    /// Number of images in the pushed list.
    pub images: usize,
}

/// Chooses the archive's tags to push to `repo`.
///
/// The archive's `repositories` entry is the only one, or the one named `local_name` (the
/// reference as typed, with or without its host), or `repo`'s short or full name. With `tag`, only
/// that tag is pushed; if the entry has exactly one tag, `tag` may also rename it. An archive
/// without `repositories` (saved by id) holding a single chain is pushed as `tag` or `latest`.
pub fn select_tags(
    archive: &SavedArchive,
    local_name: &str,
    repo: &RepoName,
    tag: Option<&str>,
) -> anyhow::Result<BTreeMap<String, String>> {
    let repos = archive.repositories();
    if repos.is_empty() {
        // `docker save <id>` writes no `repositories`: a single chain is pushed as TAG (or latest).
        let heads = archive.heads();
        let [head] = heads.as_slice() else {
            bail!(
                "the archive has no `repositories` file and {} image chains; save it by \
                 NAME:TAG so berth knows what to push",
                heads.len()
            );
        };
        let tag = tag.unwrap_or("latest").to_owned();
        return Ok(BTreeMap::from([(tag, head.id.clone())]));
    }
    let candidates = [local_name.to_owned(), repo.local_name(), repo.to_string()];
    let entry = if repos.len() == 1 {
        repos.values().next()
    } else {
        candidates.iter().find_map(|name| repos.get(name))
    };
    let Some(entry) = entry else {
        let names: Vec<&str> = repos.keys().map(String::as_str).collect();
        bail!(
            "the archive holds several repositories ({}); name one of them as the destination",
            names.join(", ")
        );
    };
    match tag {
        None => Ok(entry.clone()),
        Some(tag) => {
            if let Some(id) = entry.get(tag) {
                return Ok(BTreeMap::from([(tag.to_owned(), id.clone())]));
            }
            if entry.len() == 1 {
                let id = entry.values().next().cloned().unwrap_or_default();
                return Ok(BTreeMap::from([(tag.to_owned(), id)]));
            }
            let tags: Vec<&str> = entry.keys().map(String::as_str).collect();
            bail!(
                "tag {tag} is not in the archive (it has: {})",
                tags.join(", ")
            )
        }
    }
}

/// Builds the session's image list (base first) for `tags` (tag → id).
pub fn image_list_for(
    archive: &SavedArchive,
    tags: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<PushImage>> {
    let mut chains = Vec::new();
    for (tag, id) in tags {
        let tag = Tag::parse(tag).map_err(|e| anyhow::anyhow!("invalid tag {tag:?}: {e}"))?;
        let mut chain = Vec::new();
        for image in archive.chain(id)? {
            let parsed = ImageId::parse(&image.id)
                .map_err(|e| anyhow::anyhow!("invalid image id {}: {e}", image.id))?;
            let parent = match &image.parent {
                Some(p) => Some(
                    ImageId::parse(p).map_err(|e| anyhow::anyhow!("invalid parent id {p}: {e}"))?,
                ),
                None => None,
            };
            let tags = if &image.id == id {
                vec![tag.clone()]
            } else {
                Vec::new()
            };
            chain.push(PushImage {
                id: parsed,
                json: Bytes::from(image.json.clone()),
                parent,
                layer_size: Some(image.layer_size),
                tags,
            });
        }
        chains.push(chain);
    }
    Ok(image_list(chains))
}

impl Client {
    /// Pushes `tags` (tag → image id, see [`select_tags`]) of `archive` to `repo`, layers
    /// gzipped at the default level on every core.
    pub fn push(
        &self,
        archive: &SavedArchive,
        repo: &RepoName,
        tags: &BTreeMap<String, String>,
        progress: &mut dyn Progress,
    ) -> anyhow::Result<PushSummary> {
        self.push_with(archive, repo, tags, &PushOptions::default(), progress)
    }

    /// [`push`](Self::push) with layers prepared as `options` says.
    pub fn push_with(
        &self,
        archive: &SavedArchive,
        repo: &RepoName,
        tags: &BTreeMap<String, String>,
        options: &PushOptions,
        progress: &mut dyn Progress,
    ) -> anyhow::Result<PushSummary> {
        let images = image_list_for(archive, tags)?;
        let count = images.len();
        let mut config = PushConfig::new(repo.clone(), self.server().base_url(), images);
        config.has_credentials = self.credentials().is_some();
        // Requests are executed one at a time; more lookups in flight would only queue up.
        config.max_lookups = 1;
        let mut session = PushSession::new(config).map_err(anyhow::Error::new)?;
        let mut queue: VecDeque<(RequestId, Request)> = VecDeque::new();
        loop {
            loop {
                match session.poll_output() {
                    Output::Send(id, request) => queue.push_back((id, request)),
                    Output::Event(event) => {
                        for message in event.progress() {
                            progress.emit(&message);
                        }
                    }
                    Output::Idle => break,
                    _ => {
                        return match session.error() {
                            None if session.is_done() => Ok(PushSummary {
                                tags: tags.clone(),
                                images: count,
                            }),
                            None => bail!("the push ended early"),
                            Some(err) => Err(with_hint(
                                anyhow::Error::new(err.clone())
                                    .context(format!("push of {repo} failed")),
                                self.server(),
                            )),
                        };
                    }
                }
            }
            let Some((id, request)) = queue.pop_front() else {
                bail!("the push session is waiting for a response that was never requested");
            };
            let outcome =
                self.execute_push_request(&mut session, archive, options, (id, request), progress);
            if let Err(err) = outcome {
                progress.emit(&ProgressMessage::error(format!("{err:#}"), 0));
                return Err(with_hint(
                    err.context(format!("push of {repo} failed")),
                    self.server(),
                ));
            }
        }
    }

    /// Adds `Authorization: Basic …` when the session asks for it.
    fn request_headers(&self, request: &Request) -> anyhow::Result<HeaderMap> {
        let mut headers = request.headers.clone();
        if matches!(request.auth, berth_model::push::Auth::Basic) {
            if let Some(creds) = self.credentials() {
                headers.insert(header::AUTHORIZATION, basic_header(creds)?);
            }
        }
        Ok(headers)
    }

    /// The headers and URL of a session request, logged at debug level as a `role` request.
    pub(crate) fn outgoing(
        &self,
        request: &Request,
        role: &str,
    ) -> anyhow::Result<(HeaderMap, String)> {
        let headers = self.request_headers(request)?;
        let url = request.url_str();
        tracing::debug!(method = %request.method, %url, "{role} request");
        Ok((headers, url))
    }

    fn execute_push_request(
        &self,
        session: &mut PushSession,
        archive: &SavedArchive,
        options: &PushOptions,
        (id, request): (RequestId, Request),
        progress: &mut dyn Progress,
    ) -> anyhow::Result<()> {
        let (headers, url) = self.outgoing(&request, "push")?;
        let limit = berth_model::session::MAX_BODY as u64;
        let (parts, body) = match &request.body {
            Body::Layer(image_id) => {
                let image = archive
                    .image(image_id.as_str())
                    .with_context(|| format!("image {image_id} is not in the archive"))?;
                let layer = archive.open_layer(image)?;
                let mut upload = UploadStream::new(
                    layer,
                    &image.json,
                    image_id,
                    image.layer_size,
                    options,
                    progress,
                );
                let (parts, body) = self
                    .transport()
                    .send_small(
                        request.method.clone(),
                        &url,
                        &headers,
                        Payload::Stream(&mut upload),
                        limit,
                    )
                    .with_context(|| format!("uploading the layer of image {image_id}"))?;
                let checksums = upload.finish()?;
                session.handle_layer_uploaded(id, checksums)?;
                (parts, body)
            }
            Body::Json(bytes) => self.transport().send_small(
                request.method.clone(),
                &url,
                &headers,
                Payload::Bytes(bytes.to_vec()),
                limit,
            )?,
            _ => self.transport().send_small(
                request.method.clone(),
                &url,
                &headers,
                Payload::Empty,
                limit,
            )?,
        };
        debug_assert!(matches!(request.response, ResponseMode::Buffer));
        session.handle_response(id, parts.status, &parts.headers, &body)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{SAMPLE_IDS, write_sample_archive};

    fn sample() -> (tempfile::TempDir, SavedArchive) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.tar");
        write_sample_archive(&path).unwrap();
        let archive = SavedArchive::open(&path).unwrap();
        (dir, archive)
    }

    #[test]
    fn selects_all_tags_one_tag_or_refuses() {
        let (_dir, archive) = sample();
        let repo = RepoName::parse("alice/other").unwrap();
        let all = select_tags(&archive, "alice/other", &repo, None).unwrap();
        assert_eq!(all.len(), 2);
        let one = select_tags(&archive, "alice/other", &repo, Some("1.0")).unwrap();
        assert_eq!(
            one,
            BTreeMap::from([("1.0".to_owned(), SAMPLE_IDS[1].to_owned())])
        );
        let err = select_tags(&archive, "alice/other", &repo, Some("2.0")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "tag 2.0 is not in the archive (it has: 1.0, latest)"
        );
    }

    #[test]
    fn an_archive_saved_by_id_is_pushed_as_the_given_tag() {
        let dir = tempfile::tempdir().unwrap();
        let (_keep, sample) = sample();
        let path = dir.path().join("by-id.tar");
        let mut writer = crate::archive::ArchiveWriter::create(&path).unwrap();
        for image in sample.chain(SAMPLE_IDS[1]).unwrap() {
            let mut layer = sample.open_layer(image).unwrap();
            writer
                .add_image(&image.id, &image.json, &mut layer, image.layer_size)
                .unwrap();
        }
        writer.finish().unwrap();
        let archive = SavedArchive::open(&path).unwrap();
        let repo = RepoName::parse("a/b").unwrap();
        let tags = select_tags(&archive, "a/b", &repo, None).unwrap();
        assert_eq!(
            tags,
            BTreeMap::from([("latest".to_owned(), SAMPLE_IDS[1].to_owned())])
        );
        let tags = select_tags(&archive, "a/b", &repo, Some("v2")).unwrap();
        assert_eq!(
            tags,
            BTreeMap::from([("v2".to_owned(), SAMPLE_IDS[1].to_owned())])
        );
    }

    #[test]
    fn image_list_is_base_first_with_tags_on_their_images() {
        let (_dir, archive) = sample();
        let tags = select_tags(&archive, "x", &RepoName::parse("a/b").unwrap(), None).unwrap();
        let list = image_list_for(&archive, &tags).unwrap();
        let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, SAMPLE_IDS);
        let tags: Vec<Vec<&str>> = list
            .iter()
            .map(|i| i.tags.iter().map(Tag::as_str).collect())
            .collect();
        assert_eq!(tags, [vec![], vec!["1.0"], vec!["latest"]]);
        assert!(list[0].json.ends_with(b"\n"));
    }
}
