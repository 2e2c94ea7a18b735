//! A TCP connection on async-std's reactor (async-io), used directly and only once it has to wait: readiness can
//! be awaited without a buffer, reads and writes are tried on the non-blocking socket before any wait, and closing
//! ends the writing side.

use super::stream::Stream;
use async_io::Async;
use futures_lite::{AsyncRead, AsyncWrite};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// An accepted connection is registered with the reactor only when a read or write first has to wait: a request
/// that came with its connection (every one, where the kernel defers accepts: `platform::defer_accept`) is
/// answered and closed with no epoll_ctl at all, where registering costs three (add, arm, delete).
pub struct Socket(Registration);

enum Registration {
    Bare(TcpStream),
    Watched(Async<TcpStream>),
    /// Registering failed (the kernel's epoll limits), and the socket was closed with it.
    Lost,
}

impl Socket {
    /// A connected, non-blocking socket.
    pub fn new(stream: TcpStream) -> Self {
        Socket(Registration::Bare(stream))
    }

    /// Connects to the first address of `authority` (`host:port`) that answers.
    pub async fn connect(authority: &str) -> io::Result<Socket> {
        let mut last_error = None;
        for address in async_std::net::ToSocketAddrs::to_socket_addrs(authority).await? {
            match Async::<TcpStream>::connect(address).await {
                Ok(stream) => return Ok(Socket(Registration::Watched(stream))),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error
            .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the name has no address")))
    }

    /// The socket itself; `None` once it is lost.
    pub fn tcp(&self) -> Option<&TcpStream> {
        match &self.0 {
            Registration::Bare(stream) => Some(stream),
            Registration::Watched(stream) => Some(stream.get_ref()),
            Registration::Lost => None,
        }
    }

    /// Looks at what has arrived without taking it, waiting for something.
    pub async fn peek(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if let Some(done) = self.try_bare(|stream| stream.peek(buffer)) {
            return done;
        }
        self.watched()?.peek(buffer).await
    }

    /// The socket on the reactor, registering it on first use.
    fn watched(&mut self) -> io::Result<&mut Async<TcpStream>> {
        if let Registration::Bare(_) = self.0 {
            if let Registration::Bare(stream) = std::mem::replace(&mut self.0, Registration::Lost) {
                self.0 = Registration::Watched(Async::new_nonblocking(stream)?);
            }
        }
        match &mut self.0 {
            Registration::Watched(stream) => Ok(stream),
            _ => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the socket could not be watched",
            )),
        }
    }

    /// Waits, on the reactor, until a read (`reading`) or a write would not block; registers a bare socket first.
    fn poll_ready(&mut self, context: &mut Context<'_>, reading: bool) -> Poll<io::Result<()>> {
        let stream = self.watched()?;
        if reading {
            stream.poll_readable(context)
        } else {
            stream.poll_writable(context)
        }
    }

    /// The socket on the reactor for a read or write that found the bare socket would block: registering it and
    /// beginning the wait here spares the reactor's own first try, which would fail the same way.
    fn poll_watched(
        &mut self,
        context: &mut Context<'_>,
        reading: bool,
    ) -> Poll<io::Result<&mut Async<TcpStream>>> {
        if matches!(self.0, Registration::Bare(_)) {
            ready!(self.poll_ready(context, reading))?;
        }
        Poll::Ready(self.watched())
    }

    /// Tries `operation` on the socket while it is not registered: `None` when it is, or when the operation
    /// would block (and the caller goes through the reactor, which tries it again before it waits).
    fn try_bare<T>(
        &self,
        operation: impl FnOnce(&TcpStream) -> io::Result<T>,
    ) -> Option<io::Result<T>> {
        let Registration::Bare(stream) = &self.0 else {
            return None;
        };
        match operation(stream) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => None,
            done => Some(done),
        }
    }
}

impl Stream for Socket {
    fn poll_readable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(context, true)
    }

    fn poll_writable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(context, false)
    }

    fn plain_socket(&self) -> Option<&TcpStream> {
        self.tcp()
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(done) = self.try_bare(|mut stream| stream.read(buffer)) {
            return Poll::Ready(done);
        }
        let stream = ready!(self.poll_watched(context, true))?;
        Pin::new(stream).poll_read(context, buffer)
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(done) = self.try_bare(|mut stream| stream.write(bytes)) {
            return Poll::Ready(done);
        }
        let stream = ready!(self.poll_watched(context, false))?;
        Pin::new(stream).poll_write(context, bytes)
    }

    /// A TCP socket holds nothing back.
    fn poll_flush(self: Pin<&mut Self>, _context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Ends the writing side: the peer reads the end of the stream (async-io's close only flushes).
    fn poll_close(self: Pin<&mut Self>, _context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(
            match self.tcp().map(|stream| stream.shutdown(Shutdown::Write)) {
                Some(Err(error)) if error.kind() != io::ErrorKind::NotConnected => Err(error),
                _ => Ok(()),
            },
        )
    }
}
