//! One uploaded file on its way to the disk: written to a temporary name in the folder it goes to (hidden, so
//! never served or listed without --hidden), and put in place under its real name only once all of it has
//! come. Whatever stops it first — the client leaving, the limit, a write error, a panic — drops it, and the
//! temporary file goes with it. Writes and the final rename run off the executor threads.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes gathered before one write goes off the executor (HTTP/2 brings a body in 16 KiB frames).
const WRITE_BATCH: usize = 256 * 1024;

/// Numbers temporary names apart within this process; the process id keeps two lanai processes apart.
static NEXT_PART: AtomicU64 = AtomicU64::new(0);

pub struct Part {
    path: PathBuf,
    file: Option<File>,
    pending: Vec<u8>,
    written: u64,
    placed: bool,
}

/// How placing a finished file under its name went.
#[derive(Debug, PartialEq, Eq)]
pub enum Placed {
    Created,
    Replaced,
}

impl Part {
    /// A new, empty temporary file in `folder`.
    pub async fn create(folder: &Path) -> io::Result<Part> {
        let number = NEXT_PART.fetch_add(1, Ordering::Relaxed);
        let path = folder.join(format!(
            ".lanai-upload-{}-{number}.part",
            std::process::id()
        ));
        let opened = path.clone();
        let file =
            off_executor(move || File::options().write(true).create_new(true).open(opened)).await?;
        Ok(Part {
            path,
            file: Some(file),
            pending: Vec::with_capacity(WRITE_BATCH),
            written: 0,
            placed: false,
        })
    }

    /// Bytes taken so far.
    pub fn len(&self) -> u64 {
        self.written + self.pending.len() as u64
    }

    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= WRITE_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        let mut file = self.file.take().ok_or_else(broken)?;
        let pending = std::mem::take(&mut self.pending);
        let (file, mut pending, written) = off_executor(move || {
            let written = file.write_all(&pending);
            (file, pending, written)
        })
        .await;
        written?;
        self.written += pending.len() as u64;
        pending.clear();
        self.file = Some(file);
        self.pending = pending;
        Ok(())
    }

    /// Writes what is left and gives the file the name `target`: never over an existing entry unless
    /// `overwrite`, and then only over a file.
    pub async fn place(mut self, target: &Path, overwrite: bool) -> io::Result<Placed> {
        self.flush().await?;
        drop(self.file.take());
        let (from, to) = (self.path.clone(), target.to_path_buf());
        let placed = off_executor(move || put_in_place(&from, &to, overwrite)).await?;
        self.placed = true;
        Ok(placed)
    }
}

/// The rename that finishes an upload. Without `overwrite`, a hard link makes the name only if nothing has it
/// (atomically, whatever else writes there meanwhile), then the temporary name goes; where the file system has
/// no hard links, a check before the rename does it.
fn put_in_place(from: &Path, to: &Path, overwrite: bool) -> io::Result<Placed> {
    let existing = std::fs::symlink_metadata(to);
    if let Ok(existing) = &existing {
        if !existing.is_file() || !overwrite {
            return Err(io::ErrorKind::AlreadyExists.into());
        }
    }
    if overwrite {
        std::fs::rename(from, to)?;
        return Ok(if existing.is_ok() {
            Placed::Replaced
        } else {
            Placed::Created
        });
    }
    match std::fs::hard_link(from, to) {
        Ok(()) => {
            std::fs::remove_file(from)?;
            Ok(Placed::Created)
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Err(error),
        Err(_) => {
            std::fs::rename(from, to)?;
            Ok(Placed::Created)
        }
    }
}

impl Drop for Part {
    fn drop(&mut self) {
        if !self.placed {
            drop(self.file.take());
            // One unlink of a name just made: cheaper than a hop off the executor.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn broken() -> io::Error {
    io::Error::other("an earlier write of this upload failed")
}

async fn off_executor<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    async_std::task::spawn_blocking(work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_part_becomes_the_file_only_when_placed() {
        let dir = tempfile::tempdir().unwrap();
        let size = 6 + WRITE_BATCH as u64;
        async_std::task::block_on(async {
            let mut part = Part::create(dir.path()).await.unwrap();
            part.write(b"hello ").await.unwrap();
            part.write(&vec![b'x'; WRITE_BATCH]).await.unwrap();
            assert_eq!(part.len(), size);
            assert_eq!(names(dir.path()).len(), 1, "only the temporary file");
            let target = dir.path().join("a.txt");
            assert_eq!(part.place(&target, false).await.unwrap(), Placed::Created);
            assert_eq!(names(dir.path()), ["a.txt"]);
            assert_eq!(std::fs::metadata(&target).unwrap().len(), size);
        });
    }

    #[test]
    fn a_dropped_part_leaves_nothing_and_an_existing_file_stays_unless_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        std::fs::write(&target, "old").unwrap();
        async_std::task::block_on(async {
            let mut dropped = Part::create(dir.path()).await.unwrap();
            dropped.write(b"half").await.unwrap();
            drop(dropped);
            assert_eq!(names(dir.path()), ["a.txt"]);

            let mut refused = Part::create(dir.path()).await.unwrap();
            refused.write(b"new").await.unwrap();
            let error = refused.place(&target, false).await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
            assert_eq!(names(dir.path()), ["a.txt"]);
            assert_eq!(std::fs::read(&target).unwrap(), b"old");

            let mut replacing = Part::create(dir.path()).await.unwrap();
            replacing.write(b"new").await.unwrap();
            assert_eq!(
                replacing.place(&target, true).await.unwrap(),
                Placed::Replaced
            );
            assert_eq!(std::fs::read(&target).unwrap(), b"new");

            std::fs::create_dir(dir.path().join("folder")).unwrap();
            let onto_folder = Part::create(dir.path()).await.unwrap();
            let error = onto_folder
                .place(&dir.path().join("folder"), true)
                .await
                .unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
            assert_eq!(names(dir.path()), ["a.txt", "folder"]);
        });
    }
}
