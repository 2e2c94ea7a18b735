//! Heads the HTTP/2 way: a stream's request head as lanai's `Request`, and lanai's `Response` head as the `http`
//! types the `h2` crate sends (lowercase names, none of HTTP/1's connection fields).

use crate::http::request::{Body as RequestBody, HeadError, Request, Version};
use crate::http::vocabulary::headers::HeaderName;
use crate::http::vocabulary::StatusCode;
use bytes::Bytes;
use http::header::{self, HeaderValue};
use std::borrow::Cow;
use std::cell::RefCell;

/// Fields that belong to one HTTP/1 connection and are not allowed in HTTP/2 (RFC 9113 §8.2.2).
const CONNECTION_SPECIFIC: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
];

/// lanai's request for a stream's head, borrowing from it. A target that is not origin-form is malformed, as it
/// is over HTTP/1 (`*` and authority-form have no meaning for a file server). `:authority` stands in the request
/// as its Host field, so everything after this reads one host whatever the protocol; a Host field that names
/// another is malformed (RFC 9113 §8.3.1).
pub fn request<'a>(
    head: &'a http::request::Parts,
    ends_with_head: bool,
) -> Result<Request<'a>, HeadError> {
    let target = head
        .uri
        .path_and_query()
        .map_or("/", |target| target.as_str());
    if !target.starts_with('/') {
        return Err(HeadError::Malformed);
    }
    let body = if ends_with_head {
        RequestBody::None
    } else {
        head.headers
            .get(header::CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok()?.parse().ok())
            .map_or(RequestBody::Chunked, RequestBody::Length)
    };
    let mut fields: Vec<(&str, &[u8])> = head
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    if let Some(authority) = head.uri.authority() {
        let authority = authority.as_str().as_bytes();
        let host = header::HOST.as_str();
        if fields
            .iter()
            .any(|&(name, value)| name == host && !value.eq_ignore_ascii_case(authority))
        {
            return Err(HeadError::Malformed);
        }
        fields.retain(|&(name, _)| name != host);
        fields.push((host, authority));
    }
    Request::new(
        head.method.as_str(),
        target,
        None,
        Version::Http2,
        body,
        fields,
    )
}

/// Whether a field belongs to one HTTP/1 connection, and so has no place in HTTP/2.
pub fn is_connection_specific(name: &str) -> bool {
    CONNECTION_SPECIFIC.contains(&name)
}

