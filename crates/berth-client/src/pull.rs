//! `berth pull`: drives `berth_model::pull::PullSession` over HTTP and writes a `docker load`
//! archive.
//!
//! Layer bodies are streamed into the [`LayerCache`] while their payload checksum is computed
//! (the session verifies it against `X-Docker-Checksum-Payload`), and at the same time unpacked
//! into the archive by a worker thread ([`LayerStream`]), so inflating runs beside the download
//! and each layer is read once. A body that breaks off is reported with
//! `handle_layer_interrupted` and the session resumes it with `Range` when the registry allows;
//! its image is taken out of the archive again and unpacked from its first byte when the rest
//! comes. The archive is a temporary file renamed into place only when the pull succeeded
//! ([`ArchiveWriter`]); layers already in the cache are unpacked into it at the end.
//!
//! A pull that fails keeps the bytes of interrupted layers in the cache; the next pull passes them
//! as `PullConfig::partial`, so the session asks for the rest with `Range`. A layer is accepted
//! into the cache only after the session verified its payload checksum; when the registry sent
//! none and the layer includes bytes of an earlier run, it must also be a valid gzip/tar.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use berth_model::progress::{ProgressDetail, ProgressMessage};
use berth_model::pull::{
    LayerDownload, Output, PullConfig, PullEvent, PullSession, Request, RequestId, ResponseMode,
};
use berth_model::{ImageId, RepoName, Tag};
use bytes::Bytes;

use crate::archive::{ArchiveWriter, LayerStream};
use crate::cache::{Download, Finished, LayerCache, ReceiveError};
use crate::progress::Progress;
use crate::session::{Client, with_hint};
use crate::transport::Payload;

/// Emit a byte-progress message at most every this many bytes.
const PROGRESS_STEP: u64 = 256 * 1024;

/// Why a layer resumed from an earlier pull's bytes failed, and what to do.
const RESUMED_HINT: &str =
    "it was resumed from a partial download of an earlier pull, which is now deleted; pull again";

/// What a pull wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullSummary {
    /// The archive written.
    pub archive: PathBuf,
    /// Tags written to `repositories` (tag → image id).
    pub tags: BTreeMap<String, String>,
    /// Number of images in the archive.
    pub images: usize,
    /// Number of layers downloaded (the rest came from the cache).
    pub downloaded: usize,
}

/// What to pull.
#[derive(Debug, Clone)]
pub struct PullRequest<'a> {
    /// The repository.
    pub repo: &'a RepoName,
    /// The tag, or `None` for every tag.
    pub tag: Option<Tag>,
    /// The name written to `repositories` (the reference as typed, without tag).
    pub local_name: &'a str,
    /// The archive to write.
    pub output: &'a Path,
    /// The layer cache.
    pub cache: &'a LayerCache,
}

/// Everything the session told us, gathered while it runs.
#[derive(Default)]
struct Gathered {
    jsons: HashMap<String, Bytes>,
    tags: BTreeMap<String, String>,
    pulled: Vec<String>,
    downloads: HashMap<String, Download>,
    downloaded: usize,
}

