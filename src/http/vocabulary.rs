//! The HTTP words lanai speaks: methods, status codes with their RFC 9110 reason phrases, and header names. Our
//! own small types instead of http-types, which brought 55 crates (rand 0.7 among them) for these constants.

use std::borrow::Cow;
use std::fmt;

/// The request methods lanai tells apart; any other token is kept only as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Connect,
    Options,
    Trace,
    Patch,
}

impl Method {
    /// The method a request-line token names. Methods are case-sensitive (RFC 9110 §9.1): `get` is no method.
    pub fn from_token(token: &str) -> Option<Method> {
        Some(match token {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "CONNECT" => Method::Connect,
            "OPTIONS" => Method::Options,
            "TRACE" => Method::Trace,
            "PATCH" => Method::Patch,
            _ => return None,
        })
    }
}

/// The statuses lanai answers with. The discriminant is the code, so `status as u16` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum StatusCode {
    SwitchingProtocols = 101,
    Ok = 200,
    NoContent = 204,
    PartialContent = 206,
    MovedPermanently = 301,
    Found = 302,
    SeeOther = 303,
    NotModified = 304,
    TemporaryRedirect = 307,
    PermanentRedirect = 308,
    BadRequest = 400,
    Unauthorized = 401,
    Forbidden = 403,
    NotFound = 404,
    MethodNotAllowed = 405,
    RequestTimeout = 408,
    PreconditionFailed = 412,
    ContentTooLarge = 413,
    UriTooLong = 414,
    RangeNotSatisfiable = 416,
    RequestHeaderFieldsTooLarge = 431,
    InternalServerError = 500,
    BadGateway = 502,
    ServiceUnavailable = 503,
    GatewayTimeout = 504,
    HttpVersionNotSupported = 505,
}

impl StatusCode {
    pub fn code(self) -> u16 {
        self as u16
    }

    /// The reason phrase RFC 9110 §15 registers for the code.
    pub fn reason(self) -> &'static str {
        match self {
            StatusCode::SwitchingProtocols => "Switching Protocols",
            StatusCode::Ok => "OK",
            StatusCode::NoContent => "No Content",
            StatusCode::PartialContent => "Partial Content",
            StatusCode::MovedPermanently => "Moved Permanently",
            StatusCode::Found => "Found",
            StatusCode::SeeOther => "See Other",
            StatusCode::NotModified => "Not Modified",
            StatusCode::TemporaryRedirect => "Temporary Redirect",
            StatusCode::PermanentRedirect => "Permanent Redirect",
            StatusCode::BadRequest => "Bad Request",
            StatusCode::Unauthorized => "Unauthorized",
            StatusCode::Forbidden => "Forbidden",
            StatusCode::NotFound => "Not Found",
            StatusCode::MethodNotAllowed => "Method Not Allowed",
            StatusCode::RequestTimeout => "Request Timeout",
            StatusCode::PreconditionFailed => "Precondition Failed",
            StatusCode::ContentTooLarge => "Content Too Large",
            StatusCode::UriTooLong => "URI Too Long",
            StatusCode::RangeNotSatisfiable => "Range Not Satisfiable",
            StatusCode::RequestHeaderFieldsTooLarge => "Request Header Fields Too Large",
            StatusCode::InternalServerError => "Internal Server Error",
            StatusCode::BadGateway => "Bad Gateway",
            StatusCode::ServiceUnavailable => "Service Unavailable",
            StatusCode::GatewayTimeout => "Gateway Timeout",
            StatusCode::HttpVersionNotSupported => "HTTP Version Not Supported",
        }
    }
}

impl From<StatusCode> for u16 {
    fn from(status: StatusCode) -> u16 {
        status.code()
    }
}

/// A header field name, kept in lowercase; the response encoder writes it in canonical case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HeaderName(Cow<'static, str>);

impl HeaderName {
    pub const fn from_static(lowercase: &'static str) -> HeaderName {
        HeaderName(Cow::Borrowed(lowercase))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for HeaderName {
    fn from(name: &str) -> HeaderName {
        HeaderName(Cow::Owned(name.to_ascii_lowercase()))
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(&self.0)
    }
}

/// The header names lanai reads or writes.
pub mod headers {
    pub use super::HeaderName;

    macro_rules! names {
        ($($constant:ident = $text:literal),* $(,)?) => {
            $(pub const $constant: HeaderName = HeaderName::from_static($text);)*
        };
    }

    names! {
        ACCEPT = "accept",
        ACCEPT_ENCODING = "accept-encoding",
        ACCEPT_RANGES = "accept-ranges",
        ACCESS_CONTROL_ALLOW_HEADERS = "access-control-allow-headers",
        ACCESS_CONTROL_ALLOW_METHODS = "access-control-allow-methods",
        ACCESS_CONTROL_ALLOW_ORIGIN = "access-control-allow-origin",
        ACCESS_CONTROL_MAX_AGE = "access-control-max-age",
        ACCESS_CONTROL_REQUEST_HEADERS = "access-control-request-headers",
        ALLOW = "allow",
        AUTHORIZATION = "authorization",
        CACHE_CONTROL = "cache-control",
        CONNECTION = "connection",
        CONTENT_ENCODING = "content-encoding",
        CONTENT_LENGTH = "content-length",
        CONTENT_RANGE = "content-range",
        CONTENT_TYPE = "content-type",
        ETAG = "etag",
        EXPECT = "expect",
        HOST = "host",
        IF_MATCH = "if-match",
        IF_MODIFIED_SINCE = "if-modified-since",
        IF_NONE_MATCH = "if-none-match",
        IF_RANGE = "if-range",
        IF_UNMODIFIED_SINCE = "if-unmodified-since",
        LAST_MODIFIED = "last-modified",
        LOCATION = "location",
        RETRY_AFTER = "retry-after",
        TRANSFER_ENCODING = "transfer-encoding",
        VARY = "vary",
        WWW_AUTHENTICATE = "www-authenticate",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_case_sensitive_tokens() {
        assert_eq!(Method::from_token("GET"), Some(Method::Get));
        assert_eq!(Method::from_token("PATCH"), Some(Method::Patch));
        assert_eq!(Method::from_token("get"), None);
        assert_eq!(Method::from_token("BREW"), None);
    }

    #[test]
    fn statuses_carry_their_code_and_registered_phrase() {
        assert_eq!(StatusCode::NotModified.code(), 304);
        assert_eq!(StatusCode::NotModified.reason(), "Not Modified");
        assert_eq!(StatusCode::RangeNotSatisfiable.code(), 416);
        assert_eq!(StatusCode::ContentTooLarge.reason(), "Content Too Large");
    }

    #[test]
    fn header_names_are_lowercase() {
        assert_eq!(
            HeaderName::from("X-Frame-Options").as_str(),
            "x-frame-options"
        );
        assert_eq!(headers::CONTENT_TYPE.as_str(), "content-type");
    }
}
