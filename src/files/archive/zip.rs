//! A folder as a zip, written as it is walked by the zip crate's stream writer: each entry's sizes and CRC follow
//! its data in a data descriptor, ZIP64 fields go on an entry that may pass 4 GiB and on the directory when the
//! archive passes 4 GiB or 65,535 entries, and names are UTF-8 (flagged as such when not ASCII). Textual types are
//! deflated; everything else is stored, as it is already compressed (media, archives, woff/woff2) or unknown.

use super::walk::Entry;
use crate::files::encode;
use crate::files::mime;
use crate::files::representation::Content;
use std::io::{self, Write};
use std::time::SystemTime;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// An entry this large or larger gets ZIP64 sizes: its size, or a deflated size a little over it, may not fit
/// 32 bits (deflate adds at most a few bytes per 16 KiB).
const ZIP64_FROM: u64 = 0xF000_0000;

pub struct Zip<W: Write>(ZipWriter<zip::write::StreamWriter<W>>);

impl<W: Write> Zip<W> {
    pub fn new(out: W) -> Self {
        Zip(ZipWriter::new_stream(out))
    }

    pub fn add(&mut self, entry: Entry<'_>) -> io::Result<()> {
        match entry {
            Entry::Folder { name, metadata } => {
                let options = options(metadata.modified().ok());
                self.0.add_directory(name, options).map_err(into_io)
            }
            Entry::File {
                name,
                file,
                metadata,
            } => {
                let len = metadata.len();
                let method = if encode::is_compressible(mime::content_type(name.as_ref())) {
                    CompressionMethod::Deflated
                } else {
                    CompressionMethod::Stored
                };
                let options = options(metadata.modified().ok())
                    .compression_method(method)
                    .large_file(len >= ZIP64_FROM);
                self.0.start_file(name, options).map_err(into_io)?;
                io::copy(&mut encode::reader(Content::File(file), len), &mut self.0)?;
                Ok(())
            }
        }
    }

    pub fn finish(self) -> io::Result<()> {
        self.0.finish().map_err(into_io)?;
        Ok(())
    }
}

fn options(modified: Option<SystemTime>) -> SimpleFileOptions {
    SimpleFileOptions::default().last_modified_time(zip_time(modified))
}

/// A zip's time (local time without a zone, 1980 to 2107, two-second steps) from a file's: lanai writes UTC, as
/// it knows no zone for the client; out of range, the zip's earliest.
fn zip_time(modified: Option<SystemTime>) -> DateTime {
    modified
        .map(time::OffsetDateTime::from)
        .and_then(|at| {
            DateTime::from_date_and_time(
                u16::try_from(at.year()).ok()?,
                at.month() as u8,
                at.day(),
                at.hour(),
                at.minute(),
                at.second(),
            )
            .ok()
        })
        .unwrap_or_default()
}

fn into_io(error: zip::result::ZipError) -> io::Error {
    match error {
        zip::result::ZipError::Io(error) => error,
        other => io::Error::other(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_in_utc_and_out_of_range_as_the_earliest() {
        // 2024-02-29 13:45:30 UTC.
        let leap_day = UNIX_EPOCH + Duration::from_secs(1_709_214_330);
        let time = zip_time(Some(leap_day));
        assert_eq!((time.year(), time.month(), time.day()), (2024, 2, 29));
        assert_eq!((time.hour(), time.minute(), time.second()), (13, 45, 30));
        assert_eq!(zip_time(Some(UNIX_EPOCH)), DateTime::default());
        assert_eq!(zip_time(None), DateTime::default());
    }
}
