//! Knowing that a cached file is unchanged without stat calls: every folder on its path, from `/` down, and the
//! file itself are watched through the OS's change queue (platform.rs: inotify). A change is queued inside the
//! system call that makes it, so a client that edits, renames, deletes or chmods a file and then sends a request
//! finds the change queued when that request reads the queue: one non-blocking read replaces two path-walking
//! stat calls, with no window in which an old copy is served.
//!
//! Watching only the file's folder would miss a renamed or replaced ancestor (the path then names other files);
//! watching each ancestor catches that, as the path walk of a stat call did. A path that cannot be watched
//! (another OS, a network or FUSE file system, the watch limit, a symbolic link on the way) is not watched at
//! all, and its entries keep the stat check (cache.rs).

use crate::platform::{Change, ChangeQueue};
use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The most watches the cache holds; past them, files fall back to stat checks. The per-user inotify limit
/// (8,192 on kernels before 5.11) is shared with --live's watcher and every other program of the user.
const MOST_WATCHES: usize = 2048;
/// More distinct changes than this in one read: every entry is dropped rather than compared with each.
const MOST_PRECISE: usize = 256;
/// How many changes `changed_since` can look back on.
const HISTORY: usize = 1024;

/// Which cached files a change makes stale.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stale {
    /// All of them (changes were lost, or too many to sort).
    Everything,
    /// Every file at or below this path.
    Below(PathBuf),
    /// The entry `name` of `folder` changed (written, created, deleted, renamed, chmod'ed): files at or below
    /// `folder/name`, and in `folder` the files whose names `name` extends, since `page.html.gz` appearing
    /// changes how `page.html` is served.
    Entry { folder: PathBuf, name: OsString },
}

impl Stale {
    pub fn covers(&self, file: &Path) -> bool {
        match self {
            Stale::Everything => true,
            Stale::Below(path) => file.starts_with(path),
            Stale::Entry { folder, name } => {
                let Ok(rest) = file.strip_prefix(folder) else {
                    return false;
                };
                let mut components = rest.components();
                let Some(Component::Normal(first)) = components.next() else {
                    return false;
                };
                if components.next().is_some() {
                    first == name.as_os_str()
                } else {
                    name.as_encoded_bytes()
                        .starts_with(first.as_encoded_bytes())
                }
            }
        }
    }
}

/// The change queue, read by one thread at a time outside the cache's lock, so that a hit does not hold the lock
/// across a system call; a hit that arrives while another thread reads waits for that read only when it began
/// after the hit arrived, and otherwise needs no read of its own.
pub struct Queue {
    queue: ChangeQueue,
    /// Reads begun, each numbered by this count after its own.
    started: AtomicU64,
    /// The number of the latest read whose changes are applied.
    finished: AtomicU64,
    /// A thread is reading (and applying what it read).
    busy: AtomicBool,
}

/// A change as read from the queue, for the cache's lock to take in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// In the watched folder, the entry of that name.
    Entry(i32, OsString),
    /// At the watched path itself.
    Path(i32),
    /// Changes were lost.
    Overflow,
}

impl Queue {
    /// `None` where the OS offers no change queue, or none is left (the per-user instance limit).
    pub fn new() -> Option<Queue> {
        match ChangeQueue::new() {
            Ok(queue) => Some(Queue {
                queue,
                started: AtomicU64::new(0),
                finished: AtomicU64::new(0),
                busy: AtomicBool::new(false),
            }),
            Err(error) => {
                if error.kind() != std::io::ErrorKind::Unsupported {
                    log::debug!(
                        "small files are checked with stat calls: no change queue ({error})"
                    );
                }
                None
            }
        }
    }

    /// Returns once every change queued before this call has been read and given to `apply` (by this thread or
    /// another). `apply` is called at most once, here, and only with changes or an error; usually the queue is
    /// empty, and reading it is one system call that finds nothing.
    pub fn catch_up(&self, apply: impl FnOnce(std::io::Result<Vec<Heard>>)) {
        // A read numbered above `arrival` began after this call did, so it saw every change queued before: the
        // client's change was queued before its request was sent, hence before this call.
        let arrival = self.started.load(Ordering::SeqCst);
        let mut apply = Some(apply);
        let mut waited = 0u32;
        while self.finished.load(Ordering::SeqCst) <= arrival {
            if self
                .busy
                .compare_exchange_weak(false, true, Ordering::SeqCst, Ordering::Relaxed)
                .is_err()
            {
                // Another thread is reading: one system call, so spin briefly before giving up the core.
                waited += 1;
                if waited < 100 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
                continue;
            }
            let reading = Reading(&self.busy);
            let number = self.started.fetch_add(1, Ordering::SeqCst) + 1;
            let mut heard = Vec::new();
            let result = self.queue.read(|change| heard.push(Heard::from(change)));
            if let Some(apply) = apply.take() {
                match result {
                    Ok(()) if heard.is_empty() => {}
                    Ok(()) => apply(Ok(heard)),
                    Err(error) => apply(Err(error)),
                }
            }
            self.finished.store(number, Ordering::SeqCst);
            drop(reading);
            return;
        }
    }
}

