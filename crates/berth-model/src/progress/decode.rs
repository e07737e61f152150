//! Streaming decoder for the progress stream: arbitrary chunks in, whole messages out.

use super::ProgressMessage;

/// Default cap on the size of one message (1 MiB).
pub const DEFAULT_MAX_MESSAGE: usize = 1 << 20;

/// Errors of [`ProgressDecoder`]. After an error the decoder refuses further input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgressError {
    /// A byte outside any message was neither JSON whitespace nor `{`.
    #[error("unexpected byte 0x{byte:02x} between progress messages at offset {offset}")]
    UnexpectedByte {
        /// The offending byte.
        byte: u8,
        /// Its offset from the start of the stream.
        offset: u64,
    },
    /// One message grew beyond the configured cap.
    #[error("progress message starting at offset {offset} exceeds {max} bytes")]
    MessageTooLarge {
        /// Offset of the message's `{` from the start of the stream.
        offset: u64,
        /// The cap in bytes.
        max: usize,
    },
    /// A complete `{…}` object did not deserialize as a progress message.
    #[error("invalid progress message at offset {offset}: {reason}")]
    InvalidMessage {
        /// Offset of the message's `{` from the start of the stream.
        offset: u64,
        /// serde_json's description of the problem.
        reason: String,
    },
    /// The stream ended in the middle of a message.
    #[error("progress stream ended inside a message starting at offset {offset}")]
    Truncated {
        /// Offset of the unfinished message's `{`.
        offset: u64,
    },
    /// A previous call already failed; the stream cannot be resynchronised.
    #[error("progress decoder already failed")]
    Failed,
}

/// Incremental decoder of a docker progress stream.
///
/// Messages are found by scanning for balanced top-level `{…}` objects (string-aware), so no
/// separator is needed between them and each byte is scanned once; only complete objects are handed
/// to `serde_json`. Whitespace (including the `\r\n` after status lines) between objects is skipped.
/// Memory is bounded: a pending message larger than the cap is an error.
#[derive(Debug, Clone)]
pub struct ProgressDecoder {
    /// Bytes of the message being assembled (starts with `{` when non-empty).
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    start: u64,
    /// Bytes consumed so far (stream offset of the next input byte).
    consumed: u64,
    depth: usize,
    in_string: bool,
    escaped: bool,
    max: usize,
    failed: bool,
}

impl Default for ProgressDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressDecoder {
    /// A decoder with the default 1 MiB per-message cap.
    pub fn new() -> Self {
        Self::with_max_message(DEFAULT_MAX_MESSAGE)
    }

