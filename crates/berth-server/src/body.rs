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
            drain_stream(stream).await;
            return Err(Failure::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Most bytes read and discarded from a refused request's body.
const DRAIN_LIMIT: u64 = 64 << 20;

/// Longest time spent discarding a refused request's body.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads and discards a body, up to [`DRAIN_LIMIT`] bytes and [`DRAIN_TIME`]; beyond that the
/// connection is simply closed after the response.
pub(crate) async fn drain(body: Body) {
    drain_stream(body.into_data_stream()).await;
}

/// [`drain`] for a body already being read.
pub(crate) async fn drain_stream(mut stream: axum::body::BodyDataStream) {
    let discard = async {
        let mut seen: u64 = 0;
        while let Some(Ok(chunk)) = stream.next().await {
            seen += chunk.len() as u64;
            if seen > DRAIN_LIMIT {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, discard).await;
}
