//! Streaming SHA-256 that can advance several independent hashes over the same bytes in
//! lockstep.
//!
//! Berth hashes every layer byte several times: the blob SHA-256 and the payload checksum
//! (`sha256(json || "\n" || blob)`) over the blob, and per file TarSum v0 and v1 over the
//! same data with different header prefixes. These are independent SHA-256 streams over the
//! same bytes at different block alignments. With the x86 SHA extensions one stream is bound
//! by the latency of the round instruction, so [`update_lanes`] runs up to four streams
//! interleaved on one core, which costs little more than one.
//!
//! ```
//! use berth_sha256x::{Sha256, update_lanes};
//!
//! let mut plain = Sha256::new();
//! let mut prefixed = Sha256::new();
//! prefixed.update(b"{}\n");
//! update_lanes([&mut plain, &mut prefixed], b"layer bytes");
//! assert_eq!(plain.clone().finalize(), Sha256::digest(b"layer bytes"));
//! assert_eq!(prefixed.finalize(), Sha256::digest(b"{}\nlayer bytes"));
//! ```
//!
//! # Backends
//! On x86_64 CPUs with the SHA extensions (detected at run time) the interleaved kernel in
//! the `ni` module is used; elsewhere each lane goes through `sha2::compress256` in turn.
//! Both give the same results (differential property tests against `sha2`).
//!
//! This crate does no I/O, spawns no threads and allocates nothing.

#![deny(missing_docs)]

#[cfg(target_arch = "x86_64")]
mod ni;

use sha2::digest::generic_array::GenericArray;

/// The SHA-256 round constants (FIPS 180-4 §4.2.2).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// The SHA-256 initial hash value (FIPS 180-4 §5.3.3).
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Which compression backend this CPU runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// x86_64 SHA extensions, lanes interleaved.
    ShaNi,
    /// `sha2::compress256`, one lane after the other.
    Portable,
}

/// The backend [`update_lanes`] uses on this CPU.
pub fn backend() -> Backend {
    #[cfg(target_arch = "x86_64")]
    if ni::available() {
        return Backend::ShaNi;
    }
    Backend::Portable
}

/// Compresses `blocks` 64-byte blocks of `data[s]` into `states[s]`, for every lane `s`.
/// Every `data[s]` holds at least `64 * blocks` bytes (checked by the callers in this file).
fn compress<const N: usize>(states: [&mut [u32; 8]; N], data: [&[u8]; N], blocks: usize) {
    if blocks == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if ni::available() {
        ni::compress(states, data, blocks);
        return;
    }
    compress_portable(states, data, blocks);
}

/// The portable backend: `sha2::compress256`, lane after lane.
fn compress_portable<const N: usize>(states: [&mut [u32; 8]; N], data: [&[u8]; N], blocks: usize) {
    for (state, d) in states.into_iter().zip(data) {
        for block in d.chunks_exact(64).take(blocks) {
            sha2::compress256(state, &[*GenericArray::from_slice(block)]);
        }
    }
}

/// A streaming SHA-256 hash.
#[derive(Clone, Debug)]
pub struct Sha256 {
    state: [u32; 8],
    buf: [u8; 64],
    buf_len: usize,
    len: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    /// An empty hash.
    pub const fn new() -> Self {
        Self {
            state: H0,
            buf: [0; 64],
            buf_len: 0,
            len: 0,
        }
    }

    /// The SHA-256 of `data`.
    pub fn digest(data: &[u8]) -> [u8; 32] {
        let mut h = Self::new();
        h.update(data);
        h.finalize()
    }

    /// Hashes the next bytes.
    pub fn update(&mut self, data: &[u8]) {
        update_lanes([self], data);
    }

