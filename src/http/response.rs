//! A response as the endpoint builds it, and the encoding of its head: status line, canonical header case and the
//! headers every response carries (Server, Date, Connection, Content-Length).

use super::date;
use crate::http::vocabulary::headers::HeaderName;
use crate::http::vocabulary::StatusCode;
use async_std::channel::Receiver;
use std::borrow::Cow;
use std::fs::File;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

/// The end of the status line, the Server field and the start of the Date field: the same in every head.
const SERVER_THEN_DATE: &str = concat!(
    "\r\nServer: lanai/",
    env!("CARGO_PKG_VERSION"),
    "\r\nDate: "
);

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
    /// `Bytes`, `Shared` and `File` bodies sent one after another (the parts of multipart/byteranges).
    Parts(Vec<Body>),
    /// Bytes made by another thread as it goes (a compression too large to keep), ended by the channel's end
    /// or an error. It has no length, so the connection closes after it.
    Chunks(Receiver<io::Result<Vec<u8>>>),
    /// A body being made off the executor threads (a compression); `Response::settle` waits for it before the
    /// head is written, as the head carries its length.
    Pending(PendingBody),
    /// Not lanai's to answer: the connection hands the request to `proxy::exchange`, which relays the upstream's
    /// answer, head and all.
    Proxied(Box<crate::proxy::Forward>),
    /// Not an answer yet: the endpoint reads the request body first (the connection lends it, see incoming.rs)
    /// and then answers.
    Receive(super::incoming::Receiver),
}

pub type PendingBody = Pin<Box<dyn Future<Output = io::Result<Body>> + Send>>;

