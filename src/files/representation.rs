//! A representation and the answer built from it: validators and conditions (304, 412), then for the identity the
//! range (206, multipart 206, 416), then the body, whichever way it is supplied (the cache, a small read, a
//! stream, a compression).

use super::conditional::{self, Precondition};
use super::io_error_response;
use super::multipart;
use super::negotiate::Coding;
use super::range::{self, RangeAnswer};
use super::site::Header;
use super::validators::Validators;
use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::{
    ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, ETAG, LAST_MODIFIED, VARY,
};
use crate::http::vocabulary::StatusCode;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::sync::Arc;

/// Files up to this size are read whole and sent with the head in one write; larger ones are streamed.
const SMALL_FILE: u64 = 64 * 1024;

/// What is known about the bytes a response sends, before any of them is read.
pub struct Representation {
    pub validators: Validators,
    pub last_modified: String,
    pub content_type: Cow<'static, str>,
    /// The Content-Encoding of a precompressed sidecar, or `None` for the file's own bytes.
    pub encoding: Option<&'static str>,
    /// The request fields the choice of this representation depends on (`Accept-Encoding`, `Accept`).
    pub vary: Option<&'static str>,
    pub len: u64,
}

/// Where a representation's bytes are.
pub enum Content {
    /// In memory: the file cache, a page with the live script, a listing.
    Memory(Arc<[u8]>),
    /// An open file, `len` bytes long.
    File(File),
}

impl Content {
    /// `count` bytes from `start`: shared with the cache, read now when small, streamed otherwise.
    pub fn into_body(self, start: u64, count: u64) -> io::Result<Body> {
        match self {
            Content::Memory(bytes) => Ok(Body::Shared {
                bytes,
                start: start as usize,
                len: count as usize,
            }),
            Content::File(file) => body(file, start, count),
        }
    }

    /// Like `into_body`, keeping the content for more parts.
    pub fn part(&self, start: u64, count: u64) -> io::Result<Body> {
        match self {
            Content::Memory(bytes) => Content::Memory(bytes.clone()).into_body(start, count),
            Content::File(file) => body(file.try_clone()?, start, count),
        }
    }
}

/// The answer for the identity or a sidecar: conditions, then the range, then the body.
pub fn represent(
    request: &Request<'_>,
    representation: &Representation,
    content: Content,
) -> Response {
    let validators = &representation.validators;
    let mut headers = match conditions(request, representation, validators) {
        Ok(headers) => headers,
        Err(answer) => return answer,
    };
    if let Some(encoding) = representation.encoding {
        headers.push((CONTENT_ENCODING, encoding.into()));
    }
    headers.push((ACCEPT_RANGES, "bytes".into()));
    let len = representation.len;
    let content_type = || (CONTENT_TYPE, representation.content_type.clone());
    let body = match range::evaluate(request, validators, len) {
        RangeAnswer::Full => {
            headers.push(content_type());
            content.into_body(0, len).map(|body| (StatusCode::Ok, body))
        }
        RangeAnswer::Partial { start, end } => {
            headers.push(content_type());
            headers.push((CONTENT_RANGE, format!("bytes {start}-{end}/{len}").into()));
            content
                .into_body(start, end - start + 1)
                .map(|body| (StatusCode::PartialContent, body))
        }
        RangeAnswer::Multiple(ranges) => {
            multipart::build(&ranges, &content, &representation.content_type, len).and_then(
                |multipart| {
                    // Part heads on many small ranges can outweigh the file: then the file it is, once.
                    if multipart.body.content_length() > Some(len) {
                        headers.push(content_type());
                        return content.into_body(0, len).map(|body| (StatusCode::Ok, body));
                    }
                    headers.push((CONTENT_TYPE, multipart.content_type.into()));
                    Ok((StatusCode::PartialContent, multipart.body))
                },
            )
        }
        RangeAnswer::Unsatisfiable => {
            return Response::status_page(StatusCode::RangeNotSatisfiable)
                .with_header(CONTENT_RANGE, format!("bytes */{len}"));
        }
    };
    match body {
        Ok((status, body)) => Response {
            status,
            headers,
            body,
        },
        Err(error) => io_error_response(error),
    }
}

/// The answer for `representation` compressed on the fly with `coding`: a representation of its own, with a tag
/// of its own, and no ranges (a Range request gets the identity). `compress` supplies the body once the
/// conditions let it be sent.
pub fn represent_encoded(
    request: &Request<'_>,
    representation: &Representation,
    coding: Coding,
    compress: impl FnOnce() -> Body,
) -> Response {
    let validators = Validators {
        etag: representation.validators.tagged(coding.name()),
        last_modified: representation.validators.last_modified,
    };
    let mut headers = match conditions(request, representation, &validators) {
        Ok(headers) => headers,
        Err(answer) => return answer,
    };
    headers.push((CONTENT_TYPE, representation.content_type.clone()));
    headers.push((CONTENT_ENCODING, coding.name().into()));
    Response {
        status: StatusCode::Ok,
        headers,
        body: compress(),
    }
}

/// The validator fields, then the conditions against `validators`: the fields to go on, or the 304 or 412.
fn conditions(
    request: &Request<'_>,
    representation: &Representation,
    validators: &Validators,
) -> Result<Vec<Header>, Response> {
    // Room for every field a file response can carry, and the site's common ones, in one allocation.
    let mut headers = Vec::with_capacity(12);
    headers.push((ETAG, validators.etag.clone().into()));
    headers.push((LAST_MODIFIED, representation.last_modified.clone().into()));
    if let Some(fields) = representation.vary {
        headers.push((VARY, fields.into()));
    }
    match conditional::evaluate(request, validators) {
        Precondition::Proceed => Ok(headers),
        Precondition::NotModified => Err(Response {
            status: StatusCode::NotModified,
            headers,
            body: Body::Empty,
        }),
        Precondition::Failed => Err(Response::status_page(StatusCode::PreconditionFailed)),
    }
}

/// `count` bytes from `start`: read now when small, streamed by the connection otherwise.
fn body(file: File, start: u64, count: u64) -> io::Result<Body> {
    if count > SMALL_FILE {
        return Ok(Body::File {
            file,
            start,
            len: count,
        });
    }
    // A file that shrank since we measured it fails with UnexpectedEof; the next request sees its new size.
    let mut bytes = vec![0; count as usize];
    ReadAt {
        file,
        offset: start,
    }
    .read_exact(&mut bytes)?;
    Ok(Body::Bytes(bytes))
}

/// Reads a file from `offset` on without its file position, which a descriptor the cache duplicated shares
/// with every other response of that file (files::Site::sends_at_offsets).
pub struct ReadAt {
    pub file: File,
    pub offset: u64,
}

impl Read for ReadAt {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let read = std::os::unix::fs::FileExt::read_at(&self.file, buffer, self.offset)?;
        // Windows' positional read moves the position too; there a response never shares its descriptor.
        #[cfg(windows)]
        let read = std::os::windows::fs::FileExt::seek_read(&self.file, buffer, self.offset)?;
        self.offset += read as u64;
        Ok(read)
    }
}
