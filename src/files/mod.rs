//! The file-serving endpoint. Every request takes the same steps, in this order:
//! CORS preflight → method → file cache (a validated hit goes straight to the representation: a small file's
//! bytes, or a large file it holds open, opened again) →
//! locate (safe path, symlink policy, index, redirect, listing, SPA fallback) → precompressed variant →
//! compression on the fly (encode/, chosen by negotiate.rs) → representation.rs: validators and conditions →
//! range (range.rs, multipart.rs) → body; then the site's common headers.

mod archive;
mod cache;
mod chunks;
mod conditional;
mod cors;
mod encode;
mod listing;
mod mime;
mod multipart;
pub mod negotiate;
pub mod path;
mod precompressed;
pub mod range;
pub mod representation;
mod site;
mod symlinks;
pub mod validators;
mod watch;

pub use path::same_site_location;
pub use site::{user_field, Site};

use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::ACCEPT_ENCODING;
use crate::http::vocabulary::headers::{ACCEPT, ALLOW, CONTENT_TYPE, LOCATION};
use crate::http::vocabulary::{Method, StatusCode};
use crate::live;
use crate::platform;
use crate::rules;
use cache::Kept;
use path::{PathError, SafePath};
use precompressed::Variant;
use representation::{represent, represent_encoded, Content, Representation};
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use validators::Validators;

const INDEX_FILE: &str = "index.html";
/// With --live, pages up to this size get the reload script; a larger one is sent as it is.
const LARGEST_INJECTED_PAGE: u64 = 16 * 1024 * 1024;

pub fn respond(site: &Site, request: &Request<'_>) -> Response {
    let mut response = answer(site, request);
    response.headers.extend(site.common_headers.iter().cloned());
    response
}

fn answer(site: &Site, request: &Request<'_>) -> Response {
    if let Some(preflight) = cors::preflight(site, request) {
        return preflight;
    }
    if !matches!(request.method, Some(Method::Get | Method::Head)) {
        return Response::status_page(StatusCode::MethodNotAllowed)
            .with_header(ALLOW, cors::allowed_methods(site));
    }
    let safe = match resolve(site, request) {
        Ok(safe) => safe,
        Err(answer) => return answer,
    };
    // Keyed by the path resolved, so `/a`, `//a`, `/./a` and `/%61` are one entry, not one each. A folder's
    // archive is asked for by its query, which the key leaves out.
    let wants_archive = site.archives && archive::Format::from_query(request.query()).is_some();
    if let Some(cached) = site.cache.get(&safe).filter(|_| !wants_archive) {
        if let Some(answer) = from_cache(site, request, &cached) {
            return answer;
        }
    }
    match locate(site, request, &safe) {
        Ok(Found::File {
            path,
            metadata,
            cacheable,
        }) => {
            let cache_key = cacheable.then_some(&safe);
            serve_file(site, request, &path, &metadata, cache_key)
        }
        Ok(Found::Listing { dir, shown_as }) => listing::respond(site, request, &dir, &shown_as),
        Ok(Found::Archive {
            dir,
            shown_as,
            format,
        }) => archive::respond(site, request, &dir, &shown_as, format),
        Err(answer) => answer,
    }
}

/// The answer from a current cache entry: its bytes, or a fresh handle on the file (or the sidecar the request
/// accepts) it holds open; `None` if that cannot be had, and the path is walked instead.
fn from_cache(site: &Site, request: &Request<'_>, cached: &cache::Cached) -> Option<Response> {
    let (file, sidecars) = match &cached.kept {
        Kept::Memory(bytes) => {
            let content = Content::Memory(bytes.clone());
            return Some(deliver(site, request, &cached.representation, content));
        }
        Kept::Open { file, sidecars } => (file, sidecars),
    };
    let sidecar = if sidecars.is_empty() {
        None
    } else {
        let offered: Vec<_> = sidecars.iter().map(|sidecar| sidecar.coding).collect();
        negotiate::coding(request.list(ACCEPT_ENCODING.as_str()), &offered)
            .and_then(|chosen| sidecars.iter().find(|sidecar| sidecar.coding == chosen))
    };
    let (representation, file, path) = match sidecar {
        Some(sidecar) => (
            &sidecar.representation,
            &sidecar.file,
            sidecar.path.as_path(),
        ),
        None => (&cached.representation, file, cached.path()),
    };
    // A duplicate costs a fifth of a fresh open (through /proc or the path), but shares the file position.
    let reopened = if site.sends_at_offsets {
        file.try_clone()
    } else {
        platform::reopen(file, path)
    };
    let file = reopened.ok()?;
    Some(deliver(site, request, representation, Content::File(file)))
}

