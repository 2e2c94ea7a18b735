//! Conditional requests (RFC 9110 §13): If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since,
//! evaluated in the order §13.2.2 gives. If-Range belongs to ranges (range.rs).

use super::validators::Validators;
use crate::http::request::Request;
use crate::http::vocabulary::headers::{
    IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE,
};
use std::time::SystemTime;

#[derive(Debug, PartialEq, Eq)]
pub enum Precondition {
    Proceed,
    /// 304: the client's copy is current.
    NotModified,
    /// 412: a precondition the client set does not hold.
    Failed,
}

pub fn evaluate(request: &Request<'_>, validators: &Validators) -> Precondition {
    if request.header(IF_MATCH.as_str()).is_some() {
        if !request
            .list(IF_MATCH.as_str())
            .any(|tag| tag == b"*" || strong_match(tag, &validators.etag))
        {
            return Precondition::Failed;
        }
    } else if let Some(since) = date(request.header(IF_UNMODIFIED_SINCE.as_str())) {
        if validators.last_modified > since {
            return Precondition::Failed;
        }
    }
    if request.header(IF_NONE_MATCH.as_str()).is_some() {
        if request
            .list(IF_NONE_MATCH.as_str())
            .any(|tag| tag == b"*" || weak_match(tag, &validators.etag))
        {
            return Precondition::NotModified;
        }
    } else if let Some(since) = date(request.header(IF_MODIFIED_SINCE.as_str())) {
        if validators.last_modified <= since {
            return Precondition::NotModified;
        }
    }
    Precondition::Proceed
}

/// Strong comparison: both tags strong and equal.
pub fn strong_match(tag: &[u8], etag: &str) -> bool {
    !tag.starts_with(b"W/") && tag == etag.as_bytes()
}

/// Weak comparison: equal once any `W/` is set aside.
fn weak_match(tag: &[u8], etag: &str) -> bool {
    fn opaque(tag: &[u8]) -> &[u8] {
        tag.strip_prefix(b"W/").unwrap_or(tag)
    }
    opaque(tag) == opaque(etag.as_bytes())
}

/// An HTTP-date field value; an invalid date makes the field count as absent (RFC 9110 §13.1.3).
pub fn date(value: Option<&[u8]>) -> Option<SystemTime> {
    httpdate::parse_http_date(std::str::from_utf8(value?).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request;
    use std::time::{Duration, UNIX_EPOCH};

    fn validators() -> Validators {
        Validators {
            etag: "\"abc\"".to_string(),
            last_modified: UNIX_EPOCH + Duration::from_secs(784_111_777), // Sun, 06 Nov 1994 08:49:37 GMT
        }
    }

    fn outcome(fields: &str) -> Precondition {
        let raw = format!("GET / HTTP/1.1\r\nHost: h\r\n{fields}\r\n");
        let (request, _) = request::parse(raw.as_bytes()).unwrap().unwrap();
        evaluate(&request, &validators())
    }

    #[test]
    fn none_match() {
        assert_eq!(outcome(""), Precondition::Proceed);
        assert_eq!(
            outcome("If-None-Match: \"abc\"\r\n"),
            Precondition::NotModified
        );
        assert_eq!(
            outcome("If-None-Match: W/\"abc\"\r\n"),
            Precondition::NotModified
        );
        assert_eq!(
            outcome("If-None-Match: \"x\", \"abc\"\r\n"),
            Precondition::NotModified
        );
        assert_eq!(
            outcome("If-None-Match: \"x\"\r\nIf-None-Match: \"abc\"\r\n"),
            Precondition::NotModified
        );
        assert_eq!(outcome("If-None-Match: *\r\n"), Precondition::NotModified);
        assert_eq!(
            outcome("If-None-Match: \"x\", \"y\"\r\n"),
            Precondition::Proceed
        );
    }

    #[test]
    fn modified_since() {
        assert_eq!(
            outcome("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"),
            Precondition::NotModified
        );
        assert_eq!(
            outcome("If-Modified-Since: Mon, 07 Nov 1994 08:49:37 GMT\r\n"),
            Precondition::NotModified
        );
        assert_eq!(
            outcome("If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n"),
            Precondition::Proceed
        );
        assert_eq!(
            outcome("If-Modified-Since: yesterday\r\n"),
            Precondition::Proceed
        );
    }

    #[test]
    fn none_match_wins_over_modified_since() {
        let stale_tag_fresh_date =
            "If-None-Match: \"old\"\r\nIf-Modified-Since: Mon, 07 Nov 1994 08:49:37 GMT\r\n";
        assert_eq!(outcome(stale_tag_fresh_date), Precondition::Proceed);
    }

    #[test]
    fn match_and_unmodified_since() {
        assert_eq!(outcome("If-Match: \"abc\"\r\n"), Precondition::Proceed);
        assert_eq!(outcome("If-Match: *\r\n"), Precondition::Proceed);
        assert_eq!(outcome("If-Match: W/\"abc\"\r\n"), Precondition::Failed);
        assert_eq!(outcome("If-Match: \"x\"\r\n"), Precondition::Failed);
        assert_eq!(
            outcome("If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"),
            Precondition::Proceed
        );
        assert_eq!(
            outcome("If-Unmodified-Since: Sat, 05 Nov 1994 08:49:37 GMT\r\n"),
            Precondition::Failed
        );
    }
}
