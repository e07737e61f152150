//! [`ParallelGzip`]: gzip on several cores, the way pigz does it, as one standard gzip member.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// Deflate's window: each block is primed with this much of the input before it.
const WINDOW: usize = 32 * 1024;

/// Uncompressed bytes per block unless [`ParallelGzip::block_size`] says otherwise.
pub const DEFAULT_BLOCK: usize = 256 * 1024;

/// The smallest block size accepted (smaller requests are raised to it).
const MIN_BLOCK: usize = 4 * 1024;

/// The number of worker threads to use by default: the available parallelism, or 1.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// One block for a worker.
struct Job {
    /// `dict` bytes of dictionary, then the block's input.
    input: Vec<u8>,
    dict: usize,
    /// A recycled buffer for the output.
    out: Vec<u8>,
    last: bool,
}

/// A compressed block.
struct Done {
    /// The job's input buffer, handed back for reuse.
    input: Vec<u8>,
    out: Vec<u8>,
    crc: Crc,
}

/// One worker thread with its own job and result queues; block `i` goes to lane `i % lanes`.
struct Lane {
    jobs: SyncSender<Job>,
    results: Receiver<io::Result<Done>>,
    handle: JoinHandle<()>,
}

/// A [`Read`] adapter that yields the gzip of what it reads from `inner`, compressed on
/// several threads the way pigz does it, as one standard gzip member.
///
/// The input is cut into blocks ([`DEFAULT_BLOCK`] bytes). Each block is raw-deflated on a worker
/// thread, primed with the last 32 KiB of the *input* before it as a preset dictionary, so
/// back-references may reach into the previous block exactly as in a single-threaded stream.
/// Every block but the last ends with a sync flush (byte-aligned, an empty stored block), the
/// last with a final block, so the outputs concatenated in order form one valid deflate stream.
/// The CRC-32 of each block is computed beside it and combined in order for the trailer. As the
/// dictionaries come from the input, not from the other blocks' output, the blocks are
/// independent and compress fully in parallel.
///
/// The result is a single RFC 1952 member (header, deflate data, CRC-32, ISIZE) that any gzip
/// reader accepts. At the same level it is within a fraction of a percent of single-threaded
/// zlib's size: each block only loses the matches that would start in one block and reach
/// further back than 32 KiB, plus 5 bytes of sync marker.
///
/// We wrote this rather than use the `gzp` crate: `gzp`'s dictionary mode needs `libz-sys` (C
/// zlib), which does not build beside our `zlib-rs` flate2; without the dictionary its output is
/// about 6.5% larger (49.0% instead of 46.0% of a layer tar at level 6).
///
/// The input is read on the caller's thread, in order, so a reader wrapped around it (counting,
/// hashing) sees every byte as it is consumed. At most `2 × threads` blocks are in flight and
/// their buffers are recycled, so memory stays flat whatever the input size (11 MiB peak RSS
/// for a whole process compressing a 50 MB or a 1 GB tar on 2 threads). The output does not
/// depend on the number of threads.
///
/// Block size: on a 2-core machine, 64 KiB to 1 MiB blocks gave the same speed within noise on
/// a 30 MB layer tar, and sizes within 0.5% of each other (level 1: 56.1% of the tar with
/// 64 KiB blocks, 56.6% with 1 MiB; level 6: 46.2% for all); 256 KiB keeps the per-block costs
/// (hashing the 32 KiB dictionary, a fresh compressor) small and the memory in flight low.
/// pigz uses 128 KiB.
///
/// ```
/// use std::io::Read as _;
/// use berth_pipeline::ParallelGzip;
///
/// let text = b"hello hello hello hello\n".repeat(1000);
/// let mut gz = Vec::new();
/// ParallelGzip::new(&text[..], 6, 2).read_to_end(&mut gz)?;
/// let mut back = Vec::new();
/// flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut back)?;
/// assert_eq!(back, text);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ParallelGzip<R> {
    inner: R,
    level: u32,
    threads: usize,
    block: usize,
    /// Started on the first read.
    lanes: Vec<Lane>,
    /// Blocks sent to the workers, and blocks whose output was collected.
    sent: u64,
    collected: u64,
    /// The last (up to) [`WINDOW`] input bytes read, the dictionary of the next block.
    window: Vec<u8>,
    /// A full block not yet sent: whether it is the last depends on what follows it.
    held: Option<(Vec<u8>, usize)>,
    input_done: bool,
    total_in: u64,
    crc: Crc,
    spare_inputs: Vec<Vec<u8>>,
    spare_outs: Vec<Vec<u8>>,
    /// The bytes being served (header, a block, trailer) and how far.
    cur: Vec<u8>,
    pos: usize,
    trailer_done: bool,
    failed: bool,
}

