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
        return Response::status_page(StatusCode::MethodNotAllowed).with_header(ALLOW, "GET, HEAD");
    }
    let file_path = match locate(&site.root, request) {
        Ok(file_path) => file_path,
        Err(answer) => return answer,
    };
    match open_body(&file_path) {
        Ok(body) => Response::new(StatusCode::Ok, body)
            .with_header(CONTENT_TYPE, mime::content_type(&file_path)),
        Err(error) => io_error_response(error),
    }
}

/// Finds the regular file a request names, or the answer to give instead.
fn locate(root: &Path, request: &Request<'_>) -> Result<PathBuf, Response> {
    let safe = path::resolve(request.path()).map_err(|error| match error {
        PathError::BadEncoding => Response::status_page(StatusCode::BadRequest),
        PathError::Refused => Response::status_page(StatusCode::NotFound),
    })?;
    let mut file_path = root.join(&safe.relative);
    let mut metadata = std::fs::metadata(&file_path).map_err(io_error_response)?;
    if metadata.is_dir() {
        if !safe.trailing_slash {
            return Err(redirect_to_directory(request));
        }
        file_path.push(INDEX_FILE);
        metadata = std::fs::metadata(&file_path).map_err(io_error_response)?;
    } else if safe.trailing_slash {
        // `/page.html/` names a directory that is not there.
        return Err(Response::status_page(StatusCode::NotFound));
    }
    if !metadata.is_file() {
        // A directory named index.html, a socket, a FIFO (opening one would block), a device.
        return Err(Response::status_page(StatusCode::NotFound));
    }
    Ok(file_path)
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
    Response::status_page(StatusCode::MovedPermanently).with_header(LOCATION, location)
}

fn io_error_response(error: io::Error) -> Response {
    match error.kind() {
        io::ErrorKind::PermissionDenied => Response::status_page(StatusCode::Forbidden),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::InvalidFilename => {
            Response::status_page(StatusCode::NotFound)
        }
        _ => {
            log::warn!("file system error: {error}");
            Response::status_page(StatusCode::InternalServerError)
        }
    }
}
