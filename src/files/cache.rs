//! Small files kept in memory, so a hot page costs no path walk, open, read or close; large files kept open, with
//! what their path resolved to (metadata, usable sidecars, each open too), so a hot download costs no path walk:
//! a hit opens the file held again as a description of its own (platform::reopen). Every hit is checked
//! against the file system first, so an edit is never served stale: where the OS queues changes (watch.rs:
//! inotify) by reading that queue once, without blocking; elsewhere by two stat calls, comparing the file's size,
//! modification time and identity, and its folder's (a sidecar or a rename in the folder changes the folder).

use super::negotiate::Coding;
use super::path::SafePath;
use super::representation::Representation;
use super::watch::{Queue, Stale, Watch, Watcher};
use crate::platform;
use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Files larger than this are never cached.
pub const LARGEST_FILE: u64 = 256 * 1024;
/// The most memory the cache holds: file bytes, keys and paths, and `ENTRY_OVERHEAD` an entry.
const BUDGET: usize = 64 * 1024 * 1024;
/// What an entry costs besides its file's bytes, its key and its path (the entry, its representation's strings,
/// its slot in the map), rounded up: so that entries for empty files are bounded too.
const ENTRY_OVERHEAD: usize = 512;
/// The most descriptors large files hold open (theirs and their sidecars'); past them, the least recently used
/// entry goes, so that a big folder cannot use up the process's descriptors.
const MOST_DESCRIPTORS: usize = 64;

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
    /// The file's own representation.
    pub representation: Representation,
    pub kept: Kept,
    file: PathBuf,
    check: Check,
    /// When it was last used, on the cache's clock: the least recently used open file goes first.
    used: AtomicU64,
}

/// What a cached file's bytes are kept as.
pub enum Kept {
    /// A small file, read whole.
    Memory(Arc<[u8]>),
    /// A large file, open, and its usable sidecars, open too (none but with a watched path).
    Open { file: File, sidecars: Vec<Sidecar> },
}

/// A usable precompressed sidecar of a large cached file.
pub struct Sidecar {
    pub coding: Coding,
    pub representation: Representation,
    pub path: PathBuf,
    pub file: File,
}

/// How a hit is known to be current.
enum Check {
    /// The file and every folder above it are watched: no change queued means no change.
    Watched,
    /// The file's and its folder's stamps, compared on every hit.
    Stamped { file: Stamp, folder: Stamp },
}

impl Cached {
    /// The bytes it holds in memory.
    fn bytes(&self) -> usize {
        match &self.kept {
            Kept::Memory(bytes) => bytes.len(),
            Kept::Open { .. } => 0,
        }
    }

    /// The descriptors it holds open.
    fn descriptors(&self) -> usize {
        match &self.kept {
            Kept::Memory(_) => 0,
            Kept::Open { sidecars, .. } => 1 + sidecars.len(),
        }
    }

    /// The paths whose changes make it stale: the file, and its sidecars (each watched too, so that a sidecar
    /// changed through another hard link is seen).
    fn paths(&self) -> impl Iterator<Item = &Path> {
        let sidecars = match &self.kept {
            Kept::Memory(_) => &[][..],
            Kept::Open { sidecars, .. } => &sidecars[..],
        };
        std::iter::once(self.file.as_path())
            .chain(sidecars.iter().map(|sidecar| sidecar.path.as_path()))
    }

    /// The file it was made from.
    pub fn path(&self) -> &Path {
        &self.file
    }

    fn folder(&self) -> &Path {
        self.file.parent().unwrap_or(&self.file)
    }

    fn still_holds(&self) -> bool {
        match &self.check {
            Check::Watched => true,
            Check::Stamped { file, folder } => {
                file.still_holds(&self.file) && folder.still_holds(self.folder())
            }
        }
    }
}

/// How a file about to be read will be checked once cached; `FileCache::prepare` gives it before the file is
/// opened, so that no change between the read and the insertion goes unseen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ticket {
    /// Watched as of this generation of the change queue.
    Watched(u64),
    Stamped,
}

pub struct FileCache {
    inner: Mutex<Entries>,
    /// Counts hits, to tell which entry was used least recently.
    clock: AtomicU64,
    /// `None` where the OS has no change queue: every entry is then stamped.
    queue: Option<Queue>,
}

impl Default for FileCache {
    fn default() -> Self {
        FileCache::with_budget(BUDGET)
    }
}

impl FileCache {
    fn with_budget(budget: usize) -> Self {
        FileCache {
            inner: Mutex::new(Entries {
                by_path: HashMap::new(),
                open: Vec::new(),
                bytes: 0,
                budget,
                descriptors: 0,
                watcher: Watcher::default(),
                watching: true,
            }),
            clock: AtomicU64::new(0),
            queue: Queue::new(),
        }
    }
}