/// The answer for a file's own bytes (or a page made from them): compressed on the fly when the type and the
/// request allow it, else as they are, ranges included.
fn deliver(
    site: &Site,
    request: &Request<'_>,
    representation: &Representation,
    content: Content,
) -> Response {
    match site.encoder.coding_for(request, representation) {
        Some(coding) => represent_encoded(request, representation, coding, || {
            site.encoder
                .body(representation, coding, content, request.path())
        }),
        None => represent(request, representation, content),
    }
}

enum Found {
    /// `cacheable` is false when the path does not name the file for good (the SPA fallback).
    File {
        path: PathBuf,
        metadata: Metadata,
        cacheable: bool,
    },
    Listing {
        dir: PathBuf,
        shown_as: String,
    },
    /// `?download=` on a folder, with archives on: the folder as an archive, whether or not it has an index.
    Archive {
        dir: PathBuf,
        shown_as: String,
        format: archive::Format,
    },
}

/// The request's path made safe (path.rs), or the answer to give instead.
fn resolve(site: &Site, request: &Request<'_>) -> Result<SafePath, Response> {
    path::resolve(request.path(), site.hidden).map_err(|error| match error {
        PathError::BadEncoding => Response::status_page(StatusCode::BadRequest),
        PathError::Refused => Response::status_page(StatusCode::NotFound),
        PathError::Hidden => {
            log::debug!(
                "404 for {}: a hidden name (--hidden serves those)",
                request.path()
            );
            Response::status_page(StatusCode::NotFound)
        }
    })
}

/// Finds what a request (whose path resolved to `safe`) names, or the answer to give instead.
fn locate(site: &Site, request: &Request<'_>, safe: &SafePath) -> Result<Found, Response> {
    if is_rules_file(&safe.relative) {
        return Err(Response::status_page(StatusCode::NotFound));
    }
    let target = site.root.join(&safe.relative);
    let metadata = match site.metadata_below(&site.root, &safe.relative) {
        Ok(metadata) => metadata,
        Err(error)
            if error.kind() == io::ErrorKind::NotFound
                && site.spa
                && wants_app_shell(request, safe) =>
        {
            return app_shell(site);
        }
        Err(error) => return Err(io_error_response(error)),
    };
    if metadata.is_dir() {
        if !safe.trailing_slash {
            return Err(redirect_to_directory(request));
        }
        match archive::Format::from_query(request.query()).filter(|_| site.archives) {
            Some(Ok(format)) => {
                return Ok(Found::Archive {
                    shown_as: shown_as(safe),
                    dir: target,
                    format,
                })
            }
            Some(Err(())) => return Err(archive::unknown_format()),
            None => {}
        }
        let index = site.metadata_below(&target, Path::new(INDEX_FILE));
        return match index {
            Ok(metadata) if metadata.is_file() => Ok(Found::File {
                path: target.join(INDEX_FILE),
                metadata,
                cacheable: true,
            }),
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(io_error_response(error)),
            _ if site.listing => Ok(Found::Listing {
                shown_as: shown_as(safe),
                dir: target,
            }),
            _ => Err(no_index_page()),
        };
    }
    if safe.trailing_slash || !metadata.is_file() {
        // `/page.html/` names a folder that is not there; sockets, FIFOs (opening one would block) and devices
        // are never served.
        return Err(Response::status_page(StatusCode::NotFound));
    }
    Ok(Found::File {
        path: target,
        metadata,
        cacheable: true,
    })
}

/// A folder without index.html while listings are off: 404, with a page that says how to get a listing, the
/// first thing a newcomer serving a plain folder sees.
fn no_index_page() -> Response {
    const PAGE: &str = "404 Not Found\n\nThis folder has no index.html. \
        Start lanai with --listing to see a list of its files here.\n";
    Response::new(StatusCode::NotFound, Body::Bytes(PAGE.into()))
        .with_header(CONTENT_TYPE, "text/plain; charset=utf-8")
}

