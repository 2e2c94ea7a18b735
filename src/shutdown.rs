//! Graceful shutdown: a stop that every connection can watch. The first SIGINT or SIGTERM (Ctrl-C or closing the
//! console on Windows) raises it; a second one, a while later, exits at once.

use async_std::channel::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Exit status after a second signal cut the graceful shutdown short (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED: i32 = 130;

/// Raised once, seen by every clone. Nothing is ever sent on the channel: closing it wakes every waiter. Shared
/// behind one pointer, since every connection holds a clone.
#[derive(Clone)]
pub struct Stop {
    shared: Arc<Signal>,
}

struct Signal {
    sender: Sender<()>,
    receiver: Receiver<()>,
}

impl Stop {
    pub fn new() -> Self {
        let (sender, receiver) = channel::bounded(1);
        Stop {
            shared: Arc::new(Signal { sender, receiver }),
        }
    }

    pub fn raise(&self) {
        self.shared.sender.close();
    }

    pub fn is_raised(&self) -> bool {
        self.shared.receiver.is_closed()
    }

    /// Completes once the stop is raised.
    pub async fn raised(&self) {
        let _ = self.shared.receiver.recv().await;
    }
}

impl Default for Stop {
    fn default() -> Self {
        Stop::new()
    }
}

/// Signals this soon after the first are the same stop. One stop often arrives twice: GNU `timeout` signals its
/// child and then the child's process group, and a terminal's Ctrl-C reaches every process of the group.
pub const SAME_STOP: Duration = Duration::from_secs(1);

/// What a termination signal does, given when the first one came.
#[derive(Debug, PartialEq, Eq)]
enum Reaction {
    /// The first signal: stop gracefully.
    Stop,
    /// The same stop arriving again.
    Ignore,
    /// Someone asking again, later: exit at once.
    Exit,
}

fn react(first: Option<Instant>, now: Instant) -> Reaction {
    match first {
        None => Reaction::Stop,
        Some(first) if now.duration_since(first) < SAME_STOP => Reaction::Ignore,
        Some(_) => Reaction::Exit,
    }
}

/// Raises `stop` on the first termination signal and exits with [`INTERRUPTED`] on one that comes at least
/// [`SAME_STOP`] later.
pub fn on_signals(stop: Stop) -> Result<(), String> {
    let mut first = None;
    ctrlc::set_handler(move || {
        let now = Instant::now();
        match react(first, now) {
            Reaction::Stop => {
                first = Some(now);
                log::info!("stopping: no new connections; a second signal exits at once");
                stop.raise();
            }
            Reaction::Ignore => log::debug!("another signal for the same stop"),
            Reaction::Exit => {
                log::warn!("second signal: exiting now");
                std::process::exit(INTERRUPTED);
            }
        }
    })
    .map_err(|error| format!("cannot handle termination signals: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_std::task;
    use std::time::Duration;

    #[test]
    fn raising_wakes_every_clone() {
        let stop = Stop::new();
        let watcher = stop.clone();
        assert!(!watcher.is_raised());
        let waiting = task::spawn(async move { watcher.raised().await });
        task::block_on(async {
            // Not raised: the wait must still be pending.
            assert!(
                async_std::future::timeout(Duration::from_millis(50), stop.raised())
                    .await
                    .is_err()
            );
            stop.raise();
            async_std::future::timeout(Duration::from_secs(5), waiting)
                .await
                .expect("the waiter wakes");
        });
        assert!(stop.is_raised());
    }

    #[test]
    fn a_signal_within_a_second_of_the_first_is_the_same_stop() {
        let start = Instant::now();
        assert_eq!(react(None, start), Reaction::Stop);
        let soon = start + Duration::from_millis(5);
        assert_eq!(react(Some(start), soon), Reaction::Ignore);
        assert_eq!(react(Some(start), start + SAME_STOP), Reaction::Exit);
    }
}
