//! `berth tags`.

use super::GlobalArgs;

/// Arguments of `berth tags`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_global: &GlobalArgs, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`berth tags` is not implemented yet")
}
