//! [`MetaStore`] in one SQLite database (WAL mode, one transaction per operation).

use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};

use super::meta::{
    CompleteError, ImageRecord, MetaStore, NewImageError, RepoRecord, SearchHit, UserRecord,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS repos (
    name TEXT PRIMARY KEY,
    private INTEGER NOT NULL DEFAULT 0,
    description TEXT,
    images BLOB
);
CREATE TABLE IF NOT EXISTS repo_images (
    repo TEXT NOT NULL,
    image TEXT NOT NULL,
    PRIMARY KEY (repo, image)
);
CREATE INDEX IF NOT EXISTS repo_images_by_image ON repo_images (image);
CREATE TABLE IF NOT EXISTS tags (
    repo TEXT NOT NULL,
    tag TEXT NOT NULL,
    image TEXT NOT NULL,
    meta TEXT,
    PRIMARY KEY (repo, tag)
);
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY,
    parent TEXT,
    ancestry TEXT NOT NULL,
    in_progress INTEGER NOT NULL,
    layer_size INTEGER,
    checksum TEXT
);
";

/// SQLite metadata store.
#[derive(Debug)]
pub struct SqliteMeta {
    conn: Mutex<Connection>,
}

impl SqliteMeta {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let conn = Connection::open(path).with_context(|| format!("open {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA).context("create schema")?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> anyhow::Result<T> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(f(&mut conn)?)
    }
}

fn ensure_repo(tx: &Connection, repo: &str) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO repos (name) VALUES (?1)",
        params![repo],
    )?;
    Ok(())
}

