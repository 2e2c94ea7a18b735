//! --upload: `PUT /folder/name` writes one file (curl -T); a `multipart/form-data` POST to a folder's URL writes
//! each file it carries into that folder (the listing page's drop zone and file picker, form.rs). Off unless
//! asked for.
//!
//! An endpoint of its own beside files/, not inside it: files/ reads and never writes, and this one shares only
//! the rules of where (target.rs uses files/path.rs and the site's symlink policy, not copies of them). It runs
//! after the guard (and the upload credentials the guard keeps), live reload's paths and --proxy, before the rules
//! files: a PUT or POST under a proxied prefix is the upstream's.
//!
//! What can be refused before any of the body is read is (a 413 from Content-Length, a 409 for a taken name, a
//! 404 for a folder that is not there); the rest is decided as the body arrives (part.rs writes it), and the
//! connection lends the body (`Body::Receive`, http/incoming.rs) whichever protocol carries it.

mod form;
mod part;
mod target;

use crate::files::Site;
use crate::guard::Guard;
use crate::http::incoming::{Incoming, Receiver};
use crate::http::request::{Body as RequestBody, Request};
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::{CONTENT_TYPE, LOCATION};
use crate::http::vocabulary::{Method, StatusCode};
use part::{Part, Placed};
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use target::Refusal;

/// What --upload and its options allow.
pub struct Uploads {
    /// --upload-overwrite: an upload may replace a file.
    pub overwrite: bool,
    /// --upload-limit: the most bytes one file may have.
    pub limit: u64,
    /// --hidden: hidden names may be written too.
    pub hidden: bool,
}

impl Uploads {
    /// `None` for a request that is no upload (neither PUT nor POST); otherwise the answer, which reads the body.
    pub async fn respond(
        &self,
        guard: &Guard,
        site: &Site,
        request: &Request<'_>,
    ) -> Option<Response> {
        if !matches!(request.method, Some(Method::Put | Method::Post)) {
            return None;
        }
        if let Some(refusal) = guard.check_upload(request).await {
            return Some(refusal);
        }
        let answer = match request.method {
            Some(Method::Put) => self.put(site, request),
            _ => self.post(site, request),
        };
        Some(answer.unwrap_or_else(|refusal| page(refusal.0, &refusal.1)))
    }

    fn put(&self, site: &Site, request: &Request<'_>) -> Result<Response, Refusal> {
        let (folder, name) = target::file(site, request.path())?;
        if let RequestBody::Length(length) = request.body {
            if length > self.limit {
                return Err(too_large(&name, self.limit));
            }
        }
        let target = target::check_name(&site.root, &folder, &name, self.hidden, self.overwrite)?;
        let job = self.job(folder);
        let location = request.path().to_string();
        Ok(receive(move |incoming| {
            Box::pin(async move {
                Ok(match job.store(incoming, &target, &name).await? {
                    (Placed::Created, _) => {
                        Response::status_page(StatusCode::Created).with_header(LOCATION, location)
                    }
                    (Placed::Replaced, _) => Response::new(StatusCode::NoContent, Body::Empty),
                })
            })
        }))
    }

    fn job(&self, folder: PathBuf) -> Job {
        Job {
            folder,
            limit: self.limit,
            overwrite: self.overwrite,
        }
    }

    fn post(&self, site: &Site, request: &Request<'_>) -> Result<Response, Refusal> {
        let folder = target::folder(site, request.path())?;
        let boundary = request
            .header(CONTENT_TYPE.as_str())
            .and_then(|value| std::str::from_utf8(value).ok())
            .and_then(|value| multer::parse_boundary(value).ok())
            .ok_or_else(|| {
                let why =
                    "an upload to a folder is multipart/form-data (PUT sends one file as it is)";
                (StatusCode::UnsupportedMediaType, why.to_string())
            })?;
        let job = form::Form {
            root: site.root.clone(),
            hidden: self.hidden,
            job: self.job(folder),
        };
        let location = request.path().to_string();
        Ok(receive(move |incoming| {
            Box::pin(async move {
                let stored = job.store(incoming, boundary).await?;
                Ok(
                    Response::new(StatusCode::SeeOther, Body::Bytes(stored.into()))
                        .with_header(LOCATION, location)
                        .with_header(CONTENT_TYPE, "text/plain; charset=utf-8"),
                )
            })
        }))
    }
}

