//! The upstream's side of an exchange: connecting, reading its response head (httparse), how its body is framed,
//! and the ways it can fail, each with the status lanai answers (502 or 504) and words for the log and page.

use super::headers;
use super::link::{self, Link};
use super::route::Upstream;
use crate::http::input::InputBuffer;
use crate::http::request::{is_only_chunked, parse_content_length, MAX_HEAD};
use crate::http::socket::Socket;
use crate::http::stream::Timed;
use crate::http::vocabulary::StatusCode;
use async_io::Timer;
use futures_lite::future;
use futures_rustls::TlsConnector;
use std::io;
use std::time::{Duration, Instant};

/// Most header fields accepted in an upstream's response.
const MOST_FIELDS: usize = 100;

/// Why the upstream gave no usable answer.
#[derive(Debug)]
pub enum Failure {
    Connect(io::Error),
    ConnectTimeout,
    /// It closed or reset the connection before a whole head.
    Closed,
    AnswerTimeout,
    /// Its head cannot be framed without doubt; says why.
    Malformed(&'static str),
    /// Its TLS certificate is not accepted; says why.
    Certificate(String),
    /// The TLS handshake failed otherwise; says how.
    Handshake(String),
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::ConnectTimeout | Failure::AnswerTimeout => StatusCode::GatewayTimeout,
            _ => StatusCode::BadGateway,
        }
    }

    /// What happened, for the log line and the page: "connection refused", "no answer within 60 s", ….
    pub fn cause(&self, timeout: Duration) -> String {
        let seconds = timeout.as_secs();
        match self {
            Failure::Connect(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
                "connection refused (is it running?)".to_string()
            }
            Failure::Connect(error) => format!("cannot connect: {error}"),
            Failure::ConnectTimeout => {
                format!("no connection within {seconds} s (--proxy-timeout)")
            }
            Failure::Closed => "it closed the connection without answering".to_string(),
            Failure::AnswerTimeout => format!("no answer within {seconds} s (--proxy-timeout)"),
            Failure::Malformed(why) => format!("its answer cannot be relayed: {why}"),
            Failure::Certificate(why) => format!(
                "its TLS certificate is not accepted: {why}; for your own dev back end with a self-signed \
                 certificate, run lanai with --proxy-insecure"
            ),
            Failure::Handshake(why) => {
                format!("the TLS handshake failed ({why}); does it speak https:// on that port?")
            }
        }
    }

    /// A stale kept-alive connection fails like this; a fresh one may well succeed.
    pub fn is_closed(&self) -> bool {
        matches!(self, Failure::Closed)
    }
}

/// A connection to the upstream.
pub type Connection = Timed<Link>;

/// Connects to `upstream`, with the TLS handshake when there is a `tls` connector (`https://`), all within
/// `timeout`.
pub async fn connect(
    upstream: &Upstream,
    tls: Option<&TlsConnector>,
    timeout: Duration,
) -> Result<Connection, Failure> {
    let connecting = async {
        let socket = Socket::connect(&upstream.authority)
            .await
            .map_err(Failure::Connect)?;
        // Heads and small bodies go out as they come; Nagle would hold them for a delayed ACK.
        if let Some(tcp) = socket.tcp() {
            let _ = tcp.set_nodelay(true);
        }
        match tls {
            Some(tls) => link::handshake(tls, &upstream.host, socket).await,
            None => Ok(Link::Plain(socket)),
        }
    };
    let late = async {
        Timer::after(timeout).await;
        Err(Failure::ConnectTimeout)
    };
    future::or(connecting, late).await.map(Timed::new)
}

/// How the upstream frames the body after its head (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    None,
    Length(u64),
    Chunked,
    UntilClose,
}