impl MetaStore for SqliteMeta {
    fn create_user(&self, user: &UserRecord, first_is_admin: bool) -> anyhow::Result<bool> {
        self.with(|c| {
            let tx = c.transaction()?;
            let count: i64 = tx.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
            let admin = user.admin || (first_is_admin && count == 0);
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO users (name, email, password_hash, admin) VALUES (?1, ?2, ?3, ?4)",
                params![user.name, user.email, user.password_hash, admin],
            )?;
            tx.commit()?;
            Ok(inserted == 1)
        })
    }

    fn user(&self, name: &str) -> anyhow::Result<Option<UserRecord>> {
        self.with(|c| {
            c.query_row(
                "SELECT name, email, password_hash, admin FROM users WHERE name = ?1",
                params![name],
                |r| {
                    Ok(UserRecord {
                        name: r.get(0)?,
                        email: r.get(1)?,
                        password_hash: r.get(2)?,
                        admin: r.get(3)?,
                    })
                },
            )
            .optional()
        })
    }

    fn update_user(
        &self,
        name: &str,
        email: Option<&str>,
        password_hash: Option<&str>,
    ) -> anyhow::Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE users SET email = COALESCE(?2, email), password_hash = COALESCE(?3, password_hash) WHERE name = ?1",
                params![name, email, password_hash],
            )?;
            Ok(n == 1)
        })
    }

    fn repo(&self, repo: &str) -> anyhow::Result<Option<RepoRecord>> {
        self.with(|c| {
            c.query_row(
                "SELECT private, images FROM repos WHERE name = ?1",
                params![repo],
                |r| {
                    Ok(RepoRecord {
                        private: r.get(0)?,
                        images: r.get(1)?,
                    })
                },
            )
            .optional()
        })
    }

    fn update_repo_images(
        &self,
        repo: &str,
        merge: &mut dyn FnMut(Option<&[u8]>) -> Vec<u8>,
        ids: &[String],
    ) -> anyhow::Result<()> {
        self.with(|c| {
            let tx = c.transaction()?;
            ensure_repo(&tx, repo)?;
            let stored: Option<Vec<u8>> = tx.query_row(
                "SELECT images FROM repos WHERE name = ?1",
                params![repo],
                |r| r.get(0),
            )?;
            let merged = merge(stored.as_deref());
            tx.execute(
                "UPDATE repos SET images = ?2 WHERE name = ?1",
                params![repo, merged],
            )?;
            for id in ids {
                tx.execute(
                    "INSERT OR IGNORE INTO repo_images (repo, image) VALUES (?1, ?2)",
                    params![repo, id],
                )?;
            }
            tx.commit()
        })
    }

    fn set_private(&self, repo: &str, private: bool) -> anyhow::Result<()> {
        self.with(|c| {
            ensure_repo(c, repo)?;
            c.execute(
                "UPDATE repos SET private = ?2 WHERE name = ?1",
                params![repo, private],
            )?;
            Ok(())
        })
    }

    fn delete_repo(&self, repo: &str) -> anyhow::Result<bool> {
        self.with(|c| {
            let tx = c.transaction()?;
            let n = tx.execute("DELETE FROM repos WHERE name = ?1", params![repo])?;
            let t = tx.execute("DELETE FROM tags WHERE repo = ?1", params![repo])?;
            tx.execute("DELETE FROM repo_images WHERE repo = ?1", params![repo])?;
            tx.commit()?;
            Ok(n + t > 0)
        })
    }

    fn search(&self, term: &str, limit: u64, offset: u64) -> anyhow::Result<(u64, Vec<SearchHit>)> {
        let escaped = term
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        self.with(|c| {
            let total: i64 = c.query_row(
                "SELECT COUNT(*) FROM repos WHERE private = 0 AND (name LIKE ?1 ESCAPE '\\' OR description LIKE ?1 ESCAPE '\\')",
                params![pattern],
                |r| r.get(0),
            )?;
            let mut stmt = c.prepare(
                "SELECT name, description FROM repos WHERE private = 0 AND (name LIKE ?1 ESCAPE '\\' OR description LIKE ?1 ESCAPE '\\') ORDER BY name LIMIT ?2 OFFSET ?3",
            )?;
            let hits = stmt
                .query_map(params![pattern, limit as i64, offset as i64], |r| {
                    Ok(SearchHit { name: r.get(0)?, description: r.get(1)? })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((total as u64, hits))
        })
    }

    fn image_repos(&self, id: &str) -> anyhow::Result<Vec<(String, bool)>> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT r.name, r.private FROM repo_images i JOIN repos r ON r.name = i.repo WHERE i.image = ?1",
            )?;
            stmt.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
        })
    }

    fn tags(&self, repo: &str) -> anyhow::Result<Option<Vec<(String, String)>>> {
        self.with(|c| {
            let exists: Option<i64> = c
                .query_row("SELECT 1 FROM repos WHERE name = ?1", params![repo], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_none() {
                return Ok(None);
            }
            let mut stmt = c.prepare("SELECT tag, image FROM tags WHERE repo = ?1 ORDER BY tag")?;
            let tags = stmt
                .query_map(params![repo], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some(tags))
        })
    }

    fn tag(&self, repo: &str, tag: &str) -> anyhow::Result<Option<(String, Option<String>)>> {
        self.with(|c| {
            c.query_row(
                "SELECT image, meta FROM tags WHERE repo = ?1 AND tag = ?2",
                params![repo, tag],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
    }

    fn put_tag(
        &self,
        repo: &str,
        tag: &str,
        id: &str,
        meta: &str,
        ancestry: &[String],
    ) -> anyhow::Result<()> {
        self.with(|c| {
            let tx = c.transaction()?;
            ensure_repo(&tx, repo)?;
            tx.execute(
                "INSERT OR REPLACE INTO tags (repo, tag, image, meta) VALUES (?1, ?2, ?3, ?4)",
                params![repo, tag, id, meta],
            )?;
            for a in ancestry {
                tx.execute(
                    "INSERT OR IGNORE INTO repo_images (repo, image) VALUES (?1, ?2)",
                    params![repo, a],
                )?;
            }
            tx.commit()
        })
    }

    fn delete_tag(&self, repo: &str, tag: &str) -> anyhow::Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "DELETE FROM tags WHERE repo = ?1 AND tag = ?2",
                params![repo, tag],
            )?;
            Ok(n == 1)
        })
    }

    fn image(&self, id: &str) -> anyhow::Result<Option<ImageRecord>> {
        let row = self.with(|c| {
            c.query_row(
                "SELECT parent, ancestry, in_progress, layer_size, checksum FROM images WHERE id = ?1",
                params![id],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()
        })?;
        let Some((parent, ancestry, in_progress, size, checksum)) = row else {
            return Ok(None);
        };
        Ok(Some(ImageRecord {
            parent,
            ancestry: serde_json::from_str(&ancestry).context("stored ancestry")?,
            in_progress,
            layer_size: size.map(|s| s as u64),
            checksum,
        }))
    }

    fn begin_image(
        &self,
        id: &str,
        parent: Option<&str>,
        ancestry: &[String],
    ) -> anyhow::Result<Result<(), NewImageError>> {
        let ancestry = serde_json::to_string(ancestry)?;
        self.with(|c| {
            let tx = c.transaction()?;
            let state: Option<bool> = tx
                .query_row("SELECT in_progress FROM images WHERE id = ?1", params![id], |r| {
                    r.get(0)
                })
                .optional()?;
            if state == Some(false) {
                return Ok(Err(NewImageError::AlreadyExists));
            }
            tx.execute(
                "INSERT OR REPLACE INTO images (id, parent, ancestry, in_progress, layer_size, checksum) VALUES (?1, ?2, ?3, 1, NULL, NULL)",
                params![id, parent, ancestry],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
    }

    fn set_layer(&self, id: &str, size: u64, checksum: &str) -> anyhow::Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE images SET layer_size = ?2, checksum = ?3 WHERE id = ?1 AND in_progress = 1",
                params![id, size as i64, checksum],
            )?;
            Ok(n == 1)
        })
    }

    fn complete_image(
        &self,
        id: &str,
        checksum: &str,
    ) -> anyhow::Result<Result<(), CompleteError>> {
        self.with(|c| {
            let tx = c.transaction()?;
            let row: Option<(bool, Option<String>)> = tx
                .query_row(
                    "SELECT in_progress, checksum FROM images WHERE id = ?1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let result = match row {
                None => Err(CompleteError::NotFound),
                Some((false, _)) => Err(CompleteError::NotInProgress),
                Some((true, None)) => Err(CompleteError::NoLayer),
                Some((true, Some(stored))) if stored != checksum => Err(CompleteError::Mismatch),
                Some((true, Some(_))) => {
                    tx.execute(
                        "UPDATE images SET in_progress = 0 WHERE id = ?1",
                        params![id],
                    )?;
                    Ok(())
                }
            };
            tx.commit()?;
            Ok(result)
        })
    }
}
