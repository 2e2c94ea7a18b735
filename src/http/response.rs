//! A response as the endpoint builds it, and the encoding of its head: status line, canonical header case and the
//! headers every response carries (Server, Date, Connection, Content-Length).

use super::date;
use crate::http::vocabulary::headers::HeaderName;
use crate::http::vocabulary::StatusCode;
use async_std::channel::Receiver;
use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::sync::Arc;

const SERVER: &str = concat!("lanai/", env!("CARGO_PKG_VERSION"));

pub enum Body {
    Empty,
    Bytes(Vec<u8>),
    /// `len` bytes from `start` of a buffer shared with other responses (the file cache).
    Shared {
        bytes: Arc<[u8]>,
        start: usize,
        len: usize,
    },
    /// `len` bytes of an open file from `start`; streamed by the connection.
    File {
        file: File,
        start: u64,
        len: u64,
    },
    /// Server-Sent Events: each message is written as it arrives, until the client leaves. It has no length,
    /// so the connection closes after it.
    EventStream(Receiver<Arc<str>>),
    /// Not lanai's to answer: the connection hands the request to `proxy::exchange`, which relays the upstream's
    /// answer, head and all.
    Proxied(Box<crate::proxy::Forward>),
}

impl Body {
    /// The length of the content, or `None` when the end of the connection marks its end.
    pub fn content_length(&self) -> Option<u64> {
        Some(match self {
            Body::Empty => 0,
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::Shared { len, .. } => *len as u64,
            Body::File { len, .. } => *len,
            Body::EventStream(_) | Body::Proxied(_) => return None,
        })
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, Cow<'static, str>)>,
    pub body: Body,
}

impl Response {
    pub fn new(status: StatusCode, body: Body) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// A short plain-text page for an error status, e.g. `404 Not Found`.
    pub fn status_page(status: StatusCode) -> Self {
        let text = format!("{} {}\n", status as u16, status.reason());
        Response::new(status, Body::Bytes(text.into_bytes())).with_header(
            crate::http::vocabulary::headers::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )
    }

    pub fn with_header(mut self, name: HeaderName, value: impl Into<Cow<'static, str>>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// Appends the response head to `out`. The status line always says HTTP/1.1, the highest version we speak
/// (RFC 9110 §2.5), whatever the request's version.
pub fn encode_head(response: &Response, keep_alive: bool, out: &mut Vec<u8>) {
    let status = response.status;
    out.extend_from_slice(b"HTTP/1.1 ");
    // Writing into a Vec cannot fail; `write!` formats the number without an allocation.
    let _ = write!(out, "{}", status as u16);
    out.push(b' ');
    out.extend_from_slice(status.reason().as_bytes());
    out.extend_from_slice(b"\r\nServer: ");
    out.extend_from_slice(SERVER.as_bytes());
    out.extend_from_slice(b"\r\nDate: ");
    date::append_now(out);
    out.extend_from_slice(if keep_alive {
        b"\r\nConnection: keep-alive\r\n"
    } else {
        b"\r\nConnection: close\r\n"
    });
    for (name, value) in &response.headers {
        append_canonical_name(name.as_str(), out);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    // 204 and 304 have no content, and must not claim a length of 0 (RFC 9110 §8.6).
    let length = response.body.content_length();
    if let (Some(length), false) = (
        length,
        matches!(status, StatusCode::NoContent | StatusCode::NotModified),
    ) {
        out.extend_from_slice(b"Content-Length: ");
        let _ = write!(out, "{length}");
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Writes a lowercase header name in the case clients and the exercise expect: each hyphen-separated word
/// capitalised (`content-type` → `Content-Type`), with the registered exceptions spelled as registered.
fn append_canonical_name(lowercase: &str, out: &mut Vec<u8>) {
    match lowercase {
        "etag" => out.extend_from_slice(b"ETag"),
        "www-authenticate" => out.extend_from_slice(b"WWW-Authenticate"),
        _ => {
            let mut word_start = true;
            for byte in lowercase.bytes() {
                out.push(if word_start {
                    byte.to_ascii_uppercase()
                } else {
                    byte
                });
                word_start = byte == b'-';
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::vocabulary::headers::{ALLOW, CONTENT_TYPE, ETAG, LAST_MODIFIED};

    fn canonical(name: &str) -> String {
        let mut out = Vec::new();
        append_canonical_name(name, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn header_names_are_canonical() {
        assert_eq!(canonical(CONTENT_TYPE.as_str()), "Content-Type");
        assert_eq!(canonical(LAST_MODIFIED.as_str()), "Last-Modified");
        assert_eq!(canonical(ALLOW.as_str()), "Allow");
        assert_eq!(canonical(ETAG.as_str()), "ETag");
        assert_eq!(
            canonical("x-content-type-options"),
            "X-Content-Type-Options"
        );
    }

    #[test]
    fn head_has_status_line_fixed_headers_and_length() {
        let response = Response::new(StatusCode::Ok, Body::Bytes(b"hello".to_vec()))
            .with_header(CONTENT_TYPE, "text/plain");
        let mut out = Vec::new();
        encode_head(&response, true, &mut out);
        let head = String::from_utf8(out).unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains(&format!(
            "\r\nServer: lanai/{}\r\n",
            env!("CARGO_PKG_VERSION")
        )));
        assert!(head.contains("\r\nDate: "));
        assert!(head.contains("\r\nConnection: keep-alive\r\n"));
        assert!(head.contains("\r\nContent-Type: text/plain\r\n"));
        assert!(head.ends_with("\r\nContent-Length: 5\r\n\r\n"), "{head}");
    }

    #[test]
    fn no_length_without_content() {
        for status in [StatusCode::NoContent, StatusCode::NotModified] {
            let mut out = Vec::new();
            encode_head(&Response::new(status, Body::Empty), true, &mut out);
            let head = String::from_utf8(out).unwrap();
            assert!(!head.contains("Content-Length"), "{head}");
            assert!(head.ends_with("\r\n\r\n"));
        }
    }

    #[test]
    fn error_pages_name_their_status() {
        let response = Response::status_page(StatusCode::MethodNotAllowed);
        let mut out = Vec::new();
        encode_head(&response, false, &mut out);
        let head = String::from_utf8(out).unwrap();
        assert!(
            head.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nConnection: close\r\n"));
        assert!(matches!(&response.body, Body::Bytes(text) if text == b"405 Method Not Allowed\n"));
    }
}
