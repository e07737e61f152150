//! The tar stage: a 512-byte-block state machine over the uncompressed tar stream, feeding
//! TarSum and the tar stream SHA-256.
//!
//! It reads archives the way Go's `archive/tar` reader of docker 1.9–17.x (Go 1.4–1.9) presents
//! them to TarSum (see the crate docs for which Go releases each choice matches):
//! * PAX `x` headers and GNU `L`/`K` long names apply to the next entry and are not entries;
//!   an `x` header replaces earlier pending records (so a preceding `L` is dropped), an `L`/`K`
//!   after an `x` adds to them. PAX `path`, `linkpath`, `uname`, `gname`, `uid`, `gid`, `size`,
//!   `mtime` override the header; `SCHILY.xattr.*` become xattrs.
//! * A PAX global header `g` is an ordinary entry (Go ≤1.9 returns it from `Next`), and its
//!   records are hashed as its content.
//! * Every entry's data is read according to its size, whatever its type (Go ≤1.6).
//! * The archive ends at two zero blocks (what follows is ignored, but still hashed into the
//!   tar stream digest), at the end of the stream on a block boundary, after one zero block, or
//!   inside the padding after an entry's data. A zero block followed by a non-zero block is an
//!   error, like the end of the stream inside a header or inside data.
//! * GNU sparse entries (`S`, `GNU.sparse.*` records) are rejected as unsupported.
//! * PAX headers and GNU long names larger than [`LayerOptions::max_meta_size`] are rejected.

pub(crate) mod header;
pub(crate) mod pax;

use berth_sha256x::{Sha256, finalize_lanes, update_lanes, update_lanes_each};

use crate::digest::{Digest, TarSum, TarSumVersion};
use crate::error::LayerError;
use crate::layer::LayerOptions;
use crate::tarsum::{self, EntrySum};
use header::{BLOCK, Block, Header};
use pax::Records;

/// Where the block state machine is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting a header block.
    Header,
    /// After one zero block: expecting the second one.
    SecondZero,
    /// Inside an entry's data.
    Data { remaining: u64, pad: u64 },
    /// Inside a PAX header or GNU long name/link body (buffered).
    Meta { remaining: u64, pad: u64, kind: u8 },
    /// Inside the padding to the next block.
    Pad { remaining: u64 },
    /// After the end-of-archive marker.
    Done,
}

/// Results of the tar stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TarDigests {
    /// `sha256:` of the whole uncompressed tar stream (padding, end blocks and anything after them).
    pub sha256: Digest,
    /// Length of the uncompressed tar stream.
    pub size: u64,
    /// `tarsum+sha256:` (Version0), if enabled in the options.
    pub tarsum_v0: Option<TarSum>,
    /// `tarsum.v1+sha256:` (Version1), if enabled in the options.
    pub tarsum_v1: Option<TarSum>,
    /// `tarsum.dev+sha256:` (VersionDev: the same digest as v1), if v1 is enabled.
    pub tarsum_dev: Option<TarSum>,
    /// Number of entries TarSum saw (PAX and GNU long-name headers are not entries).
    pub entries: u64,
}

/// The tar stage: uncompressed tar bytes in, TarSums and the tar stream digest out.
pub struct TarDigester {
    stream: Option<Sha256>,
    size: u64,
    state: State,
    blk: [u8; BLOCK],
    blk_len: usize,
    hdr: Header,
    meta: Vec<u8>,
    meta_offset: u64,
    records: Records,
    v0: Option<Sha256>,
    v1: Option<Sha256>,
    /// SHA-256 of the current entry's trimmed name (its duplicate key).
    name: Sha256,
    /// Reused buffers for the v0 and v1 TarSum header encodings of the current entry.
    scratch: [Vec<u8>; 2],
    entries: Vec<EntrySum>,
    want_v0: bool,
    want_v1: bool,
    max_meta: u64,
    extra: Vec<u8>,
    failed: Option<LayerError>,
}

