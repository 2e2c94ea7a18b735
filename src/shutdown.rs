//! Graceful shutdown: a stop that every connection can watch. The first SIGINT or SIGTERM (Ctrl-C or closing the
//! console on Windows) raises it; a second one exits at once.

use async_std::channel::{self, Receiver, Sender};

/// Exit status after a second signal cut the graceful shutdown short (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED: i32 = 130;

/// Raised once, seen by every clone. Nothing is ever sent on the channel: closing it wakes every waiter.
#[derive(Clone)]
pub struct Stop {
    sender: Sender<()>,
    receiver: Receiver<()>,
}

impl Stop {
    pub fn new() -> Self {
        let (sender, receiver) = channel::bounded(1);
        Stop { sender, receiver }
    }

    pub fn raise(&self) {
        self.sender.close();
    }

    pub fn is_raised(&self) -> bool {
        self.receiver.is_closed()
    }

    /// Completes once the stop is raised.
    pub async fn raised(&self) {
        let _ = self.receiver.recv().await;
    }
}

impl Default for Stop {
    fn default() -> Self {
        Stop::new()
    }
}

/// Raises `stop` on the first termination signal and exits with [`INTERRUPTED`] on the second.
pub fn on_signals(stop: Stop) -> Result<(), String> {
    ctrlc::set_handler(move || {
        if stop.is_raised() {
            log::warn!("second signal: exiting now");
            std::process::exit(INTERRUPTED);
        }
        log::info!("stopping: no new connections; a second signal exits at once");
        stop.raise();
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
}