impl Client {
    /// Pulls `request.repo` and writes a `docker load` archive; nothing is written on failure.
    pub fn pull(
        &self,
        request: &PullRequest<'_>,
        progress: &mut dyn Progress,
    ) -> anyhow::Result<PullSummary> {
        let cache = request.cache;
        let have: Vec<ImageId> = cache
            .complete_ids()
            .iter()
            .filter_map(|id| ImageId::parse(id).ok())
            .collect();
        let mut config = PullConfig::new(
            request.repo.clone(),
            self.server().base_url(),
            request.tag.clone(),
        );
        config.has_credentials = self.credentials().is_some();
        config.have = have;
        config.partial = cache
            .partial_ids()
            .into_iter()
            .filter_map(|(id, kept)| Some((ImageId::parse(&id).ok()?, kept)))
            .collect();
        let mut session = PullSession::new(config).map_err(anyhow::Error::new)?;
        // Layers are unpacked into the archive while they download; it is renamed into place
        // only when complete, and deleted on failure.
        let mut writer = ArchiveWriter::create(request.output)
            .with_context(|| format!("cannot write {}", request.output.display()))?;
        let mut gathered = Gathered::default();
        let mut queue: VecDeque<(RequestId, Request)> = VecDeque::new();
        let result = loop {
            if let Some(done) = drain(&mut session, &mut queue, &mut gathered, progress) {
                break done;
            }
            let Some((id, req)) = queue.pop_front() else {
                break Err(anyhow::anyhow!("the pull session is waiting for nothing"));
            };
            if let Err(err) = self.execute_pull_request(
                &mut session,
                &mut queue,
                &mut gathered,
                cache,
                &mut writer,
                id,
                req,
                progress,
            ) {
                break Err(err);
            }
        };
        // Bytes of interrupted layers stay as `<id>.partial` for the next pull to resume.
        for (_, download) in gathered.downloads.drain() {
            cache.keep(download);
        }
        let reference = match &request.tag {
            Some(tag) => format!("{}:{tag}", request.repo),
            None => request.repo.to_string(),
        };
        if let Err(err) = result {
            progress.emit(&ProgressMessage::error(format!("{err:#}"), 0));
            return Err(with_hint(
                err.context(format!("pull of {reference} failed")),
                self.server(),
            ));
        }
        let summary = write_archive(request, cache, &gathered, writer)
            .with_context(|| format!("cannot write {}", request.output.display()))?;
        Ok(summary)
    }

    #[allow(clippy::too_many_arguments)]
    fn execute_pull_request(
        &self,
        session: &mut PullSession,
        queue: &mut VecDeque<(RequestId, Request)>,
        gathered: &mut Gathered,
        cache: &LayerCache,
        writer: &mut ArchiveWriter,
        id: RequestId,
        request: Request,
        progress: &mut dyn Progress,
    ) -> anyhow::Result<()> {
        let (headers, url) = self.outgoing(&request, "pull")?;
        if !matches!(request.response, ResponseMode::StreamLayer) {
            let limit = berth_model::session::MAX_BODY as u64;
            let (parts, body) = self.transport().send_small(
                request.method.clone(),
                &url,
                &headers,
                Payload::Empty,
                limit,
            )?;
            session.handle_response(id, parts.status, &parts.headers, &body)?;
            return Ok(());
        }
        let reply =
            self.transport()
                .send(request.method.clone(), &url, &headers, Payload::Empty)?;
        let (parts, body) = reply.into_parts();
        session.handle_response(id, parts.status, &parts.headers, &[])?;
        // Drain: a LayerDownloadStarted event means the session wants the body.
        let mut started = None;
        loop {
            match session.poll_output() {
                Output::Send(rid, req) => queue.push_back((rid, req)),
                Output::Event(PullEvent::LayerDownloadStarted {
                    id: image,
                    size,
                    offset,
                }) => {
                    emit_all(
                        progress,
                        &PullEvent::LayerDownloadStarted {
                            id: image.clone(),
                            size,
                            offset,
                        },
                    );
                    started = Some((image, size, offset));
                }
                Output::Event(event) => {
                    gather(gathered, &event);
                    emit_all(progress, &event);
                }
                _ => break,
            }
        }
        let Some((image, size, offset)) = started else {
            return Ok(());
        };
        let key = image.as_str().to_owned();
        let json = gathered.jsons.get(&key).cloned().unwrap_or_default();
        let previous = gathered.downloads.remove(&key);
        let total = size.unwrap_or(0);
        let mut last = 0u64;
        let short = image.short().to_owned();
        let mut on_progress = |received: u64| {
            if received >= last + PROGRESS_STEP || received == total {
                last = received;
                let detail = ProgressDetail::new(
                    i64::try_from(received).unwrap_or(i64::MAX),
                    i64::try_from(total).unwrap_or(0),
                );
                progress.emit(&ProgressMessage::downloading(&short, detail));
            }
        };
        // flows.md §2: "416 with an empty body when received == size means done"; whatever
        // body a 416 carries is not layer data.
        let mut reader: Box<dyn Read> = if parts.status.as_u16() == 416 {
            Box::new(std::io::empty())
        } else {
            Box::new(body.into_reader())
        };
        let entry = writer.begin_layer(&key, &json)?;
        let received = std::thread::scope(|scope| {
            let mut stream = LayerStream::start(scope, writer.layer_out());
            let mut download = cache.begin(&key, &json, previous, offset, &mut |kept| {
                stream.update(kept)
            })?;
            let outcome = download.receive(
                &mut reader,
                &mut |bytes| stream.update(bytes),
                &mut on_progress,
            );
            Ok::<_, anyhow::Error>(match outcome {
                Ok(()) => match stream.finish() {
                    Ok(_) => Received::Complete(download),
                    Err(err) => Received::Refused(download, err),
                },
                Err(ReceiveError::Forward(_)) => match stream.finish() {
                    Err(err) => Received::Refused(download, err),
                    Ok(_) => Received::Refused(
                        download,
                        anyhow::anyhow!("the layer decoder stopped early"),
                    ),
                },
                Err(ReceiveError::Network(err)) => {
                    stream.abandon();
                    Received::Interrupted(download, err)
                }
                Err(ReceiveError::Local(err)) => {
                    stream.abandon();
                    cache.discard(download);
                    return Err(anyhow::Error::new(err).context(format!(
                        "cannot write the layer of {key} to the cache {}",
                        cache.dir().display()
                    )));
                }
            })
        })?;
        match received {
            Received::Complete(download) => {
                writer.end_layer(entry)?;
                let finished = download.finish()?;
                self.accept_layer(session, cache, id, &key, &json, finished)?;
                gathered.downloaded += 1;
            }
            Received::Interrupted(download, err) => {
                writer.abandon_layer(entry)?;
                let received = download.received;
                tracing::warn!(image = %key, received, error = %err, "layer download interrupted");
                gathered.downloads.insert(key, download);
                session.handle_layer_interrupted(id, received)?;
            }
            Received::Refused(download, err) => {
                // Not layer data: a later pull must not resume from these bytes.
                let reused = download.reused();
                cache.discard(download);
                let err = err.context(format!("the layer of {key} cannot be unpacked"));
                return Err(if reused {
                    err.context(RESUMED_HINT)
                } else {
                    err
                });
            }
        }
        Ok(())
    }
}

