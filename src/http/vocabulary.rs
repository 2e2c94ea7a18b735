//! The HTTP words lanai speaks: methods, status codes with their RFC 9110 reason phrases, and header names. Our
//! own small types instead of http-types, which brought 55 crates (rand 0.7 among them) for these constants.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

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
    Created = 201,
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
    Conflict = 409,
    PreconditionFailed = 412,
    ContentTooLarge = 413,
    UriTooLong = 414,
    UnsupportedMediaType = 415,
    RangeNotSatisfiable = 416,
    TooManyRequests = 429,
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
            StatusCode::Created => "Created",
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
            StatusCode::Conflict => "Conflict",
            StatusCode::PreconditionFailed => "Precondition Failed",
            StatusCode::ContentTooLarge => "Content Too Large",
            StatusCode::UriTooLong => "URI Too Long",
            StatusCode::UnsupportedMediaType => "Unsupported Media Type",
            StatusCode::RangeNotSatisfiable => "Range Not Satisfiable",
            StatusCode::TooManyRequests => "Too Many Requests",
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

/// A header field name, kept in lowercase; the response encoder writes it in canonical case. Each name carries
/// its canonical spelling, so writing a head copies it instead of recasing it byte by byte, and cloning a name
/// for a response copies a pointer (a configured name shares one allocation).
#[derive(Clone)]
pub struct HeaderName(Spelling);

#[derive(Clone)]
enum Spelling {
    /// A name known when compiling; `canonical` is empty when only the lowercase spelling was given.
    Static {
        lowercase: &'static str,
        canonical: &'static str,
    },
    /// A name from configuration: its lowercase spelling followed by its canonical one, of equal length.
    Shared(Arc<str>),
}

impl HeaderName {
    /// A name whose canonical spelling is worked out each time it is written; `spelled` saves that work.
    pub const fn from_static(lowercase: &'static str) -> HeaderName {
        HeaderName(Spelling::Static {
            lowercase,
            canonical: "",
        })
    }

    /// A name with both its spellings, e.g. `("etag", "ETag")`.
    pub const fn spelled(lowercase: &'static str, canonical: &'static str) -> HeaderName {
        HeaderName(Spelling::Static {
            lowercase,
            canonical,
        })
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Spelling::Static { lowercase, .. } => lowercase,
            Spelling::Shared(both) => &both[..both.len() / 2],
        }
    }

    /// Appends the name as it goes on the wire: each hyphen-separated word capitalised (`content-type` →
    /// `Content-Type`), with the registered exceptions spelled as registered (`ETag`, `WWW-Authenticate`).
    pub fn append_canonical(&self, out: &mut Vec<u8>) {
        match &self.0 {
            Spelling::Static {
                lowercase,
                canonical: "",
            } => append_canonical(lowercase, out),
            Spelling::Static { canonical, .. } => out.extend_from_slice(canonical.as_bytes()),
            Spelling::Shared(both) => out.extend_from_slice(&both.as_bytes()[both.len() / 2..]),
        }
    }
}

/// The canonical spelling of a lowercase name (see `HeaderName::append_canonical`).
fn append_canonical(lowercase: &str, out: &mut Vec<u8>) {
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

impl From<&str> for HeaderName {
    fn from(name: &str) -> HeaderName {
        let lowercase = name.to_ascii_lowercase();
        let mut both = Vec::with_capacity(2 * lowercase.len());
        both.extend_from_slice(lowercase.as_bytes());
        append_canonical(&lowercase, &mut both);
        // Only ASCII case changed, so the bytes are the name's own UTF-8, twice, and both halves are equally long.
        let both = String::from_utf8(both).expect("ASCII case changes keep UTF-8");
        HeaderName(Spelling::Shared(both.into()))
    }
}

impl PartialEq for HeaderName {
    fn eq(&self, other: &HeaderName) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for HeaderName {}

impl Hash for HeaderName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for HeaderName {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), out)
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(self.as_str())
    }
}

/// The header names lanai reads or writes.
pub mod headers {
    pub use super::HeaderName;

    macro_rules! names {
        ($($constant:ident = $lowercase:literal $canonical:literal),* $(,)?) => {
            $(pub const $constant: HeaderName = HeaderName::spelled($lowercase, $canonical);)*
            /// Every name above, for the test that checks their two spellings agree.
            #[cfg(test)]
            pub const ALL: &[HeaderName] = &[$($constant),*];
        };
    }

