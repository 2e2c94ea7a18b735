//! The folder that keeps the local CA and its leaf, shared by every lanai process of this user. Whoever reads or
//! changes it holds its lock, and every file goes in under a temporary name and is renamed into place, so a
//! reader never sees half a file nor a certificate from one run beside a key from another.

use crate::platform;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// The lock file; never removed, since a process may be waiting on the one it opened.
const LOCK: &str = "lock";
/// What a file is written as before it is renamed into place.
const TEMPORARY_SUFFIX: &str = ".new";

pub struct Folder {
    pub path: PathBuf,
}

/// The folder's lock, held until dropped.
pub struct Locked {
    _file: File,
}

impl Folder {
    /// The folder at `path`, made (private to this user) if it is not there.
    pub fn create(path: &Path) -> io::Result<Folder> {
        fs::create_dir_all(path)?;
        platform::make_private_folder(path)?;
        Ok(Folder {
            path: path.to_path_buf(),
        })
    }

    /// Waits for the folder's lock across processes: two lanai processes starting at once make one CA.
    pub fn lock(&self) -> io::Result<Locked> {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.path.join(LOCK))?;
        file.lock()?;
        Ok(Locked { _file: file })
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The text of `name`, `None` when there is no such file.
    pub fn read(&self, name: &str) -> io::Result<Option<String>> {
        match fs::read_to_string(self.file(name)) {
            Ok(text) => Ok(Some(text)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Writes `files` (name, contents) under temporary names, readable by this user only and flushed to disk, then
    /// renames them into place in their order: nothing is renamed unless every one was written.
    pub fn replace(&self, _lock: &Locked, files: &[(&str, &str)]) -> io::Result<()> {
        let temporary = |name: &str| self.file(&format!("{name}{TEMPORARY_SUFFIX}"));
        for (name, contents) in files {
            let path = temporary(name);
            // A temporary file left by a run that died is replaced, not appended to or trusted for its mode.
            if let Err(error) = fs::remove_file(&path) {
                if error.kind() != io::ErrorKind::NotFound {
                    return Err(error);
                }
            }
            platform::write_private(&path, contents.as_bytes())?;
        }
        for (name, _) in files {
            fs::rename(temporary(name), self.file(name))?;
        }
        Ok(())
    }

    /// Removes `name` if it is there.
    pub fn remove(&self, _lock: &Locked, name: &str) -> io::Result<()> {
        match fs::remove_file(self.file(name)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}