impl Body {
    /// The length of the content, or `None` when the end of the connection marks its end.
    pub fn content_length(&self) -> Option<u64> {
        Some(match self {
            Body::Empty => 0,
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::Shared { len, .. } => *len as u64,
            Body::File { len, .. } => *len,
            Body::Parts(parts) => parts
                .iter()
                .map(Body::content_length)
                .sum::<Option<u64>>()?,
            Body::EventStream(_)
            | Body::Chunks(_)
            | Body::Pending(_)
            | Body::Proxied(_)
            | Body::Receive(_) => return None,
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

    /// The response with its body made: waits for a pending body without holding an executor thread. A body
    /// that cannot be made turns the answer into a 500, as nothing of it has been sent yet.
    pub async fn settle(self) -> Response {
        match self.body {
            Body::Pending(pending) => match pending.await {
                Ok(body) => Response { body, ..self },
                Err(error) => {
                    log::warn!("a response body could not be made: {error}");
                    Response::status_page(StatusCode::InternalServerError)
                }
            },
            body => Response { body, ..self },
        }
    }
}

/// Appends the response head to `out`. The status line always says HTTP/1.1, the highest version we speak
/// (RFC 9110 §2.5), whatever the request's version. This runs for every response, so it copies prepared bytes:
/// names carry their canonical spelling, numbers are written without the formatting machinery.
pub fn encode_head(response: &Response, keep_alive: bool, out: &mut Vec<u8>) {
    let status = response.status;
    out.extend_from_slice(b"HTTP/1.1 ");
    // Every status code has three digits.
    let code = status.code();
    out.extend_from_slice(&[
        b'0' + (code / 100) as u8,
        b'0' + (code / 10 % 10) as u8,
        b'0' + (code % 10) as u8,
    ]);
    out.push(b' ');
    out.extend_from_slice(status.reason().as_bytes());
    out.extend_from_slice(SERVER_THEN_DATE.as_bytes());
    date::append_now(out);
    out.extend_from_slice(if keep_alive {
        b"\r\nConnection: keep-alive\r\n"
    } else {
        b"\r\nConnection: close\r\n"
    });
    for (name, value) in &response.headers {
        name.append_canonical(out);
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
        append_decimal(length, out);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends `number` in decimal, as `write!` would, without going through `fmt`.
fn append_decimal(mut number: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::vocabulary::headers::{
        ACCEPT_RANGES, CACHE_CONTROL, CONTENT_TYPE, ETAG, LAST_MODIFIED, VARY,
    };

    /// The head `encode_head` writes, with the one value that changes by the second, the date, checked and
    /// replaced by `<date>`.
    fn head(response: &Response, keep_alive: bool) -> String {
        let mut out = b"kept".to_vec();
        encode_head(response, keep_alive, &mut out);
        let head = String::from_utf8(out).unwrap();
        let head = head.strip_prefix("kept").expect("appends to what is there");
        let (before, after) = head.split_once("\r\nDate: ").unwrap();
        let (date, rest) = after.split_at(29);
        assert!(httpdate::parse_http_date(date).is_ok(), "{date}");
        format!("{before}\r\nDate: <date>{rest}")
    }

    fn server() -> String {
        format!("Server: lanai/{}", env!("CARGO_PKG_VERSION"))
    }

    #[test]
    fn a_file_head_byte_for_byte() {
        let response = Response::new(
            StatusCode::Ok,
            Body::Shared {
                bytes: Arc::from(&b"<html>Directory index file</html>\n"[..]),
                start: 0,
                len: 34,
            },
        )
        .with_header(ETAG, "\"2a-1b3c-22\"")
        .with_header(LAST_MODIFIED, "Sun, 06 Nov 1994 08:49:37 GMT")
        .with_header(VARY, "Accept-Encoding")
        .with_header(ACCEPT_RANGES, "bytes")
        .with_header(CONTENT_TYPE, "text/html; charset=utf-8")
        .with_header(CACHE_CONTROL, "no-cache")
        .with_header(HeaderName::from("X-Frame-Options"), "DENY")
        .with_header(HeaderName::from("www-authenticate"), "Basic");
        assert_eq!(
            head(&response, true),
            format!(
                "HTTP/1.1 200 OK\r\n{}\r\nDate: <date>\r\nConnection: keep-alive\r\n\
                 ETag: \"2a-1b3c-22\"\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
                 Vary: Accept-Encoding\r\nAccept-Ranges: bytes\r\n\
                 Content-Type: text/html; charset=utf-8\r\nCache-Control: no-cache\r\n\
                 X-Frame-Options: DENY\r\nWWW-Authenticate: Basic\r\nContent-Length: 34\r\n\r\n",
                server()
            )
        );
    }

    #[test]
    fn status_pages_not_modified_and_lengths_byte_for_byte() {
        assert_eq!(
            head(&Response::status_page(StatusCode::NotFound), false),
            format!(
                "HTTP/1.1 404 Not Found\r\n{}\r\nDate: <date>\r\nConnection: close\r\n\
                 Content-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n",
                server()
            )
        );
        let not_modified = Response::new(StatusCode::NotModified, Body::Empty)
            .with_header(ETAG, "\"1\"")
            .with_header(
                HeaderName::from_static("cross-origin-opener-policy"),
                "same-origin",
            );
        assert_eq!(
            head(&not_modified, true),
            format!(
                "HTTP/1.1 304 Not Modified\r\n{}\r\nDate: <date>\r\nConnection: keep-alive\r\n\
                 ETag: \"1\"\r\nCross-Origin-Opener-Policy: same-origin\r\n\r\n",
                server()
            )
        );
        for (body, length) in [
            (Body::Empty, "0"),
            (Body::Bytes(vec![b'x'; 10]), "10"),
            (
                Body::Parts(vec![
                    Body::Bytes(vec![b'x'; 999]),
                    Body::Bytes(vec![b'y'; 1]),
                ]),
                "1000",
            ),
        ] {
            assert_eq!(
                head(&Response::new(StatusCode::PartialContent, body), true),
                format!(
                    "HTTP/1.1 206 Partial Content\r\n{}\r\nDate: <date>\r\n\
                     Connection: keep-alive\r\nContent-Length: {length}\r\n\r\n",
                    server()
                )
            );
        }
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for number in [0, 7, 10, 99, 100, 101, 505, 65_536, 1_000_000_007, u64::MAX] {
            let mut out = b"=".to_vec();
            append_decimal(number, &mut out);
            assert_eq!(out, format!("={number}").into_bytes());
        }
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
    fn a_pending_body_is_awaited_and_one_that_fails_is_a_500() {
        let pending = |result: io::Result<Body>| {
            Response::new(StatusCode::Ok, Body::Pending(Box::pin(async { result })))
                .with_header(CONTENT_TYPE, "text/plain")
        };
        let made =
            futures_lite::future::block_on(pending(Ok(Body::Bytes(b"made".to_vec()))).settle());
        assert_eq!(made.status, StatusCode::Ok);
        assert_eq!(made.body.content_length(), Some(4));
        assert_eq!(made.headers.len(), 1);
        let failed = futures_lite::future::block_on(
            pending(Err(io::ErrorKind::UnexpectedEof.into())).settle(),
        );
        assert_eq!(failed.status, StatusCode::InternalServerError);
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