/// Lets another thread read once this one is done, even if applying what it read panicked.
struct Reading<'a>(&'a AtomicBool);

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl From<Change<'_>> for Heard {
    fn from(change: Change<'_>) -> Heard {
        match change {
            Change::Entry(watch, name) => Heard::Entry(watch, name.to_os_string()),
            Change::Itself(watch) | Change::Gone(watch) => Heard::Path(watch),
            Change::Overflow => Heard::Overflow,
        }
    }
}

/// The watched paths, and what the queue said lately; kept under the cache's lock.
#[derive(Default)]
pub struct Watcher {
    paths: Paths,
    /// Counts reads that found changes.
    generation: u64,
    /// The latest changes, with the generation each came in, so that a file read after `watch` can be told
    /// whether anything changed it before it is cached (a busy folder such as /tmp above the root changes often,
    /// rarely in ways that matter).
    history: VecDeque<(u64, Stale)>,
    /// The newest generation some of whose changes are no longer in `history`.
    forgotten: u64,
}

impl Watcher {
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// What the changes read make stale; forgets (and stops) the watches of paths that may now name other files.
    pub fn apply(&mut self, queue: &Queue, heard: &[Heard]) -> Vec<Stale> {
        let mut stale: Vec<Stale> = heard
            .iter()
            .filter_map(|change| self.paths.stale(change))
            .collect();
        if stale.is_empty() {
            return stale;
        }
        self.generation += 1;
        stale.sort();
        stale.dedup();
        if stale.len() > MOST_PRECISE || stale.contains(&Stale::Everything) {
            stale = vec![Stale::Everything];
        }
        for what in &stale {
            for watch in self.paths.forget(what) {
                queue.queue.unwatch(watch);
            }
            self.history.push_back((self.generation, what.clone()));
        }
        while self.history.len() > HISTORY {
            if let Some((generation, _)) = self.history.pop_front() {
                self.forgotten = generation;
            }
        }
        stale
    }

    /// Whether a change read since `generation` may have changed `file`.
    pub fn changed_since(&self, generation: u64, file: &Path) -> bool {
        generation != self.generation
            && (self.forgotten > generation
                || self
                    .history
                    .iter()
                    .any(|(when, what)| *when > generation && what.covers(file)))
    }

    /// Watches every folder from `/` down to `file`, and `file`. Call `catch_up` first, so that a path the
    /// queue says has changed is watched afresh.
    pub fn watch(&mut self, queue: &Queue, file: &Path) -> Watch {
        if self.paths.by_path.contains_key(file) {
            // Its folders were watched with it, and a change to any of them forgets the file's watch too.
            return Watch::Already;
        }
        let mut chain: Vec<&Path> = file.ancestors().collect();
        chain.reverse();
        let last = chain.len() - 1;
        let all = chain
            .into_iter()
            .enumerate()
            .all(|(index, path)| self.watch_one(queue, path, index < last));
        if all {
            Watch::New
        } else {
            Watch::Not
        }
    }

    /// Stops watching `file` (not its folders), so that the next `watch` treats it as new.
    pub fn unwatch(&mut self, queue: &Queue, file: &Path) {
        for watch in self.paths.forget(&Stale::Below(file.to_path_buf())) {
            queue.queue.unwatch(watch);
        }
    }

    fn watch_one(&mut self, queue: &Queue, path: &Path, folder: bool) -> bool {
        if self.paths.by_path.contains_key(path) {
            return true;
        }
        if self.paths.by_path.len() >= MOST_WATCHES || !ChangeQueue::sees_changes_under(path) {
            return false;
        }
        match queue.queue.watch(path, folder) {
            Ok(watch) => self.paths.add(path, watch),
            Err(error) => {
                log::debug!(
                    "cannot watch {} ({error}); its files are checked with stat calls",
                    crate::platform::shown(path).display()
                );
                false
            }
        }
    }