/// Whether the site serves something at `url_path` itself: a file, or a folder with an index (any folder with
/// --listing). The rules files' shadowing and --clean-urls ask this.
pub fn serves(site: &Site, url_path: &str) -> bool {
    let Ok(safe) = path::resolve(url_path, site.hidden) else {
        return false;
    };
    if is_rules_file(&safe.relative) {
        return false;
    }
    match site.metadata_below(&site.root, &safe.relative) {
        Ok(metadata) if metadata.is_file() => !safe.trailing_slash,
        Ok(metadata) if metadata.is_dir() => {
            site.listing
                || site
                    .metadata_below(&site.root.join(&safe.relative), Path::new(INDEX_FILE))
                    .is_ok_and(|index| index.is_file())
        }
        _ => false,
    }
}

/// `_redirects` and `_headers` at the root configure the site and are never served, by any name (see also
/// `Site::metadata_below`, which refuses them reached through a link).
const RULES_FILES: [&str; 2] = [rules::REDIRECTS_FILE, rules::HEADERS_FILE];

/// Whether a path asked for names a rules file itself: compared without regard to case, as Windows and macOS open
/// them. Costs no system call, so it goes first.
pub fn is_rules_file(relative: &Path) -> bool {
    RULES_FILES
        .iter()
        .any(|name| relative.as_os_str().eq_ignore_ascii_case(name))
}

/// For --spa: a browser navigating to a client-side route (no extension in its last segment). Browsers name
/// text/html when they navigate; `fetch()` sends `*/*`, and an API call should see its 404, not the page.
fn wants_app_shell(request: &Request<'_>, safe: &SafePath) -> bool {
    let last = safe
        .relative
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    !last.contains('.')
        && request
            .list(ACCEPT.as_str())
            .any(|item| item.starts_with(b"text/html"))
}

fn app_shell(site: &Site) -> Result<Found, Response> {
    match site.metadata_below(&site.root, Path::new(INDEX_FILE)) {
        Ok(metadata) if metadata.is_file() => Ok(Found::File {
            path: site.root.join(INDEX_FILE),
            metadata,
            cacheable: false,
        }),
        _ => Err(Response::status_page(StatusCode::NotFound)),
    }
}

/// The folder as a listing shows it: decoded, between slashes.
fn shown_as(safe: &SafePath) -> String {
    let mut shown = String::from("/");
    for component in safe.relative.iter() {
        shown.push_str(&component.to_string_lossy());
        shown.push('/');
    }
    shown
}

/// `cache_key` is the resolved request path under which the answer may be cached, or `None` when the path does
/// not name this file for good (the SPA fallback).
fn serve_file(
    site: &Site,
    request: &Request<'_>,
    path: &Path,
    metadata: &Metadata,
    cache_key: Option<&SafePath>,
) -> Response {
    let content_type = mime::content_type(path);
    // With --live, pages get the reload script; a sidecar would carry the page without it.
    let inject =
        site.live && content_type == "text/html" && metadata.len() <= LARGEST_INJECTED_PAGE;
    if let Some(key) = cache_key.filter(|_| !inject && metadata.len() > cache::LARGEST_FILE) {
        if let Some(answer) = serve_large(site, request, path, content_type, key) {
            return answer;
        }
    }
    // The cache's check is readied before anything about the file is looked at again.
    let ticket = cache_key
        .filter(|_| metadata.len() <= cache::LARGEST_FILE)
        .map(|_| site.cache.prepare(path));
    let parent = path.parent().unwrap_or(&site.root);
    let variant = if inject {
        Variant::original(path)
    } else {
        precompressed::choose(request, path, metadata, |sidecar| {
            let name = Path::new(sidecar.file_name().unwrap_or_default());
            site.metadata_below(parent, name)
        })
    };
    // Compressing on the fly makes the answer depend on Accept-Encoding, as usable sidecars do.
    let vary = (variant.vary || site.encoder.applies_to(content_type, metadata.len()))
        .then_some("Accept-Encoding");
    let (file, metadata) = match open(&variant.path) {
        Ok(opened) => opened,
        Err(error) => return io_error_response(error),
    };
    let validators = Validators::of(&metadata);
    let mut representation = Representation {
        last_modified: validators.last_modified_text(),
        validators,
        content_type: mime::with_charset(content_type, site.charset.as_deref()),
        encoding: variant.encoding,
        vary,
        len: metadata.len(),
    };
    let cache_key = cache_key.filter(|_| {
        ticket.is_some() && !variant.any_sidecar && representation.len <= cache::LARGEST_FILE
    });
    if !inject && cache_key.is_none() {
        return deliver(site, request, &representation, Content::File(file));
    }
    let mut bytes = match read_whole(file, representation.len) {
        Ok(bytes) => bytes,
        Err(error) => return io_error_response(error),
    };
    if inject {
        bytes = live::inject::into_html(&bytes);
        representation.len = bytes.len() as u64;
        // The page with the script is another representation, with a tag of its own.
        representation.validators.etag = representation.validators.tagged("live");
    }
    match (cache_key, ticket) {
        (Some(key), Some(ticket)) => {
            let bytes: std::sync::Arc<[u8]> = bytes.into();
            let kept = Kept::Memory(bytes.clone());
            let cached = site
                .cache
                .keep(key, representation, kept, path, &metadata, ticket);
            deliver(
                site,
                request,
                &cached.representation,
                Content::Memory(bytes),
            )
        }
        _ => deliver(
            site,
            request,
            &representation,
            Content::Memory(bytes.into()),
        ),
    }
}

