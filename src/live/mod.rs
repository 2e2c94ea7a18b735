//! --live: watch the document root and tell every open page what changed, over Server-Sent Events. One watcher
//! and one debouncing thread feed a broadcast to all event streams. lanai answers its reserved paths itself,
//! `/.lanai/events`, `/.lanai/live.js` and, unless --no-console, `/.lanai/console` (console.rs); with --live they
//! win over a real `.lanai` folder in the root, and start-up warns when there is one.

mod agent;
pub mod console;
mod debounce;
pub mod inject;

use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::{CACHE_CONTROL, CONTENT_TYPE};
use crate::http::vocabulary::StatusCode;
use async_std::channel::{self, Receiver, Sender};
use console::Console;
use debounce::{Change, Debouncer};
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const EVENTS_PATH: &str = "/.lanai/events";
/// How many announcements may wait for one slow page before it misses some.
const BACKLOG: usize = 16;

pub struct Live {
    hub: Arc<Hub>,
    /// What /.lanai/live.js sends: the reload script, and the console's when it is forwarded.
    script: Arc<[u8]>,
    console: Option<Console>,
    // Watching stops when this is dropped.
    _watcher: notify::RecommendedWatcher,
}

impl Live {
    /// Starts watching `root` (canonical). `hidden` is whether dotfiles are served, and so worth a reload;
    /// `console`, where the pages' console goes (`None`: it stays in the page).
    pub fn start(root: &Path, hidden: bool, console: Option<Console>) -> Result<Live, String> {
        if root.join(".lanai").exists() {
            log::warn!(
                "--live answers /.lanai/ itself; the folder {} will not be served",
                crate::platform::shown(&root.join(".lanai")).display()
            );
        }
        let (sender, receiver) = mpsc::channel::<PathBuf>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event {
                    if changes_content(&event.kind) {
                        for path in event.paths {
                            let _ = sender.send(path);
                        }
                    }
                }
            })
            .map_err(|error| format!("cannot watch for changes: {error}"))?;
        watcher
            .watch(root, RecursiveMode::Recursive)
            .map_err(|error| {
                format!(
                    "cannot watch {} for changes: {error}",
                    crate::platform::shown(root).display()
                )
            })?;
        let hub = Arc::new(Hub::default());
        let announcer = hub.clone();
        let root = root.to_path_buf();
        std::thread::Builder::new()
            .name("lanai-live".to_string())
            .spawn(move || announce(&receiver, &root, hidden, &announcer))
            .map_err(|error| format!("cannot start the live-reload thread: {error}"))?;
        let mut script = inject::SCRIPT.to_string();
        if let Some(console) = &console {
            script.push_str(&console.script());
        }
        Ok(Live {
            hub,
            script: Arc::from(script.into_bytes()),
            console,
            _watcher: watcher,
        })
    }

    /// Answers lanai's own live-reload paths; `None` for everything else.
    pub fn respond(&self, request: &Request<'_>) -> Option<Response> {
        let response = match request.path() {
            EVENTS_PATH => Response::new(StatusCode::Ok, Body::EventStream(self.hub.subscribe()))
                .with_header(CONTENT_TYPE, "text/event-stream"),
            inject::SCRIPT_PATH => Response::new(
                StatusCode::Ok,
                Body::Shared {
                    bytes: self.script.clone(),
                    start: 0,
                    len: self.script.len(),
                },
            )
            .with_header(CONTENT_TYPE, "text/javascript"),
            console::CONSOLE_PATH => return Some(self.console.as_ref()?.respond(request)),
            _ => return None,
        };
        Some(response.with_header(CACHE_CONTROL, "no-cache"))
    }
}

/// Reading a file (ours included) must not count as a change, or every page load would trigger a reload.
fn changes_content(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        _ => false,
    }
}

