//! Our HTTP/1.0 and HTTP/1.1 connection layer: parsing request heads (request), encoding response heads (response,
//! date), the per-connection rules of keep-alive, pipelining and framing (connection), the bytes received
//! (input), writing responses out (send) and
//! the socket's reads, writes and waits (socket).

pub mod connection;
mod date;
mod input;
pub mod request;
pub mod response;
mod send;
mod socket;
pub mod vocabulary;