/// An upstream's response head, checked as strictly as a client's request head: only what lanai can frame
/// without doubt gets this far.
#[derive(Debug)]
pub struct ResponseHead {
    /// 100 to 599.
    pub status: u16,
    pub reason: String,
    pub fields: Vec<(String, Vec<u8>)>,
    /// The upstream will take another request on this connection (HTTP/1.1 without `Connection: close`).
    pub keeps_alive: bool,
    /// The Content-Length it gave (all its fields agreeing), never beside `chunked`.
    pub content_length: Option<u64>,
    /// `Transfer-Encoding: chunked`, the only transfer coding accepted.
    pub chunked: bool,
}

impl ResponseHead {
    /// Parses and checks the head at the start of `bytes`: `Ok(None)` while it is incomplete, else the head and
    /// its length. Pure: a fuzz target calls it as `lanai::proxy::ResponseHead::parse`.
    pub fn parse(bytes: &[u8]) -> Result<Option<(ResponseHead, usize)>, Failure> {
        let mut fields = [httparse::EMPTY_HEADER; MOST_FIELDS];
        let mut response = httparse::Response::new(&mut fields);
        let length = match response.parse(bytes) {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) if bytes.len() <= MAX_HEAD => return Ok(None),
            Ok(httparse::Status::Partial) => {
                return Err(Failure::Malformed("its head is too long"))
            }
            Err(_) => return Err(Failure::Malformed("its head is not HTTP/1.x")),
        };
        let status = response.code.unwrap_or_default();
        if !(100..=599).contains(&status) {
            return Err(Failure::Malformed("its status code is not 100-599"));
        }
        let fields: Vec<(String, Vec<u8>)> = response
            .headers
            .iter()
            .map(|field| (field.name.to_string(), field.value.to_vec()))
            .collect();
        if headers::framing_named_by_connection(&fields).is_some() {
            return Err(Failure::Malformed(
                "its Connection field names a framing field",
            ));
        }
        let (content_length, chunked) = body_fields(&fields, response.version == Some(1))?;
        let closes =
            headers::lists(&fields, "connection").any(|token| token.eq_ignore_ascii_case(b"close"));
        let head = ResponseHead {
            status,
            reason: response.reason.unwrap_or_default().to_string(),
            keeps_alive: response.version == Some(1) && !closes,
            fields,
            content_length,
            chunked,
        };
        Ok(Some((head, length)))
    }

    /// How the body that follows is framed; `head_request` when it answers a HEAD.
    pub fn framing(&self, head_request: bool) -> Framing {
        if head_request || self.status < 200 || self.status == 204 || self.status == 304 {
            Framing::None
        } else if self.chunked {
            Framing::Chunked
        } else {
            self.content_length
                .map_or(Framing::UntilClose, Framing::Length)
        }
    }

    /// The Content-Length lanai writes for its client: the upstream's, where one may stand (not on 1xx or 204).
    pub fn advertised_length(&self) -> Option<u64> {
        let allowed = self.status >= 200 && self.status != 204;
        self.content_length.filter(|_| allowed)
    }
}

/// The Content-Length (every one of them agreeing, digits only) and whether the body is chunked, refusing what
/// could be framed two ways: a length beside a transfer coding, a coding other than `chunked` alone, a transfer
/// coding in an HTTP/1.0 answer (RFC 9112 §6.1).
fn body_fields(fields: &[(String, Vec<u8>)], http11: bool) -> Result<(Option<u64>, bool), Failure> {
    let mut length = None;
    for (_, value) in named(fields, "content-length") {
        let parsed = parse_content_length(value)
            .map_err(|_| Failure::Malformed("its Content-Length is not one number"))?;
        if length.is_some_and(|seen| seen != parsed) {
            return Err(Failure::Malformed("its Content-Length fields disagree"));
        }
        length = Some(parsed);
    }
    let codings: Vec<&[u8]> = named(fields, "transfer-encoding")
        .map(|(_, value)| value.as_slice())
        .collect();
    match codings[..] {
        [] => Ok((length, false)),
        [coding] if http11 && length.is_none() && is_only_chunked(coding) => Ok((None, true)),
        _ => Err(Failure::Malformed(
            "its Transfer-Encoding is not `chunked` alone on HTTP/1.1 without a Content-Length",
        )),
    }
}

