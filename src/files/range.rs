//! Byte ranges (RFC 9110 §14): which bytes a Range field asks for. Overlapping and adjacent ranges are merged
//! (in file order), so the parts never add up to more than the file; one range left is a plain 206, several are
//! multipart/byteranges (multipart.rs). Too many ranges get the whole file once (§14.2: a request for many small
//! or overlapping ranges is a way to make a server work hard or send more than the file).

use super::conditional::{date, strong_match};
use super::validators::Validators;
use crate::http::request::Request;
use crate::http::vocabulary::headers::{IF_RANGE, RANGE};

/// More ranges than this in one request get the whole file.
pub const MOST_RANGES: usize = 32;

#[derive(Debug, PartialEq, Eq)]
pub enum RangeAnswer {
    Full,
    /// Bytes `start..=end` of the file.
    Partial {
        start: u64,
        end: u64,
    },
    /// Several ranges `(start, end)`, inclusive, in file order, none overlapping or touching another.
    Multiple(Vec<(u64, u64)>),
    /// 416: no byte of the file is in the range.
    Unsatisfiable,
}

pub fn evaluate(request: &Request<'_>, validators: &Validators, len: u64) -> RangeAnswer {
    let Some(range) = request.header(RANGE.as_str()) else {
        return RangeAnswer::Full;
    };
    if let Some(condition) = request.header(IF_RANGE.as_str()) {
        if !if_range_holds(condition, validators) {
            return RangeAnswer::Full;
        }
    }
    parse(range, len)
}

/// If-Range holds when its entity tag matches strongly, or its date is exactly the file's Last-Modified.
fn if_range_holds(condition: &[u8], validators: &Validators) -> bool {
    if condition.starts_with(b"\"") || condition.starts_with(b"W/") {
        strong_match(condition, &validators.etag)
    } else {
        date(Some(condition)) == Some(validators.last_modified)
    }
}

/// Parses a Range value against a representation of `len` bytes. A value with anything that is not a valid
/// `bytes` range is ignored, as the RFC allows, and the whole file is sent; ranges that start past the end are
/// left out, and when that leaves none the answer is 416.
pub fn parse(value: &[u8], len: u64) -> RangeAnswer {
    let Ok(value) = std::str::from_utf8(value) else {
        return RangeAnswer::Full;
    };
    let Some((unit, specs)) = value.split_once('=') else {
        return RangeAnswer::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return RangeAnswer::Full;
    }
    // Empty list elements are allowed and mean nothing (RFC 9110 §5.6.1.2).
    let specs: Vec<&str> = specs
        .split(',')
        .map(str::trim)
        .filter(|spec| !spec.is_empty())
        .collect();
    if specs.is_empty() || specs.len() > MOST_RANGES {
        return RangeAnswer::Full;
    }
    let mut ranges = Vec::with_capacity(specs.len());
    for spec in specs {
        match range(spec, len) {
            Spec::Invalid => return RangeAnswer::Full,
            Spec::Unsatisfiable => {}
            Spec::Range(start, end) => ranges.push((start, end)),
        }
    }
    match merge(ranges).as_slice() {
        [] => RangeAnswer::Unsatisfiable,
        &[(start, end)] => RangeAnswer::Partial { start, end },
        several => RangeAnswer::Multiple(several.to_vec()),
    }
}

enum Spec {
    Invalid,
    Unsatisfiable,
    /// Inclusive, within the file.
    Range(u64, u64),
}

/// One `a-b`, `a-` or `-n` against `len` bytes.
fn range(spec: &str, len: u64) -> Spec {
    let Some((first, last)) = spec.split_once('-') else {
        return Spec::Invalid;
    };
    let number = |text: &str| -> Option<u64> {
        (!text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    match (first.is_empty(), number(first), number(last)) {
        // `-n`: the last n bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || len == 0 {
                Spec::Unsatisfiable
            } else {
                Spec::Range(len.saturating_sub(suffix), len - 1)
            }
        }
        // `a-` or `a-b`.
        (false, Some(start), end) if last.is_empty() || end.is_some_and(|end| end >= start) => {
            if start >= len {
                Spec::Unsatisfiable
            } else {
                Spec::Range(start, end.map_or(len - 1, |end| end.min(len - 1)))
            }
        }
        _ => Spec::Invalid,
    }
}