impl std::fmt::Debug for TarDigester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TarDigester")
            .field("size", &self.size)
            .field("state", &self.state)
            .field("entries", &self.entries.len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl TarDigester {
    /// A tar stage configured by `opts` (TarSum versions, `extra`, meta header limit).
    pub fn new(opts: &LayerOptions) -> Self {
        Self {
            stream: Some(Sha256::new()),
            size: 0,
            state: State::Header,
            blk: [0; BLOCK],
            blk_len: 0,
            hdr: Header::default(),
            meta: Vec::new(),
            meta_offset: 0,
            records: Records::new(),
            v0: None,
            v1: None,
            name: Sha256::new(),
            scratch: [Vec::new(), Vec::new()],
            entries: Vec::new(),
            want_v0: opts.tarsum_v0,
            want_v1: opts.tarsum_v1,
            max_meta: opts.max_meta_size,
            extra: opts.extra.clone(),
            failed: None,
        }
    }

    /// Skips the tar stream SHA-256 (when the caller already has it, e.g. for an uncompressed
    /// blob, whose tar stream digest is the blob digest); [`TarDigester::finish_with`] then
    /// takes it as an argument. Call it before the first [`TarDigester::update`].
    pub fn skip_stream_hash(&mut self) {
        self.stream = None;
    }

    /// Feeds the next tar bytes, in any chunking.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), LayerError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if let Some(s) = &mut self.stream {
            s.update(chunk);
        }
        let r = self.run(chunk);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    /// Ends the stream and returns the digests, or why the tar stream is not a valid archive.
    pub fn finish(self) -> Result<TarDigests, LayerError> {
        self.finish_with(None)
    }

    /// [`TarDigester::finish`], using `stream` as the tar stream digest if it was skipped
    /// ([`TarDigester::skip_stream_hash`]).
    pub fn finish_with(mut self, stream: Option<Digest>) -> Result<TarDigests, LayerError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let truncated = match self.state {
            State::Header | State::SecondZero => self.blk_len > 0,
            State::Data { .. } | State::Meta { .. } => true,
            State::Pad { .. } | State::Done => false,
        };
        if truncated {
            return Err(LayerError::TarTruncated { offset: self.size });
        }
        let sha256 = match self.stream.take() {
            Some(s) => Digest::from_bytes(s.finalize()),
            None => stream.unwrap_or(Digest::from_bytes(Sha256::digest(b""))),
        };
        let (v0, v1) =
            tarsum::finish_both(&self.entries, &self.extra, (self.want_v0, self.want_v1));
        let v1 = v1.map(|digest| TarSum {
            version: TarSumVersion::V1,
            digest,
        });
        Ok(TarDigests {
            sha256,
            size: self.size,
            tarsum_v0: v0.map(|digest| TarSum {
                version: TarSumVersion::V0,
                digest,
            }),
            tarsum_v1: v1,
            tarsum_dev: v1.map(|t| TarSum {
                version: TarSumVersion::Dev,
                digest: t.digest,
            }),
            entries: self.entries.len() as u64,
        })
    }

    fn run(&mut self, mut input: &[u8]) -> Result<(), LayerError> {
        while !input.is_empty() {
            match self.state {
                State::Done => {
                    self.size += input.len() as u64;
                    return Ok(());
                }
                State::Header | State::SecondZero => {
                    let off = self.size;
                    if self.blk_len == 0 && input.len() >= BLOCK {
                        let (b, rest) = input.split_at(BLOCK);
                        input = rest;
                        self.size += BLOCK as u64;
                        let block: &[u8; BLOCK] = b.try_into().unwrap_or(&[0; BLOCK]);
                        self.on_block(block, off)?;
                    } else {
                        let take = (BLOCK - self.blk_len).min(input.len());
                        self.blk[self.blk_len..self.blk_len + take].copy_from_slice(&input[..take]);
                        self.blk_len += take;
                        self.size += take as u64;
                        input = &input[take..];
                        if self.blk_len == BLOCK {
                            self.blk_len = 0;
                            let block = self.blk;
                            self.on_block(&block, self.size - BLOCK as u64)?;
                        }
                    }
                }
                State::Data { remaining, pad } => {
                    let take = remaining.min(input.len() as u64) as usize;
                    let data = &input[..take];
                    match (&mut self.v0, &mut self.v1) {
                        (Some(a), Some(b)) => update_lanes([a, b], data),
                        (Some(h), None) | (None, Some(h)) => h.update(data),
                        (None, None) => {}
                    }
                    input = &input[take..];
                    self.size += take as u64;
                    let remaining = remaining - take as u64;
                    if remaining == 0 {
                        self.end_entry();
                        self.state = pad_state(pad);
                    } else {
                        self.state = State::Data { remaining, pad };
                    }
                }
                State::Meta {
                    remaining,
                    pad,
                    kind,
                } => {
                    let take = remaining.min(input.len() as u64) as usize;
                    self.meta.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    self.size += take as u64;
                    let remaining = remaining - take as u64;
                    if remaining == 0 {
                        self.end_meta(kind)?;
                        self.state = pad_state(pad);
                    } else {
                        self.state = State::Meta {
                            remaining,
                            pad,
                            kind,
                        };
                    }
                }
                State::Pad { remaining } => {
                    let take = remaining.min(input.len() as u64);
                    input = &input[take as usize..];
                    self.size += take;
                    self.state = pad_state(remaining - take);
                }
            }
        }
        Ok(())
    }

    /// Handles one complete block read in the `Header` or `SecondZero` state.
    fn on_block(&mut self, block: &[u8; BLOCK], off: u64) -> Result<(), LayerError> {
        let kind = header::decode(block, off, &mut self.hdr);
        if self.state == State::SecondZero {
            // Go: "Zero block and then non-zero block" is ErrHeader; two zero blocks are EOF.
            self.state = State::Done;
            return match kind {
                Ok(Block::Zero) => Ok(()),
                _ => Err(LayerError::ZeroBlockThenData { offset: off }),
            };
        }
        if kind? == Block::Zero {
            self.state = State::SecondZero;
            return Ok(());
        }
        let size =
            u64::try_from(self.hdr.size).map_err(|_| LayerError::NegativeSize { offset: off })?;
        match self.hdr.typeflag {
            b'x' | b'L' | b'K' => {
                if size > self.max_meta {
                    return Err(LayerError::MetaTooLarge {
                        offset: off,
                        size,
                        limit: self.max_meta,
                    });
                }
                self.meta.clear();
                self.meta_offset = off;
                let kind = self.hdr.typeflag;
                if size == 0 {
                    self.end_meta(kind)?;
                    self.state = State::Header;
                } else {
                    self.state = State::Meta {
                        remaining: size,
                        pad: padding(size),
                        kind,
                    };
                }
            }
            b'S' => return Err(LayerError::UnsupportedSparse { offset: off }),
            _ => {
                if !self.records.is_empty() {
                    pax::merge(&self.records, &mut self.hdr, off)?;
                    self.records.clear();
                }
                let size = u64::try_from(self.hdr.size)
                    .map_err(|_| LayerError::NegativeSize { offset: off })?;
                self.start_entry();
                if size == 0 {
                    self.end_entry();
                    self.state = State::Header;
                } else {
                    self.state = State::Data {
                        remaining: size,
                        pad: padding(size),
                    };
                }
            }
        }
        Ok(())
    }

    /// Applies a complete PAX header or GNU long name/link body.
    fn end_meta(&mut self, kind: u8) -> Result<(), LayerError> {
        match kind {
            b'x' => pax::parse_records(&self.meta, self.meta_offset, &mut self.records),
            b'L' => {
                pax::gnu_long(&self.meta, b"path", &mut self.records);
                Ok(())
            }
            _ => {
                pax::gnu_long(&self.meta, b"linkpath", &mut self.records);
                Ok(())
            }
        }
    }

    /// Starts the per-entry hashes: v0 and v1 over their header encodings, and the name key,
    /// as interleaved lanes.
    fn start_entry(&mut self) {
        let [s0, s1] = &mut self.scratch;
        let name = tarsum::trimmed_name(&self.hdr.name);
        self.name = Sha256::new();
        match (self.want_v0, self.want_v1) {
            (true, true) => {
                tarsum::encode_header(s0, &self.hdr, false);
                tarsum::encode_header(s1, &self.hdr, true);
                let (mut a, mut b) = (Sha256::new(), Sha256::new());
                update_lanes_each([&mut a, &mut b, &mut self.name], [&s0[..], &s1[..], name]);
                (self.v0, self.v1) = (Some(a), Some(b));
            }
            (v0, v1) => {
                let mut start = |v1: bool| {
                    tarsum::encode_header(s0, &self.hdr, v1);
                    let mut h = Sha256::new();
                    h.update(s0);
                    h
                };
                self.v0 = v0.then(|| start(false));
                self.v1 = v1.then(|| start(true));
                self.name.update(name);
            }
        }
    }

    fn end_entry(&mut self) {
        let name = std::mem::take(&mut self.name);
        let (v0, v1, name) = match (self.v0.take(), self.v1.take()) {
            (Some(a), Some(b)) => {
                let [v0, v1, name] = finalize_lanes([a, b, name]);
                (v0, v1, name)
            }
            (a, b) => {
                let fin = |h: Option<Sha256>| h.map_or([0; 32], Sha256::finalize);
                (fin(a), fin(b), name.finalize())
            }
        };
        let name = tarsum::key_of(&name);
        self.entries.push(EntrySum { v0, v1, name });
    }
}

/// Bytes of padding after `size` bytes of data.
fn padding(size: u64) -> u64 {
    size.wrapping_neg() % BLOCK as u64
}

fn pad_state(pad: u64) -> State {
    if pad == 0 {
        State::Header
    } else {
        State::Pad { remaining: pad }
    }
}
