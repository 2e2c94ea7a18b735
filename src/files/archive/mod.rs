//! Folder downloads: with --listing (and without --no-archives), `GET /folder/?download=zip` (or `tar`,
//! `tar.gz`) answers the folder as an archive made as it is sent. The walk (walk.rs) follows the rules of
//! serving; the formats are the zip and tar crates' (zip.rs, tar.rs), gzip is flate2's. It runs on the blocking
//! pool and writes into the short channel the connection reads (chunks.rs), so memory stays flat whatever the
//! folder holds (the zip's directory, a few dozen bytes per entry, is kept until its end) and a client that
//! leaves stops the walk at its next write. The length is not known before the end, so HTTP/1 ends the body
//! with the connection; each format has an end of its own (the zip's directory, tar's end blocks, gzip's
//! trailer), which a download that broke off lacks.

mod tar;
mod walk;
mod zip;

use super::Site;
use super::{chunks, listing};
use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::CONTENT_TYPE;
use crate::http::vocabulary::{Method, StatusCode};
use flate2::write::GzEncoder;
use std::cell::Cell;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use walk::{Entry, Walk};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Zip,
    Tar,
    TarGz,
}

impl Format {
    /// The archive a query asks for with `download=`: `None` when it asks for none, `Some(Err(()))` for a format
    /// lanai does not make.
    pub fn from_query(query: &str) -> Option<Result<Format, ()>> {
        let value = query
            .trim_start_matches('?')
            .split('&')
            .find_map(|pair| pair.strip_prefix("download="))?;
        Some(match value {
            "zip" => Ok(Format::Zip),
            "tar" => Ok(Format::Tar),
            "tar.gz" => Ok(Format::TarGz),
            _ => Err(()),
        })
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::TarGz => "tar.gz",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Zip => "application/zip",
            Format::Tar => "application/x-tar",
            Format::TarGz => "application/gzip",
        }
    }
}

/// The answer to `?download=` with a format lanai does not make.
pub fn unknown_format() -> Response {
    const PAGE: &str = "400 Bad Request\n\nA folder downloads as ?download=zip, ?download=tar or ?download=tar.gz.\n";
    Response::new(StatusCode::BadRequest, Body::Bytes(PAGE.into()))
        .with_header(CONTENT_TYPE, "text/plain; charset=utf-8")
}

/// The archive of `dir` (a folder within the root, shown to people as `shown_as`), named after the folder. A
/// HEAD gets the head alone: nothing is walked.
pub fn respond(
    site: &Site,
    request: &Request<'_>,
    dir: &Path,
    shown_as: &str,
    format: Format,
) -> Response {
    let name = dir
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("folder")
        .to_string();
    let file_name = format!("{name}.{}", format.extension());
    let body = if request.method == Some(Method::Head) {
        // A channel already closed: no length, as the GET's answer has none, and nothing made.
        Body::Chunks(async_std::channel::bounded(1).1)
    } else {
        let walk = Walk {
            root: site.root.clone(),
            hidden: site.hidden,
            follow_symlinks: site.follow_symlinks,
        };
        let job = Job {
            walk,
            dir: dir.to_path_buf(),
            top: name,
            shown_as: shown_as.to_string(),
            format,
        };
        chunks::made_by(move |out| job.run(out))
    };
    Response::new(StatusCode::Ok, body)
        .with_header(CONTENT_TYPE, format.content_type())
        .with_header("content-disposition".into(), attachment(&file_name))
}

/// `attachment` with the name twice: as ASCII for old clients (other characters as `_`) and exactly, as UTF-8
/// (RFC 6266 §4.3).
fn attachment(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|character| match character {
            ' '..='~' if character != '"' && character != '\\' => character,
            _ => '_',
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        listing::percent_encode(file_name)
    )
}

/// One archive being made, on the blocking pool.
struct Job {
    walk: Walk,
    dir: PathBuf,
    /// The folder inside the archive that holds everything: unpacked, the archive makes one folder.
    top: String,
    shown_as: String,
    format: Format,
}

