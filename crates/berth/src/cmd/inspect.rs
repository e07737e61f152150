//! `berth inspect`.

use super::GlobalArgs;

/// Arguments of `berth inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_global: &GlobalArgs, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`berth inspect` is not implemented yet")
}