/// Sorts the ranges and joins those that overlap or touch (RFC 9110 §14.6 lets a server coalesce them).
fn merge(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some((_, last_end)) if start <= last_end.saturating_add(1) => {
                *last_end = (*last_end).max(end);
            }
            _ => merged.push((start, end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request;
    use std::time::{Duration, UNIX_EPOCH};

    fn partial(start: u64, end: u64) -> RangeAnswer {
        RangeAnswer::Partial { start, end }
    }

    #[test]
    fn single_ranges() {
        assert_eq!(parse(b"bytes=0-4", 10), partial(0, 4));
        assert_eq!(parse(b"bytes=5-", 10), partial(5, 9));
        assert_eq!(parse(b"bytes=-3", 10), partial(7, 9));
        assert_eq!(parse(b"bytes=-30", 10), partial(0, 9));
        assert_eq!(parse(b"bytes=8-100", 10), partial(8, 9));
        assert_eq!(parse(b"Bytes = 9-9", 10), partial(9, 9));
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(parse(b"bytes=10-", 10), RangeAnswer::Unsatisfiable);
        assert_eq!(parse(b"bytes=10-20", 10), RangeAnswer::Unsatisfiable);
        assert_eq!(parse(b"bytes=-0", 10), RangeAnswer::Unsatisfiable);
        assert_eq!(parse(b"bytes=0-", 0), RangeAnswer::Unsatisfiable);
        assert_eq!(parse(b"bytes=-5", 0), RangeAnswer::Unsatisfiable);
    }

    #[test]
    fn several_ranges_merge_in_file_order() {
        let multiple = |ranges: &[(u64, u64)]| RangeAnswer::Multiple(ranges.to_vec());
        assert_eq!(parse(b"bytes=0-1,4-5", 10), multiple(&[(0, 1), (4, 5)]));
        assert_eq!(parse(b"bytes=6-7, 0-1", 10), multiple(&[(0, 1), (6, 7)]));
        assert_eq!(parse(b"bytes=0-1,-2", 10), multiple(&[(0, 1), (8, 9)]));
        assert_eq!(parse(b"bytes=0-3,2-5", 10), partial(0, 5), "overlapping");
        assert_eq!(parse(b"bytes=0-3,4-5", 10), partial(0, 5), "adjacent");
        assert_eq!(parse(b"bytes=4-5,0-9", 10), partial(0, 9), "contained");
        assert_eq!(parse(b"bytes=0-1,,4-5,", 10), multiple(&[(0, 1), (4, 5)]));
        assert_eq!(
            parse(b"bytes=0-1,50-60", 10),
            partial(0, 1),
            "an unsatisfiable range is left out"
        );
        assert_eq!(parse(b"bytes=20-30,50-", 10), RangeAnswer::Unsatisfiable);
    }

    #[test]
    fn amplification_is_refused() {
        // The same bytes asked for many times: merged into one range, never sent twice.
        let repeated = vec!["0-"; MOST_RANGES].join(",");
        assert_eq!(
            parse(format!("bytes={repeated}").as_bytes(), 10),
            partial(0, 9)
        );
        // Many small ranges: the whole file once.
        let many: Vec<String> = (0..=MOST_RANGES as u64)
            .map(|at| format!("{}-{}", at * 3, at * 3))
            .collect();
        assert_eq!(
            parse(format!("bytes={}", many.join(",")).as_bytes(), 1000),
            RangeAnswer::Full
        );
        let allowed = &many[..MOST_RANGES];
        let RangeAnswer::Multiple(ranges) =
            parse(format!("bytes={}", allowed.join(",")).as_bytes(), 1000)
        else {
            panic!("{MOST_RANGES} ranges are answered");
        };
        assert_eq!(ranges.len(), MOST_RANGES);
    }

    #[test]
    fn ignored_ranges_get_the_whole_file() {
        for value in [
            &b"bytes=5-2"[..],
            b"bytes=0-1,x",
            b"bytes=0-1,5-2",
            b"bytes=,",
            b"items=0-1",
            b"bytes=a-b",
            b"bytes=+1-2",
            b"bytes=-",
            b"bytes 0-1",
            b"bytes=99999999999999999999999-",
            b"bytes=\xff-",
        ] {
            assert_eq!(
                parse(value, 10),
                RangeAnswer::Full,
                "{}",
                String::from_utf8_lossy(value)
            );
        }
    }

    #[test]
    fn if_range_with_stale_validator_gets_the_whole_file() {
        let validators = Validators {
            etag: "\"abc\"".to_string(),
            last_modified: UNIX_EPOCH + Duration::from_secs(784_111_777),
        };
        let answer = |fields: &str| {
            let raw = format!("GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\n{fields}\r\n");
            let (request, _) = request::parse(raw.as_bytes()).unwrap().unwrap();
            evaluate(&request, &validators, 10)
        };
        assert_eq!(answer(""), partial(0, 1));
        assert_eq!(answer("If-Range: \"abc\"\r\n"), partial(0, 1));
        assert_eq!(answer("If-Range: \"old\"\r\n"), RangeAnswer::Full);
        assert_eq!(answer("If-Range: W/\"abc\"\r\n"), RangeAnswer::Full);
        assert_eq!(
            answer("If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n"),
            partial(0, 1)
        );
        assert_eq!(
            answer("If-Range: Sun, 06 Nov 1994 08:49:38 GMT\r\n"),
            RangeAnswer::Full
        );
    }
}
