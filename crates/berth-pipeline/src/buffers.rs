//! Fixed-size byte buffers that go back to their pool when the last reference is dropped, so
//! that a long layer reuses the same few buffers instead of allocating (and page-faulting)
//! fresh memory for every chunk.

use std::io::Read;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Size of one read buffer.
pub(crate) const BUF: usize = 64 << 10;

/// Capacity of one buffer the inflater fills (see [`Pool::get_vec`]): the decoder's own size,
/// so that the tar stage has seen exactly the single-threaded engine's bytes when a decoder
/// error comes (a tar error in bytes that engine never passed on must not win). 64 KiB
/// buffers measured no faster.
pub(crate) const TAR_BUF: usize = berth_layer::Decoder::OUT_BUF;

/// A buffer of [`BUF`] bytes, `len` of them filled.
pub(crate) struct Buf {
    data: Vec<u8>,
    len: usize,
    home: Option<Sender<Vec<u8>>>,
}

impl Buf {
    /// A buffer with no storage and no pool (for the few bytes flushed at the end).
    pub(crate) fn empty() -> Self {
        Self {
            data: Vec::new(),
            len: 0,
            home: None,
        }
    }

    /// The filled bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }

    /// Number of filled bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no more bytes fit.
    pub(crate) fn is_full(&self) -> bool {
        self.len == self.data.len()
    }

    /// Copies as much of `src` as fits; returns how much.
    pub(crate) fn append(&mut self, src: &[u8]) -> usize {
        let n = (self.data.len() - self.len).min(src.len());
        self.data[self.len..self.len + n].copy_from_slice(&src[..n]);
        self.len += n;
        n
    }

    /// Reads from `r` until the buffer is full or `r` ends; returns whether it ended.
    pub(crate) fn fill_from(&mut self, r: &mut impl Read) -> std::io::Result<bool> {
        while !self.is_full() {
            match r.read(&mut self.data[self.len..]) {
                Ok(0) => return Ok(true),
                Ok(n) => self.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        if let Some(home) = &self.home {
            // The pool is gone only when the digester is: then the memory is simply freed.
            let _ = home.send(std::mem::take(&mut self.data));
        }
    }
}

/// Where buffers come from and go back to: read buffers ([`BUF`] bytes) and inflate buffers
/// ([`TAR_BUF`] bytes of capacity) each return to their own list. Buffers are only created
/// when none is free, and at most [`crate::DEPTH`] plus a few are alive at once, so the pool
/// stays small.
pub(crate) struct Pool {
    tx: Sender<Vec<u8>>,
    rx: Receiver<Vec<u8>>,
    tar_tx: Sender<Vec<u8>>,
    tar_rx: Receiver<Vec<u8>>,
}

impl Pool {
    pub(crate) fn new() -> Self {
        let (tx, rx) = channel();
        let (tar_tx, tar_rx) = channel();
        Self {
            tx,
            rx,
            tar_tx,
            tar_rx,
        }
    }

    /// An empty read buffer, recycled if one is free.
    pub(crate) fn get(&self) -> Buf {
        let data = self.rx.try_recv().unwrap_or_else(|_| vec![0; BUF]);
        Buf {
            data,
            len: 0,
            home: Some(self.tx.clone()),
        }
    }

    /// Storage for the inflater to fill, recycled if one is free: empty, with a capacity of
    /// [`TAR_BUF`] (`Decoder` writes into the capacity, so nothing is cleared byte by byte).
    pub(crate) fn get_vec(&self) -> Vec<u8> {
        let mut data = self
            .tar_rx
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(TAR_BUF));
        data.clear();
        data
    }

    /// A buffer holding all of `data` (filled by the inflater), returning to the inflate
    /// buffers when dropped.
    pub(crate) fn filled(&self, data: Vec<u8>) -> Buf {
        Buf {
            len: data.len(),
            data,
            home: Some(self.tar_tx.clone()),
        }
    }
}
