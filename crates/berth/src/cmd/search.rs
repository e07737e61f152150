//! `berth search`.

use super::GlobalArgs;

/// Arguments of `berth search`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_global: &GlobalArgs, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`berth search` is not implemented yet")
}
