//! A folder as a tar (GNU headers: long names as the GNU extension, which tar, bsdtar, 7-Zip and Python read), by
//! the tar crate, gzipped by flate2 for .tar.gz. Each file's length is the one its header announces: a file
//! that shrinks meanwhile ends the archive with an error, one that grows is cut at that length.

use super::walk::Entry;
use crate::files::encode;
use crate::files::representation::Content;
use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};
use tar::{Builder, EntryType, Header};

pub struct Tar<W: Write>(Builder<W>);

impl<W: Write> Tar<W> {
    pub fn new(out: W) -> Self {
        Tar(Builder::new(out))
    }

    pub fn add(&mut self, entry: Entry<'_>) -> io::Result<()> {
        let mut header = Header::new_gnu();
        match entry {
            Entry::Folder { name, metadata } => {
                header.set_entry_type(EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                header.set_mtime(seconds(metadata.modified().ok()));
                self.0.append_data(&mut header, name, io::empty())
            }
            Entry::File {
                name,
                file,
                metadata,
            } => {
                let len = metadata.len();
                header.set_entry_type(EntryType::Regular);
                header.set_mode(0o644);
                header.set_size(len);
                header.set_mtime(seconds(metadata.modified().ok()));
                let content = encode::reader(Content::File(file), len);
                self.0.append_data(&mut header, name, content)
            }
        }
    }

    /// Ends the archive and hands back what it was written to (a gzip stream has its own end to write).
    pub fn finish(self) -> io::Result<W> {
        self.0.into_inner()
    }
}

fn seconds(modified: Option<SystemTime>) -> u64 {
    modified
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_secs())
}