struct Entries {
    /// Keyed by the request path resolved, so that the spellings of one path are one entry.
    by_path: HashMap<SafePath, Arc<Cached>>,
    /// The keys of the entries that hold files open (at most `MOST_DESCRIPTORS`): the least recently used of them
    /// is found without walking every entry.
    open: Vec<SafePath>,
    /// Memory held, as `cost` counts it; at most `budget`.
    bytes: usize,
    budget: usize,
    descriptors: usize,
    watcher: Watcher,
    /// False once reading the queue failed: entries are stamped from then on.
    watching: bool,
}

impl FileCache {
    /// The entry for a resolved request path, if it is still what the file system holds.
    pub fn get(&self, key: &SafePath) -> Option<Arc<Cached>> {
        let entry = self.current(key)?;
        entry.used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        Some(entry)
    }

    fn current(&self, key: &SafePath) -> Option<Arc<Cached>> {
        let entry = self.lock().by_path.get(key).cloned()?;
        if matches!(entry.check, Check::Watched) {
            self.catch_up();
            return self.lock().by_path.get(key).cloned();
        }
        if entry.still_holds() {
            return Some(entry);
        }
        self.lock().remove(key);
        None
    }

    /// Readies the check for `file` (an absolute path), to be called before the file is opened and read: watches
    /// it and every folder above it where possible.
    pub fn prepare(&self, file: &Path) -> Ticket {
        let Some(queue) = &self.queue else {
            return Ticket::Stamped;
        };
        self.catch_up();
        let generation = {
            let mut entries = self.lock();
            if !entries.watching {
                return Ticket::Stamped;
            }
            match entries.watcher.watch(queue, file) {
                Watch::Not => return Ticket::Stamped,
                Watch::Already => return Ticket::Watched(entries.watcher.generation()),
                Watch::New => entries.watcher.generation(),
            }
        };
        // A symbolic link on the way makes the file's changes appear under another path than the one watched.
        // Asked after the watches are in place, so a link made after this answer is a queued change (which
        // makes the file's watch new again).
        match file.canonicalize() {
            Ok(canonical) if canonical == file => Ticket::Watched(generation),
            _ => {
                self.lock().watcher.unwatch(queue, file);
                Ticket::Stamped
            }
        }
    }

