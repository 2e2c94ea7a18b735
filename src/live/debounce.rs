//! Turning a burst of file events into one change. An editor's save is a write, a rename and a chmod within a few
//! milliseconds; the page should reload once, after the burst, with every changed path known.

use std::time::{Duration, Instant};

/// Quiet time after the last event before the change is announced.
pub const QUIET: Duration = Duration::from_millis(75);
/// Longest a change waits while events keep coming (a build writing many files).
pub const LONGEST_WAIT: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Only stylesheets changed: the page swaps them in place. URL paths, decoded.
    Stylesheets(Vec<String>),
    /// Anything else: the page reloads.
    Reload,
}

#[derive(Default)]
pub struct Debouncer {
    changed: Vec<String>,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Debouncer {
    pub fn record(&mut self, url_path: String, now: Instant) {
        if !self.changed.contains(&url_path) {
            self.changed.push(url_path);
        }
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    /// When the pending change falls due, if one is pending.
    pub fn due(&self) -> Option<Instant> {
        Some((self.last? + QUIET).min(self.first? + LONGEST_WAIT))
    }

    /// The change, once it is due; the debouncer is then empty again.
    pub fn take_if_due(&mut self, now: Instant) -> Option<Change> {
        if now < self.due()? {
            return None;
        }
        let changed = std::mem::take(&mut self.changed);
        self.first = None;
        self.last = None;
        Some(classify(changed))
    }
}

fn classify(changed: Vec<String>) -> Change {
    let stylesheet =
        |path: &String| path.len() > 4 && path[path.len() - 4..].eq_ignore_ascii_case(".css");
    if changed.iter().all(stylesheet) {
        Change::Stylesheets(changed)
    } else {
        Change::Reload
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_one_change_after_the_quiet_time() {
        let start = Instant::now();
        let mut debouncer = Debouncer::default();
        assert_eq!(debouncer.due(), None);
        for step in 0..3 {
            debouncer.record(
                "/index.html".to_string(),
                start + Duration::from_millis(step * 5),
            );
        }
        let last = start + Duration::from_millis(10);
        assert_eq!(debouncer.take_if_due(last + QUIET / 2), None);
        assert_eq!(debouncer.take_if_due(last + QUIET), Some(Change::Reload));
        assert_eq!(
            debouncer.take_if_due(last + QUIET * 2),
            None,
            "announced once"
        );
    }

    #[test]
    fn a_steady_stream_is_announced_after_the_longest_wait() {
        let start = Instant::now();
        let mut debouncer = Debouncer::default();
        let mut now = start;
        while now < start + LONGEST_WAIT {
            debouncer.record("/build/app.js".to_string(), now);
            now += QUIET / 2;
        }
        assert_eq!(debouncer.due(), Some(start + LONGEST_WAIT));
        assert_eq!(
            debouncer.take_if_due(start + LONGEST_WAIT),
            Some(Change::Reload)
        );
    }

    #[test]
    fn only_stylesheets_swap_anything_else_reloads() {
        let now = Instant::now();
        let mut debouncer = Debouncer::default();
        debouncer.record("/a.css".to_string(), now);
        debouncer.record("/themes/DARK.CSS".to_string(), now);
        debouncer.record("/a.css".to_string(), now);
        let expected =
            Change::Stylesheets(vec!["/a.css".to_string(), "/themes/DARK.CSS".to_string()]);
        assert_eq!(debouncer.take_if_due(now + QUIET), Some(expected));
        debouncer.record("/a.css".to_string(), now);
        debouncer.record("/page.html".to_string(), now);
        assert_eq!(debouncer.take_if_due(now + QUIET), Some(Change::Reload));
    }
}
