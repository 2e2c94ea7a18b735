//! Counting the open connections: each holds a ticket while it lives, the accept loop admits up to a limit, and
//! shutdown waits for the last ticket to go.

use async_std::channel::{self, Receiver, Sender};

/// The open connections. A ticket is a clone of the channel's sender, so the channel counts them for us and
/// closes when the last one is dropped.
pub struct Connections {
    tickets: Sender<()>,
    all_closed: Receiver<()>,
    limit: usize,
}

/// Held by one connection's task until it ends.
pub struct Ticket {
    _counted: Sender<()>,
}

impl Connections {
    pub fn new(limit: usize) -> Self {
        let (tickets, all_closed) = channel::bounded(1);
        Connections {
            tickets,
            all_closed,
            limit,
        }
    }

    pub fn open(&self) -> usize {
        // One sender is our own.
        self.tickets.sender_count() - 1
    }

    /// A ticket for one more connection, or `None` when `limit` are open.
    pub fn admit(&self) -> Option<Ticket> {
        (self.open() < self.limit).then(|| Ticket {
            _counted: self.tickets.clone(),
        })
    }

    /// Completes when every ticket has been dropped.
    pub async fn all_closed(self) {
        drop(self.tickets);
        let _ = self.all_closed.recv().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_std::future::timeout;
    use async_std::task;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn admits_up_to_the_limit_and_again_after_a_close() {
        let connections = Connections::new(2);
        let first = connections.admit().expect("first");
        let _second = connections.admit().expect("second");
        assert_eq!(connections.open(), 2);
        assert!(connections.admit().is_none());
        drop(first);
        assert_eq!(connections.open(), 1);
        assert!(connections.admit().is_some());
    }

    #[test]
    fn all_closed_waits_for_the_last_ticket() {
        let connections = Connections::new(10);
        let ticket = connections.admit().unwrap();
        let finished = Arc::new(AtomicBool::new(false));
        let seen = finished.clone();
        let waiting = task::spawn(async move {
            connections.all_closed().await;
            seen.store(true, Ordering::SeqCst);
        });
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !finished.load(Ordering::SeqCst),
            "finished while a ticket was held"
        );
        drop(ticket);
        task::block_on(timeout(Duration::from_secs(5), waiting))
            .expect("finishes once none is open");
    }
}
