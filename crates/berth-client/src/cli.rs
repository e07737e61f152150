//! Glue shared by the `berth` client subcommands: choosing the server, finding credentials,
//! prompting, and picking a progress renderer.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use berth_auth::{Credentials, Secret};

use crate::credentials::{CredentialStore, config_path};
use crate::progress::{Bars, JsonLines, Lines, Progress, Quiet};
use crate::reference::ServerAddr;
use crate::session::Client;

/// The global flags of the `berth` command that matter to client commands.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--server`.
    pub server: Option<String>,
    /// `--insecure`: plain http.
    pub insecure: bool,
    /// `--user`.
    pub user: Option<String>,
    /// `--password-stdin`.
    pub password_stdin: bool,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `-q`.
    pub quiet: bool,
    /// `--json`.
    pub json: bool,
}

impl Options {
    /// The credential store at `--config`, `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`.
    pub fn store(&self) -> anyhow::Result<CredentialStore> {
        Ok(CredentialStore::new(config_path(self.config.as_deref())?))
    }

    /// Resolves the server: `reference_host` (from `HOST/NAME`), else `--server`, else the default.
    pub fn server(&self, reference_host: Option<&str>) -> anyhow::Result<ServerAddr> {
        ServerAddr::choose(reference_host, self.server.as_deref(), self.insecure)
    }

    /// A client for `server` with `--user` + `--password-stdin` credentials if given, else the
    /// stored ones, else anonymous.
    pub fn client(&self, server: ServerAddr) -> anyhow::Result<Client> {
        let credentials = match &self.user {
            Some(user) => {
                let password = if self.password_stdin {
                    read_password_stdin()?
                } else if std::io::stdin().is_terminal() {
                    prompt_secret("Password: ")?
                } else {
                    bail!("--user needs a password: pass --password-stdin and pipe it in");
                };
                Some(Credentials::new(user.clone(), password))
            }
            None => self.store()?.get(&server.host)?,
        };
        Ok(Client::new(server, credentials))
    }

    /// The progress renderer for these flags: JSON lines, nothing, bars on a terminal, or lines.
    pub fn progress(&self) -> Box<dyn Progress> {
        if self.json {
            Box::new(JsonLines::new(std::io::stdout()))
        } else if self.quiet {
            Box::new(Quiet)
        } else if std::io::stderr().is_terminal() {
            Box::new(Bars::new())
        } else {
            Box::new(Lines::new(std::io::stderr()))
        }
    }
}

/// Reads one line from standard input as the password (trailing newline removed).
pub fn read_password_stdin() -> anyhow::Result<Secret> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    let trimmed = line.trim_end_matches(['\r', '\n']);
    if trimmed.is_empty() {
        bail!("the password read from stdin is empty");
    }
    Ok(Secret::new(trimmed))
}

/// Prompts on the terminal (standard error) and reads a line with echo.
pub fn prompt(label: &str) -> anyhow::Result<String> {
    let term = console::Term::stderr();
    term.write_str(label)?;
    Ok(term.read_line()?.trim().to_owned())
}

/// Prompts on the terminal and reads a line without echo.
pub fn prompt_secret(label: &str) -> anyhow::Result<Secret> {
    let mut term = console::Term::stderr();
    term.write_all(label.as_bytes())?;
    Ok(Secret::new(term.read_secure_line()?))
}