    names! {
        ACCEPT = "accept" "Accept",
        ACCEPT_ENCODING = "accept-encoding" "Accept-Encoding",
        ACCEPT_RANGES = "accept-ranges" "Accept-Ranges",
        ACCESS_CONTROL_ALLOW_HEADERS = "access-control-allow-headers" "Access-Control-Allow-Headers",
        ACCESS_CONTROL_ALLOW_METHODS = "access-control-allow-methods" "Access-Control-Allow-Methods",
        ACCESS_CONTROL_ALLOW_ORIGIN = "access-control-allow-origin" "Access-Control-Allow-Origin",
        ACCESS_CONTROL_MAX_AGE = "access-control-max-age" "Access-Control-Max-Age",
        ACCESS_CONTROL_REQUEST_HEADERS = "access-control-request-headers" "Access-Control-Request-Headers",
        ALLOW = "allow" "Allow",
        AUTHORIZATION = "authorization" "Authorization",
        CACHE_CONTROL = "cache-control" "Cache-Control",
        CONNECTION = "connection" "Connection",
        CONTENT_ENCODING = "content-encoding" "Content-Encoding",
        CONTENT_LENGTH = "content-length" "Content-Length",
        CONTENT_RANGE = "content-range" "Content-Range",
        CONTENT_TYPE = "content-type" "Content-Type",
        ETAG = "etag" "ETag",
        EXPECT = "expect" "Expect",
        HOST = "host" "Host",
        IF_MATCH = "if-match" "If-Match",
        IF_MODIFIED_SINCE = "if-modified-since" "If-Modified-Since",
        IF_NONE_MATCH = "if-none-match" "If-None-Match",
        IF_RANGE = "if-range" "If-Range",
        IF_UNMODIFIED_SINCE = "if-unmodified-since" "If-Unmodified-Since",
        LAST_MODIFIED = "last-modified" "Last-Modified",
        LOCATION = "location" "Location",
        RANGE = "range" "Range",
        RETRY_AFTER = "retry-after" "Retry-After",
        TRANSFER_ENCODING = "transfer-encoding" "Transfer-Encoding",
        VARY = "vary" "Vary",
        WWW_AUTHENTICATE = "www-authenticate" "WWW-Authenticate",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

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

    fn canonical(name: &HeaderName) -> String {
        let mut out = Vec::new();
        name.append_canonical(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_name_is_spelled_by_the_rule() {
        for name in headers::ALL {
            assert_eq!(name.as_str(), name.as_str().to_ascii_lowercase());
            let by_rule = canonical(&HeaderName::from_static(name.as_str().to_string().leak()));
            assert_eq!(canonical(name), by_rule, "{name}");
        }
        assert_eq!(canonical(&headers::CONTENT_TYPE), "Content-Type");
        assert_eq!(canonical(&headers::ETAG), "ETag");
        assert_eq!(canonical(&headers::WWW_AUTHENTICATE), "WWW-Authenticate");
    }

    #[test]
    fn configured_names_keep_both_spellings() {
        let name = HeaderName::from("X-Content-Type-OPTIONS");
        assert_eq!(name.as_str(), "x-content-type-options");
        assert_eq!(canonical(&name), "X-Content-Type-Options");
        assert_eq!(canonical(&name.clone()), "X-Content-Type-Options");
        assert_eq!(canonical(&HeaderName::from("ETAG")), "ETag");
        assert_eq!(canonical(&HeaderName::from("x")), "X");
        assert_eq!(
            canonical(&HeaderName::from_static("cross-origin-opener-policy")),
            "Cross-Origin-Opener-Policy"
        );
        // Equal names are equal whichever way they were made, as `_headers` and `--header` compare them.
        assert_eq!(HeaderName::from("ETag"), headers::ETAG);
        assert_eq!(HeaderName::from_static("etag"), headers::ETAG);
        assert_ne!(HeaderName::from("e-tag"), headers::ETAG);
        let state = std::collections::hash_map::RandomState::new();
        assert_eq!(
            state.hash_one(HeaderName::from("Vary")),
            state.hash_one(headers::VARY)
        );
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
