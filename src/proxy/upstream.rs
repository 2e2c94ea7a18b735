//! The upstream's side of an exchange: connecting, reading its response head (httparse), how its body is framed,
//! and the ways it can fail, each with the status lanai answers (502 or 504) and words for the log and page.

use crate::http::input::InputBuffer;
use crate::http::request::MAX_HEAD;
use crate::http::socket::Socket;
use crate::http::stream::Timed;
use crate::http::vocabulary::StatusCode;
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
    Malformed,
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
            Failure::Malformed => "its answer is not HTTP/1.x lanai can read".to_string(),
        }
    }

    /// A stale kept-alive connection fails like this; a fresh one may well succeed.
    pub fn is_closed(&self) -> bool {
        matches!(self, Failure::Closed)
    }
}

/// A connection to the upstream.
pub type Connection = Timed<Socket>;

pub async fn connect(authority: &str, timeout: Duration) -> Result<Connection, Failure> {
    match async_std::io::timeout(timeout, Socket::connect(authority)).await {
        Ok(socket) => {
            // Heads and small bodies go out as they come; Nagle would hold them for a delayed ACK.
            if let Some(tcp) = socket.tcp() {
                let _ = tcp.set_nodelay(true);
            }
            Ok(Timed::new(socket))
        }
        Err(error) if error.kind() == io::ErrorKind::TimedOut => Err(Failure::ConnectTimeout),
        Err(error) => Err(Failure::Connect(error)),
    }
}

/// How the upstream frames the body after its head (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    None,
    Length(u64),
    Chunked,
    UntilClose,
}

#[derive(Debug)]
pub struct ResponseHead {
    pub status: u16,
    pub reason: String,
    pub fields: Vec<(String, Vec<u8>)>,
    /// The upstream will take another request on this connection (HTTP/1.1 without `Connection: close`).
    pub keeps_alive: bool,
}

impl ResponseHead {
    /// Parses the head at the start of `bytes`: `Ok(None)` while it is incomplete.
    pub fn parse(bytes: &[u8]) -> Result<Option<(ResponseHead, usize)>, Failure> {
        let mut fields = [httparse::EMPTY_HEADER; MOST_FIELDS];
        let mut response = httparse::Response::new(&mut fields);
        let length = match response.parse(bytes) {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) if bytes.len() <= MAX_HEAD => return Ok(None),
            Ok(httparse::Status::Partial) | Err(_) => return Err(Failure::Malformed),
        };
        let fields: Vec<(String, Vec<u8>)> = response
            .headers
            .iter()
            .map(|field| (field.name.to_string(), field.value.to_vec()))
            .collect();
        let closes = fields.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case("connection")
                && value
                    .split(|&byte| byte == b',')
                    .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
        });
        let head = ResponseHead {
            status: response.code.ok_or(Failure::Malformed)?,
            reason: response.reason.unwrap_or_default().to_string(),
            keeps_alive: response.version == Some(1) && !closes,
            fields,
        };
        Ok(Some((head, length)))
    }

    /// How the body that follows is framed; `head_request` when it answers a HEAD.
    pub fn framing(&self, head_request: bool) -> Result<Framing, Failure> {
        if head_request || self.status < 200 || self.status == 204 || self.status == 304 {
            return Ok(Framing::None);
        }
        let values = |wanted: &'static str| {
            self.fields
                .iter()
                .filter(move |(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.as_slice())
        };
        if let Some(codings) = values("transfer-encoding").next_back() {
            let last = codings
                .rsplit(|&byte| byte == b',')
                .next()
                .unwrap_or_default();
            return Ok(if last.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                Framing::Chunked
            } else {
                Framing::UntilClose
            });
        }
        let mut length = None;
        for value in values("content-length") {
            let text = std::str::from_utf8(value).map_err(|_| Failure::Malformed)?;
            let parsed: u64 = text.trim().parse().map_err(|_| Failure::Malformed)?;
            if length.is_some_and(|seen| seen != parsed) {
                return Err(Failure::Malformed);
            }
            length = Some(parsed);
        }
        Ok(length.map_or(Framing::UntilClose, Framing::Length))
    }
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
        let framing = |raw: &str, head_request| head(raw).framing(head_request).ok();
        let sized = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";
        assert_eq!(framing(sized, false), Some(Framing::Length(12)));
        assert_eq!(framing(sized, true), Some(Framing::None));
        assert_eq!(
            framing(
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n",
                false
            ),
            Some(Framing::None)
        );
        assert_eq!(
            framing("HTTP/1.1 204 No Content\r\n\r\n", false),
            Some(Framing::None)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nContent-Length: 5\r\n\r\n",
                false
            ),
            Some(Framing::Chunked)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false),
            Some(Framing::UntilClose)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\n\r\n", false),
            Some(Framing::UntilClose)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                false
            ),
            None
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false),
            None
        );
    }
}
