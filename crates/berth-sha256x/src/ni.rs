//! SHA-256 compression with the x86 SHA extensions, several independent states in lockstep.
//!
//! One SHA-256 stream is bound by the latency of `sha256rnds2`: each pair of rounds waits for
//! the previous one. Independent streams have no such dependency, so interleaving their rounds
//! (four rounds of one lane, then four of the next) keeps the SHA unit busy. The round
//! sequence itself is the one Intel documents for SHA-NI (as in the `sha2` crate's x86
//! backend); the interleaving is this module's only addition.
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_loadu_si128, _mm_set_epi32,
    _mm_set_epi64x, _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32,
    _mm_shuffle_epi8, _mm_shuffle_epi32, _mm_storeu_si128,
};

use crate::K;

/// Whether this CPU has the instructions [`compress_lanes`] uses.
pub(crate) fn available() -> bool {
    std::is_x86_feature_detected!("sha")
        && std::is_x86_feature_detected!("sse2")
        && std::is_x86_feature_detected!("ssse3")
        && std::is_x86_feature_detected!("sse4.1")
}

/// [`compress_lanes`] after checking the CPU and the lengths (does nothing if either fails).
pub(crate) fn compress<const N: usize>(
    states: [&mut [u32; 8]; N],
    data: [&[u8]; N],
    blocks: usize,
) {
    if available() && data.iter().all(|d| d.len() / 64 >= blocks) {
        // SAFETY: the CPU features and the data lengths were just checked.
        unsafe { compress_lanes(states, data, blocks) };
    }
}

/// Four rounds of one lane: `w` is the next four message words.
macro_rules! rounds4 {
    ($abef:expr, $cdgh:expr, $w:expr, $i:expr) => {{
        let k = &K[4 * $i..4 * $i + 4];
        let kv = _mm_set_epi32(k[3] as i32, k[2] as i32, k[1] as i32, k[0] as i32);
        let t1 = _mm_add_epi32($w, kv);
        $cdgh = _mm_sha256rnds2_epu32($cdgh, $abef, t1);
        let t2 = _mm_shuffle_epi32::<0x0E>(t1);
        $abef = _mm_sha256rnds2_epu32($abef, $cdgh, t2);
    }};
}

/// The next four message words from the previous sixteen (`v0` oldest).
macro_rules! schedule {
    ($v0:expr, $v1:expr, $v2:expr, $v3:expr) => {{
        let t1 = _mm_sha256msg1_epu32($v0, $v1);
        let t2 = _mm_alignr_epi8::<4>($v3, $v2);
        let t3 = _mm_add_epi32(t1, t2);
        _mm_sha256msg2_epu32(t3, $v3)
    }};
}

/// Rounds `4*i .. 4*i+4` of every lane; from `i = 4` on the message words are scheduled into
/// a ring of four registers per lane.
macro_rules! step {
    ($n:expr, $abef:ident, $cdgh:ident, $w:ident, $i:expr) => {{
        for s in 0..$n {
            if $i >= 4 {
                $w[s][$i % 4] = schedule!(
                    $w[s][$i % 4],
                    $w[s][($i + 1) % 4],
                    $w[s][($i + 2) % 4],
                    $w[s][($i + 3) % 4]
                );
            }
            rounds4!($abef[s], $cdgh[s], $w[s][$i % 4], $i);
        }
    }};
}

/// Compresses `blocks` 64-byte blocks into each of the `N` states, lane `s` reading
/// `data[s]`.
///
/// # Safety
/// The CPU must support SHA, SSE2, SSSE3 and SSE4.1 ([`available`]), and every `data[s]`
/// must hold at least `64 * blocks` bytes.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub(crate) unsafe fn compress_lanes<const N: usize>(
    states: [&mut [u32; 8]; N],
    data: [&[u8]; N],
    blocks: usize,
) {
    let mask = _mm_set_epi64x(
        0x0C0D_0E0F_0809_0A0Bu64 as i64,
        0x0405_0607_0001_0203u64 as i64,
    );
    let zero = _mm_set_epi32(0, 0, 0, 0);
    let mut abef = [zero; N];
    let mut cdgh = [zero; N];
    for s in 0..N {
        let p = states[s].as_ptr().cast::<__m128i>();
        // SAFETY: `states[s]` is 32 readable bytes; `loadu` has no alignment requirement.
        let (dcba, efgh) = unsafe { (_mm_loadu_si128(p), _mm_loadu_si128(p.add(1))) };
        let cdab = _mm_shuffle_epi32::<0xB1>(dcba);
        let efgh = _mm_shuffle_epi32::<0x1B>(efgh);
        abef[s] = _mm_alignr_epi8::<8>(cdab, efgh);
        cdgh[s] = _mm_blend_epi16::<0xF0>(efgh, cdab);
    }
    for b in 0..blocks {
        let (abef_save, cdgh_save) = (abef, cdgh);
        let mut w = [[zero; 4]; N];
        for s in 0..N {
            let p = data[s].as_ptr().wrapping_add(64 * b).cast::<__m128i>();
            for (j, wj) in w[s].iter_mut().enumerate() {
                // SAFETY: the caller guarantees `64 * blocks` readable bytes in `data[s]`, so
                // bytes `64 * b + 16 * j ..+16` are in bounds; `loadu` is unaligned.
                *wj = _mm_shuffle_epi8(unsafe { _mm_loadu_si128(p.add(j)) }, mask);
            }
        }
        step!(N, abef, cdgh, w, 0);
        step!(N, abef, cdgh, w, 1);
        step!(N, abef, cdgh, w, 2);
        step!(N, abef, cdgh, w, 3);
        step!(N, abef, cdgh, w, 4);
        step!(N, abef, cdgh, w, 5);
        step!(N, abef, cdgh, w, 6);
        step!(N, abef, cdgh, w, 7);
        step!(N, abef, cdgh, w, 8);
        step!(N, abef, cdgh, w, 9);
        step!(N, abef, cdgh, w, 10);
        step!(N, abef, cdgh, w, 11);
        step!(N, abef, cdgh, w, 12);
        step!(N, abef, cdgh, w, 13);
        step!(N, abef, cdgh, w, 14);
        step!(N, abef, cdgh, w, 15);
        for s in 0..N {
            abef[s] = _mm_add_epi32(abef[s], abef_save[s]);
            cdgh[s] = _mm_add_epi32(cdgh[s], cdgh_save[s]);
        }
    }
    for (s, state) in states.into_iter().enumerate() {
        let feba = _mm_shuffle_epi32::<0x1B>(abef[s]);
        let dchg = _mm_shuffle_epi32::<0xB1>(cdgh[s]);
        let dcba = _mm_blend_epi16::<0xF0>(feba, dchg);
        let hgef = _mm_alignr_epi8::<8>(dchg, feba);
        let p = state.as_mut_ptr().cast::<__m128i>();
        // SAFETY: `state` is 32 writable bytes; `storeu` has no alignment requirement.
        unsafe {
            _mm_storeu_si128(p, dcba);
            _mm_storeu_si128(p.add(1), hgef);
        }
    }
}
