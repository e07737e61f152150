//! One module per subcommand, plus the flags every subcommand shares.

pub(crate) mod checksum;
pub(crate) mod inspect;
pub(crate) mod login;
pub(crate) mod pull;
pub(crate) mod push;
pub(crate) mod search;
pub(crate) mod serve;
pub(crate) mod tags;

/// Flags shared by every subcommand.
#[derive(Debug, clap::Args)]
pub(crate) struct GlobalArgs {
    /// Index/registry address, e.g. `localhost:5000` or `https://index.example.com`.
    #[arg(long, global = true, env = "BERTH_SERVER")]
    pub(crate) server: Option<String>,
    /// Use plain http instead of https.
    #[arg(long, global = true)]
    pub(crate) insecure: bool,
    /// Username (overrides stored credentials).
    #[arg(long, global = true)]
    pub(crate) user: Option<String>,
    /// Read the password from standard input.
    #[arg(long, global = true)]
    pub(crate) password_stdin: bool,
    /// Path of the docker config.json holding credentials.
    #[arg(long, global = true, env = "BERTH_CONFIG")]
    pub(crate) config: Option<std::path::PathBuf>,
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Machine-readable output: the engine's JSON progress stream and JSON results.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}
