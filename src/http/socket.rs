//! The connection's TCP socket. Every read and write is first tried at once on the non-blocking socket; only when
//! the kernel has nothing to read (or no room to write) does the task wait for readiness, bounded by a deadline.
//! One timer per connection bounds all those waits and is moved only when a wait needs it earlier, so a busy
//! keep-alive connection registers no timer per request (async-std's `io::timeout` made one per wait).
//! Everything specific to TCP (readiness, sendfile, shutdown) stays in this file.

use async_io::{Async, Timer};
use futures_lite::future;
use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

pub struct Socket {
    stream: Async<TcpStream>,
    alarm: Alarm,
}

impl Socket {
    pub fn new(stream: Async<TcpStream>) -> Self {
        Socket {
            stream,
            alarm: Alarm {
                timer: Timer::never(),
                rings_at: None,
            },
        }
    }

    /// The socket itself, for calls that need no waiting (sendfile on a non-blocking socket).
    pub fn tcp(&self) -> &TcpStream {
        self.stream.get_ref()
    }

    /// Reads what has arrived without waiting: `WouldBlock` when nothing has, 0 at end of stream.
    pub fn read_now(&self, buffer: &mut [u8]) -> io::Result<usize> {
        retry_interrupted(|| self.stream.get_ref().read(buffer))
    }

    /// Reads once, waiting for data until `deadline`. Returns 0 at end of stream.
    pub async fn read(&mut self, buffer: &mut [u8], deadline: Instant) -> io::Result<usize> {
        loop {
            match self.read_now(buffer) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                done => return done,
            }
            self.readable(deadline).await?;
        }
    }

    /// Waits until a read would not block (data, end of stream or an error), holding no buffer meanwhile.
    pub fn readable(&mut self, deadline: Instant) -> impl Future<Output = io::Result<()>> + '_ {
        self.wait(Direction::Read, deadline)
    }

    /// Writes once, waiting for room for up to `stall` (the clock is read only when the write has to wait).
    pub async fn write(&mut self, bytes: &[u8], stall: Duration) -> io::Result<usize> {
        loop {
            match retry_interrupted(|| self.stream.get_ref().write(bytes)) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                done => return done,
            }
            self.writable(Instant::now() + stall).await?;
        }
    }

    /// Waits until a write would not block.
    pub fn writable(&mut self, deadline: Instant) -> impl Future<Output = io::Result<()>> + '_ {
        self.wait(Direction::Write, deadline)
    }

    /// Waits for readiness in one direction until `deadline` (`TimedOut`). Written as one poll function over
    /// the reactor's single waker slot, so the wait adds a few words to the connection's future and allocates
    /// nothing (async-io's `readable()` keeps a list of wakers per socket, grown on first use).
    fn wait(
        &mut self,
        direction: Direction,
        deadline: Instant,
    ) -> impl Future<Output = io::Result<()>> + '_ {
        let Socket { stream, alarm } = self;
        future::poll_fn(move |context| loop {
            let ready = match direction {
                Direction::Read => stream.poll_readable(context),
                Direction::Write => stream.poll_writable(context),
            };
            if ready.is_ready() {
                return ready;
            }
            if alarm.rings_at.is_none_or(|at| at > deadline) {
                alarm.timer.set_at(deadline);
                alarm.rings_at = Some(deadline);
            }
            if Pin::new(&mut alarm.timer).poll(context).is_pending() {
                return Poll::Pending;
            }
            // It rang: for this wait, or early, set for a wait that had an earlier deadline.
            alarm.rings_at = None;
            if Instant::now() >= deadline {
                return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
            }
        })
    }

    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.stream.get_ref().shutdown(how)
    }
}

fn retry_interrupted<T>(mut call: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match call() {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            done => return done,
        }
    }
}

/// The connection's one timer. It rings no later than the deadline of the wait in progress, and is left alone
/// when a later deadline comes along (it rings early, the wait sees its own deadline has not passed, and sets it
/// again), so deadlines that move forward with every request cost nothing until the timer rings.
struct Alarm {
    timer: Timer,
    rings_at: Option<Instant>,
}

#[derive(Clone, Copy)]
enum Direction {
    Read,
    Write,
}
