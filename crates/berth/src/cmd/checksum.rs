//! `berth checksum`.

use super::GlobalArgs;

/// Arguments of `berth checksum`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_global: &GlobalArgs, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`berth checksum` is not implemented yet")
}
