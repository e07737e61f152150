//! The worker thread: a [`BlobDigester`] and a [`TarDigester`] fed through a bounded queue.

use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use berth_layer::{BlobDigester, CrcCheck, LayerError, LayerOptions, TarDigester};
use flate2::Crc;

use crate::DEPTH;
use crate::buffers::Buf;

/// A message to the worker.
pub(crate) enum Msg {
    /// Blob bytes to hash.
    Blob(Arc<Buf>),
    /// Tar bytes to digest.
    Tar(Arc<Buf>),
    /// Inflated tar bytes to digest, also added to the gzip member's CRC32.
    Inflated(Buf),
    /// A gzip member ended: check the CRC32 of its tar bytes, then start the next member's.
    MemberEnd(CrcCheck),
    /// The blob is a plain tar: its stream digest is the blob digest.
    SkipStream,
}

/// What the worker hands back.
pub(crate) struct WorkerOut {
    pub(crate) blob: BlobDigester,
    pub(crate) tar: TarDigester,
    /// The tar stage's first error, if any (later tar bytes were ignored).
    pub(crate) error: Option<LayerError>,
}

/// Handle on the worker thread.
pub(crate) struct Worker {
    tx: Option<SyncSender<Msg>>,
    handle: Option<JoinHandle<WorkerOut>>,
    error: Arc<OnceLock<LayerError>>,
}

impl Worker {
    /// Spawns the worker with stages configured by `opts`.
    ///
    /// # Panics
    /// If the operating system cannot start a thread.
    pub(crate) fn spawn(opts: &LayerOptions) -> Self {
        let (tx, rx) = sync_channel::<Msg>(DEPTH);
        let error = Arc::new(OnceLock::new());
        let shared = Arc::clone(&error);
        let mut blob = BlobDigester::new(&opts.extra);
        let mut tar = TarDigester::new(opts);
        let handle = std::thread::Builder::new()
            .name("berth-digest".into())
            .spawn(move || {
                let mut error = None;
                let mut crc = Crc::new();
                while let Ok(msg) = rx.recv() {
                    // The first error in stream order wins; later tar bytes are ignored.
                    let result = match msg {
                        Msg::Blob(b) => {
                            blob.update(b.bytes());
                            Ok(())
                        }
                        Msg::SkipStream => {
                            tar.skip_stream_hash();
                            Ok(())
                        }
                        _ if error.is_some() => Ok(()),
                        Msg::Tar(b) => tar.update(b.bytes()),
                        Msg::Inflated(b) => {
                            crc.update(b.bytes());
                            tar.update(b.bytes())
                        }
                        Msg::MemberEnd(check) => {
                            let actual = crc.sum();
                            crc.reset();
                            check.verify(actual)
                        }
                    };
                    if let Err(e) = result {
                        let _ = shared.set(e.clone());
                        error = Some(e);
                    }
                }
                WorkerOut { blob, tar, error }
            })
            .expect("spawn the digest worker thread");
        Self {
            tx: Some(tx),
            handle: Some(handle),
            error,
        }
    }

    /// Queues a message (blocks while [`DEPTH`] are queued).
    pub(crate) fn send(&self, msg: Msg) {
        if let Some(tx) = &self.tx {
            // A send fails only if the worker panicked; `join` reports that panic.
            let _ = tx.send(msg);
        }
    }

    /// The tar stage's first error so far.
    pub(crate) fn error(&self) -> Option<&LayerError> {
        self.error.get()
    }

    /// Closes the queue and waits for the worker's results (re-raising its panic, if any).
    pub(crate) fn join(mut self) -> WorkerOut {
        self.tx = None;
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok(out)) => out,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => unreachable!("a worker is joined once"),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(handle) = self.handle.take() {
            // An unfinished digest: let the worker drain and end; its result is not needed.
            let _ = handle.join();
        }
    }
}
