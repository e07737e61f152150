//! Storage behind two narrow traits, so other back ends (S3, PostgreSQL) can be added later.
//!
//! * [`BlobStore`] keeps the opaque bytes: image json and layers. Layers are written through a
//!   [`LayerUpload`] that becomes visible only on [`LayerUpload::commit`]; dropping an upload
//!   without committing discards it.
//! * [`MetaStore`] keeps everything else (users, repositories, image lists, tags, image records,
//!   upload markers, private flags). Its methods are blocking and are called from
//!   `tokio::task::spawn_blocking`.
//!
//! The shipped implementations are [`FsBlobStore`] (files under the data directory) and
//! [`SqliteMeta`] (one SQLite database in WAL mode).

mod blob_fs;
mod meta;
mod meta_sqlite;

pub use blob_fs::FsBlobStore;
pub use meta::{
    CompleteError, ImageRecord, MetaStore, NewImageError, RepoRecord, SearchHit, UserRecord,
};
pub use meta_sqlite::SqliteMeta;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;

/// A byte range of a stored layer, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Last byte (inclusive).
    pub end: u64,
}

/// A layer opened for reading.
pub struct LayerRead {
    /// Size of the whole stored layer.
    pub size: u64,
    /// The requested bytes.
    pub body: BoxStream<'static, std::io::Result<Bytes>>,
}

/// Storage of opaque bytes: image json and layers, keyed by image id.
pub trait BlobStore: Send + Sync + 'static {
    /// Stores the json of an image, replacing any earlier version atomically.
    fn put_json(&self, id: &str, json: Bytes) -> BoxFuture<'_, std::io::Result<()>>;
    /// Reads the json of an image; `None` when absent.
    fn get_json(&self, id: &str) -> BoxFuture<'_, std::io::Result<Option<Bytes>>>;
    /// Starts writing a layer. Nothing is visible until [`LayerUpload::commit`].
    fn begin_layer(&self, id: &str) -> BoxFuture<'_, std::io::Result<Box<dyn LayerUpload>>>;
    /// Opens a stored layer, whole or a range of it; `None` when absent.
    fn open_layer(
        &self,
        id: &str,
        range: Option<ByteRange>,
    ) -> BoxFuture<'_, std::io::Result<Option<LayerRead>>>;
    /// Removes leftovers of interrupted uploads (called at start-up).
    fn clean_temporary(&self) -> BoxFuture<'_, std::io::Result<()>>;
}

/// A layer being written.
pub trait LayerUpload: Send {
    /// Appends bytes.
    fn write<'a>(&'a mut self, chunk: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>>;
    /// Makes the layer visible (flush, fsync, atomic rename).
    fn commit(self: Box<Self>) -> BoxFuture<'static, std::io::Result<()>>;
}

#[cfg(test)]
mod tests;
