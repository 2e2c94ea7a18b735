//! Our HTTP/1.0 and HTTP/1.1 connection layer: parsing request heads (request), encoding response heads (response,
//! date), the per-connection rules of keep-alive, pipelining and framing (connection), the bytes received
//! (input), writing responses out (send), what they travel over (stream) and the TCP socket itself (socket).

pub mod authority;
pub mod connection;
mod date;
pub mod handler;
pub(crate) mod input;
pub mod request;
pub mod response;
pub(crate) mod send;
pub mod socket;
pub mod stream;
pub mod vocabulary;
