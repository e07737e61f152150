//! `berth push`.

use std::path::PathBuf;

use anyhow::Context;
use berth_client::archive::SavedArchive;
use berth_client::push::{LayerCompression, PushOptions, select_tags};
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
    /// How each layer.tar is sent. Registries keep a layer's bytes as they are and docker pulls
    /// detect gzip or plain tar, so every choice gives a valid image; gzip runs on every core.
    #[arg(long, value_enum, default_value_t = Compression::Default)]
    compression: Compression,
}

/// The values of `--compression`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Compression {
    /// gzip level 6, what docker pushes: the smallest layers.
    Default,
    /// gzip level 1: about twice as fast to compress, layers about a fifth larger.
    Fast,
    /// The plain tar: no compression work, the most bytes sent; fastest on a fast network.
    None,
}

impl From<Compression> for LayerCompression {
    fn from(c: Compression) -> Self {
        match c {
            Compression::Default => Self::Default,
            Compression::Fast => Self::Fast,
            Compression::None => Self::None,
        }
    }
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
    let options = PushOptions::with_compression(args.compression.into());
    let summary = client.push_with(&archive, &repo, &tags, &options, progress.as_mut())?;
    drop(progress);
    if !opts.quiet && !opts.json {
        let list: Vec<String> = summary.tags.keys().map(|t| format!("{repo}:{t}")).collect();
        println!("Pushed {} ({} images)", list.join(", "), summary.images);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    /// `berth push`'s arguments on their own.
    #[derive(Debug, clap::Parser)]
    struct Push {
        #[command(flatten)]
        args: Args,
    }

    fn compression(extra: &[&str]) -> Result<LayerCompression, clap::Error> {
        let argv = [&["push", "image.tar", "alice/app"], extra].concat();
        Push::try_parse_from(argv).map(|p| p.args.compression.into())
    }

    #[test]
    fn compression_is_docker_s_gzip_unless_asked() {
        assert_eq!(compression(&[]).unwrap(), LayerCompression::Default);
        for (value, expected) in [
            ("default", LayerCompression::Default),
            ("fast", LayerCompression::Fast),
            ("none", LayerCompression::None),
        ] {
            assert_eq!(compression(&["--compression", value]).unwrap(), expected);
        }
        let err = compression(&["--compression", "xz"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