    #[cfg(all(test, target_os = "linux"))]
    fn watched(&self) -> usize {
        self.paths.by_path.len()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// It, or one of its folders, cannot be watched.
    Not,
    /// Watched since an earlier call, with nothing changed on its path since.
    Already,
    /// Watched from now on.
    New,
}

/// Which path each watch stands for: the pure part of the watcher.
#[derive(Default)]
struct Paths {
    by_path: HashMap<PathBuf, i32>,
    by_watch: HashMap<i32, PathBuf>,
}

impl Paths {
    /// Records a new watch; false when the same file is already watched under another path (a hard link, a bind
    /// mount), since its changes would then be reported under one path only.
    fn add(&mut self, path: &Path, watch: i32) -> bool {
        if self.by_watch.contains_key(&watch) {
            return false;
        }
        self.by_path.insert(path.to_path_buf(), watch);
        self.by_watch.insert(watch, path.to_path_buf());
        true
    }

    /// What a change makes stale; `None` for a watch already forgotten.
    fn stale(&self, heard: &Heard) -> Option<Stale> {
        let path = |watch: &i32| self.by_watch.get(watch).cloned();
        match heard {
            Heard::Overflow => Some(Stale::Everything),
            Heard::Entry(watch, name) => Some(Stale::Entry {
                folder: path(watch)?,
                name: name.clone(),
            }),
            Heard::Path(watch) => path(watch).map(Stale::Below),
        }
    }

