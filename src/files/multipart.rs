//! multipart/byteranges (RFC 9110 §14.6): several ranges of one representation in one 206, each part with its own
//! Content-Type and Content-Range, the whole with an exact Content-Length.

use super::representation::Content;
use crate::http::response::Body;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;

pub struct Multipart {
    /// The response's Content-Type, naming the boundary.
    pub content_type: String,
    pub body: Body,
}

/// The parts for `ranges` (inclusive, in file order) of `content`, a representation of `len` bytes of
/// `part_type`.
pub fn build(
    ranges: &[(u64, u64)],
    content: &Content,
    part_type: &str,
    len: u64,
) -> io::Result<Multipart> {
    let boundary = boundary();
    let mut parts = Vec::with_capacity(ranges.len() * 2 + 1);
    for (index, &(start, end)) in ranges.iter().enumerate() {
        // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1); the first needs none.
        let before = if index == 0 { "" } else { "\r\n" };
        let head = format!(
            "{before}--{boundary}\r\nContent-Type: {part_type}\r\nContent-Range: bytes {start}-{end}/{len}\r\n\r\n"
        );
        parts.push(Body::Bytes(head.into_bytes()));
        parts.push(content.part(start, end - start + 1)?);
    }
    parts.push(Body::Bytes(format!("\r\n--{boundary}--\r\n").into_bytes()));
    Ok(Multipart {
        content_type: format!("multipart/byteranges; boundary={boundary}"),
        body: Body::Parts(parts),
    })
}

/// A boundary that differs from response to response (std's RandomState is seeded at random per process and
/// changes with every instance), so no file can be made to contain the one it will be sent with.
fn boundary() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u8(0);
    format!("lanai-{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn bytes_of(body: &Body) -> Vec<u8> {
        match body {
            Body::Bytes(bytes) => bytes.clone(),
            Body::Shared { bytes, start, len } => bytes[*start..start + len].to_vec(),
            Body::Parts(parts) => parts.iter().flat_map(bytes_of).collect(),
            _ => panic!("not an in-memory body"),
        }
    }

    #[test]
    fn parts_carry_type_and_range_and_the_length_adds_up() {
        let content = Content::Memory(Arc::from(&b"0123456789"[..]));
        let multipart = build(&[(0, 1), (7, 9)], &content, "text/plain", 10).unwrap();
        let boundary = multipart
            .content_type
            .strip_prefix("multipart/byteranges; boundary=")
            .unwrap()
            .to_string();
        let expected = format!(
            "--{boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01\
             \r\n--{boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 7-9/10\r\n\r\n789\
             \r\n--{boundary}--\r\n"
        );
        let body = bytes_of(&multipart.body);
        assert_eq!(String::from_utf8(body).unwrap(), expected);
        assert_eq!(multipart.body.content_length(), Some(expected.len() as u64));
    }

    #[test]
    fn boundaries_differ() {
        assert_ne!(boundary(), boundary());
    }
}
