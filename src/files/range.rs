//! Byte ranges (RFC 9110 §14): one range is answered with 206; several are answered with the whole file (a 200 is
//! always a correct answer to a Range request, and no browser or download tool needs multipart/byteranges from a
//! static file server).

use super::conditional::{date, strong_match};
use super::validators::Validators;
use crate::http::request::Request;
use crate::http::vocabulary::headers::IF_RANGE;

#[derive(Debug, PartialEq, Eq)]
pub enum RangeAnswer {
    Full,
    /// Bytes `start..=end` of the file.
    Partial {
        start: u64,
        end: u64,
    },
    /// 416: no byte of the file is in the range.
    Unsatisfiable,
}

pub fn evaluate(request: &Request<'_>, validators: &Validators, len: u64) -> RangeAnswer {
    let Some(range) = request.header("range") else {
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

/// Parses a Range value against a representation of `len` bytes. Anything that is not one valid `bytes` range
/// is ignored, as the RFC allows, and the whole file is sent.
pub fn parse(value: &[u8], len: u64) -> RangeAnswer {
    let Ok(value) = std::str::from_utf8(value) else {
        return RangeAnswer::Full;
    };
    let Some((unit, specs)) = value.split_once('=') else {
        return RangeAnswer::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || specs.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = specs.trim().split_once('-') else {
        return RangeAnswer::Full;
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
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Partial {
                    start: len.saturating_sub(suffix),
                    end: len - 1,
                }
            }
        }
        // `a-` or `a-b`.
        (false, Some(start), end) if last.is_empty() || end.is_some_and(|end| end >= start) => {
            if start >= len {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Partial {
                    start,
                    end: end.map_or(len - 1, |end| end.min(len - 1)),
                }
            }
        }
        _ => RangeAnswer::Full,
    }
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
    fn ignored_ranges_get_the_whole_file() {
        for value in [
            &b"bytes=5-2"[..],
            b"bytes=0-1,4-5",
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
