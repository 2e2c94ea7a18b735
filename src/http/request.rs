//! Parsing a request head with httparse and deciding what it means for the connection: the method, the target,
//! whether to keep the connection alive and how long a body follows. Pure code, tested without sockets.

use super::authority::{self, Host};
use crate::http::vocabulary::headers::{
    CONNECTION, CONTENT_LENGTH, EXPECT, HOST, RANGE, TRANSFER_ENCODING,
};
use crate::http::vocabulary::{Method, StatusCode};
use std::mem::MaybeUninit;

/// Largest request head we accept (request line plus header fields).
pub const MAX_HEAD: usize = 16 * 1024;
/// Longest request line we accept.
pub const MAX_REQUEST_LINE: usize = 8 * 1024;
/// Most header fields we accept in one request.
pub const MAX_HEADERS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
    Http2,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
            Version::Http2 => "HTTP/2.0",
        }
    }
}

/// What follows the head on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    None,
    Length(u64),
    /// Of a length not known in advance: HTTP/1.1's chunked (the only transfer coding accepted; only the proxy
    /// decodes it, elsewhere the connection closes after the response), or an HTTP/2 body without
    /// content-length.
    Chunked,
}

#[derive(Debug)]
pub struct Request<'buf> {
    /// `None` for a method we do not recognise (including lowercase spellings: methods are case-sensitive).
    pub method: Option<Method>,
    /// The method as sent, for the access log.
    pub method_text: &'buf str,
    /// The request target as origin-form: path with its query.
    pub target: &'buf str,
    /// Where the path ends in `target`: at its `?`, or its end. Found once, as the path is asked for often.
    path_len: usize,
    /// The authority of an absolute-form target, which stands for the host instead of the Host field
    /// (RFC 9112 §3.2.2).
    pub authority: Option<&'buf str>,
    /// What `host()` names, parsed once (the parser checks it, the guard judges it).
    named_host: Option<Host<'buf>>,
    pub version: Version,
    pub keep_alive: bool,
    pub body: Body,
    /// Every header field as sent: name and raw value.
    pub fields: Vec<(&'buf str, &'buf [u8])>,
}

impl<'buf> Request<'buf> {
    /// The value of the first field called `name` (any case), for fields that occur once.
    pub fn header(&self, name: &str) -> Option<&'buf [u8]> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|&(_, value)| value)
    }

    /// The members of a comma-separated list field, across all its lines (RFC 9110 §5.3), trimmed, empty ones
    /// dropped. Commas inside quoted strings are not special-cased: no list field we read puts them there.
    pub fn list<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'buf [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(name))
            .flat_map(|&(_, value)| tokens(value))
    }

    /// The host the client asked for, with any port: the absolute-form target's authority, else the Host field.
    /// The host `host()` names, when there is one (a malformed one was refused by the parser).
    pub fn named_host(&self) -> Option<Host<'buf>> {
        self.named_host
    }

    pub fn host(&self) -> Option<&'buf [u8]> {
        self.authority
            .map(str::as_bytes)
            .or_else(|| self.header(HOST.as_str()))
    }

    /// The same request for another origin-form target (a rewrite): what the site serves there is the answer.
    pub fn retargeted<'a>(&'a self, target: &'a str) -> Request<'a> {
        Request {
            target,
            path_len: path_len(target),
            authority: None,
            named_host: self.header(HOST.as_str()).and_then(authority::parse),
            fields: self.fields.clone(),
            ..*self
        }
    }

    /// The same request for another target, without the fields that make it conditional or partial: for content
    /// that answers in place of what was asked for (a 404 page), which the client's validators do not describe.
    pub fn unconditional<'a>(&'a self, target: &'a str) -> Request<'a> {
        // Compared in place, without a lowercase copy of each name.
        let conditional = |name: &str| {
            name.get(..3)
                .is_some_and(|start| start.eq_ignore_ascii_case("if-"))
                || name.eq_ignore_ascii_case(RANGE.as_str())
        };
        Request {
            target,
            path_len: path_len(target),
            authority: None,
            named_host: self.header(HOST.as_str()).and_then(authority::parse),
            fields: self
                .fields
                .iter()
                .filter(|(name, _)| !conditional(name))
                .copied()
                .collect(),
            ..*self
        }
    }

    /// The path part of the target, without the query.
    pub fn path(&self) -> &str {
        &self.target[..self.path_len]
    }

    /// The query part of the target including its `?`, or "".
    pub fn query(&self) -> &str {
        &self.target[self.path_len..]
    }
}

