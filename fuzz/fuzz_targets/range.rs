//! Range parsing and the answer built from it (206, multipart/byteranges, 416). Input: two bytes for the file's
//! length, then the Range value. Properties: no panic; every range lies inside the file, in file order, none
//! overlapping or touching another, at most MOST_RANGES of them, also for a file of nearly 2^64 bytes; and the
//! answer for a file in memory sends exactly the bytes its Content-Range fields name, each part inside the file,
//! at most MOST_RANGES parts, never more bytes than the file (amplification), and 416 only when no range fits.
#![no_main]

use lanai::files::range::{self, RangeAnswer, MOST_RANGES};
use lanai::files::representation::{represent, Content, Representation};
use lanai::files::validators::Validators;
use lanai::http::response::{Body, Response};
use lanai::http::vocabulary::headers::{CONTENT_RANGE, CONTENT_TYPE};
use lanai::http::vocabulary::StatusCode;
use lanai_fuzz::{parsed, request_head};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

fuzz_target!(|data: &[u8]| {
    let [high, low, value @ ..] = data else {
        return;
    };
    let len = u64::from(u16::from_be_bytes([*high, *low]));
    for file_len in [len, u64::MAX - len] {
        check_ranges(&range::parse(value, file_len), file_len);
    }
    let head = request_head(b"/clip.mp4", &[("Range", value)]);
    let Some(request) = parsed(&head) else {
        return;
    };
    let file: Arc<[u8]> = (0..len).map(|at| (at % 251) as u8).collect();
    let representation = Representation {
        validators: Validators {
            etag: "\"tag\"".into(),
            last_modified: UNIX_EPOCH,
        },
        last_modified: "Thu, 01 Jan 1970 00:00:00 GMT".into(),
        content_type: "video/mp4".into(),
        encoding: None,
        vary: None,
        len,
    };
    let answer = represent(&request, &representation, Content::Memory(file.clone()));
    // The field as lanai read it: the value may hold a line break that ends it early.
    let field = request.header("range").unwrap_or_default();
    check_answer(&answer, &file, range::parse(field, len));
});

fn check_ranges(answer: &RangeAnswer, len: u64) {
    let ranges = match answer {
        RangeAnswer::Full | RangeAnswer::Unsatisfiable => return,
        RangeAnswer::Partial { start, end } => vec![(*start, *end)],
        RangeAnswer::Multiple(ranges) => ranges.clone(),
    };
    assert!(ranges.len() <= MOST_RANGES, "{} ranges", ranges.len());
    for &(start, end) in &ranges {
        assert!(start <= end && end < len, "{start}-{end} of {len}");
    }
    for pair in ranges.windows(2) {
        assert!(pair[0].1 + 1 < pair[1].0, "{pair:?} overlap or touch");
    }
}

fn check_answer(answer: &Response, file: &[u8], parsed: RangeAnswer) {
    let body = bytes_of(&answer.body);
    let header = |name| {
        answer
            .headers
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, value)| value.as_ref())
    };
    let len = file.len() as u64;
    match answer.status {
        StatusCode::Ok => assert_eq!(body, file),
        StatusCode::RangeNotSatisfiable => {
            assert_eq!(
                header(CONTENT_RANGE),
                Some(format!("bytes */{len}").as_str())
            );
            assert_eq!(parsed, RangeAnswer::Unsatisfiable);
        }
        StatusCode::PartialContent => {
            let content_type = header(CONTENT_TYPE).unwrap_or_default();
            match content_type.strip_prefix("multipart/byteranges; boundary=") {
                Some(boundary) => check_parts(&body, boundary, file),
                None => check_part(header(CONTENT_RANGE), &body, file),
            }
        }
        other => panic!("a Range request answered {other:?}"),
    }
}

/// A part's Content-Range names bytes inside the file, and the part is exactly those bytes.
fn check_part(content_range: Option<&str>, part: &[u8], file: &[u8]) {
    let len = file.len();
    let spec = content_range
        .and_then(|value| value.strip_prefix("bytes "))
        .and_then(|value| value.strip_suffix(&format!("/{len}")))
        .and_then(|value| value.split_once('-'));
    let Some((Ok(start), Ok(end))) = spec.map(|(start, end)| (start.parse(), end.parse::<usize>()))
    else {
        panic!("Content-Range {content_range:?} for a {len}-byte file");
    };
    assert!(start <= end && end < len, "{start}-{end} of {len}");
    assert_eq!(part, &file[start..=end], "bytes {start}-{end}");
}

/// multipart/byteranges (RFC 9110 §14.6): each part checked as above, at most MOST_RANGES of them, and all of
/// them together no larger than the file.
fn check_parts(body: &[u8], boundary: &str, file: &[u8]) {
    assert!(
        body.len() <= file.len(),
        "{} bytes of parts for a {}-byte file",
        body.len(),
        file.len()
    );
    let inner = body
        .strip_prefix(format!("--{boundary}\r\n").as_bytes())
        .and_then(|rest| rest.strip_suffix(format!("\r\n--{boundary}--\r\n").as_bytes()))
        .expect("delimiters around the parts");
    // The file's bytes (0, 1, 2, … 250, 0, …) never hold a CRLF, so they cannot hold a delimiter.
    let parts = split(inner, format!("\r\n--{boundary}\r\n").as_bytes());
    assert!(parts.len() <= MOST_RANGES, "{} parts", parts.len());
    for part in parts {
        let [head, content] = split(part, b"\r\n\r\n")[..] else {
            panic!(
                "a part without one head: {:?}",
                String::from_utf8_lossy(part)
            );
        };
        let head = std::str::from_utf8(head).expect("a part head is text");
        let content_range = head
            .lines()
            .find_map(|line| line.strip_prefix("Content-Range: "));
        check_part(content_range, content, file);
    }
}

/// The pieces of `bytes` between occurrences of `delimiter`.
fn split<'a>(mut bytes: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    while let Some(at) = bytes
        .windows(delimiter.len())
        .position(|window| window == delimiter)
    {
        pieces.push(&bytes[..at]);
        bytes = &bytes[at + delimiter.len()..];
    }
    pieces.push(bytes);
    pieces
}

fn bytes_of(body: &Body) -> Vec<u8> {
    match body {
        Body::Empty => Vec::new(),
        Body::Bytes(bytes) => bytes.clone(),
        Body::Shared { bytes, start, len } => bytes[*start..start + len].to_vec(),
        Body::Parts(parts) => parts.iter().flat_map(bytes_of).collect(),
        _ => panic!("a body in memory is sent from memory"),
    }
}