    /// Forgets the watches at paths that `stale` says may now name other files; returns them to be removed.
    /// (A path whose own content or permissions changed still names the same file, but telling those changes
    /// apart is not worth it: the next miss watches it again.)
    fn forget(&mut self, stale: &Stale) -> Vec<i32> {
        let gone: Vec<PathBuf> = self
            .by_path
            .keys()
            .filter(|path| stale.covers(path))
            .cloned()
            .collect();
        gone.iter()
            .filter_map(|path| {
                let watch = self.by_path.remove(path)?;
                self.by_watch.remove(&watch);
                Some(watch)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    fn catch_up(queue: &Queue, watcher: &mut Watcher) -> Vec<Stale> {
        let mut stale = Vec::new();
        queue.catch_up(|heard| stale = watcher.apply(queue, &heard.unwrap()));
        stale
    }

    fn entry(folder: &str, name: &str) -> Stale {
        Stale::Entry {
            folder: folder.into(),
            name: name.into(),
        }
    }

    #[test]
    fn an_entry_change_covers_the_entry_what_is_below_it_and_the_files_it_extends() {
        let change = entry("/site/docs", "page.html");
        assert!(change.covers(Path::new("/site/docs/page.html")));
        assert!(change.covers(Path::new("/site/docs/page.html/index.html")));
        assert!(!change.covers(Path::new("/site/docs/other.html")));
        assert!(!change.covers(Path::new("/site/docs")));
        assert!(!change.covers(Path::new("/site/page.html")));

        let sidecar = entry("/site/docs", "page.html.br");
        assert!(sidecar.covers(Path::new("/site/docs/page.html")));
        assert!(!sidecar.covers(Path::new("/site/docs/page.htm/x")));
        assert!(!sidecar.covers(Path::new("/site/docs/page.html/x")));

        let folder = entry("/", "site");
        assert!(folder.covers(Path::new("/site/docs/page.html")));
        assert!(!folder.covers(Path::new("/sites/page.html")));
        assert!(!entry("/", "sites").covers(Path::new("/site/index.html")));
    }

    #[test]
    fn a_path_change_covers_everything_below() {
        let below = Stale::Below("/site/docs".into());
        assert!(below.covers(Path::new("/site/docs")));
        assert!(below.covers(Path::new("/site/docs/a/b.html")));
        assert!(!below.covers(Path::new("/site/docsets/b.html")));
        assert!(Stale::Everything.covers(Path::new("/anything")));
    }

    #[test]
    fn changes_map_to_the_watched_paths_and_forget_what_moved() {
        let mut paths = Paths::default();
        assert!(paths.add(Path::new("/site"), 1));
        assert!(paths.add(Path::new("/site/docs"), 2));
        assert!(paths.add(Path::new("/site/docs/page.html"), 3));
        assert!(
            !paths.add(Path::new("/mirror/docs"), 2),
            "one file under two paths is not watched twice"
        );

        assert_eq!(paths.stale(&Heard::Overflow), Some(Stale::Everything));
        assert_eq!(paths.stale(&Heard::Path(9)), None, "a forgotten watch");
        assert_eq!(
            paths.stale(&Heard::Path(3)),
            Some(Stale::Below("/site/docs/page.html".into()))
        );
        let renamed = paths.stale(&Heard::Entry(1, "docs".into())).unwrap();
        assert_eq!(renamed, entry("/site", "docs"));

        let mut forgotten = paths.forget(&renamed);
        forgotten.sort();
        assert_eq!(forgotten, [2, 3], "the paths below a renamed folder");
        assert_eq!(paths.stale(&Heard::Path(2)), None);
        assert_eq!(paths.by_path.len(), 1);
        assert_eq!(paths.forget(&Stale::Everything), [1]);
        assert!(paths.by_watch.is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_queue_reports_each_kind_of_change_before_the_call_returns() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let queue = Queue::new().expect("Linux has inotify");
        let mut watcher = Watcher::default();
        let file = root.join("docs/page.html");
        std::fs::create_dir(root.join("docs")).unwrap();
        std::fs::write(&file, "one").unwrap();
        assert_eq!(watcher.watch(&queue, &file), Watch::New);
        let watched = watcher.watched();
        assert!(watched >= 3, "/, the ancestors, the folder and the file");
        // Other programs may be changing /tmp, which is watched too: only what covers the file counts.
        let untouched = |watcher: &mut Watcher| {
            let stale = catch_up(&queue, watcher);
            stale.iter().all(|what| !what.covers(&file))
        };
        assert!(untouched(&mut watcher));
        assert_eq!(watcher.watch(&queue, &file), Watch::Already);
        assert_eq!(watcher.watched(), watched, "watched once");

        let covered = |watcher: &mut Watcher| {
            let generation = watcher.generation();
            let stale = catch_up(&queue, watcher);
            assert!(watcher.generation() > generation);
            stale.iter().any(|what| what.covers(&file))
        };
        std::fs::write(&file, "two").unwrap();
        assert!(covered(&mut watcher), "written");
        assert_eq!(watcher.watch(&queue, &file), Watch::New);

        std::fs::write(root.join("docs/page.html.gz"), "gz").unwrap();
        assert!(covered(&mut watcher), "a sidecar");
        assert_eq!(watcher.watch(&queue, &file), Watch::New);

        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
        assert!(covered(&mut watcher), "chmod");
        assert_eq!(watcher.watch(&queue, &file), Watch::New);

        std::fs::rename(root.join("docs"), root.join("old")).unwrap();
        assert!(covered(&mut watcher), "its folder renamed");
        std::fs::create_dir(root.join("docs")).unwrap();
        std::fs::write(&file, "three").unwrap();
        catch_up(&queue, &mut watcher);
        assert_eq!(
            watcher.watch(&queue, &file),
            Watch::New,
            "the new folder is watched afresh"
        );
        assert!(untouched(&mut watcher));
        let generation = watcher.generation();
        std::fs::write(root.join("docs/other.html"), "other").unwrap();
        assert!(untouched(&mut watcher), "a sibling");
        assert!(watcher.generation() > generation);
        assert!(!watcher.changed_since(generation, &file));
        assert!(watcher.changed_since(generation, &root.join("docs/other.html")));
        assert_eq!(watcher.watch(&queue, &file), Watch::Already);

        std::fs::remove_file(&file).unwrap();
        assert!(covered(&mut watcher), "deleted");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_read_begun_before_a_caller_arrived_does_not_count_for_it() {
        use std::sync::mpsc;
        let queue = Queue::new().expect("Linux has inotify");
        let (inside, entered) = mpsc::channel();
        let (release, wait) = mpsc::channel::<()>();
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            // A reader that holds its read open: it found a change, not yet applied.
            queue.queue.watch(dir.path(), true).unwrap();
            std::fs::write(dir.path().join("a"), "a").unwrap();
            let queue = &queue;
            scope.spawn(move || {
                queue.catch_up(|heard| {
                    assert!(!heard.unwrap().is_empty());
                    inside.send(()).unwrap();
                    wait.recv().unwrap();
                })
            });
            entered.recv().unwrap();
            // A caller arriving now must not return before that read is applied, and then reads again itself.
            let (done, finished) = mpsc::channel();
            scope.spawn(move || {
                queue.catch_up(|_| panic!("nothing changed since"));
                done.send(queue.finished.load(Ordering::SeqCst)).unwrap();
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(
                finished.try_recv().is_err(),
                "it waits for the read in progress"
            );
            release.send(()).unwrap();
            assert_eq!(finished.recv().unwrap(), 2, "then reads the queue itself");
        });
        // A caller with nobody reading reads at once.
        queue.catch_up(|_| panic!("nothing changed"));
        assert_eq!(queue.finished.load(Ordering::SeqCst), 3);
    }
}
