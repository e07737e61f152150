//! `berth push`.

use super::GlobalArgs;

/// Arguments of `berth push`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_global: &GlobalArgs, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`berth push` is not implemented yet")
}
