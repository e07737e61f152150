//! `berth push`.

use std::path::PathBuf;

use anyhow::Context;
use berth_client::archive::SavedArchive;
use berth_client::push::select_tags;
use berth_client::reference::Reference;
use berth_model::RepoName;

use super::GlobalArgs;

/// Arguments of `berth push`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A `docker save` archive (v1 layout: `<id>/json`, `<id>/layer.tar`, `repositories`).
    archive: PathBuf,
    /// Destination `[HOST[:PORT]/]NAME[:TAG]`; without a tag every tag in the archive is pushed.
    repo: String,
}

pub(crate) fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let opts = super::login::options(global);
    let reference = Reference::parse(&args.repo)?;
    let repo = RepoName::parse(&reference.name)
        .map_err(|e| anyhow::anyhow!("invalid repository name {:?}: {e}", reference.name))?;
    let archive = SavedArchive::open(&args.archive)
        .with_context(|| format!("cannot read the archive {}", args.archive.display()))?;
    let local = args
        .repo
        .rsplit_once(':')
        .filter(|(_, t)| !t.contains('/'))
        .map_or(args.repo.as_str(), |(n, _)| n);
    let tags = select_tags(&archive, local, &repo, reference.tag.as_deref())?;
    let client = opts.client(opts.server(reference.server.as_deref())?)?;
    if client.credentials().is_none() && !opts.quiet && !opts.json {
        eprintln!(
            "note: not logged in to {}; pushing anonymously (run `berth login` first if the server refuses)",
            client.server().host
        );
    }
    let mut progress = opts.progress();
    let summary = client.push(&archive, &repo, &tags, progress.as_mut())?;
    drop(progress);
    if !opts.quiet && !opts.json {
        let list: Vec<String> = summary.tags.keys().map(|t| format!("{repo}:{t}")).collect();
        println!("Pushed {} ({} images)", list.join(", "), summary.images);
    }
    Ok(())
}