/// How the body of a layer went.
enum Received {
    /// The body ended normally and decoded.
    Complete(Download),
    /// The connection broke: the session may resume it.
    Interrupted(Download, std::io::Error),
    /// The bytes are not a gzip or tar blob (or the archive cannot be written).
    Refused(Download, anyhow::Error),
}

impl Client {
    /// Hands a complete layer body to the session and, once accepted, moves it into the cache.
    ///
    /// Without a payload checksum from the registry, a layer that includes bytes kept by an
    /// earlier pull must be a valid gzip/tar first. A refused layer is deleted, so that the
    /// next pull downloads it from the start.
    fn accept_layer(
        &self,
        session: &mut PullSession,
        cache: &LayerCache,
        id: RequestId,
        key: &str,
        json: &[u8],
        finished: Finished,
    ) -> anyhow::Result<()> {
        let reused = finished.reused;
        let hint = RESUMED_HINT;
        if reused && !session.expects_payload_checksum() {
            if let Err(err) = finished.check_archive() {
                cache.discard_finished(finished);
                return Err(err.context(format!(
                    "the layer of {key} is not a valid gzip or tar archive; {hint}"
                )));
            }
        }
        let download = LayerDownload {
            received: finished.received,
            payload_checksum: Some(finished.payload_checksum.clone()),
        };
        if let Err(err) = session.handle_layer_downloaded(id, download) {
            cache.discard_finished(finished);
            let err = anyhow::Error::new(err);
            return Err(if reused { err.context(hint) } else { err });
        }
        cache.complete(key, json, finished)
    }
}

/// Drains the session; returns `Some(result)` when it is over.
fn drain(
    session: &mut PullSession,
    queue: &mut VecDeque<(RequestId, Request)>,
    gathered: &mut Gathered,
    progress: &mut dyn Progress,
) -> Option<anyhow::Result<()>> {
    loop {
        match session.poll_output() {
            Output::Send(id, req) => queue.push_back((id, req)),
            Output::Event(event) => {
                gather(gathered, &event);
                emit_all(progress, &event);
            }
            Output::Idle => return None,
            _ => {
                return Some(match session.error() {
                    None if session.is_done() => Ok(()),
                    None => Err(anyhow::anyhow!("the pull ended early")),
                    Some(err) => Err(anyhow::Error::new(err.clone())),
                });
            }
        }
    }
}