impl<R> std::fmt::Debug for ParallelGzip<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParallelGzip")
            .field("level", &self.level)
            .field("threads", &self.threads)
            .field("block", &self.block)
            .field("total_in", &self.total_in)
            .finish_non_exhaustive()
    }
}

impl<R: Read> ParallelGzip<R> {
    /// Compresses what `inner` yields at `level` (0–9; higher is clamped to 9) on `threads`
    /// worker threads (0 counts as 1; see [`default_threads`]). The threads start on the first
    /// read.
    pub fn new(inner: R, level: u32, threads: usize) -> Self {
        let level = level.min(9);
        Self {
            inner,
            level,
            threads: threads.max(1),
            block: DEFAULT_BLOCK,
            lanes: Vec::new(),
            sent: 0,
            collected: 0,
            window: Vec::with_capacity(WINDOW),
            held: None,
            input_done: false,
            total_in: 0,
            crc: Crc::new(),
            spare_inputs: Vec::new(),
            spare_outs: Vec::new(),
            cur: header(level).to_vec(),
            pos: 0,
            trailer_done: false,
            failed: false,
        }
    }

    /// Sets the uncompressed block size (at least 4 KiB; default [`DEFAULT_BLOCK`]). Takes
    /// effect only before the first read.
    #[must_use]
    pub fn block_size(mut self, bytes: usize) -> Self {
        if self.lanes.is_empty() && self.total_in == 0 {
            self.block = bytes.max(MIN_BLOCK);
        }
        self
    }

    /// The reader being compressed.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Uncompressed bytes read from the inner reader so far.
    pub fn total_in(&self) -> u64 {
        self.total_in
    }

    fn start(&mut self) -> io::Result<()> {
        let depth = self.max_in_flight();
        for i in 0..self.threads {
            let (job_tx, job_rx) = sync_channel::<Job>(depth);
            let (done_tx, done_rx) = sync_channel::<io::Result<Done>>(depth);
            let level = Compression::new(self.level);
            let handle = std::thread::Builder::new()
                .name(format!("berth-gzip-{i}"))
                .spawn(move || work(level, &job_rx, &done_tx))?;
            self.lanes.push(Lane {
                jobs: job_tx,
                results: done_rx,
                handle,
            });
        }
        Ok(())
    }

    fn max_in_flight(&self) -> usize {
        2 * self.threads
    }

    /// Reads blocks and hands them to the workers until enough are in flight or the input ends.
    fn dispatch(&mut self) -> io::Result<()> {
        while self.in_flight() < self.max_in_flight() && !self.input_done {
            let mut buf = self.spare_inputs.pop().unwrap_or_default();
            buf.clear();
            buf.extend_from_slice(&self.window);
            let dict = buf.len();
            let n = fill(&mut self.inner, &mut buf, self.block)?;
            self.total_in += n as u64;
            remember_window(&mut self.window, &buf[dict..]);
            if let Some((prev, prev_dict)) = self.held.take() {
                // The held block is the last one exactly when nothing followed it.
                self.send(prev, prev_dict, n == 0)?;
                if n == 0 {
                    self.spare_inputs.push(buf);
                    self.input_done = true;
                    break;
                }
            }
            if n == self.block {
                self.held = Some((buf, dict));
            } else {
                self.send(buf, dict, true)?;
                self.input_done = true;
            }
        }
        Ok(())
    }

    fn in_flight(&self) -> usize {
        usize::try_from(self.sent - self.collected).unwrap_or(usize::MAX)
    }

    fn send(&mut self, input: Vec<u8>, dict: usize, last: bool) -> io::Result<()> {
        let lane = lane_of(self.sent, self.lanes.len());
        let out = self.spare_outs.pop().unwrap_or_default();
        let job = Job {
            input,
            dict,
            out,
            last,
        };
        self.lanes[lane].jobs.send(job).map_err(|_| stopped())?;
        self.sent += 1;
        Ok(())
    }

    /// Replaces the served bytes with the next piece: a block, the trailer, or nothing at the end.
    fn next_piece(&mut self) -> io::Result<()> {
        if self.lanes.is_empty() {
            self.start()?;
        }
        self.dispatch()?;
        let next = if self.in_flight() > 0 {
            let lane = lane_of(self.collected, self.lanes.len());
            let done = self.lanes[lane].results.recv().map_err(|_| stopped())??;
            self.collected += 1;
            self.crc.combine(&done.crc);
            self.spare_inputs.push(done.input);
            done.out
        } else if !self.trailer_done {
            self.trailer_done = true;
            let mut t = Vec::with_capacity(8);
            t.extend_from_slice(&self.crc.sum().to_le_bytes());
            // ISIZE: the input size modulo 2^32 (RFC 1952).
            t.extend_from_slice(&(self.total_in as u32).to_le_bytes());
            t
        } else {
            Vec::new()
        };
        let old = std::mem::replace(&mut self.cur, next);
        self.spare_outs.push(old);
        self.pos = 0;
        Ok(())
    }
}

