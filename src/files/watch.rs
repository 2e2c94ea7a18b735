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

/// The watched paths and the change queue they report to.
pub struct Watcher {
    queue: ChangeQueue,
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
    /// `None` where the OS offers no change queue, or none is left (the per-user instance limit).
    pub fn new() -> Option<Watcher> {
        match ChangeQueue::new() {
            Ok(queue) => Some(Watcher {
                queue,
                paths: Paths::default(),
                generation: 0,
                history: VecDeque::new(),
                forgotten: 0,
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

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Reads every queued change and returns what they make stale (empty when nothing changed, the common case:
    /// one read system call).
    pub fn catch_up(&mut self) -> std::io::Result<Vec<Stale>> {
        let mut stale = Vec::new();
        let paths = &mut self.paths;
        self.queue.read(|change| {
            if let Some(what) = paths.stale(change) {
                stale.push(what);
            }
        })?;
        if stale.is_empty() {
            return Ok(stale);
        }
        self.generation += 1;
        stale.sort();
        stale.dedup();
        if stale.len() > MOST_PRECISE || stale.contains(&Stale::Everything) {
            stale = vec![Stale::Everything];
        }
        for what in &stale {
            for watch in self.paths.forget(what) {
                self.queue.unwatch(watch);
            }
            self.history.push_back((self.generation, what.clone()));
        }
        while self.history.len() > HISTORY {
            if let Some((generation, _)) = self.history.pop_front() {
                self.forgotten = generation;
            }
        }
        Ok(stale)
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
    pub fn watch(&mut self, file: &Path) -> Watch {
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
            .all(|(index, path)| self.watch_one(path, index < last));
        if all {
            Watch::New
        } else {
            Watch::Not
        }
    }

    /// Stops watching `file` (not its folders), so that the next `watch` treats it as new.
    pub fn unwatch(&mut self, file: &Path) {
        for watch in self.paths.forget(&Stale::Below(file.to_path_buf())) {
            self.queue.unwatch(watch);
        }
    }

    fn watch_one(&mut self, path: &Path, folder: bool) -> bool {
        if self.paths.by_path.contains_key(path) {
            return true;
        }
        if self.paths.by_path.len() >= MOST_WATCHES || !ChangeQueue::sees_changes_under(path) {
            return false;
        }
        match self.queue.watch(path, folder) {
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

    #[cfg(test)]
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
    fn stale(&self, change: Change<'_>) -> Option<Stale> {
        let path = |watch: i32| self.by_watch.get(&watch).cloned();
        match change {
            Change::Overflow => Some(Stale::Everything),
            Change::Entry(watch, name) => Some(Stale::Entry {
                folder: path(watch)?,
                name: name.to_os_string(),
            }),
            Change::Itself(watch) | Change::Gone(watch) => path(watch).map(Stale::Below),
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
    use std::ffi::OsStr;

    fn name(text: &str) -> &OsStr {
        OsStr::new(text)
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

        assert_eq!(paths.stale(Change::Overflow), Some(Stale::Everything));
        assert_eq!(paths.stale(Change::Itself(9)), None, "a forgotten watch");
        assert_eq!(
            paths.stale(Change::Itself(3)),
            Some(Stale::Below("/site/docs/page.html".into()))
        );
        let renamed = paths.stale(Change::Entry(1, name("docs"))).unwrap();
        assert_eq!(renamed, entry("/site", "docs"));

        let mut forgotten = paths.forget(&renamed);
        forgotten.sort();
        assert_eq!(forgotten, [2, 3], "the paths below a renamed folder");
        assert_eq!(paths.stale(Change::Gone(2)), None);
        assert_eq!(paths.by_path.len(), 1);
        assert_eq!(paths.forget(&Stale::Everything), [1]);
        assert!(paths.by_watch.is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_queue_reports_each_kind_of_change_before_the_call_returns() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let Some(mut watcher) = Watcher::new() else {
            panic!("Linux has inotify");
        };
        let file = root.join("docs/page.html");
        std::fs::create_dir(root.join("docs")).unwrap();
        std::fs::write(&file, "one").unwrap();
        assert_eq!(watcher.watch(&file), Watch::New);
        let watched = watcher.watched();
        assert!(watched >= 3, "/, the ancestors, the folder and the file");
        // Other programs may be changing /tmp, which is watched too: only what covers the file counts.
        let untouched = |watcher: &mut Watcher| {
            let stale = watcher.catch_up().unwrap();
            stale.iter().all(|what| !what.covers(&file))
        };
        assert!(untouched(&mut watcher));
        assert_eq!(watcher.watch(&file), Watch::Already);
        assert_eq!(watcher.watched(), watched, "watched once");

        let covered = |watcher: &mut Watcher| {
            let generation = watcher.generation();
            let stale = watcher.catch_up().unwrap();
            assert!(watcher.generation() > generation);
            stale.iter().any(|what| what.covers(&file))
        };
        std::fs::write(&file, "two").unwrap();
        assert!(covered(&mut watcher), "written");
        assert_eq!(watcher.watch(&file), Watch::New);

        std::fs::write(root.join("docs/page.html.gz"), "gz").unwrap();
        assert!(covered(&mut watcher), "a sidecar");
        assert_eq!(watcher.watch(&file), Watch::New);

        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
        assert!(covered(&mut watcher), "chmod");
        assert_eq!(watcher.watch(&file), Watch::New);

        std::fs::rename(root.join("docs"), root.join("old")).unwrap();
        assert!(covered(&mut watcher), "its folder renamed");
        std::fs::create_dir(root.join("docs")).unwrap();
        std::fs::write(&file, "three").unwrap();
        watcher.catch_up().unwrap();
        assert_eq!(
            watcher.watch(&file),
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
        assert_eq!(watcher.watch(&file), Watch::Already);

        std::fs::remove_file(&file).unwrap();
        assert!(covered(&mut watcher), "deleted");
    }
}