fn emit_all(progress: &mut dyn Progress, event: &PullEvent) {
    for message in event.progress() {
        progress.emit(&message);
    }
}

fn gather(gathered: &mut Gathered, event: &PullEvent) {
    match event {
        PullEvent::ImageJson { id, json, .. } => {
            gathered.jsons.insert(id.as_str().to_owned(), json.clone());
        }
        PullEvent::TagResolved { tag, id } => {
            gathered
                .tags
                .insert(tag.as_str().to_owned(), id.as_str().to_owned());
        }
        PullEvent::ImagePulled { id, .. } => gathered.pulled.push(id.as_str().to_owned()),
        _ => {}
    }
}

#[derive(serde::Deserialize)]
struct ParentOnly {
    #[serde(default)]
    parent: Option<String>,
}

fn json_of(cache: &LayerCache, gathered: &Gathered, id: &str) -> anyhow::Result<Vec<u8>> {
    if let Some(json) = gathered.jsons.get(id) {
        return Ok(json.to_vec());
    }
    cache
        .complete_json(id)
        .with_context(|| format!("the json of image {id} was not received"))
}

/// Writes the archive: every pulled tag's chain, base first, then `repositories`.
fn write_archive(
    request: &PullRequest<'_>,
    cache: &LayerCache,
    gathered: &Gathered,
    mut writer: ArchiveWriter,
) -> anyhow::Result<PullSummary> {
    let tags: BTreeMap<String, String> = gathered
        .tags
        .iter()
        .filter(|(_, id)| gathered.pulled.contains(id))
        .map(|(t, i)| (t.clone(), i.clone()))
        .collect();
    if tags.is_empty() {
        bail!("the registry returned no image for {}", request.repo);
    }
    for top in tags.values() {
        let mut chain = Vec::new();
        let mut next = Some(top.clone());
        while let Some(id) = next {
            if chain.len() > 256 {
                bail!("the ancestry of {top} is longer than 256 images");
            }
            let json = json_of(cache, gathered, &id)?;
            let parsed: ParentOnly = serde_json::from_slice(&json)
                .with_context(|| format!("the json of image {id} is not valid"))?;
            next = parsed.parent.filter(|p| !p.is_empty());
            chain.push((id, json));
        }
        chain.reverse();
        for (id, json) in chain {
            if writer.contains(&id) {
                continue;
            }
            add_cached(&mut writer, cache, &id, &json)?;
        }
    }
    for (tag, id) in &tags {
        writer.add_tag(request.local_name, tag, id);
    }
    let images = writer.len();
    let archive = writer.finish()?;
    Ok(PullSummary {
        archive,
        tags,
        images,
        downloaded: gathered.downloaded,
    })
}

/// Unpacks a complete layer from the cache into the archive (inflating on worker threads while
/// this one checks it against its recorded checksum). A damaged layer is removed from the cache.
fn add_cached(
    writer: &mut ArchiveWriter,
    cache: &LayerCache,
    id: &str,
    json: &[u8],
) -> anyhow::Result<()> {
    let entry = writer.begin_layer(id, json)?;
    let (read, unpacked) = std::thread::scope(|scope| {
        let mut stream = LayerStream::start(scope, writer.layer_out());
        let read = cache.read_verified(id, json, &mut |bytes| stream.update(bytes));
        (read, stream.finish())
    });
    let damaged = |err: anyhow::Error| {
        cache.forget(id);
        err.context(format!(
            "the cached layer of {id} is damaged; it was removed from the cache {}, pull again",
            cache.dir().display()
        ))
    };
    match (read, unpacked) {
        // The checksum check names the damage best.
        (Err(err), _) => Err(err),
        (Ok(_), Err(err)) => Err(damaged(err)),
        (Ok(false), Ok(_)) => Err(damaged(anyhow::anyhow!("the layer decoder stopped early"))),
        (Ok(true), Ok(_)) => {
            writer.end_layer(entry)?;
            Ok(())
        }
    }
}
