//! A file's representation and the answer built from it: validators and conditions (304, 412), then the range
//! (206, 416), then the body, whichever way it is supplied (the cache, a small read, a stream).

use super::conditional::{self, Precondition};
use super::io_error_response;
use super::range::{self, RangeAnswer};
use super::validators::Validators;
use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::{
    ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, ETAG, LAST_MODIFIED, VARY,
};
use crate::http::vocabulary::StatusCode;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

/// Files up to this size are read whole and sent with the head in one write; larger ones are streamed.
const SMALL_FILE: u64 = 64 * 1024;

/// What is known about the bytes a file response sends, before any of them is read.
pub struct Representation {
    pub validators: Validators,
    pub last_modified: String,
    pub content_type: Cow<'static, str>,
    pub encoding: Option<&'static str>,
    /// The answer depends on Accept-Encoding (the file has usable sidecars).
    pub vary: bool,
    pub len: u64,
}

/// The answer for one representation: conditions, then the range, then the body `read(start, count)` supplies.
pub fn represent(
    request: &Request<'_>,
    representation: &Representation,
    read: impl FnOnce(u64, u64) -> io::Result<Body>,
) -> Response {
    let validators = &representation.validators;
    // Room for every field a file response can carry, and the site's common ones, in one allocation.
    let mut headers = Vec::with_capacity(12);
    headers.push((ETAG, validators.etag.clone().into()));
    headers.push((LAST_MODIFIED, representation.last_modified.clone().into()));
    if representation.vary {
        headers.push((VARY, "Accept-Encoding".into()));
    }
    match conditional::evaluate(request, validators) {
        Precondition::Proceed => {}
        Precondition::NotModified => {
            return Response {
                status: StatusCode::NotModified,
                headers,
                body: Body::Empty,
            };
        }
        Precondition::Failed => {
            return Response::status_page(StatusCode::PreconditionFailed);
        }
    }
    headers.push((CONTENT_TYPE, representation.content_type.clone()));
    if let Some(encoding) = representation.encoding {
        headers.push((CONTENT_ENCODING, encoding.into()));
    }
    headers.push((ACCEPT_RANGES, "bytes".into()));
    let len = representation.len;
    let (status, start, count) = match range::evaluate(request, validators, len) {
        RangeAnswer::Full => (StatusCode::Ok, 0, len),
        RangeAnswer::Partial { start, end } => {
            headers.push((CONTENT_RANGE, format!("bytes {start}-{end}/{len}").into()));
            (StatusCode::PartialContent, start, end - start + 1)
        }
        RangeAnswer::Unsatisfiable => {
            return Response::status_page(StatusCode::RangeNotSatisfiable)
                .with_header(CONTENT_RANGE, format!("bytes */{len}"));
        }
    };
    match read(start, count) {
        Ok(body) => Response {
            status,
            headers,
            body,
        },
        Err(error) => io_error_response(error),
    }
}

/// A slice of bytes shared with the cache.
pub fn shared(bytes: &Arc<[u8]>, start: u64, count: u64) -> Body {
    Body::Shared {
        bytes: bytes.clone(),
        start: start as usize,
        len: count as usize,
    }
}

/// `count` bytes from `start`: read now when small, streamed by the connection otherwise.
pub fn body(mut file: File, start: u64, count: u64) -> io::Result<Body> {
    if count > SMALL_FILE {
        return Ok(Body::File {
            file,
            start,
            len: count,
        });
    }
    file.seek(SeekFrom::Start(start))?;
    // A file that shrank since we measured it fails with UnexpectedEof; the next request sees its new size.
    let mut bytes = vec![0; count as usize];
    file.read_exact(&mut bytes)?;
    Ok(Body::Bytes(bytes))
}
