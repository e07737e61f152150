//! The `berth` command line: a Docker Registry v1 and Index v1 server and client.
//!
//! Each subcommand lives in its own module under `cmd/`; this file only parses arguments and dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Berth: a Docker Registry v1 and Docker Hub (Index) v1 server and client.
#[derive(Debug, Parser)]
#[command(name = "berth", version, about, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: cmd::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Index and Registry server with embedded storage.
    Serve(cmd::serve::Args),
    /// Print every digest of a layer (sha256, TarSum v0/v1/dev, payload checksum, sizes).
    Checksum(cmd::checksum::Args),
    /// Log in to (or sign up with) an Index, storing credentials in a docker config.json.
    Login(cmd::login::Args),
    /// Remove stored credentials for a server.
    Logout(cmd::login::LogoutArgs),
    /// Push a `docker save` archive to a repository.
    Push(cmd::push::Args),
    /// Pull a repository into a `docker load` archive.
    Pull(cmd::pull::Args),
    /// List the tags of a repository.
    Tags(cmd::tags::Args),
    /// Search an Index for repositories.
    Search(cmd::search::Args),
    /// Show the image json and ancestry of a repository tag.
    Inspect(cmd::inspect::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cmd::serve::run(&cli.global, args),
        Command::Checksum(args) => cmd::checksum::run(&cli.global, args),
        Command::Login(args) => cmd::login::run(&cli.global, args),
        Command::Logout(args) => cmd::login::run_logout(&cli.global, args),
        Command::Push(args) => cmd::push::run(&cli.global, args),
        Command::Pull(args) => cmd::pull::run(&cli.global, args),
        Command::Tags(args) => cmd::tags::run(&cli.global, args),
        Command::Search(args) => cmd::search::run(&cli.global, args),
        Command::Inspect(args) => cmd::inspect::run(&cli.global, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