/// One file's way from the body to the disk, in a folder already checked.
struct Job {
    folder: PathBuf,
    limit: u64,
    overwrite: bool,
}

impl Job {
    /// Writes the pieces `next` gives to a temporary file and then puts it at `target`; returns how, and the size.
    async fn write<F>(
        &self,
        target: &Path,
        name: &str,
        mut next: F,
    ) -> Result<(Placed, u64), Refusal>
    where
        F: AsyncNext,
    {
        let mut part = Part::create(&self.folder).await.map_err(write_failed)?;
        while let Some(piece) = next.next_piece().await? {
            if part.len() + piece.len() as u64 > self.limit {
                return Err(too_large(name, self.limit));
            }
            part.write(&piece).await.map_err(write_failed)?;
        }
        let size = part.len();
        let placed = part.place(target, self.overwrite).await;
        let placed = placed.map_err(|error| match error.kind() {
            io::ErrorKind::AlreadyExists => target::taken(name),
            _ => write_failed(error),
        })?;
        log::info!(
            "uploaded {} ({size} bytes)",
            crate::platform::shown(target).display()
        );
        Ok((placed, size))
    }

    /// A PUT's whole body as the file.
    async fn store(
        &self,
        incoming: &mut dyn Incoming,
        target: &Path,
        name: &str,
    ) -> Result<(Placed, u64), Refusal> {
        self.write(target, name, BodyPieces(incoming)).await
    }
}

/// Where a file's bytes come from: a PUT's body, or one part of a form.
trait AsyncNext: Send {
    fn next_piece(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<bytes::Bytes>, Refusal>> + Send;
}

struct BodyPieces<'a>(&'a mut dyn Incoming);

impl AsyncNext for BodyPieces<'_> {
    async fn next_piece(&mut self) -> Result<Option<bytes::Bytes>, Refusal> {
        self.0.next().await.map_err(|_| broken_off())
    }
}

/// What an upload does once it has the body: the answer, or a refusal.
type Receiving<'a> = Pin<Box<dyn Future<Output = Result<Response, Refusal>> + Send + 'a>>;

/// The answer that reads the body first; a refusal becomes its page.
fn receive<F>(answer: F) -> Response
where
    F: for<'a> FnOnce(&'a mut dyn Incoming) -> Receiving<'a> + Send + 'static,
{
    let receiver: Receiver = Box::new(move |incoming| {
        Box::pin(async move {
            answer(incoming)
                .await
                .unwrap_or_else(|refusal| page(refusal.0, &refusal.1))
        })
    });
    Response::new(StatusCode::Ok, Body::Receive(receiver))
}

fn too_large(name: &str, limit: u64) -> Refusal {
    let why = format!("'{name}' is larger than the upload limit of {limit} bytes (--upload-limit)");
    (StatusCode::ContentTooLarge, why)
}

/// The client stopped sending; it will hardly read this answer, but the log shows it.
fn broken_off() -> Refusal {
    let why = "the upload broke off before its end; nothing was kept";
    (StatusCode::BadRequest, why.into())
}

fn write_failed(error: io::Error) -> Refusal {
    log::warn!("an upload could not be written: {error}");
    let why = format!("the file could not be written: {error}");
    (StatusCode::InternalServerError, why)
}

/// A short plain-text answer: the status, then why.
fn page(status: StatusCode, why: &str) -> Response {
    let page = format!("{} {}\n\n{why}\n", status.code(), status.reason());
    Response::new(status, Body::Bytes(page.into_bytes()))
        .with_header(CONTENT_TYPE, "text/plain; charset=utf-8")
}
