//! Kept-alive connections to one upstream, so that a page's many API calls do not each pay for a new TCP
//! connection. Small and short-lived: a dev server's upstream (Node's default keeps 5 s) closes idle connections
//! on its own clock, and each one taken is checked for that first.

use super::upstream::Connection;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Idle connections kept per upstream; more go back closed. Enough that a burst of concurrent requests (a load
/// test, many tabs) finds its connections again rather than opening new ones: with 32, `wrk -c100` opened a new
/// upstream connection for 8-13% of its requests; at 128 none, and the proxied CPU per request fell from 103 to
/// 90 µs (medians of 15 runs).
const MOST_IDLE: usize = 128;
/// An idle connection older than this is not reused: the upstream may be closing it just now.
const IDLE_FOR: Duration = Duration::from_secs(4);

#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<(Connection, Instant)>>,
}

impl Pool {
    /// The most recently used idle connection that is still open, if any.
    pub fn take(&self) -> Option<Connection> {
        loop {
            let (stream, since) = self.idle.lock().ok()?.pop()?;
            if since.elapsed() < IDLE_FOR && still_open(&stream) {
                return Some(stream);
            }
        }
    }

    /// Keeps a connection whose last exchange ended cleanly, for the next request.
    pub fn give_back(&self, stream: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            // Oldest first (pushed and taken at the end), so the stale ones are a run at the start.
            let stale = idle.partition_point(|(_, since)| since.elapsed() >= IDLE_FOR);
            idle.drain(..stale);
            if idle.len() < MOST_IDLE {
                idle.push((stream, Instant::now()));
            }
        }
    }
}

/// An idle connection has nothing to read: a close (0), a reset or stray bytes mean it cannot carry a request.
/// The socket is non-blocking, so a peek says at once.
fn still_open(stream: &Connection) -> bool {
    let mut byte = [0u8; 1];
    let peeked = stream.inner().tcp().map(|tcp| tcp.peek(&mut byte));
    matches!(peeked, Some(Err(error)) if error.kind() == std::io::ErrorKind::WouldBlock)
}