/// A large file (more than the cache reads whole), opened with its usable sidecars and kept open by the cache
/// when its path can be checked: `None` when it cannot be cached, and it is served as any file is.
fn serve_large(
    site: &Site,
    request: &Request<'_>,
    path: &Path,
    content_type: &'static str,
    key: &SafePath,
) -> Option<Response> {
    // The cache's check is readied before anything about the file is looked at again.
    let ticket = site.cache.prepare(path);
    let (file, metadata) = match open(path) {
        Ok(opened) => opened,
        Err(error) => return Some(io_error_response(error)),
    };
    if !metadata.is_file() || metadata.len() <= cache::LARGEST_FILE {
        return None;
    }
    let parent = path.parent().unwrap_or(&site.root);
    let (fresh, any_sidecar) = precompressed::sidecars(path, &metadata, |sidecar| {
        let name = Path::new(sidecar.file_name().unwrap_or_default());
        site.metadata_below(parent, name)
    });
    // A sidecar is kept only where its changes are queued: watched itself, not a link to another file.
    if any_sidecar && !matches!(ticket, cache::Ticket::Watched(_)) {
        return None;
    }
    let vary = (!fresh.is_empty() || site.encoder.applies_to(content_type, metadata.len()))
        .then_some("Accept-Encoding");
    let content_type = mime::with_charset(content_type, site.charset.as_deref());
    let representation_of = |metadata: &Metadata, encoding| {
        let validators = Validators::of(metadata);
        Representation {
            last_modified: validators.last_modified_text(),
            validators,
            content_type: content_type.clone(),
            encoding,
            vary,
            len: metadata.len(),
        }
    };
    let mut sidecars = Vec::with_capacity(fresh.len());
    for (sidecar_path, coding) in fresh {
        let watched = matches!(site.cache.prepare(&sidecar_path), cache::Ticket::Watched(_));
        let is_link =
            std::fs::symlink_metadata(&sidecar_path).map(|meta| meta.file_type().is_symlink());
        let (sidecar_file, sidecar_metadata) = match open(&sidecar_path) {
            Ok(opened) if watched && is_link.is_ok_and(|link| !link) => opened,
            _ => return None,
        };
        if !precompressed::is_fresh(&sidecar_metadata, &metadata) {
            return None;
        }
        sidecars.push(cache::Sidecar {
            coding,
            representation: representation_of(&sidecar_metadata, Some(coding.name())),
            path: sidecar_path,
            file: sidecar_file,
        });
    }
    let representation = representation_of(&metadata, None);
    let kept = Kept::Open { file, sidecars };
    let cached = site
        .cache
        .keep(key, representation, kept, path, &metadata, ticket);
    from_cache(site, request, &cached)
}

/// The whole file, which must still be `len` bytes long.
fn read_whole(mut file: File, len: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(len as usize);
    file.read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        // Changed while we read it; the next request will see the settled file.
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes)
}

/// Opens a file and reads its metadata from the open handle, so the validators and length belong to what is sent.
fn open(path: &Path) -> io::Result<(File, Metadata)> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    Ok((file, metadata))
}

/// `/dir` names a directory: send the client to `/dir/` so relative links inside resolve, keeping the query.
fn redirect_to_directory(request: &Request<'_>) -> Response {
    let location = same_site_location(format!("{}/{}", request.path(), request.query()));
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
