//! A `multipart/form-data` upload (the listing page's drop zone and file picker, or `curl -F`): each part with a
//! file name is one file for the folder, written as it arrives; parts without one (other form fields) are read
//! past. multer parses the stream. Files are placed one by one as each ends: an error stops the upload there,
//! and the files placed before it stay (each is whole).
//!
//! multer takes in whatever its stream has ready before it hands anything out, and keeps a part's head until
//! its end: so the stream gives it one piece per poll (it yields between pieces), and a form that sends more
//! than `MOST_UNPARSED` bytes without multer handing out a part or a piece of one (a head or a preamble that
//! never ends) is refused. Memory stays at a piece or two whatever the size of the files.

use super::{broken_off, target, AsyncNext, Job, Refusal};
use crate::http::incoming::Incoming;
use crate::http::vocabulary::StatusCode;
use bytes::Bytes;
use futures_lite::{future, stream};
use std::fmt::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Bytes a form may send that multer holds without handing anything out: part heads (browsers send two or
/// three short lines) and a preamble (browsers send none).
const MOST_UNPARSED: usize = 1 << 20;

pub struct Form {
    pub root: PathBuf,
    pub hidden: bool,
    pub job: Job,
}

impl Form {
    /// Stores every file of the form; returns a line per file for the answer's page.
    pub async fn store(
        &self,
        incoming: &mut dyn Incoming,
        boundary: String,
    ) -> Result<String, Refusal> {
        let unparsed = Arc::new(AtomicUsize::new(0));
        let fed = unparsed.clone();
        let body = stream::unfold(incoming, move |incoming| {
            let fed = fed.clone();
            async move {
                // One piece per poll of multer's: it reads on until its stream has nothing ready.
                future::yield_now().await;
                let piece = match incoming.next().await {
                    Ok(Some(piece)) => piece,
                    Ok(None) => return None,
                    Err(_) => return Some((Err(Unreadable::BrokenOff), incoming)),
                };
                if fed.fetch_add(piece.len(), Ordering::Relaxed) + piece.len() > MOST_UNPARSED {
                    return Some((Err(Unreadable::Unparsed), incoming));
                }
                Some((Ok(piece), incoming))
            }
        });
        let parsed = || unparsed.store(0, Ordering::Relaxed);
        let mut form = multer::Multipart::new(body, boundary);
        let mut stored = String::new();
        while let Some(mut field) = form.next_field().await.map_err(malformed)? {
            parsed();
            let name = match field.file_name() {
                Some(name) if !name.is_empty() => name.to_string(),
                // A form field, or a file input left empty.
                _ => {
                    while field.chunk().await.map_err(malformed)?.is_some() {
                        parsed();
                    }
                    continue;
                }
            };
            let job = &self.job;
            let target =
                target::check_name(&self.root, &job.folder, &name, self.hidden, job.overwrite)?;
            let part = Part {
                field: &mut field,
                parsed: &parsed,
            };
            let (_, size) = job.write(&target, &name, part).await?;
            let _ = writeln!(stored, "{name}: {size} bytes");
        }
        if stored.is_empty() {
            let why = "the form carried no file";
            return Err((StatusCode::BadRequest, why.into()));
        }
        Ok(stored)
    }
}

/// One part's bytes; each piece handed out is progress.
struct Part<'a, 'r, P> {
    field: &'a mut multer::Field<'r>,
    parsed: &'a P,
}

impl<P: Fn() + Sync> AsyncNext for Part<'_, '_, P> {
    async fn next_piece(&mut self) -> Result<Option<Bytes>, Refusal> {
        let piece = self.field.chunk().await.map_err(malformed)?;
        (self.parsed)();
        Ok(piece)
    }
}

/// Why the stream under multer stopped.
#[derive(Debug)]
enum Unreadable {
    BrokenOff,
    Unparsed,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Unreadable::BrokenOff => "the body broke off",
            Unreadable::Unparsed => "the form's part head (or preamble) does not end within 1 MiB",
        })
    }
}

impl std::error::Error for Unreadable {}

/// What multer could not read: the body broke off (the client left), a head that does not end, or no
/// well-formed form.
fn malformed(error: multer::Error) -> Refusal {
    match error {
        multer::Error::StreamReadFailed(cause)
            if matches!(cause.downcast_ref(), Some(Unreadable::BrokenOff)) =>
        {
            broken_off()
        }
        multer::Error::StreamReadFailed(cause) => (StatusCode::BadRequest, cause.to_string()),
        other => (
            StatusCode::BadRequest,
            format!("the form does not parse: {other}"),
        ),
    }
}
