//! `Range` handling for `GET /v1/images/{id}/layer`, as a pure decision.
//!
//! Behaviour (gotcha 12's recommendation rather than docker-registry's quirks):
//!
//! * No `Range`, or a malformed one (not `bytes=<start>-[<end>]`, several ranges, suffix
//!   ranges `bytes=-<n>`, `end < start`, numbers that overflow) ⇒ **200** with the full body.
//! * `start >= size` ⇒ **416** with an empty body and `Content-Range: bytes */<size>`; docker
//!   treats "416 with Content-Length 0" as end of file when it resumes at `bytes=<size>-<size>`.
//! * Otherwise ⇒ **206** with `end` clamped to `size - 1` (docker asks `bytes=<n>-<size>`, one
//!   past the end), `Content-Range: bytes <start>-<end>/<size>` (with the RFC 7233 unit, which
//!   docker-registry omitted) and `Content-Length: end - start + 1`. Single-byte ranges are
//!   served (docker-registry answered 416).
//! * A zero-length layer: without `Range` ⇒ 200 with an empty body (docker-registry answered
//!   416); with any valid `Range` ⇒ 416 (`start >= 0 == size`).

/// What to answer to a layer `GET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RangePlan {
    /// 200, the whole body.
    Full,
    /// 206, bytes `start..=end` of the layer.
    Partial {
        /// First byte offset.
        start: u64,
        /// Last byte offset (inclusive, `< size`).
        end: u64,
    },
    /// 416, empty body.
    Unsatisfiable,
}

impl RangePlan {
    /// The status code.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::Full => http::StatusCode::OK,
            Self::Partial { .. } => http::StatusCode::PARTIAL_CONTENT,
            Self::Unsatisfiable => http::StatusCode::RANGE_NOT_SATISFIABLE,
        }
    }

    /// The `Content-Range` value, if any (`bytes a-b/size` or `bytes */size`).
    pub fn content_range(&self, size: u64) -> Option<String> {
        match self {
            Self::Full => None,
            Self::Partial { start, end } => Some(format!("bytes {start}-{end}/{size}")),
            Self::Unsatisfiable => Some(format!("bytes */{size}")),
        }
    }

    /// The `Content-Length` of the answer.
    pub fn content_length(&self, size: u64) -> u64 {
        match self {
            Self::Full => size,
            Self::Partial { start, end } => end - start + 1,
            Self::Unsatisfiable => 0,
        }
    }
}

/// Decides how to answer a layer `GET` given its `Range` header and the stored size.
///
/// ```
/// use berth_model::range::{plan_range, RangePlan};
/// assert_eq!(plan_range(None, 1024), RangePlan::Full);
/// assert_eq!(plan_range(Some("bytes=1000-1024"), 1024), RangePlan::Partial { start: 1000, end: 1023 });
/// assert_eq!(plan_range(Some("bytes=1024-1024"), 1024), RangePlan::Unsatisfiable);
/// assert_eq!(plan_range(Some("bytes=x"), 1024), RangePlan::Full);
/// ```
pub fn plan_range(header: Option<&str>, size: u64) -> RangePlan {
    let Some((start, end)) = header.and_then(parse_range) else {
        return RangePlan::Full;
    };
    if start >= size {
        return RangePlan::Unsatisfiable;
    }
    let last = size - 1;
    let end = end.map_or(last, |e| e.min(last));
    RangePlan::Partial { start, end }
}

/// Parses `bytes=<start>-[<end>]` (surrounding whitespace allowed, unit case-insensitive).
fn parse_range(value: &str) -> Option<(u64, Option<u64>)> {
    let value = value.trim();
    let (unit, spec) = value.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (start, end) = spec.trim().split_once('-')?;
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let start = number(start.trim())?;
    let end = match end.trim() {
        "" => None,
        e => Some(number(e)?),
    };
    if end.is_some_and(|e| e < start) {
        return None;
    }
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(
            plan_range(Some("bytes=0-0"), 10),
            RangePlan::Partial { start: 0, end: 0 }
        );
        assert_eq!(
            plan_range(Some("bytes=5-"), 10),
            RangePlan::Partial { start: 5, end: 9 }
        );
        assert_eq!(
            plan_range(Some(" Bytes = 2 - 3 "), 10),
            RangePlan::Partial { start: 2, end: 3 }
        );
        for malformed in [
            "bytes=-5",
            "bytes=3-2",
            "bytes=1-2,4-5",
            "items=1-2",
            "bytes=a-",
            "bytes=99999999999999999999-",
        ] {
            assert_eq!(
                plan_range(Some(malformed), 10),
                RangePlan::Full,
                "{malformed}"
            );
        }
        assert_eq!(plan_range(Some("bytes=10-"), 10), RangePlan::Unsatisfiable);
        assert_eq!(plan_range(None, 0), RangePlan::Full);
        assert_eq!(plan_range(Some("bytes=0-"), 0), RangePlan::Unsatisfiable);
        let p = RangePlan::Partial {
            start: 1000,
            end: 1023,
        };
        assert_eq!(
            p.content_range(1024).as_deref(),
            Some("bytes 1000-1023/1024")
        );
        assert_eq!(p.content_length(1024), 24);
        assert_eq!(
            RangePlan::Unsatisfiable.content_range(7).as_deref(),
            Some("bytes */7")
        );
        assert_eq!(RangePlan::Unsatisfiable.content_length(7), 0);
    }

    #[test]
    fn registry_test_suite_range() {
        // tests.md B `test_bytes_range`: `bytes=b-e` returns `layer[b:e+1]`.
        let plan = plan_range(Some("bytes=17-511"), 1024);
        assert_eq!(
            plan,
            RangePlan::Partial {
                start: 17,
                end: 511
            }
        );
        assert_eq!(plan.content_length(1024), 511 - 17 + 1);
    }
}
