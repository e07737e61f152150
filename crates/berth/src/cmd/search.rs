//! `berth search`.

use super::GlobalArgs;

/// Arguments of `berth search`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Search term; `HOST[:PORT]/TERM` searches that server.
    term: String,
}

pub(crate) fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let opts = super::login::options(global);
    // Like docker: a `host:port/` prefix picks the server, the rest is the query.
    let (host, term) = match args.term.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first.to_owned()), rest.to_owned())
        }
        _ => (None, args.term.clone()),
    };
    let client = opts.client(opts.server(host.as_deref())?)?;
    let results = client.search(&term)?;
    if opts.json {
        println!("{}", serde_json::to_string(&results.results)?);
        return Ok(());
    }
    if !opts.quiet {
        println!(
            "{:<40} {:<45} {:<6} {:<9} AUTOMATED",
            "NAME", "DESCRIPTION", "STARS", "OFFICIAL"
        );
    }
    for r in &results.results {
        let mut description: String = r.description.clone().unwrap_or_default().replace('\n', " ");
        if description.chars().count() > 45 {
            description = description.chars().take(42).collect::<String>() + "...";
        }
        let official = if r.is_official { "[OK]" } else { "" };
        let automated = if r.is_automated || r.is_trusted {
            "[OK]"
        } else {
            ""
        };
        println!(
            "{:<40} {description:<45} {:<6} {official:<9} {automated}",
            r.name, r.star_count
        );
    }
    Ok(())
}