impl<R: Read> Read for ParallelGzip<R> {
    /// Yields the next compressed bytes; an error reading the input (or a failed worker) is
    /// returned here, and every later call fails too.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.failed {
                return Err(io::Error::other("the gzip stream failed earlier"));
            }
            if self.pos < self.cur.len() {
                let n = buf.len().min(self.cur.len() - self.pos);
                buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.trailer_done && self.in_flight() == 0 {
                return Ok(0);
            }
            if let Err(e) = self.next_piece() {
                self.failed = true;
                return Err(e);
            }
        }
    }
}

impl<R> Drop for ParallelGzip<R> {
    /// Closes the queues (each worker stops after its current block) and joins the workers.
    fn drop(&mut self) {
        let handles: Vec<JoinHandle<()>> = std::mem::take(&mut self.lanes)
            .into_iter()
            .map(|lane| lane.handle)
            .collect();
        for h in handles {
            let _ = h.join();
        }
    }
}

fn lane_of(block: u64, lanes: usize) -> usize {
    usize::try_from(block % lanes.max(1) as u64).unwrap_or(0)
}

fn stopped() -> io::Error {
    io::Error::other("a gzip worker thread stopped")
}

/// The 10-byte gzip header: deflate, no flags, no time, XFL as zlib and Go set it, OS unknown.
fn header(level: u32) -> [u8; 10] {
    let xfl = match level {
        9 => 2,
        1 => 4,
        _ => 0,
    };
    [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]
}

/// Appends up to `max` bytes read from `reader` to `buf`; fewer only at the end of the input.
fn fill(reader: &mut impl Read, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    let start = buf.len();
    buf.resize(start + max, 0);
    let mut n = 0;
    while n < max {
        match reader.read(&mut buf[start + n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(start + n);
                return Err(e);
            }
        }
    }
    buf.truncate(start + n);
    Ok(n)
}

/// Keeps the last [`WINDOW`] bytes of everything seen, given the newest `data`.
fn remember_window(window: &mut Vec<u8>, data: &[u8]) {
    if data.len() >= WINDOW {
        window.clear();
        window.extend_from_slice(&data[data.len() - WINDOW..]);
    } else {
        let excess = (window.len() + data.len()).saturating_sub(WINDOW);
        window.drain(..excess);
        window.extend_from_slice(data);
    }
}

/// A worker: compresses jobs until its queue closes or nobody takes its results.
///
/// Each block gets a fresh compressor. Reusing one through `Compress::reset` made the output
/// depend on the blocks the worker had compressed before (a few bytes' difference between
/// thread counts on a 600 MB tar, still valid deflate) and was no faster.
fn work(level: Compression, jobs: &Receiver<Job>, results: &SyncSender<io::Result<Done>>) {
    while let Ok(job) = jobs.recv() {
        let mut z = Compress::new(level, false);
        if results.send(deflate_block(&mut z, job)).is_err() {
            return;
        }
    }
}

/// Raw-deflates one block after its dictionary, ending with a sync flush or the final block.
fn deflate_block(z: &mut Compress, job: Job) -> io::Result<Done> {
    let Job {
        input,
        dict,
        mut out,
        last,
    } = job;
    let (dictionary, data) = input.split_at(dict);
    if !dictionary.is_empty() {
        z.set_dictionary(dictionary).map_err(io::Error::other)?;
    }
    let mut crc = Crc::new();
    crc.update(data);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    out.clear();
    // Enough for incompressible data in one call (stored blocks cost 5 bytes per 64 KiB).
    out.reserve(data.len() + data.len() / 64 + 64);
    let start = z.total_in();
    loop {
        let used = usize::try_from(z.total_in() - start).unwrap_or(data.len());
        let status = z
            .compress_vec(&data[used..], &mut out, flush)
            .map_err(io::Error::other)?;
        let used = usize::try_from(z.total_in() - start).unwrap_or(data.len());
        let room = out.capacity() - out.len();
        match status {
            Status::StreamEnd => break,
            // A sync flush is complete once all input is taken and output space is left over.
            _ if !last && used == data.len() && room > 0 => break,
            _ => out.reserve(64 * 1024),
        }
    }
    Ok(Done { input, out, crc })
}
