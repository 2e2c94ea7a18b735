//! Kept-alive connections to one upstream, so that a page's many API calls do not each pay for a new TCP
//! connection. Small and short-lived: a dev server's upstream (Node's default keeps 5 s) closes idle connections
//! on its own clock, and each one taken is checked for that first.

use async_std::net::TcpStream;
use futures_lite::future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Idle connections kept per upstream; more go back closed. As many as a busy page keeps requests in flight,
/// so that even a burst finds connections ready (nginx's `keepalive 32` in the proxied bench row).
const MOST_IDLE: usize = 32;
/// An idle connection older than this is not reused: the upstream may be closing it just now.
const IDLE_FOR: Duration = Duration::from_secs(4);

#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<(TcpStream, Instant)>>,
}

impl Pool {
    /// The most recently used idle connection that is still open, if any.
    pub async fn take(&self) -> Option<TcpStream> {
        loop {
            let (stream, since) = self.idle.lock().ok()?.pop()?;
            if since.elapsed() < IDLE_FOR && still_open(&stream).await {
                return Some(stream);
            }
        }
    }

    /// Keeps a connection whose last exchange ended cleanly, for the next request.
    pub fn give_back(&self, stream: TcpStream) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.retain(|(_, since)| since.elapsed() < IDLE_FOR);
            if idle.len() < MOST_IDLE {
                idle.push((stream, Instant::now()));
            }
        }
    }
}

/// An idle connection has nothing to read: a close (0), a reset or stray bytes mean it cannot carry a request.
async fn still_open(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    future::poll_once(stream.peek(&mut byte)).await.is_none()
}