/// The length of the path at the start of an origin-form target: up to its first `?`.
fn path_len(target: &str) -> usize {
    // A plain byte loop: `str::find` with a char costs several times more on a target this short.
    target
        .bytes()
        .position(|byte| byte == b'?')
        .unwrap_or(target.len())
}

/// Why a head cannot be answered normally; the connection answers with the status and closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadError {
    Malformed,
    RequestLineTooLong,
    HeadTooLarge,
    UnsupportedVersion,
}

impl HeadError {
    pub fn status(self) -> StatusCode {
        match self {
            HeadError::Malformed => StatusCode::BadRequest,
            HeadError::RequestLineTooLong => StatusCode::UriTooLong,
            HeadError::HeadTooLarge => StatusCode::RequestHeaderFieldsTooLarge,
            HeadError::UnsupportedVersion => StatusCode::HttpVersionNotSupported,
        }
    }
}

/// Parses the head at the start of `buf`. `Ok(None)` means more bytes are needed; `Ok(Some((request, n)))` means
/// the head took the first `n` bytes.
pub fn parse(buf: &[u8]) -> Result<Option<(Request<'_>, usize)>, HeadError> {
    // A kept-alive connection asks again as soon as it has answered, usually before anything more came.
    if buf.is_empty() {
        return Ok(None);
    }
    // Slots httparse fills in, left uninitialised: writing 100 empty fields first costs more than the parse.
    let mut fields = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut []);
    let status = head
        .parse_with_uninit_headers(buf, &mut fields)
        .map_err(|error| match error {
            httparse::Error::TooManyHeaders => HeadError::HeadTooLarge,
            httparse::Error::Version => HeadError::UnsupportedVersion,
            _ => HeadError::Malformed,
        });
    let length = match status {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) | Err(_) => {
            check_limits(buf)?;
            return status.map(|_| None);
        }
    };
    // The limits a head still arriving is held to, so the answer never depends on how TCP cut the bytes.
    check_limits(&buf[..length])?;
    let method_text = head.method.ok_or(HeadError::Malformed)?;
    let (authority, target) = origin_form(head.path.ok_or(HeadError::Malformed)?)?;
    let version = match head.version {
        Some(0) => Version::Http10,
        Some(1) => Version::Http11,
        _ => return Err(HeadError::UnsupportedVersion),
    };
    let fields = FieldSummary::of(head.headers)?;
    // RFC 9112 §3.2: a 1.1 request without exactly one Host is a 400.
    if version == Version::Http11 && fields.hosts != 1 || fields.hosts > 1 {
        return Err(HeadError::Malformed);
    }
    let body = fields.body(version)?;
    // A client expecting `100 Continue` may or may not send its body after our final answer, so the next
    // request could not be found reliably: close instead (RFC 9110 §10.1.1).
    let unsure_body = fields.expect && body != Body::None;
    let keep_alive = !unsure_body
        && match version {
            Version::Http11 | Version::Http2 => !fields.close,
            Version::Http10 => fields.keep_alive && !fields.close,
        };
    let fields = head
        .headers
        .iter()
        .map(|field| (field.name, field.value))
        .collect();
    let request = Request::new(method_text, target, authority, version, body, fields)?;
    Ok(Some((
        Request {
            keep_alive,
            ..request
        },
        length,
    )))
}

impl<'buf> Request<'buf> {
    /// A request from what either protocol received: the method, an origin-form target, the authority that
    /// stands for Host (an absolute-form target's, or HTTP/2's `:authority`), the body's framing and the fields.
    /// A host that is not a valid authority is refused here, as RFC 9112 §3.2 asks, whatever the version.
    pub fn new(
        method_text: &'buf str,
        target: &'buf str,
        authority: Option<&'buf str>,
        version: Version,
        body: Body,
        fields: Vec<(&'buf str, &'buf [u8])>,
    ) -> Result<Request<'buf>, HeadError> {
        let mut request = Request {
            method: Method::from_token(method_text),
            method_text,
            target,
            path_len: path_len(target),
            authority,
            named_host: None,
            version,
            keep_alive: true,
            body,
            fields,
        };
        if let Some(host) = request.host() {
            request.named_host = Some(authority::parse(host).ok_or(HeadError::Malformed)?);
        }
        Ok(request)
    }
}

