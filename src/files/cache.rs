//! Small files kept in memory, so a hot page costs two stat calls instead of a path walk, an open, a read and a
//! close. Every hit is checked against the file system first: the file's size, modification time and identity,
//! and its folder's (a sidecar or a rename in the folder changes the folder), so an edit is never served stale.

use super::representation::Representation;
use crate::platform;
use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Files larger than this are never cached.
pub const LARGEST_FILE: u64 = 256 * 1024;
/// The most file bytes the cache holds.
const BUDGET: usize = 64 * 1024 * 1024;

/// What a file looked like when it was cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    identity: u64,
}

impl Stamp {
    pub fn of(metadata: &Metadata) -> Self {
        Stamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            identity: platform::file_identity(metadata),
        }
    }

    fn still_holds(&self, path: &Path) -> bool {
        std::fs::metadata(path).is_ok_and(|metadata| Stamp::of(&metadata) == *self)
    }
}

pub struct Cached {
    pub representation: Representation,
    pub bytes: Arc<[u8]>,
    file: PathBuf,
    file_stamp: Stamp,
    folder_stamp: Stamp,
}

impl Cached {
    pub fn new(
        representation: Representation,
        bytes: Vec<u8>,
        file: &Path,
        file_stamp: Stamp,
        folder_stamp: Stamp,
    ) -> Self {
        Cached {
            representation,
            bytes: bytes.into(),
            file: file.to_path_buf(),
            file_stamp,
            folder_stamp,
        }
    }

    fn folder(&self) -> &Path {
        self.file.parent().unwrap_or(&self.file)
    }
}

#[derive(Default)]
pub struct FileCache {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    by_url_path: HashMap<String, Arc<Cached>>,
    bytes: usize,
}

impl FileCache {
    /// The entry for a request path, if it is still what the file system holds.
    pub fn get(&self, url_path: &str) -> Option<Arc<Cached>> {
        let entry = self.lock().by_url_path.get(url_path).cloned()?;
        if entry.file_stamp.still_holds(&entry.file)
            && entry.folder_stamp.still_holds(entry.folder())
        {
            return Some(entry);
        }
        let mut entries = self.lock();
        if let Some(stale) = entries.by_url_path.remove(url_path) {
            entries.bytes -= stale.bytes.len();
        }
        None
    }

    /// Keeps `entry` for `url_path`, making room by dropping other entries when the budget is spent.
    pub fn insert(&self, url_path: &str, entry: Cached) -> Arc<Cached> {
        let entry = Arc::new(entry);
        let size = entry.bytes.len();
        let mut entries = self.lock();
        if let Some(replaced) = entries.by_url_path.remove(url_path) {
            entries.bytes -= replaced.bytes.len();
        }
        while entries.bytes + size > BUDGET {
            let Some(victim) = entries.by_url_path.keys().next().cloned() else {
                break;
            };
            let evicted = entries.by_url_path.remove(&victim).expect("key just seen");
            entries.bytes -= evicted.bytes.len();
        }
        entries.bytes += size;
        entries
            .by_url_path
            .insert(url_path.to_string(), entry.clone());
        entry
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic elsewhere cannot leave the map half-updated in a harmful way: every update is one insert/remove.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::validators::Validators;

    fn entry_for(path: &Path, len: usize) -> Cached {
        std::fs::write(path, vec![b'x'; len]).unwrap();
        let metadata = std::fs::metadata(path).unwrap();
        let folder = std::fs::metadata(path.parent().unwrap()).unwrap();
        let representation = Representation {
            validators: Validators::of(&metadata),
            last_modified: String::new(),
            content_type: "text/plain".into(),
            encoding: None,
            vary: None,
            len: len as u64,
        };
        Cached::new(
            representation,
            vec![b'x'; len],
            path,
            Stamp::of(&metadata),
            Stamp::of(&folder),
        )
    }

    #[test]
    fn hits_until_the_file_or_its_folder_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        let cache = FileCache::default();
        cache.insert("/a.txt", entry_for(&path, 10));
        assert!(cache.get("/a.txt").is_some());
        assert!(cache.get("/b.txt").is_none());

        std::fs::write(&path, vec![b'y'; 11]).unwrap();
        assert!(cache.get("/a.txt").is_none(), "a changed file is a miss");
        assert!(
            cache.lock().by_url_path.is_empty(),
            "and the stale entry is dropped"
        );

        cache.insert("/a.txt", entry_for(&path, 10));
        std::fs::write(dir.path().join("a.txt.gz"), "sidecar").unwrap();
        assert!(
            cache.get("/a.txt").is_none(),
            "a new file in the folder is a miss"
        );
    }

    #[test]
    fn the_budget_holds() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::default();
        let size = LARGEST_FILE as usize;
        for index in 0..(BUDGET / size + 10) {
            let path = dir.path().join(format!("{index}.bin"));
            cache.insert(&format!("/{index}.bin"), entry_for(&path, size));
            assert!(cache.lock().bytes <= BUDGET);
        }
        let entries = cache.lock();
        assert_eq!(entries.bytes, entries.by_url_path.len() * size);
    }
}
