//! A `multipart/form-data` upload (the listing page's drop zone and file picker, or `curl -F`): each part with a
//! file name is one file for the folder, written as it arrives; parts without one (other form fields) are read
//! past. multer parses the stream. Files are placed one by one as each ends: an error stops the upload there,
//! and the files placed before it stay (each is whole).

use super::{broken_off, target, AsyncNext, Job, Refusal};
use crate::http::incoming::Incoming;
use crate::http::vocabulary::StatusCode;
use bytes::Bytes;
use futures_lite::stream;
use std::fmt::Write;
use std::path::PathBuf;

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
        let body = stream::unfold(incoming, |incoming| async move {
            match incoming.next().await {
                Ok(Some(piece)) => Some((Ok(piece), incoming)),
                Ok(None) => None,
                Err(broken) => Some((Err(broken), incoming)),
            }
        });
        let mut form = multer::Multipart::new(body, boundary);
        let mut stored = String::new();
        while let Some(mut field) = form.next_field().await.map_err(malformed)? {
            let name = match field.file_name() {
                Some(name) if !name.is_empty() => name.to_string(),
                // A form field, or a file input left empty.
                _ => {
                    while field.chunk().await.map_err(malformed)?.is_some() {}
                    continue;
                }
            };
            let job = &self.job;
            let target =
                target::check_name(&self.root, &job.folder, &name, self.hidden, job.overwrite)?;
            let (_, size) = job.write(&target, &name, Part(&mut field)).await?;
            let _ = writeln!(stored, "{name}: {size} bytes");
        }
        if stored.is_empty() {
            let why = "the form carried no file";
            return Err((StatusCode::BadRequest, why.into()));
        }
        Ok(stored)
    }
}

/// One part's bytes.
struct Part<'a, 'r>(&'a mut multer::Field<'r>);

impl AsyncNext for Part<'_, '_> {
    async fn next_piece(&mut self) -> Result<Option<Bytes>, Refusal> {
        self.0.chunk().await.map_err(malformed)
    }
}

/// What multer could not read: the body broke off (the client left), or it is no well-formed form.
fn malformed(error: multer::Error) -> Refusal {
    match error {
        multer::Error::StreamReadFailed(_) => broken_off(),
        other => (
            StatusCode::BadRequest,
            format!("the form does not parse: {other}"),
        ),
    }
}