fn named<'f>(
    fields: &'f [(String, Vec<u8>)],
    wanted: &'static str,
) -> impl Iterator<Item = &'f (String, Vec<u8>)> {
    fields
        .iter()
        .filter(move |(name, _)| name.eq_ignore_ascii_case(wanted))
}

/// Reads the upstream's final response head into `reply` and takes it out, skipping interim 1xx answers other
/// than 101; the body's first bytes may stay in `reply`. It must begin within `timeout`.
pub async fn read_head(
    stream: &mut Connection,
    reply: &mut InputBuffer,
    timeout: Duration,
) -> Result<ResponseHead, Failure> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some((head, length)) = ResponseHead::parse(reply.filled())? {
            reply.consume(length);
            if head.status >= 200 || head.status == 101 {
                return Ok(head);
            }
            continue;
        }
        match reply.read_from(stream, deadline).await {
            Ok(0) => return Err(Failure::Closed),
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                return Err(Failure::AnswerTimeout)
            }
            Err(_) => return Err(Failure::Closed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> ResponseHead {
        let (head, length) = ResponseHead::parse(raw.as_bytes()).unwrap().unwrap();
        assert_eq!(length, raw.len());
        head
    }

    #[test]
    fn reads_status_reason_fields_and_keep_alive() {
        let ok = head("HTTP/1.1 201 Made It\r\nX-A: 1\r\nContent-Length: 3\r\n\r\n");
        assert_eq!((ok.status, ok.reason.as_str()), (201, "Made It"));
        assert_eq!(ok.fields[0], ("X-A".to_string(), b"1".to_vec()));
        assert!(ok.keeps_alive);
        assert!(!head("HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n").keeps_alive);
        assert!(!head("HTTP/1.0 200 OK\r\n\r\n").keeps_alive);
        assert!(ResponseHead::parse(b"HTTP/1.1 200 OK\r\nX-A:")
            .unwrap()
            .is_none());
        assert!(ResponseHead::parse(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let framing = |raw: &str, head_request| head(raw).framing(head_request);
        let sized = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";
        assert_eq!(framing(sized, false), Framing::Length(12));
        assert_eq!(framing(sized, true), Framing::None);
        let not_modified = "HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n";
        assert_eq!(framing(not_modified, false), Framing::None);
        assert_eq!(head(not_modified).advertised_length(), Some(12));
        let no_content = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(framing(no_content, false), Framing::None);
        assert_eq!(head(no_content).advertised_length(), None);
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n",
                false
            ),
            Framing::Chunked
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\n\r\n", false),
            Framing::UntilClose
        );
        let repeated = "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\n";
        assert_eq!(framing(repeated, false), Framing::Length(2));
        assert_eq!(
            framing("HTTP/1.1 200 OK\nContent-Length: 2\n\n", false),
            Framing::Length(2),
            "bare LF line ends are read as the upstream meant them"
        )
    }

    #[test]
    fn heads_that_could_be_framed_two_ways_are_refused() {
        for raw in [
            "HTTP/1.1 000 Zero\r\n\r\n",
            "HTTP/1.1 099 Low\r\n\r\n",
            "HTTP/1.1 600 High\r\n\r\n",
            "HTTP/1.1 999 High\r\n\r\n",
            "HTTP/1.1 20 Short\r\n\r\n",
            "HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nConnection: keep-alive, transfer-encoding\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
            "HTTP/2 200\r\n\r\n",
            "SSH-2.0-OpenSSH\r\n\r\n",
        ] {
            assert!(
                matches!(
                    ResponseHead::parse(raw.as_bytes()),
                    Err(Failure::Malformed(_))
                ),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn a_head_that_never_ends_is_refused_once_too_long() {
        let endless = format!("HTTP/1.1 200 OK\r\nX: {}", "a".repeat(MAX_HEAD));
        assert!(ResponseHead::parse(endless.as_bytes()).is_err());
        assert!(ResponseHead::parse(&endless.as_bytes()[..100])
            .unwrap()
            .is_none());
    }
}