    /// A decoder that rejects any message longer than `max` bytes.
    pub fn with_max_message(max: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            consumed: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            max,
            failed: false,
        }
    }

    /// Feeds `chunk` and appends every message it completes to `out`.
    ///
    /// Messages completed before an error in the same chunk are still appended.
    pub fn decode(
        &mut self,
        chunk: &[u8],
        out: &mut Vec<ProgressMessage>,
    ) -> Result<(), ProgressError> {
        if self.failed {
            return Err(ProgressError::Failed);
        }
        let result = self.decode_inner(chunk, out);
        if result.is_err() {
            self.failed = true;
            self.buf = Vec::new();
        }
        result
    }

    fn decode_inner(
        &mut self,
        chunk: &[u8],
        out: &mut Vec<ProgressMessage>,
    ) -> Result<(), ProgressError> {
        // Bytes of `chunk` not yet copied into `buf` start at `copied`.
        let mut copied = 0;
        for (i, &b) in chunk.iter().enumerate() {
            let offset = self.consumed + i as u64;
            if self.depth == 0 {
                match b {
                    b' ' | b'\t' | b'\r' | b'\n' => {
                        copied = i + 1;
                        continue;
                    }
                    b'{' => {
                        self.depth = 1;
                        self.start = offset;
                        copied = i;
                        continue;
                    }
                    _ => return Err(ProgressError::UnexpectedByte { byte: b, offset }),
                }
            }
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' => self.depth += 1,
                    b'}' => self.depth -= 1,
                    _ => {}
                }
            }
            let pending = self.buf.len() + (i + 1 - copied);
            if pending > self.max {
                return Err(ProgressError::MessageTooLarge {
                    offset: self.start,
                    max: self.max,
                });
            }
            if self.depth == 0 {
                self.buf.extend_from_slice(&chunk[copied..=i]);
                copied = i + 1;
                let msg = serde_json::from_slice::<ProgressMessage>(&self.buf).map_err(|e| {
                    ProgressError::InvalidMessage {
                        offset: self.start,
                        reason: e.to_string(),
                    }
                })?;
                out.push(msg);
                self.buf.clear();
            }
        }
        if self.depth > 0 {
            self.buf.extend_from_slice(&chunk[copied..]);
        }
        self.consumed += chunk.len() as u64;
        Ok(())
    }

    /// Checks that the stream did not stop inside a message; call at end of input.
    pub fn finish(&self) -> Result<(), ProgressError> {
        if self.failed {
            Err(ProgressError::Failed)
        } else if self.depth > 0 {
            Err(ProgressError::Truncated { offset: self.start })
        } else {
            Ok(())
        }
    }

    /// Number of bytes buffered for the message being assembled.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8]) -> Result<Vec<ProgressMessage>, ProgressError> {
        let mut d = ProgressDecoder::new();
        let mut out = Vec::new();
        d.decode(input, &mut out)?;
        d.finish()?;
        Ok(out)
    }

    #[test]
    fn engine_api_examples_without_separators() {
        let input = concat!(
            "{\"status\":\"Pulling repository busybox\"}\r\n",
            "{\"status\":\"Pulling image (latest) from busybox\",\"progressDetail\":{},\"id\":\"4986bf8c1536\"}",
            "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":65536,\"total\":2433303},",
            "\"progress\":\"[=>   ] 65.54 kB/2.433 MB\",\"id\":\"df7546f9f060\"}",
            "{\"status\":\"Download complete\",\"progressDetail\":{},\"id\":\"df7546f9f060\"}",
            "{\"errorDetail\":{\"message\":\"Error: image foo/bar:latest not found\"},",
            "\"error\":\"Error: image foo/bar:latest not found\"}\r\n",
        );
        let out = decode_all(input.as_bytes()).unwrap();
        assert_eq!(out.len(), 5);
        assert_eq!(out[2].progress_detail.unwrap().current, 65536);
        assert_eq!(out[2].progress, "[=>   ] 65.54 kB/2.433 MB");
        assert_eq!(out[1].progress_detail, Some(Default::default()));
        assert!(out[4].is_error());
        assert_eq!(
            out[4].error_detail.as_ref().unwrap().message,
            "Error: image foo/bar:latest not found"
        );
    }

    #[test]
    fn braces_inside_strings_do_not_split() {
        let out = decode_all(br#"{"status":"a } { \" }"}{"status":"b"}"#).unwrap();
        assert_eq!(out[0].status, "a } { \" }");
        assert_eq!(out[1].status, "b");
    }

    #[test]
    fn errors_carry_offsets() {
        assert_eq!(
            decode_all(b"{}\r\nx"),
            Err(ProgressError::UnexpectedByte {
                byte: b'x',
                offset: 4
            })
        );
        assert_eq!(
            decode_all(b"  {\"status\":"),
            Err(ProgressError::Truncated { offset: 2 })
        );
        assert!(matches!(
            decode_all(b"{} {\"status\":1}"),
            Err(ProgressError::InvalidMessage { offset: 3, .. })
        ));
    }

    #[test]
    fn cap_is_enforced_and_decoder_stays_failed() {
        let mut d = ProgressDecoder::with_max_message(16);
        let mut out = Vec::new();
        d.decode(b"{\"status\":\"ok\"}", &mut out).unwrap();
        assert_eq!(out.len(), 1);
        let err = d.decode(b"{\"status\":\"far too long\"}", &mut out);
        assert_eq!(
            err,
            Err(ProgressError::MessageTooLarge {
                offset: 15,
                max: 16
            })
        );
        assert_eq!(d.decode(b"{}", &mut out), Err(ProgressError::Failed));
        assert_eq!(d.pending(), 0);
    }
}