/// The debouncing loop: collects changed paths, and announces each burst once it is over.
fn announce(events: &mpsc::Receiver<PathBuf>, root: &Path, hidden: bool, hub: &Hub) {
    let mut debouncer = Debouncer::default();
    loop {
        let wait = debouncer.due().map_or(Duration::from_secs(3600), |due| {
            due.saturating_duration_since(Instant::now())
        });
        match events.recv_timeout(wait) {
            Ok(path) => {
                if let Some(url_path) = url_path(root, &path, hidden) {
                    debouncer.record(url_path, Instant::now());
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if let Some(change) = debouncer.take_if_due(Instant::now()) {
            hub.publish(&change);
        }
    }
}

/// The URL path a changed file is served at (decoded), or `None` for what the server would not serve.
fn url_path(root: &Path, path: &Path, hidden: bool) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let mut url = String::new();
    for component in relative.iter() {
        let name = component.to_str()?;
        if name.starts_with('.') && !hidden || is_editor_artifact(name) {
            return None;
        }
        url.push('/');
        url.push_str(name);
    }
    // A name with a line break cannot travel in an event line; any change still reloads.
    if url.is_empty() || url.contains(['\n', '\r']) {
        return Some("/".to_string());
    }
    Some(url)
}

/// Files editors write beside the real one while saving (backups, swap and lock files, write tests): announcing
/// them would turn a stylesheet save into a full reload.
fn is_editor_artifact(name: &str) -> bool {
    name.ends_with('~')
        || name.starts_with(".#")
        || name.starts_with('#') && name.ends_with('#')
        || [".swp", ".swx", ".tmp"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
        || name == "4913"
}

/// Every open event stream, and the announcements for them.
#[derive(Default)]
struct Hub {
    streams: Mutex<Vec<Sender<Arc<str>>>>,
}

impl Hub {
    fn subscribe(&self) -> Receiver<Arc<str>> {
        let (sender, receiver) = channel::bounded(BACKLOG);
        // Reconnect quickly after a restart of lanai.
        let _ = sender.try_send(Arc::from("retry: 500\n\n"));
        self.lock().push(sender);
        receiver
    }

    fn publish(&self, change: &Change) {
        let message: Arc<str> = Arc::from(event_text(change));
        self.lock()
            .retain(|stream| match stream.try_send(message.clone()) {
                Ok(()) | Err(channel::TrySendError::Full(_)) => true,
                Err(channel::TrySendError::Closed(_)) => false,
            });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Sender<Arc<str>>>> {
        self.streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The Server-Sent Events text for a change: a `css` event per stylesheet, or one `reload`.
fn event_text(change: &Change) -> String {
    match change {
        Change::Stylesheets(paths) => paths
            .iter()
            .map(|path| format!("event: css\ndata: {path}\n\n"))
            .collect(),
        Change::Reload => "event: reload\ndata: \n\n".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_of_changed_files() {
        let root = Path::new("/srv/site");
        assert_eq!(
            url_path(root, Path::new("/srv/site/a/b.css"), false).as_deref(),
            Some("/a/b.css")
        );
        assert_eq!(
            url_path(root, Path::new("/srv/site/space in.html"), false).as_deref(),
            Some("/space in.html")
        );
        assert_eq!(
            url_path(root, Path::new("/srv/site/.git/index"), false),
            None
        );
        assert_eq!(url_path(root, Path::new("/srv/site/a/.b.swp"), false), None);
        assert_eq!(
            url_path(root, Path::new("/srv/site/.env"), true).as_deref(),
            Some("/.env")
        );
        assert_eq!(url_path(root, Path::new("/elsewhere/x"), false), None);
        for artifact in [
            "a.css~",
            "a.css.tmp~",
            "#a.css#",
            ".#a.css",
            "a.css.swp",
            "4913",
            "a.tmp",
        ] {
            assert_eq!(
                url_path(root, &root.join(artifact), true),
                None,
                "{artifact}"
            );
        }
        assert_eq!(
            url_path(root, Path::new("/srv/site"), false).as_deref(),
            Some("/")
        );
    }

    #[test]
    fn event_texts() {
        let css = Change::Stylesheets(vec!["/a.css".to_string(), "/b.css".to_string()]);
        assert_eq!(
            event_text(&css),
            "event: css\ndata: /a.css\n\nevent: css\ndata: /b.css\n\n"
        );
        assert_eq!(event_text(&Change::Reload), "event: reload\ndata: \n\n");
    }

    #[test]
    fn closed_streams_leave_the_hub() {
        let hub = Hub::default();
        let kept = hub.subscribe();
        drop(hub.subscribe());
        hub.publish(&Change::Reload);
        assert_eq!(hub.lock().len(), 1);
        assert_eq!(&*kept.try_recv().unwrap(), "retry: 500\n\n");
        assert_eq!(&*kept.try_recv().unwrap(), "event: reload\ndata: \n\n");
    }
}
