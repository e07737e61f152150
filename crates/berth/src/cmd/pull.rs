//! `berth pull`.

use std::path::PathBuf;

use berth_client::cache::LayerCache;
use berth_client::pull::PullRequest;
use berth_client::reference::Reference;
use berth_model::{RepoName, Tag};

use super::GlobalArgs;

/// Arguments of `berth pull`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Source `[HOST[:PORT]/]NAME[:TAG]` (tag defaults to `latest`).
    repo: String,
    /// The `docker load` archive to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Pull every tag of the repository.
    #[arg(short, long)]
    all_tags: bool,
    /// Layer cache directory (default: $BERTH_CACHE_DIR, else ~/.cache/berth/layers).
    #[arg(long, env = "BERTH_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
}

pub(crate) fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let opts = super::login::options(global);
    let reference = Reference::parse(&args.repo)?;
    let repo = RepoName::parse(&reference.name)
        .map_err(|e| anyhow::anyhow!("invalid repository name {:?}: {e}", reference.name))?;
    if args.all_tags && reference.tag.is_some() {
        anyhow::bail!("--all-tags pulls every tag: give the repository without :TAG");
    }
    let tag = if args.all_tags {
        None
    } else {
        let text = reference.tag.clone().unwrap_or_else(|| "latest".to_owned());
        Some(Tag::parse(&text).map_err(|e| anyhow::anyhow!("invalid tag {text:?}: {e}"))?)
    };
    // `repositories` names the image as typed, like docker's local name (host kept).
    let local_name = match &reference.server {
        Some(host) => format!("{host}/{}", reference.name),
        None => reference.name.clone(),
    };
    let cache = LayerCache::open(
        &args
            .cache_dir
            .clone()
            .unwrap_or_else(LayerCache::default_dir),
    )?;
    let client = opts.client(opts.server(reference.server.as_deref())?)?;
    let mut progress = opts.progress();
    let request = PullRequest {
        repo: &repo,
        tag,
        local_name: &local_name,
        output: &args.output,
        cache: &cache,
    };
    let summary = client.pull(&request, progress.as_mut())?;
    drop(progress);
    if !opts.quiet && !opts.json {
        let list: Vec<String> = summary
            .tags
            .keys()
            .map(|t| format!("{local_name}:{t}"))
            .collect();
        println!(
            "Wrote {} ({}; {} images, {} layers downloaded)",
            summary.archive.display(),
            list.join(", "),
            summary.images,
            summary.downloaded
        );
    }
    Ok(())
}
