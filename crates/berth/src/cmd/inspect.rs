//! `berth inspect`.

use anyhow::Context;
use berth_client::reference::Reference;
use berth_model::RepoName;

use super::GlobalArgs;

/// Arguments of `berth inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Image: `[HOST[:PORT]/]NAME[:TAG]` (tag defaults to `latest`).
    image: String,
}

pub(crate) fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let opts = super::login::options(global);
    let reference = Reference::parse(&args.image)?;
    let repo = RepoName::parse(&reference.name)?;
    let tag = reference.tag.clone().unwrap_or_else(|| "latest".to_owned());
    let client = opts.client(opts.server(reference.server.as_deref())?)?;
    let found = client.inspect(&repo, &tag)?;
    let json: serde_json::Value =
        serde_json::from_slice(&found.json).context("the image json is not valid JSON")?;
    let doc = serde_json::json!({
        "Repository": repo.to_string(),
        "Tag": tag,
        "Id": found.id,
        "Ancestry": found.ancestry,
        "Json": json,
    });
    if opts.json {
        println!("{doc}");
    } else {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    }
    Ok(())
}
