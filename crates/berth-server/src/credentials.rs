//! Password checks for HTTP Basic, with a short-lived cache of successful checks.
//!
//! Argon2 is slow and takes ~19 MiB per hash on purpose; standalone HTTPS clients send Basic on
//! every registry request. So at most one hash per CPU runs at a time (bounding memory), and a
//! successful check is remembered for [`CACHE_SECS`] as a keyed SHA-256 of the credentials (never
//! the password itself), valid only while the stored hash is unchanged.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::respond::Failure;

/// How long a successful check is remembered.
pub(crate) const CACHE_SECS: u64 = 60;

/// Entries kept at most; the cache is emptied when full.
const MAX_ENTRIES: usize = 4096;

struct Entry {
    digest: [u8; 32],
    phc: String,
    expires_at: u64,
}

/// Bounded, concurrent password hashing and checking.
pub(crate) struct Credentials {
    key: [u8; 32],
    cache: Mutex<HashMap<String, Entry>>,
    hashing: tokio::sync::Semaphore,
}

impl Credentials {
    /// A checker allowing `parallel` concurrent Argon2 computations.
    pub(crate) fn new(parallel: usize) -> Self {
        Self {
            key: rand::random(),
            cache: Mutex::new(HashMap::new()),
            hashing: tokio::sync::Semaphore::new(parallel.max(1)),
        }
    }

    fn digest(&self, username: &str, password: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update((username.len() as u64).to_be_bytes());
        h.update(username.as_bytes());
        h.update(password.as_bytes());
        h.finalize().into()
    }

    /// Whether `password` matches the PHC string `phc` stored for `username`.
    pub(crate) async fn verify(
        &self,
        username: &str,
        password: &str,
        phc: &str,
        now: u64,
    ) -> Result<bool, Failure> {
        let digest = self.digest(username, password);
        {
            let cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(e) = cache.get(username) {
                if e.expires_at > now && e.phc == phc && constant_time_eq(&e.digest, &digest) {
                    return Ok(true);
                }
            }
        }
        let _permit = self.hashing.acquire().await.map_err(internal)?;
        let (password, hash) = (password.to_owned(), phc.to_owned());
        let ok = tokio::task::spawn_blocking(move || crate::password::verify(&password, &hash))
            .await
            .map_err(internal)?;
        if ok {
            let mut cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if cache.len() >= MAX_ENTRIES {
                cache.clear();
            }
            let entry = Entry {
                digest,
                phc: phc.to_owned(),
                expires_at: now + CACHE_SECS,
            };
            cache.insert(username.to_owned(), entry);
        }
        Ok(ok)
    }

    /// Hashes a new password into a PHC string.
    pub(crate) async fn hash(&self, password: &str) -> Result<String, Failure> {
        let _permit = self.hashing.acquire().await.map_err(internal)?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || crate::password::hash(&password))
            .await
            .map_err(internal)?
            .map_err(Failure::Internal)
    }
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(anyhow::anyhow!("password task failed: {e}"))
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cache_hits_only_for_the_same_password_and_hash() {
        let c = Credentials::new(1);
        let phc = c.hash("s3cret").await.unwrap();
        assert!(c.verify("u", "s3cret", &phc, 100).await.unwrap());
        // Cached: a different stored hash (password changed) is not accepted from the cache.
        assert!(
            !c.verify("u", "s3cret", "$argon2id$other", 101)
                .await
                .unwrap()
        );
        assert!(!c.verify("u", "wrong", &phc, 101).await.unwrap());
        assert!(c.verify("u", "s3cret", &phc, 101).await.unwrap());
        // Expired entries are recomputed (and still succeed).
        assert!(
            c.verify("u", "s3cret", &phc, 100 + CACHE_SECS + 1)
                .await
                .unwrap()
        );
    }
}
