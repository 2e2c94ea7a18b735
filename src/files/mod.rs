//! The file-serving endpoint: method → safe path → file or directory index → response.

mod mime;
mod path;

use crate::http::request::Request;
use crate::http::response::{Body, Response};
use http_types::headers::{ALLOW, CONTENT_TYPE, LOCATION};
use http_types::{Method, StatusCode};
use path::PathError;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Files up to this size are read whole and sent with the head in one write; larger ones are streamed.
const SMALL_FILE: u64 = 64 * 1024;
const INDEX_FILE: &str = "index.html";

pub struct Site {
    /// The document root, canonical and absolute.
    pub root: PathBuf,
}

pub fn respond(site: &Site, request: &Request<'_>) -> Response {
    if !matches!(request.method, Some(Method::Get | Method::Head)) {
        return Response::error(StatusCode::MethodNotAllowed).with_header(ALLOW, "GET, HEAD");
    }
    let safe = match path::resolve(request.path()) {
        Ok(safe) => safe,
        Err(PathError::BadEncoding) => return Response::error(StatusCode::BadRequest),
        Err(PathError::Refused) => return Response::error(StatusCode::NotFound),
    };
    let mut file_path = site.root.join(&safe.relative);
    let mut metadata = match std::fs::metadata(&file_path) {
        Ok(metadata) => metadata,
        Err(error) => return error_response(&error),
    };
    if metadata.is_dir() {
        if !safe.trailing_slash {
            return redirect_to_directory(request);
        }
        file_path.push(INDEX_FILE);
        metadata = match std::fs::metadata(&file_path) {
            Ok(metadata) => metadata,
            Err(error) => return error_response(&error),
        };
    } else if safe.trailing_slash {
        // `/page.html/` names a directory that is not there.
        return Response::error(StatusCode::NotFound);
    }
    if !metadata.is_file() {
        // Directories named index.html, sockets, FIFOs (opening one would block), devices.
        return Response::error(StatusCode::NotFound);
    }
    match open_body(&file_path) {
        Ok(body) => Response::new(StatusCode::Ok, body)
            .with_header(CONTENT_TYPE, mime::content_type(&file_path)),
        Err(error) => error_response(&error),
    }
}

fn open_body(file_path: &Path) -> io::Result<Body> {
    let mut file = File::open(file_path)?;
    // Size from the open file, so the length we announce belongs to what we send.
    let len = file.metadata()?.len();
    if len <= SMALL_FILE {
        let mut bytes = Vec::with_capacity(len as usize);
        file.by_ref().take(len).read_to_end(&mut bytes)?;
        return Ok(Body::Bytes(bytes));
    }
    Ok(Body::File { file, len })
}

/// `/dir` names a directory: send the client to `/dir/` so relative links inside resolve, keeping the query.
fn redirect_to_directory(request: &Request<'_>) -> Response {
    // Collapse leading slashes: `//host` would be read by a browser as another site.
    let path = format!("/{}", request.path().trim_start_matches('/'));
    let location = format!("{path}/{}", request.query());
    Response::error(StatusCode::MovedPermanently).with_header(LOCATION, location)
}

fn error_response(error: &io::Error) -> Response {
    match error.kind() {
        io::ErrorKind::PermissionDenied => Response::error(StatusCode::Forbidden),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::InvalidFilename => {
            Response::error(StatusCode::NotFound)
        }
        _ => {
            log::warn!("file system error: {error}");
            Response::error(StatusCode::InternalServerError)
        }
    }
}
