//! The metadata store trait and its record types.

/// A user account.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Login name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Argon2 PHC string of the password.
    pub password_hash: String,
    /// Whether the user may write `library/…` repositories.
    pub admin: bool,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("admin", &self.admin)
            .finish_non_exhaustive()
    }
}

/// A repository known to the Index or the Registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRecord {
    /// Whether only the owner may read it.
    pub private: bool,
    /// The stored Index image list (raw JSON), when the repository was created through the Index.
    pub images: Option<Vec<u8>>,
}

/// A stored image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRecord {
    /// Parent id, if any.
    pub parent: Option<String>,
    /// Ancestry, self first.
    pub ancestry: Vec<String>,
    /// Whether the upload is still in progress (json written, checksum not yet accepted).
    pub in_progress: bool,
    /// Size of the stored layer, once uploaded.
    pub layer_size: Option<u64>,
    /// Payload checksum computed while the layer was stored (`sha256:<hex>`).
    pub checksum: Option<String>,
}

/// A search hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// `namespace/name`.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
}

/// Why an image record could not be (re)started by `PUT json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewImageError {
    /// The image is complete already.
    AlreadyExists,
}

/// Why `PUT checksum` could not complete an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompleteError {
    /// No such image.
    NotFound,
    /// The image is complete already.
    NotInProgress,
    /// No layer was uploaded yet.
    NoLayer,
    /// The checksum differs from the computed one.
    Mismatch,
}

/// Metadata storage. Every method is blocking; call it off the async runtime.
pub trait MetaStore: Send + Sync + 'static {
    /// Creates a user; `Ok(false)` when the name or e-mail is taken. When `first_is_admin` and no
    /// user exists yet, the new user is an administrator.
    fn create_user(&self, user: &UserRecord, first_is_admin: bool) -> anyhow::Result<bool>;
    /// Looks a user up by name.
    fn user(&self, name: &str) -> anyhow::Result<Option<UserRecord>>;
    /// Updates e-mail and/or password hash; `Ok(false)` when the user does not exist.
    fn update_user(
        &self,
        name: &str,
        email: Option<&str>,
        password_hash: Option<&str>,
    ) -> anyhow::Result<bool>;

    /// Looks a repository up.
    fn repo(&self, repo: &str) -> anyhow::Result<Option<RepoRecord>>;
    /// Creates the repository if needed and replaces its Index image list with `merge(stored)`,
    /// in one transaction; `ids` are recorded as belonging to the repository.
    fn update_repo_images(
        &self,
        repo: &str,
        merge: &mut dyn FnMut(Option<&[u8]>) -> Vec<u8>,
        ids: &[String],
    ) -> anyhow::Result<()>;
    /// Sets or clears the private flag (creating the repository if needed).
    fn set_private(&self, repo: &str, private: bool) -> anyhow::Result<()>;
    /// Deletes a repository and its tags; `Ok(false)` when it did not exist.
    fn delete_repo(&self, repo: &str) -> anyhow::Result<bool>;
    /// Searches repository names and descriptions; returns the total and one page.
    fn search(&self, term: &str, limit: u64, offset: u64) -> anyhow::Result<(u64, Vec<SearchHit>)>;
    /// Repositories holding an image, with their private flags.
    fn image_repos(&self, id: &str) -> anyhow::Result<Vec<(String, bool)>>;

    /// All tags of a repository; `None` when the repository does not exist.
    fn tags(&self, repo: &str) -> anyhow::Result<Option<Vec<(String, String)>>>;
    /// One tag: image id and stored metadata JSON.
    fn tag(&self, repo: &str, tag: &str) -> anyhow::Result<Option<(String, Option<String>)>>;
    /// Sets a tag (creating the repository if needed); `ancestry` is recorded as belonging to it.
    fn put_tag(
        &self,
        repo: &str,
        tag: &str,
        id: &str,
        meta: &str,
        ancestry: &[String],
    ) -> anyhow::Result<()>;
    /// Deletes a tag; `Ok(false)` when it did not exist.
    fn delete_tag(&self, repo: &str, tag: &str) -> anyhow::Result<bool>;

    /// Looks an image up.
    fn image(&self, id: &str) -> anyhow::Result<Option<ImageRecord>>;
    /// Starts (or restarts) an upload: marks the image in progress, records parent and ancestry,
    /// forgets any earlier layer checksum.
    fn begin_image(
        &self,
        id: &str,
        parent: Option<&str>,
        ancestry: &[String],
    ) -> anyhow::Result<Result<(), NewImageError>>;
    /// Records the layer of an in-progress image; `Ok(false)` when the image is not in progress.
    fn set_layer(&self, id: &str, size: u64, checksum: &str) -> anyhow::Result<bool>;
    /// Completes an upload if `checksum` matches the computed one.
    fn complete_image(&self, id: &str, checksum: &str)
    -> anyhow::Result<Result<(), CompleteError>>;
}