impl Job {
    fn run(self, out: &mut dyn Write) -> io::Result<()> {
        let cut = Cell::new(false);
        let mut files = 0;
        let out = Cut {
            inner: out,
            cut: &cut,
        };
        let made = self.write(out, &cut, &mut files);
        match &made {
            Ok(()) => log::debug!(
                "archived {} as {}: {files} files",
                self.shown_as,
                self.format.extension()
            ),
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => log::info!(
                "the archive of {} stopped after {files} files: the client went away",
                self.shown_as
            ),
            Err(error) => log::warn!(
                "the archive of {} broke off after {files} files: {error}",
                self.shown_as
            ),
        }
        made
    }

    fn write(&self, out: Cut<'_>, cut: &Cell<bool>, files: &mut u64) -> io::Result<()> {
        let mut walk = |add: &mut dyn FnMut(Entry<'_>) -> io::Result<()>| {
            let counted = &mut |entry: Entry<'_>| {
                if let Entry::File { .. } = entry {
                    *files += 1;
                }
                add(entry)
            };
            // The format writers end an archive when dropped; after a failure nothing of that may go out.
            self.walk
                .run(&self.dir, &self.top, counted)
                .inspect_err(|_| cut.set(true))
        };
        match self.format {
            Format::Zip => {
                let mut archive = zip::Zip::new(out);
                walk(&mut |entry| archive.add(entry))?;
                archive.finish()
            }
            Format::Tar => {
                let mut archive = tar::Tar::new(out);
                walk(&mut |entry| archive.add(entry))?;
                archive.finish().map(drop)
            }
            Format::TarGz => {
                let gzip = GzEncoder::new(out, flate2::Compression::default());
                let mut archive = tar::Tar::new(gzip);
                walk(&mut |entry| archive.add(entry))?;
                archive.finish()?.finish().map(drop)
            }
        }
    }
}

/// The writer under an archive: after a failure (the client left, a file could not be read) nothing more gets
/// through, so the end the format writers add when dropped cannot make a broken download look complete.
struct Cut<'a> {
    inner: &'a mut dyn Write,
    cut: &'a Cell<bool>,
}

impl Write for Cut<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.cut.get() {
            return Ok(bytes.len());
        }
        self.inner.write(bytes).inspect_err(|_| self.cut.set(true))
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.cut.get() {
            return Ok(());
        }
        self.inner.flush().inspect_err(|_| self.cut.set(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_the_query() {
        assert_eq!(Format::from_query(""), None);
        assert_eq!(Format::from_query("?sort=size"), None);
        assert_eq!(Format::from_query("?download=zip"), Some(Ok(Format::Zip)));
        assert_eq!(
            Format::from_query("?sort=name&download=tar"),
            Some(Ok(Format::Tar))
        );
        assert_eq!(
            Format::from_query("?download=tar.gz"),
            Some(Ok(Format::TarGz))
        );
        assert_eq!(Format::from_query("?download=rar"), Some(Err(())));
        assert_eq!(Format::from_query("?download="), Some(Err(())));
    }

    #[test]
    fn the_name_as_ascii_and_as_utf8() {
        assert_eq!(
            attachment("photos.zip"),
            "attachment; filename=\"photos.zip\"; filename*=UTF-8''photos.zip"
        );
        assert_eq!(
            attachment("Fotos 2024 \"ü\".tar.gz"),
            "attachment; filename=\"Fotos 2024 ___.tar.gz\"; filename*=UTF-8''Fotos%202024%20%22%C3%BC%22.tar.gz"
        );
    }

    #[test]
    fn nothing_gets_through_once_cut() {
        let cut = Cell::new(false);
        let mut sink = Vec::new();
        let mut out = Cut {
            inner: &mut sink,
            cut: &cut,
        };
        out.write_all(b"kept").unwrap();
        cut.set(true);
        out.write_all(b"dropped").unwrap();
        assert_eq!(sink, b"kept");
    }
}
