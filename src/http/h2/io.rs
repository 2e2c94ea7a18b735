//! lanai's streams as the `h2` crate wants them (tokio's AsyncRead/AsyncWrite; no tokio runtime), with the two
//! limits every connection of lanai keeps: a write that makes no progress for the stall time fails, and a
//! connection that always has more to read yields its thread now and then, so a flood of frames (a CONTINUATION
//! flood) cannot hold an executor thread: tokio's task budget does that for h2 under tokio, and there is none here.

use crate::http::stream::{Stream, LINGER_BYTES, LINGER_TIME};
use async_io::Timer;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::ReadBuf;

/// Reads in a row before the connection's task gives its thread back once.
const READS_BEFORE_YIELD: u32 = 16;

pub struct H2Io<S> {
    stream: S,
    /// Bytes read before h2 took over (the preface of a prior-knowledge connection), given to it first.
    replay: Vec<u8>,
    reads_in_a_row: u32,
    stall: Duration,
    /// Set while a write waits for room: when the stall time is up it fails.
    stalled: Option<Timer>,
    /// Once h2 has closed the writing side: until when, and how much more, the client's bytes are drained.
    lingering: Option<(Timer, usize)>,
}

impl<S: Stream> H2Io<S> {
    pub fn new(stream: S, replay: Vec<u8>, stall: Duration) -> Self {
        H2Io {
            stream,
            replay,
            reads_in_a_row: 0,
            stall,
            stalled: None,
            lingering: None,
        }
    }

    /// A write that could not go on: pending until the stall time since it first waited, then `TimedOut`.
    fn poll_stalled<T>(&mut self, context: &mut Context<'_>) -> Poll<io::Result<T>> {
        let stall = self.stall;
        let timer = self
            .stalled
            .get_or_insert_with(|| Timer::at(Instant::now() + stall));
        match Pin::new(timer).poll(context) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(_) => Poll::Ready(Err(io::ErrorKind::TimedOut.into())),
        }
    }

    /// What a write or flush came to: progress clears the stall, a wait starts or goes on measuring it.
    fn after_write<T>(
        &mut self,
        context: &mut Context<'_>,
        written: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match written {
            Poll::Pending => self.poll_stalled(context),
            done => {
                self.stalled = None;
                done
            }
        }
    }
}

impl<S: Stream> tokio::io::AsyncRead for H2Io<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.replay.is_empty() {
            let count = this.replay.len().min(buffer.remaining());
            buffer.put_slice(&this.replay[..count]);
            this.replay.drain(..count);
            return Poll::Ready(Ok(()));
        }
        if this.reads_in_a_row >= READS_BEFORE_YIELD {
            this.reads_in_a_row = 0;
            context.waker().wake_by_ref();
            return Poll::Pending;
        }
        let read = Pin::new(&mut this.stream).poll_read(context, buffer.initialize_unfilled());
        match read {
            Poll::Ready(Ok(count)) => {
                buffer.advance(count);
                this.reads_in_a_row += 1;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => {
                this.reads_in_a_row = 0;
                Poll::Pending
            }
        }
    }
}

impl<S: Stream> tokio::io::AsyncWrite for H2Io<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write(context, bytes);
        this.after_write(context, written)
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let flushed = Pin::new(&mut this.stream).poll_flush(context);
        this.after_write(context, flushed)
    }

    /// Closes the writing side, then drains what the client still sends for a little while: closing a socket with
    /// unread input resets the connection, which can destroy the last frames (a GOAWAY) before the client reads
    /// them.
    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.lingering.is_none() {
            let closed = Pin::new(&mut this.stream).poll_close(context);
            ready!(this.after_write(context, closed))?;
            this.lingering = Some((Timer::after(LINGER_TIME), 0));
        }
        let Some((deadline, drained)) = this.lingering.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let mut scratch = [0u8; 4096];
        while *drained < LINGER_BYTES {
            match Pin::new(&mut this.stream).poll_read(context, &mut scratch) {
                Poll::Ready(Ok(0) | Err(_)) => break,
                Poll::Ready(Ok(read)) => *drained += read,
                Poll::Pending => {
                    return match Pin::new(deadline).poll(context) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(_) => Poll::Ready(Ok(())),
                    };
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}