/// The request line and head limits. They must hold even before the head is complete, so a client cannot make
/// us buffer without end.
fn check_limits(buf: &[u8]) -> Result<(), HeadError> {
    let line_end = buf.iter().position(|&byte| byte == b'\n');
    if line_end.unwrap_or(buf.len()) > MAX_REQUEST_LINE {
        return Err(HeadError::RequestLineTooLong);
    }
    if buf.len() > MAX_HEAD {
        return Err(HeadError::HeadTooLarge);
    }
    Ok(())
}

/// Splits a target into the authority of an absolute-form target (`http://host/path`), if any, and its
/// origin-form path; anything else that does not start with `/` is malformed (`*` and authority-form have no
/// meaning for a file server).
fn origin_form(target: &str) -> Result<(Option<&str>, &str), HeadError> {
    if target.starts_with('/') {
        return Ok((None, target));
    }
    // The scheme is case-insensitive (RFC 9110 §4.2.3), compared in place.
    let scheme_is = |scheme: &str| {
        target
            .get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
    };
    let after_scheme = if scheme_is("https://") {
        &target[8..]
    } else if scheme_is("http://") {
        &target[7..]
    } else {
        return Err(HeadError::Malformed);
    };
    match after_scheme.find(['/', '?']) {
        Some(at) if after_scheme[at..].starts_with('/') => {
            Ok((Some(&after_scheme[..at]), &after_scheme[at..]))
        }
        Some(_) => Err(HeadError::Malformed),
        None => Ok((Some(after_scheme), "/")),
    }
}

/// What the header fields say about framing and connection handling.
#[derive(Default)]
struct FieldSummary {
    hosts: usize,
    close: bool,
    keep_alive: bool,
    content_length: Option<u64>,
    transfer_encoding: bool,
    expect: bool,
}

impl FieldSummary {
    fn of(fields: &[httparse::Header<'_>]) -> Result<Self, HeadError> {
        let mut summary = FieldSummary::default();
        for field in fields {
            let name = field.name;
            if name.eq_ignore_ascii_case(HOST.as_str()) {
                summary.hosts += 1;
            } else if name.eq_ignore_ascii_case(CONNECTION.as_str()) {
                for option in tokens(field.value) {
                    summary.close |= option.eq_ignore_ascii_case(b"close");
                    summary.keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
                }
            } else if name.eq_ignore_ascii_case(CONTENT_LENGTH.as_str()) {
                let length = parse_content_length(field.value)?;
                // Repeated Content-Length fields must agree (RFC 9112 §6.3).
                if summary.content_length.is_some_and(|seen| seen != length) {
                    return Err(HeadError::Malformed);
                }
                summary.content_length = Some(length);
            } else if name.eq_ignore_ascii_case(TRANSFER_ENCODING.as_str()) {
                // Only `chunked`, once: no other coding is decoded, and a body lanai cannot frame must not pass
                // on to a proxy's upstream as something else.
                if summary.transfer_encoding || !is_only_chunked(field.value) {
                    return Err(HeadError::Malformed);
                }
                summary.transfer_encoding = true;
            } else if name.eq_ignore_ascii_case(EXPECT.as_str()) {
                summary.expect = true;
            }
        }
        Ok(summary)
    }

    fn body(&self, version: Version) -> Result<Body, HeadError> {
        match (self.transfer_encoding, self.content_length) {
            // Both together is the classic smuggling shape; HTTP/1.0 has no transfer codings (RFC 9112 §6.1).
            (true, Some(_)) => Err(HeadError::Malformed),
            (true, None) if version == Version::Http10 => Err(HeadError::Malformed),
            (true, None) => Ok(Body::Chunked),
            (false, Some(0) | None) => Ok(Body::None),
            (false, Some(length)) => Ok(Body::Length(length)),
        }
    }
}

fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&byte| byte == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|token| !token.is_empty())
}

