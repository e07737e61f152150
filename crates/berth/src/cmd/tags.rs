//! `berth tags`.

use berth_client::reference::Reference;
use berth_model::RepoName;

use super::GlobalArgs;

/// Arguments of `berth tags`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Repository: `[HOST[:PORT]/]NAME`, e.g. `localhost:5000/berth/sample`.
    repo: String,
}

pub(crate) fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let opts = super::login::options(global);
    let reference = Reference::parse(&args.repo)?;
    let repo = RepoName::parse(&reference.name)?;
    let client = opts.client(opts.server(reference.server.as_deref())?)?;
    let tags = client.tags(&repo)?;
    if opts.json {
        println!("{}", serde_json::to_string(&tags)?);
    } else {
        if !opts.quiet {
            println!("{:<20} IMAGE ID", "TAG");
        }
        for (tag, id) in &tags {
            println!("{tag:<20} {id}");
        }
    }
    Ok(())
}