/// The response head for a response of `status` with `fields`, whose content is `length` bytes when known: the
/// same fields as over HTTP/1 (Server, Date, the response's own, Content-Length), spelled the HTTP/2 way. It runs
/// for every stream, so it copies no value it can take: owned values are moved, static ones borrowed.
pub fn response(
    status: StatusCode,
    fields: Vec<(HeaderName, Cow<'static, str>)>,
    length: Option<u64>,
) -> http::Response<()> {
    let mut head = http::Response::new(());
    *head.status_mut() = http::StatusCode::from_u16(status.code())
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let map = head.headers_mut();
    map.reserve(fields.len() + 3);
    map.insert(header::SERVER, HeaderValue::from_static(SERVER));
    map.insert(header::DATE, date_now());
    for (name, value) in fields {
        if let Some((name, value)) = field(&name, value) {
            map.append(name, value);
        }
    }
    // 204 and 304 have no content, and must not claim a length of 0 (RFC 9110 §8.6).
    let no_content = matches!(status, StatusCode::NoContent | StatusCode::NotModified);
    if let (Some(length), false) = (length, no_content) {
        map.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    head
}

thread_local! {
    /// The Date value of the current second, made once per second per thread.
    static DATE: RefCell<(Vec<u8>, Option<HeaderValue>)> = const { RefCell::new((Vec::new(), None)) };
}

fn date_now() -> HeaderValue {
    let mut now = Vec::with_capacity(29);
    crate::http::date::append_now(&mut now);
    DATE.with(|cached| {
        let mut cached = cached.borrow_mut();
        match &cached.1 {
            Some(value) if cached.0 == now => value.clone(),
            _ => {
                let value = HeaderValue::from_maybe_shared(Bytes::copy_from_slice(&now))
                    .unwrap_or(HeaderValue::from_static(""));
                *cached = (now, Some(value.clone()));
                value
            }
        }
    })
}

const SERVER: &str = concat!("lanai/", env!("CARGO_PKG_VERSION"));

/// One of the response's fields as HTTP/2 sends it; `None` for a connection-specific one, or a value HTTP/2
/// cannot carry (logged: it comes from a rules file or --header).
fn field(name: &HeaderName, value: Cow<'static, str>) -> Option<(header::HeaderName, HeaderValue)> {
    let name_text = name.as_str();
    if is_connection_specific(name_text) {
        return None;
    }
    let bytes = match value {
        Cow::Borrowed(text) => Bytes::from_static(text.as_bytes()),
        Cow::Owned(text) => Bytes::from(text),
    };
    match (
        header::HeaderName::from_bytes(name_text.as_bytes()),
        HeaderValue::from_maybe_shared(bytes.clone()),
    ) {
        (Ok(name), Ok(value)) => Some((name, value)),
        _ => {
            let value = String::from_utf8_lossy(&bytes);
            log::warn!("the field '{name_text}: {value}' cannot be sent over HTTP/2; left out");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::response::{Body, Response};
    use crate::http::vocabulary::headers::{CONTENT_TYPE, ETAG};

    fn parts(request: http::Request<()>) -> http::request::Parts {
        request.into_parts().0
    }

    #[test]
    fn a_stream_head_becomes_lanai_request() {
        let head = parts(
            http::Request::get("https://localhost:8443/a/b.html?x=1")
                .header("accept", "text/html")
                .header("accept", "*/*")
                .body(())
                .unwrap(),
        );
        let request = request(&head, true).unwrap();
        assert_eq!(request.path(), "/a/b.html");
        assert_eq!(request.query(), "?x=1");
        assert_eq!(request.version.as_str(), "HTTP/2.0");
        assert_eq!(request.host(), Some(&b"localhost:8443"[..]));
        assert_eq!(request.authority, None, "it stands as the Host field");
        assert!(request.named_host().is_some());
        assert_eq!(request.list("accept").count(), 2);
        assert_eq!(request.body, RequestBody::None);
    }

    #[test]
    fn a_host_field_must_name_the_authority() {
        let same = parts(
            http::Request::get("https://LOCALHOST:8443/")
                .header("host", "localhost:8443")
                .body(())
                .unwrap(),
        );
        let merged = request(&same, true).unwrap();
        assert_eq!(merged.list("host").count(), 1);
        let other = parts(
            http::Request::get("https://localhost:8443/")
                .header("host", "evil.example")
                .body(())
                .unwrap(),
        );
        assert_eq!(request(&other, true).unwrap_err(), HeadError::Malformed);
        let host_only = parts(
            http::Request::get("/x")
                .header("host", "localhost")
                .body(())
                .unwrap(),
        );
        assert_eq!(
            request(&host_only, true).unwrap().host(),
            Some(&b"localhost"[..])
        );
    }

    #[test]
    fn a_body_is_framed_by_its_content_length_or_its_end() {
        let with_length = parts(
            http::Request::post("https://localhost/up")
                .header("content-length", "5")
                .body(())
                .unwrap(),
        );
        assert_eq!(
            request(&with_length, false).unwrap().body,
            RequestBody::Length(5)
        );
        let without = parts(
            http::Request::post("https://localhost/up")
                .body(())
                .unwrap(),
        );
        assert_eq!(request(&without, false).unwrap().body, RequestBody::Chunked);
    }

    #[test]
    fn bad_targets_and_hosts_are_malformed() {
        let star = parts(http::Request::options("*").body(()).unwrap());
        assert_eq!(request(&star, true).unwrap_err(), HeadError::Malformed);
        let bad_host = parts(
            http::Request::get("/x")
                .header("host", "a b")
                .body(())
                .unwrap(),
        );
        assert_eq!(request(&bad_host, true).unwrap_err(), HeadError::Malformed);
    }

    #[test]
    fn the_response_head_has_lanai_fields_without_connection_ones() {
        let response = Response::new(StatusCode::Ok, Body::Bytes(b"hello".to_vec()))
            .with_header(CONTENT_TYPE, "text/plain")
            .with_header(ETAG, "\"1\"")
            .with_header(crate::http::vocabulary::headers::CONNECTION, "close");
        let head = super::response(response.status, response.headers, Some(5));
        assert_eq!(head.status(), 200);
        let fields = head.headers();
        assert_eq!(fields["content-type"], "text/plain");
        assert_eq!(fields["etag"], "\"1\"");
        assert_eq!(fields["content-length"], "5");
        assert!(fields["server"].to_str().unwrap().starts_with("lanai/"));
        assert!(httpdate::parse_http_date(fields["date"].to_str().unwrap()).is_ok());
        assert!(fields.get("connection").is_none());
    }

    #[test]
    fn no_content_claims_no_length() {
        assert!(
            super::response(StatusCode::NotModified, Vec::new(), Some(0))
                .headers()
                .get("content-length")
                .is_none()
        );
    }
}
