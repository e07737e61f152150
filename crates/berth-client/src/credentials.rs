//! Credentials in a docker `config.json` (`{"auths": {"host:port": {"auth", "email"}}}`).
//!
//! The file is found at `--config`, else `$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`. Parsing and editing are `berth_auth::DockerConfig`'s job; this module
//! only reads and writes the bytes: writes go to a temporary file in the same directory (mode
//! 0600) that is renamed over the old file, so a crash never leaves a truncated config.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use berth_auth::{Credentials, DockerConfig};

/// Resolves the config path: `explicit`, else `$DOCKER_CONFIG/config.json`, else
/// `$HOME/.docker/config.json`.
pub fn config_path(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("config.json"));
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".docker").join("config.json")),
        None => bail!("cannot find the docker config: set HOME, DOCKER_CONFIG or pass --config"),
    }
}

/// A docker config file on disk.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    path: PathBuf,
}

impl CredentialStore {
    /// A store at `path` (the file need not exist yet).
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> anyhow::Result<DockerConfig> {
        match fs::read(&self.path) {
            Ok(bytes) => DockerConfig::parse(&bytes)
                .with_context(|| format!("{} is not a valid docker config", self.path.display())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(DockerConfig::default()),
            Err(err) => Err(err).with_context(|| format!("cannot read {}", self.path.display())),
        }
    }

    /// The credentials stored for `server` (`host[:port]`), if any.
    pub fn get(&self, server: &str) -> anyhow::Result<Option<Credentials>> {
        Ok(self.load()?.get(server))
    }

    /// Stores credentials (and e-mail) for `server`, keeping every other key of the file.
    pub fn set(&self, server: &str, credentials: &Credentials, email: &str) -> anyhow::Result<()> {
        let mut config = self.load()?;
        config.set(server, credentials, email);
        self.write(&config.to_vec())
    }

    /// Removes the credentials of `server`; returns whether there were any.
    pub fn remove(&self, server: &str) -> anyhow::Result<bool> {
        let mut config = self.load()?;
        if !config.remove(server) {
            return Ok(false);
        }
        self.write(&config.to_vec())?;
        Ok(true)
    }

    fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        // tempfile creates files with mode 0600 on Unix.
        let mut tmp = tempfile::Builder::new()
            .prefix(".config.json.")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path)
            .with_context(|| format!("cannot replace {}", self.path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_remove_keeps_other_keys_and_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("config.json");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, br#"{"auths": {}, "psFormat": "table {{.ID}}"}"#).unwrap();
        let store = CredentialStore::new(path.clone());
        assert!(store.get("localhost:5000").unwrap().is_none());
        store
            .set(
                "localhost:5000",
                &Credentials::new("alice", "s3cret-pass"),
                "a@example.com",
            )
            .unwrap();
        let creds = store.get("localhost:5000").unwrap().unwrap();
        assert_eq!(
            (creds.username.as_str(), creds.password.expose()),
            ("alice", "s3cret-pass")
        );
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("psFormat") && text.contains("YWxpY2U6czNjcmV0LXBhc3M="),
            "{text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(store.remove("localhost:5000").unwrap());
        assert!(!store.remove("localhost:5000").unwrap());
        assert!(store.get("localhost:5000").unwrap().is_none());
        // Only config.json remains: the temporary files were renamed over it.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn a_missing_file_is_empty_and_a_broken_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::new(dir.path().join("absent.json"));
        assert!(store.get("localhost:5000").unwrap().is_none());
        let broken = dir.path().join("broken.json");
        fs::write(&broken, br#"{"auths": {"h": {"auth": "!!!not base64"}}}"#).unwrap();
        let err = CredentialStore::new(broken).get("h").unwrap_err();
        assert!(
            format!("{err:#}").contains("not a valid docker config"),
            "{err:#}"
        );
    }

    #[test]
    fn explicit_path_wins() {
        let path = config_path(Some(Path::new("/x/config.json"))).unwrap();
        assert_eq!(path, Path::new("/x/config.json"));
    }
}
