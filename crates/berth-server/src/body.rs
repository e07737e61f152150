//! Reading request bodies with size limits; chunked bodies are accepted everywhere.

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::respond::Failure;

/// Reads a whole (small) body, refusing more than `limit` bytes with 413.
pub(crate) async fn read_limited(body: Body, limit: u64) -> Result<Bytes, Failure> {
    let mut stream = body.into_data_stream();
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Failure::Internal(anyhow::anyhow!("read body: {e}")))?;
        if (buf.len() + chunk.len()) as u64 > limit {
            return Err(Failure::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
