//! `berth login` and `berth logout`.

use super::GlobalArgs;

/// Arguments of `berth login`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Arguments of `berth logout`.
#[derive(Debug, clap::Args)]
pub(crate) struct LogoutArgs {}

pub(crate) fn run(_global: &GlobalArgs, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`berth login` is not implemented yet")
}

pub(crate) fn run_logout(_global: &GlobalArgs, _args: LogoutArgs) -> anyhow::Result<()> {
    anyhow::bail!("`berth logout` is not implemented yet")
}
