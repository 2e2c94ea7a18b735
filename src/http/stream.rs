//! What a connection is served over (a TCP socket as accepted, or a TLS session on one), and `Timed`, which gives
//! any of them reads and writes bounded by a deadline. Every read and write is first tried at once; only when the
//! kernel has nothing to read (or no room to write) does the task wait, and one timer per connection bounds all
//! those waits: it is moved only when a wait needs it earlier, so a busy keep-alive connection registers no timer
//! per request (async-std's `io::timeout` made one per wait).

use async_io::Timer;
use futures_lite::{future, AsyncRead, AsyncWrite};
use std::future::Future;
use std::io;
use std::net::TcpStream;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Before a connection closes, how long and how much lanai keeps reading (and dropping) what the client still
/// sends, so the client sees lanai's last answer instead of a reset caused by its unread bytes.
pub const LINGER_TIME: Duration = Duration::from_secs(2);
pub const LINGER_BYTES: usize = 256 * 1024;

/// A byte stream a connection can be served over.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {
    /// Ready when a read would not wait (data, the end of the stream or an error). A TCP socket waits for this
    /// without a buffer, so an idle connection holds none.
    fn poll_readable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Ready when a write would make progress.
    fn poll_writable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// The socket itself when what is written reaches it unchanged, so a file can go to it zero-copy (sendfile);
    /// `None` when the bytes are transformed on the way (TLS encrypts them), and files are copied instead.
    fn plain_socket(&self) -> Option<&TcpStream>;
}

/// A stream whose waits are bounded by deadlines, all measured by one timer.
pub struct Timed<S> {
    stream: S,
    alarm: Alarm,
}

impl<S: Stream> Timed<S> {
    pub fn new(stream: S) -> Self {
        Timed {
            stream,
            alarm: Alarm {
                timer: Timer::never(),
                rings_at: None,
            },
        }
    }

    pub fn into_inner(self) -> S {
        self.stream
    }

    pub fn inner(&self) -> &S {
        &self.stream
    }

    /// The stream itself, for what needs its reading and writing halves at once (a tunnel).
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    pub fn plain_socket(&self) -> Option<&TcpStream> {
        self.stream.plain_socket()
    }

    /// Reads once, waiting for data until `deadline` (`TimedOut`). Returns 0 at the end of the stream.
    pub fn read<'a>(
        &'a mut self,
        buffer: &'a mut [u8],
        deadline: Instant,
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        self.until(deadline, move |stream, context| {
            Pin::new(stream).poll_read(context, buffer)
        })
    }

    /// Waits until a read would not block, until `deadline`.
    pub fn readable(
        &mut self,
        deadline: Instant,
    ) -> impl Future<Output = io::Result<()>> + Send + '_ {
        self.until(deadline, |stream, context| stream.poll_readable(context))
    }

    /// Waits until a write would make progress, for up to `stall`.
    pub fn writable(
        &mut self,
        stall: Duration,
    ) -> impl Future<Output = io::Result<()>> + Send + '_ {
        self.until(Instant::now() + stall, |stream, context| {
            stream.poll_writable(context)
        })
    }

    /// Writes once, waiting for room for up to `stall`.
    pub fn write<'a>(
        &'a mut self,
        bytes: &'a [u8],
        stall: Duration,
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        self.until(Instant::now() + stall, move |stream, context| {
            Pin::new(stream).poll_write(context, bytes)
        })
    }

    /// Sends what the stream holds back (a TLS session's last record), waiting for up to `stall`.
    pub fn flush(&mut self, stall: Duration) -> impl Future<Output = io::Result<()>> + Send + '_ {
        self.until(Instant::now() + stall, |stream, context| {
            Pin::new(stream).poll_flush(context)
        })
    }

    /// Ends the writing side (after a TLS session's close_notify), waiting for up to `stall`.
    pub fn close(&mut self, stall: Duration) -> impl Future<Output = io::Result<()>> + Send + '_ {
        self.until(Instant::now() + stall, |stream, context| {
            Pin::new(stream).poll_close(context)
        })
    }

    /// Polls `operation` until it is ready, or `TimedOut` at `deadline`. The operation is tried first, so the
    /// timer is only set when it has to wait.
    fn until<'a, T>(
        &'a mut self,
        deadline: Instant,
        mut operation: impl FnMut(&mut S, &mut Context<'_>) -> Poll<io::Result<T>> + Send + 'a,
    ) -> impl Future<Output = io::Result<T>> + Send + 'a {
        let Timed { stream, alarm } = self;
        future::poll_fn(move |context| match operation(stream, context) {
            Poll::Pending => alarm.poll_deadline(context, deadline),
            done => done,
        })
    }
}

/// The connection's one timer. It rings no later than the deadline of the wait in progress, and is left alone
/// when a later deadline comes along (it rings early, the wait sees its own deadline has not passed, and sets it
/// again), so deadlines that move forward with every request cost nothing until the timer rings.
struct Alarm {
    timer: Timer,
    rings_at: Option<Instant>,
}

impl Alarm {
    /// Called by a wait that is pending: `Pending` until `deadline`, then `TimedOut`.
    fn poll_deadline<T>(
        &mut self,
        context: &mut Context<'_>,
        deadline: Instant,
    ) -> Poll<io::Result<T>> {
        loop {
            if self.rings_at.is_none_or(|at| at > deadline) {
                self.timer.set_at(deadline);
                self.rings_at = Some(deadline);
            }
            if Pin::new(&mut self.timer).poll(context).is_pending() {
                return Poll::Pending;
            }
            // It rang: for this wait, or early, set for a wait that had an earlier deadline.
            self.rings_at = None;
            if Instant::now() >= deadline {
                return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
            }
        }
    }
}