    /// Keeps the file read or opened from `file` for `key` (with `metadata` from its open handle) if it is
    /// still current, and returns it either way. An open file's sidecars must have been prepared (watched) since
    /// `ticket` was given.
    pub fn keep(
        &self,
        key: &SafePath,
        representation: Representation,
        kept: Kept,
        file: &Path,
        metadata: &Metadata,
        ticket: Ticket,
    ) -> Arc<Cached> {
        let folder = match ticket {
            Ticket::Watched(_) => None,
            Ticket::Stamped => file
                .parent()
                .and_then(|folder| std::fs::metadata(folder).ok()),
        };
        let entry = Arc::new(Cached {
            representation,
            kept,
            used: AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed)),
            file: file.to_path_buf(),
            check: match &folder {
                Some(folder) => Check::Stamped {
                    file: Stamp::of(metadata),
                    folder: Stamp::of(folder),
                },
                None => Check::Watched,
            },
        });
        let mut entries = match ticket {
            // Its folder went away just now: served, not kept.
            Ticket::Stamped if folder.is_none() => return entry,
            Ticket::Stamped => self.lock(),
            Ticket::Watched(generation) => {
                self.catch_up();
                let entries = self.lock();
                let changed = entry
                    .paths()
                    .any(|path| entries.watcher.changed_since(generation, path));
                if !entries.watching || changed {
                    // Something changed while the file was read; the next request reads it again.
                    return entry;
                }
                entries
            }
        };
        entries.insert(key, entry.clone());
        entry
    }

    /// Applies every change queued before this call.
    fn catch_up(&self) {
        let Some(queue) = &self.queue else {
            return;
        };
        queue.catch_up(|heard| {
            let mut entries = self.lock();
            let stale = match heard {
                Ok(heard) => entries.watcher.apply(queue, &heard),
                Err(error) => {
                    log::warn!("small files are checked with stat calls from now on: {error}");
                    entries.watching = false;
                    vec![Stale::Everything]
                }
            };
            entries.drop_stale(&stale);
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic elsewhere cannot leave the map half-updated in a harmful way: every update is one insert/remove.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Entries {
    fn drop_stale(&mut self, stale: &[Stale]) {
        if stale.is_empty() {
            return;
        }
        let before = self.by_path.len();
        self.by_path.retain(|_, entry| {
            !entry
                .paths()
                .any(|path| stale.iter().any(|what| what.covers(path)))
        });
        if self.by_path.len() != before {
            self.bytes = self
                .by_path
                .iter()
                .map(|(key, entry)| cost(key, entry))
                .sum();
            self.descriptors = self.by_path.values().map(|entry| entry.descriptors()).sum();
            let by_path = &self.by_path;
            self.open.retain(|key| by_path.contains_key(key));
        }
    }

    fn remove(&mut self, key: &SafePath) {
        if let Some(stale) = self.by_path.remove(key) {
            self.bytes -= cost(key, &stale);
            self.descriptors -= stale.descriptors();
            if stale.descriptors() > 0 {
                self.open.retain(|open| open != key);
            }
        }
    }

    /// Keeps `entry` for `key`, making room by dropping other entries when the budget is spent: any entry for
    /// memory, the least recently used open file for descriptors.
    fn insert(&mut self, key: &SafePath, entry: Arc<Cached>) {
        let size = cost(key, &entry);
        let descriptors = entry.descriptors();
        if descriptors > MOST_DESCRIPTORS || size > self.budget {
            return;
        }
        self.remove(key);
        while self.bytes + size > self.budget {
            let Some(victim) = self.by_path.keys().next().cloned() else {
                break;
            };
            self.remove(&victim);
        }
        while self.descriptors + descriptors > MOST_DESCRIPTORS {
            let by_path = &self.by_path;
            let Some(victim) = self
                .open
                .iter()
                .min_by_key(|key| by_path[*key].used.load(Ordering::Relaxed))
                .cloned()
            else {
                break;
            };
            self.remove(&victim);
        }
        self.bytes += size;
        self.descriptors += descriptors;
        if descriptors > 0 {
            self.open.push(key.clone());
        }
        self.by_path.insert(key.clone(), entry);
    }
}

/// The memory an entry holds, as the budget counts it: its file's bytes, its key and path, and the rest.
fn cost(key: &SafePath, entry: &Cached) -> usize {
    entry.bytes() + key.relative.as_os_str().len() + entry.file.as_os_str().len() + ENTRY_OVERHEAD
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::path;
    use crate::files::validators::Validators;

    fn key(url_path: &str) -> SafePath {
        path::resolve(url_path, false).unwrap()
    }

    /// A file's representation as the cache keeps it.
    fn representation_of(metadata: &Metadata) -> Representation {
        Representation {
            validators: Validators::of(metadata),
            last_modified: String::new(),
            content_type: "text/plain".into(),
            encoding: None,
            vary: None,
            len: metadata.len(),
        }
    }

    /// Writes `len` bytes to `path` and caches them as the server does, with the check `prepare` picks.
    fn serve(cache: &FileCache, url_path: &str, path: &Path, len: usize) -> Ticket {
        std::fs::write(path, vec![b'x'; len]).unwrap();
        let ticket = cache.prepare(path);
        let metadata = std::fs::metadata(path).unwrap();
        let representation = representation_of(&metadata);
        cache.keep(
            &key(url_path),
            representation,
            Kept::Memory(vec![b'x'; len].into()),
            path,
            &metadata,
            ticket,
        );
        ticket
    }

    fn stamped() -> FileCache {
        FileCache {
            queue: None,
            ..FileCache::default()
        }
    }

    fn follows_changes(cache: FileCache) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let path = root.join("a.txt");
        std::fs::write(&path, "").unwrap();
        serve(&cache, "/a.txt", &path, 10);
        assert!(cache.get(&key("/a.txt")).is_some());
        assert!(cache.get(&key("/b.txt")).is_none());

        std::fs::write(&path, vec![b'y'; 11]).unwrap();
        assert!(
            cache.get(&key("/a.txt")).is_none(),
            "a changed file is a miss"
        );
        assert!(
            cache.lock().by_path.is_empty(),
            "and the stale entry is dropped"
        );

        serve(&cache, "/a.txt", &path, 10);
        assert!(cache.get(&key("/a.txt")).is_some());
        std::fs::write(root.join("a.txt.gz"), "sidecar").unwrap();
        assert!(
            cache.get(&key("/a.txt")).is_none(),
            "a new file in the folder is a miss"
        );
        assert_eq!(cache.lock().bytes, 0);
    }

    #[test]
    fn stamped_entries_hit_until_the_file_or_its_folder_changes() {
        follows_changes(stamped());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn watched_entries_hit_until_the_file_or_its_folder_changes() {
        let cache = FileCache::default();
        assert!(cache.queue.is_some());
        follows_changes(cache);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_watched_entry_sees_a_same_size_rewrite_at_once() {
        // Stamps cannot: the modification time moves in clock ticks of several milliseconds.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().canonicalize().unwrap().join("a.txt");
        std::fs::write(&path, "").unwrap();
        let cache = FileCache::default();
        for _ in 0..50 {
            assert!(matches!(
                serve(&cache, "/a.txt", &path, 10),
                Ticket::Watched(_)
            ));
            assert!(cache.get(&key("/a.txt")).is_some());
            std::fs::write(&path, vec![b'z'; 10]).unwrap();
            assert!(cache.get(&key("/a.txt")).is_none());
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_path_through_a_symbolic_link_is_stamped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("real")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("alias")).unwrap();
        let cache = FileCache::default();
        let through_link = root.join("alias/a.txt");
        std::fs::write(&through_link, "").unwrap();
        assert_eq!(
            serve(&cache, "/alias/a.txt", &through_link, 10),
            Ticket::Stamped
        );
        assert!(cache.get(&key("/alias/a.txt")).is_some());
        std::fs::write(root.join("real/a.txt"), vec![b'y'; 11]).unwrap();
        assert!(cache.get(&key("/alias/a.txt")).is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_change_between_prepare_and_keep_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().canonicalize().unwrap().join("a.txt");
        std::fs::write(&path, "old").unwrap();
        let cache = FileCache::default();
        let ticket = cache.prepare(&path);
        let metadata = std::fs::metadata(&path).unwrap();
        std::fs::write(&path, "new").unwrap();
        let representation = representation_of(&metadata);
        let served = cache.keep(
            &key("/a.txt"),
            representation,
            Kept::Memory(b"old".to_vec().into()),
            &path,
            &metadata,
            ticket,
        );
        assert!(matches!(&served.kept, Kept::Memory(bytes) if &bytes[..] == b"old"));
        assert!(cache.get(&key("/a.txt")).is_none());
    }

    #[test]
    fn open_files_are_bounded_and_the_least_recently_used_goes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let cache = FileCache::default();
        for index in 0..MOST_DESCRIPTORS + 20 {
            let path = root.join(format!("{index}.bin"));
            std::fs::write(&path, "large").unwrap();
            let ticket = cache.prepare(&path);
            let file = File::open(&path).unwrap();
            let metadata = file.metadata().unwrap();
            let representation = representation_of(&metadata);
            let kept = Kept::Open {
                file,
                sidecars: Vec::new(),
            };
            let url_path = format!("/{index}.bin");
            cache.keep(
                &key(&url_path),
                representation,
                kept,
                &path,
                &metadata,
                ticket,
            );
            // The first file is asked for all along.
            assert!(cache.get(&key("/0.bin")).is_some(), "{index}");
            let entries = cache.lock();
            assert!(entries.descriptors <= MOST_DESCRIPTORS);
            assert_eq!(entries.descriptors, entries.by_path.len());
        }
        assert!(cache.get(&key("/1.bin")).is_none());
        assert!(cache
            .get(&key(&format!("/{}.bin", MOST_DESCRIPTORS + 19)))
            .is_some());
    }

    #[test]
    fn the_budget_holds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let cache = FileCache::default();
        let size = LARGEST_FILE as usize;
        for index in 0..(BUDGET / size + 10) {
            let path = root.join(format!("{index}.bin"));
            std::fs::write(&path, "").unwrap();
            serve(&cache, &format!("/{index}.bin"), &path, size);
            assert!(cache.lock().bytes <= BUDGET);
        }
        let entries = cache.lock();
        let counted: usize = entries
            .by_path
            .iter()
            .map(|(key, entry)| cost(key, entry))
            .sum();
        assert_eq!(entries.bytes, counted);
        assert!(entries.by_path.len() >= BUDGET / (size + 1024) - 1);
    }

    #[test]
    fn the_budget_counts_keys_and_entries_not_only_file_bytes() {
        // A thousand empty files under long names: free by their bytes, 712 bytes and more each by their keys.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().canonicalize().unwrap().join("empty.txt");
        std::fs::write(&path, "").unwrap();
        let budget = 64 * 1024;
        let cache = FileCache::with_budget(budget);
        for index in 0..1000 {
            let ticket = cache.prepare(&path);
            let metadata = std::fs::metadata(&path).unwrap();
            let representation = representation_of(&metadata);
            let long = key(&format!("/{}{index}", "k".repeat(200)));
            let kept = Kept::Memory(Vec::new().into());
            cache.keep(&long, representation, kept, &path, &metadata, ticket);
            let entries = cache.lock();
            assert!(entries.bytes <= budget, "{index}: {}", entries.bytes);
            assert!(entries.bytes >= entries.by_path.len() * (200 + ENTRY_OVERHEAD));
        }
        assert!(cache.lock().by_path.len() <= budget / (200 + ENTRY_OVERHEAD));
    }
}
