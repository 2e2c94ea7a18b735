//! What a connection is served over: a TCP socket as accepted, or a TLS session on one.

use async_std::io::{Read, Write};
use async_std::net::TcpStream;

/// A byte stream a connection can be served over.
pub trait Stream: Read + Write + Unpin + Send {
    /// The socket itself when what is written reaches it unchanged, so a file can go to it zero-copy (sendfile);
    /// `None` when the bytes are transformed on the way (TLS encrypts them), and files are copied instead.
    fn plain_socket(&self) -> Option<&TcpStream>;
}

impl Stream for TcpStream {
    fn plain_socket(&self) -> Option<&TcpStream> {
        Some(self)
    }
}