    /// Number of bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was hashed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Completes the buffered block from the front of `data`, compressing it once full, and
    /// returns the rest of `data` (empty if the block is still incomplete).
    fn fill<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.buf_len == 0 {
            return data;
        }
        let take = (64 - self.buf_len).min(data.len());
        self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
        self.buf_len += take;
        if self.buf_len == 64 {
            let block = self.buf;
            compress([&mut self.state], [&block[..]], 1);
            self.buf_len = 0;
        }
        &data[take..]
    }

    /// Compresses the whole blocks of `rest` and buffers its tail (the buffer is empty unless
    /// `rest` is).
    fn absorb(&mut self, rest: &[u8]) {
        if rest.is_empty() {
            return;
        }
        let blocks = rest.len() / 64;
        compress([&mut self.state], [rest], blocks);
        let tail = &rest[64 * blocks..];
        self.buf[..tail.len()].copy_from_slice(tail);
        self.buf_len = tail.len();
    }

    /// Pads and returns the digest (FIPS 180-4 §5.1.1).
    pub fn finalize(self) -> [u8; 32] {
        let [out] = finalize_lanes([self]);
        out
    }
}

/// Hashes `data` into every one of the `N` hashes, their compressions interleaved.
///
/// Each hash may be at a different position within its 64-byte block; the blocks all lanes
/// have in `data` are compressed in lockstep, the few left over lane by lane. Useful for
/// `N` from 1 to 4 (more lanes than registers spill).
pub fn update_lanes<const N: usize>(hashes: [&mut Sha256; N], data: &[u8]) {
    update_lanes_each(hashes, [data; N]);
}

/// Hashes `data[s]` into hash `s`, for every lane `s`, their compressions interleaved (as many
/// blocks as every lane has, the rest lane by lane).
pub fn update_lanes_each<const N: usize>(mut hashes: [&mut Sha256; N], data: [&[u8]; N]) {
    let mut rest = data;
    for (r, h) in rest.iter_mut().zip(hashes.iter_mut()) {
        *r = h.fill(r);
    }
    let blocks = rest.iter().map(|r| r.len() / 64).min().unwrap_or(0);
    if blocks > 0 {
        compress(hashes.each_mut().map(|h| &mut h.state), rest, blocks);
    }
    for (r, h) in rest.iter().zip(hashes.iter_mut()) {
        h.absorb(&r[64 * blocks..]);
    }
}

/// Finishes `N` hashes together, their last compressions interleaved.
pub fn finalize_lanes<const N: usize>(mut hashes: [Sha256; N]) -> [[u8; 32]; N] {
    let pads: [([u8; 72], usize, u64); N] = std::array::from_fn(|s| {
        let h = &hashes[s];
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        let zeros = (55usize.wrapping_sub(h.buf_len)) % 64;
        pad[1 + zeros..9 + zeros].copy_from_slice(&h.len.wrapping_mul(8).to_be_bytes());
        (pad, 9 + zeros, h.len)
    });
    update_lanes_each(
        hashes.each_mut(),
        std::array::from_fn(|s| &pads[s].0[..pads[s].1]),
    );
    std::array::from_fn(|s| {
        let mut out = [0u8; 32];
        for (o, w) in out.chunks_exact_mut(4).zip(hashes[s].state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest as _;

    /// The backend this CPU runs and the portable one agree (on CPUs without the SHA
    /// extensions this compares the portable backend with itself; the differential tests
    /// against `sha2` cover the public API either way).
    #[test]
    fn backends_agree() {
        let data: Vec<u8> = (0..64 * 37u32).map(|i| (i * 131 + i / 7) as u8).collect();
        for blocks in [1, 2, 5, 37] {
            let mut a = [H0, [7; 8], H0];
            let mut b = a;
            let [a0, a1, a2] = &mut a;
            compress(
                [a0, a1, a2],
                [&data[..], &data[64..], &data[128..]],
                blocks.min(35),
            );
            let [b0, b1, b2] = &mut b;
            compress_portable(
                [b0, b1, b2],
                [&data[..], &data[64..], &data[128..]],
                blocks.min(35),
            );
            assert_eq!(a, b, "{blocks}");
        }
    }

    #[test]
    fn fips_examples() {
        assert_eq!(
            Sha256::digest(b"abc"),
            <[u8; 32]>::from(sha2::Sha256::digest(b"abc"))
        );
        let two = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(
            Sha256::digest(two)[..4],
            [0x24, 0x8d, 0x6a, 0x61],
            "FIPS 180-2 two-block example"
        );
        assert_eq!(Sha256::digest(b"")[..4], [0xe3, 0xb0, 0xc4, 0x42]);
    }
}
