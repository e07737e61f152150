//! `berth serve`.

use super::GlobalArgs;

/// Arguments of `berth serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_global: &GlobalArgs, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`berth serve` is not implemented yet")
}
