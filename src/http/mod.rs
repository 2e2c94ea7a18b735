//! HTTP: what both protocols share — the request (request), the response and its body (response, pieces), what
//! answers (handler), the access log (access), the vocabulary — and the two rooms that turn bytes into requests
//! and responses into bytes: HTTP/1.x (connection, with input, send and request's parser) and HTTP/2 (h2/).
//! Below them, what a connection travels over (stream) and the TCP socket itself (socket).

pub mod access;
pub mod authority;
pub mod chunked;
pub mod connection;
mod date;
pub mod h2;
pub mod handler;
pub mod incoming;
pub(crate) mod input;
pub mod percent;
pub mod pieces;
pub mod request;
pub mod response;
pub(crate) mod send;
pub mod socket;
pub mod stream;
pub mod vocabulary;

use crate::shutdown::Stop;
use connection::Limits;
use handler::Handler;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use stream::Stream;

/// What a client sends first on an HTTP/2 connection (RFC 9113 §3.4); on a plain port, a connection that opens
/// with it asks for HTTP/2 with prior knowledge.
pub const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Serves a connection whose protocol was not agreed beforehand: HTTP/1.x, or HTTP/2 when it opens with the
/// preface. HTTP/2's state is boxed, so a connection that stays HTTP/1 carries none of it; nor is HTTP/1's future
/// wrapped in another (an `async` block that awaited it would hold it twice: 976 bytes a connection, not 448).
pub fn serve<S, H>(
    stream: S,
    peer: SocketAddr,
    handler: Arc<H>,
    limits: Arc<Limits>,
    stop: Stop,
) -> impl Future<Output = ()> + Send
where
    S: Stream + 'static,
    H: Handler,
{
    connection::serve(stream, peer, handler, limits, stop, |to| {
        Box::pin(h2::serve(
            to.stream, to.replay, to.peer, to.handler, to.limits, to.stop,
        ))
    })
}
