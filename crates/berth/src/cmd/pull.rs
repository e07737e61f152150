//! `berth pull`.

use super::GlobalArgs;

/// Arguments of `berth pull`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_global: &GlobalArgs, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`berth pull` is not implemented yet")
}
