//! Our HTTP/1.0 and HTTP/1.1 connection layer: parsing request heads (request), encoding response heads (response,
//! date) and the per-connection rules of keep-alive, pipelining and framing (connection).

pub mod connection;
mod date;
pub mod request;
pub mod response;
