//! A TCP connection on async-std's reactor (async-io), used directly: readiness can be awaited without a buffer,
//! reads and writes are tried on the non-blocking socket before any wait, and closing ends the writing side.

use super::stream::Stream;
use async_io::Async;
use futures_lite::{AsyncRead, AsyncWrite};
use std::io;
use std::net::{Shutdown, TcpStream};
use std::pin::Pin;
use std::task::{Context, Poll};

pub struct Socket(Async<TcpStream>);

impl Socket {
    pub fn new(stream: Async<TcpStream>) -> Self {
        Socket(stream)
    }

    /// Connects to the first address of `authority` (`host:port`) that answers.
    pub async fn connect(authority: &str) -> io::Result<Socket> {
        let mut last_error = None;
        for address in async_std::net::ToSocketAddrs::to_socket_addrs(authority).await? {
            match Async::<TcpStream>::connect(address).await {
                Ok(stream) => return Ok(Socket(stream)),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error
            .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the name has no address")))
    }

    pub fn tcp(&self) -> &TcpStream {
        self.0.get_ref()
    }

    /// Looks at what has arrived without taking it, waiting for something.
    pub async fn peek(&self, buffer: &mut [u8]) -> io::Result<usize> {
        self.0.peek(buffer).await
    }
}

impl Stream for Socket {
    fn poll_readable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_readable(context)
    }

    fn poll_writable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_writable(context)
    }

    fn plain_socket(&self) -> Option<&TcpStream> {
        Some(self.tcp())
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(context, buffer)
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(context, bytes)
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(context)
    }

    /// Ends the writing side: the peer reads the end of the stream (async-io's close only flushes).
    fn poll_close(self: Pin<&mut Self>, _context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(match self.tcp().shutdown(Shutdown::Write) {
            Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(()),
            done => done,
        })
    }
}
