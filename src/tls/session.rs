//! A TLS session as a connection's stream. Whether a TLS record holds request bytes is known only by decrypting
//! it, so waiting for readiness reads ahead into a small buffer that the next read takes from first.

use crate::http::socket::Socket;
use crate::http::stream::Stream;
use futures_lite::{AsyncRead, AsyncWrite};
use futures_rustls::server::TlsStream;
use std::io;
use std::net::TcpStream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// How much a readiness wait reads ahead.
const READ_AHEAD: usize = 4096;

pub struct TlsSession {
    tls: TlsStream<Socket>,
    /// Bytes read ahead by `poll_readable`, from `taken` on.
    ahead: Vec<u8>,
    taken: usize,
}

impl TlsSession {
    pub fn new(tls: TlsStream<Socket>) -> Self {
        TlsSession {
            tls,
            ahead: Vec::new(),
            taken: 0,
        }
    }

    /// Whether the client chose HTTP/2 in the handshake (ALPN).
    pub fn negotiated_http2(&self) -> bool {
        self.tls.get_ref().1.alpn_protocol() == Some(b"h2")
    }

    fn has_ahead(&self) -> bool {
        self.taken < self.ahead.len()
    }
}

impl Stream for TlsSession {
    fn poll_readable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.has_ahead() {
            return Poll::Ready(Ok(()));
        }
        self.ahead.resize(READ_AHEAD, 0);
        self.taken = 0;
        let read = Pin::new(&mut self.tls).poll_read(context, &mut self.ahead);
        let filled = match &read {
            Poll::Ready(Ok(count)) => *count,
            _ => 0,
        };
        self.ahead.truncate(filled);
        read.map_ok(|_| ())
    }

    /// Ready when the session's encrypted output has reached the socket.
    fn poll_writable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tls).poll_flush(context)
    }

    fn plain_socket(&self) -> Option<&TcpStream> {
        None
    }
}

impl AsyncRead for TlsSession {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.has_ahead() {
            let this = &mut *self;
            let count = buffer.len().min(this.ahead.len() - this.taken);
            buffer[..count].copy_from_slice(&this.ahead[this.taken..this.taken + count]);
            this.taken += count;
            return Poll::Ready(Ok(count));
        }
        Pin::new(&mut self.tls).poll_read(context, buffer)
    }
}

impl AsyncWrite for TlsSession {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tls).poll_write(context, bytes)
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tls).poll_flush(context)
    }

    fn poll_close(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tls).poll_close(context)
    }
}