/// Whether a Transfer-Encoding value is the chunked coding alone.
pub fn is_only_chunked(value: &[u8]) -> bool {
    value.trim_ascii().eq_ignore_ascii_case(b"chunked")
}

/// Content-Length is 1*DIGIT, possibly repeated as a list of equal values (`5, 5`).
pub fn parse_content_length(value: &[u8]) -> Result<u64, HeadError> {
    let mut length = None;
    for item in value.split(|&byte| byte == b',') {
        let digits = item.trim_ascii();
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) || digits.len() > 18 {
            return Err(HeadError::Malformed);
        }
        let value = digits
            .iter()
            .fold(0u64, |sum, digit| sum * 10 + u64::from(digit - b'0'));
        if length.is_some_and(|seen| seen != value) {
            return Err(HeadError::Malformed);
        }
        length = Some(value);
    }
    length.ok_or(HeadError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(raw: &str) -> Request<'_> {
        let (request, length) = parse(raw.as_bytes()).unwrap().unwrap();
        assert_eq!(length, raw.len());
        request
    }

    fn error(raw: &str) -> HeadError {
        parse(raw.as_bytes()).unwrap_err()
    }

    #[test]
    fn simple_get() {
        let request = complete("GET /a/b.html?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(request.method, Some(Method::Get));
        assert_eq!(request.path(), "/a/b.html");
        assert_eq!(request.query(), "?x=1");
        assert!(request.keep_alive);
        assert_eq!(request.body, Body::None);
    }

    #[test]
    fn fields_by_name_and_as_lists() {
        let request = complete(
            "GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, br;q=0.5\r\naccept-encoding: zstd\r\nRange: bytes=0-1\r\n\r\n",
        );
        assert_eq!(request.header("range"), Some(&b"bytes=0-1"[..]));
        assert_eq!(request.header("If-Range"), None);
        let encodings: Vec<&[u8]> = request.list("accept-encoding").collect();
        assert_eq!(encodings, [&b"gzip"[..], b"br;q=0.5", b"zstd"]);
    }

    #[test]
    fn retargeted_and_unconditional_requests() {
        let request = complete(
            "GET /a?x HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"1\"\r\nif-modified-since: x\r\n\
             IF-RANGE: y\r\nrAnGe: bytes=0-1\r\nAccept: */*\r\nIf: z\r\nRanges: w\r\n\r\n",
        );
        let retargeted = request.retargeted("/b/c.html?y=2");
        assert_eq!(
            (retargeted.path(), retargeted.query()),
            ("/b/c.html", "?y=2")
        );
        assert_eq!(retargeted.fields, request.fields);
        let unconditional = request.unconditional("/404.html");
        assert_eq!(
            (unconditional.path(), unconditional.query()),
            ("/404.html", "")
        );
        let names: Vec<&str> = unconditional.fields.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["Host", "Accept", "If", "Ranges"]);
        assert_eq!((request.path(), request.query()), ("/a", "?x"));
        let bare = complete("GET /?? HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!((bare.path(), bare.query()), ("/", "??"));
    }

    #[test]
    fn partial_head_needs_more() {
        assert!(parse(b"").unwrap().is_none());
        assert!(parse(b"G").unwrap().is_none());
        assert!(parse(b"GET / HTTP/1.1\r\nHost: h\r\n").unwrap().is_none());
        assert!(parse(b"\r\n").unwrap().is_none());
    }

    #[test]
    fn pipelined_head_reports_its_own_length() {
        let raw = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\n";
        let (request, length) = parse(raw.as_bytes()).unwrap().unwrap();
        assert_eq!(request.target, "/1");
        assert_eq!(&raw[length..], "GET /2 HTTP/1.1\r\n");
    }

    #[test]
    fn keep_alive_rules() {
        assert!(!complete("GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(complete("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
        assert!(!complete("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keep_alive);
        assert!(
            !complete("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, CLOSE\r\n\r\n")
                .keep_alive
        );
        assert!(complete("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n\r\n").keep_alive);
    }

    #[test]
    fn methods_are_case_sensitive() {
        assert_eq!(
            complete("HEAD / HTTP/1.0\r\n\r\n").method,
            Some(Method::Head)
        );
        assert_eq!(
            complete("POST / HTTP/1.0\r\n\r\n").method,
            Some(Method::Post)
        );
        assert_eq!(complete("get / HTTP/1.0\r\n\r\n").method, None);
        assert_eq!(complete("BREW / HTTP/1.0\r\n\r\n").method, None);
    }

    #[test]
    fn absolute_form_uses_its_path_and_its_authority_as_the_host() {
        let request = complete("GET http://example.com/a?b HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assert_eq!(request.target, "/a?b");
        assert_eq!(request.host(), Some(&b"example.com"[..]));
        let bare = complete("GET HTTP://example.com:81 HTTP/1.0\r\n\r\n");
        assert_eq!(
            (bare.target, bare.host()),
            ("/", Some(&b"example.com:81"[..]))
        );
        let shouted = complete("GET HtTpS://example.com/b HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assert_eq!(
            (shouted.target, shouted.host()),
            ("/b", Some(&b"example.com"[..]))
        );
        let origin = complete("GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n");
        assert_eq!(origin.host(), Some(&b"localhost:8080"[..]));
        assert_eq!(complete("GET / HTTP/1.0\r\n\r\n").host(), None);
        assert_eq!(
            error("GET example.com/a HTTP/1.0\r\n\r\n"),
            HeadError::Malformed
        );
        assert_eq!(error("OPTIONS * HTTP/1.0\r\n\r\n"), HeadError::Malformed);
        for target in [
            "http://",
            "https:/",
            "ftp://example.com/",
            "http:/example.com/",
            "http://?a",
        ] {
            assert_eq!(
                error(&format!("GET {target} HTTP/1.0\r\n\r\n")),
                HeadError::Malformed,
                "{target}"
            );
        }
    }

    #[test]
    fn body_framing() {
        let with_length = complete("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(with_length.body, Body::Length(5));
        let chunked = complete("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(chunked.body, Body::Chunked);
        let repeated = complete(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n",
        );
        assert_eq!(repeated.body, Body::Length(5));
        assert!(repeated.keep_alive);
        let expecting = complete(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        );
        assert!(!expecting.keep_alive);
    }

    #[test]
    fn smuggling_shapes_are_malformed() {
        for raw in [
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET /\r\n\r\n",
            "\n\nGARBAGE\r\n\r\n",
        ] {
            assert_eq!(error(raw), HeadError::Malformed, "{raw:?}");
        }
    }

    #[test]
    fn other_versions_are_unsupported() {
        assert_eq!(
            error("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            HeadError::UnsupportedVersion
        );
        assert_eq!(
            error("GET / HTTP/1.2\r\n\r\n"),
            HeadError::UnsupportedVersion
        );
    }

    #[test]
    fn size_limits() {
        let long_line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_REQUEST_LINE));
        assert_eq!(error(&long_line), HeadError::RequestLineTooLong);
        assert_eq!(
            error(&long_line[..MAX_REQUEST_LINE + 2]),
            HeadError::RequestLineTooLong
        );
        let big_field = format!(
            "GET / HTTP/1.1\r\nHost: h\r\nX: {}\r\n",
            "a".repeat(MAX_HEAD)
        );
        assert_eq!(error(&big_field), HeadError::HeadTooLarge);
        // A line over the limit whose target alone is not: refused whole as when it comes in pieces.
        let long_line_short_target = format!(
            "GET /{} HTTP/1.1\r\nHost: h\r\n\r\n",
            "a".repeat(MAX_REQUEST_LINE - 10)
        );
        assert_eq!(
            error(&long_line_short_target),
            HeadError::RequestLineTooLong
        );
        assert_eq!(
            error(&long_line_short_target[..long_line_short_target.len() - 1]),
            HeadError::RequestLineTooLong
        );
        let many_fields = format!(
            "GET / HTTP/1.1\r\nHost: h\r\n{}\r\n",
            "X: y\r\n".repeat(MAX_HEADERS)
        );
        assert_eq!(error(&many_fields), HeadError::HeadTooLarge);
    }
}
