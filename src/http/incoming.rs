//! A request body for an endpoint that takes one (uploads), whatever protocol carries it: the endpoint answers
//! with `Body::Receive`, and the connection lends it the body as `Incoming`, piece by piece, as fast as the
//! endpoint takes it. Here the HTTP/1 side (a length, or chunks, read from the connection's input and socket);
//! the HTTP/2 side is http/h2/incoming.rs.

use super::chunked::Decoder as ChunkedDecoder;
use super::input::InputBuffer;
use super::request::Body as Framing;
use super::response::Response;
use super::send::write_counted;
use super::stream::{Stream, Timed};
use bytes::Bytes;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// The body did not arrive whole: the client went away, stalled past the stall time, or framed it wrongly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenOff;

impl std::fmt::Display for BrokenOff {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("the request body broke off")
    }
}

impl std::error::Error for BrokenOff {}

pub type NextPiece<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Bytes>, BrokenOff>> + Send + 'a>>;

/// A request body as it arrives.
pub trait Incoming: Send {
    /// The body's next bytes, `None` once all of it has come.
    fn next(&mut self) -> NextPiece<'_>;
}

/// What an endpoint that reads the request body does with it: it takes the body and gives the answer.
pub type Receiver = Box<
    dyn for<'a> FnOnce(&'a mut dyn Incoming) -> Pin<Box<dyn Future<Output = Response> + Send + 'a>>
        + Send,
>;

/// How much one read of a body with a length takes in.
const PIECE: usize = 64 * 1024;

/// An HTTP/1 request body: first what came with the head (in `input`), then the socket, never past its end, so
/// a pipelined request after it stays in `input`.
pub struct Http1Body<'a, S> {
    stream: &'a mut Timed<S>,
    input: &'a mut InputBuffer,
    left: Left,
    stall: Duration,
    /// The client sent `Expect: 100-continue` and waits for the go-ahead, given at the first read.
    owes_continue: bool,
}

enum Left {
    Bytes(u64),
    Chunks(ChunkedDecoder),
}

impl<'a, S: Stream> Http1Body<'a, S> {
    pub fn new(
        stream: &'a mut Timed<S>,
        input: &'a mut InputBuffer,
        framing: Framing,
        stall: Duration,
        expects_continue: bool,
    ) -> Self {
        let left = match framing {
            Framing::None => Left::Bytes(0),
            Framing::Length(length) => Left::Bytes(length),
            Framing::Chunked => Left::Chunks(ChunkedDecoder::new()),
        };
        Http1Body {
            stream,
            input,
            owes_continue: expects_continue && !matches!(left, Left::Bytes(0)),
            left,
            stall,
        }
    }

    /// Whether all of the body was read, so the connection may read the next request after it.
    pub fn is_complete(&self) -> bool {
        match &self.left {
            Left::Bytes(left) => *left == 0,
            Left::Chunks(decoder) => decoder.is_done(),
        }
    }

    async fn next_piece(&mut self) -> Result<Option<Bytes>, BrokenOff> {
        if std::mem::take(&mut self.owes_continue) {
            let continuing = b"HTTP/1.1 100 Continue\r\n\r\n";
            write_counted(self.stream, continuing, self.stall, &mut 0)
                .await
                .map_err(|_| BrokenOff)?;
        }
        let deadline = Instant::now() + self.stall;
        match &mut self.left {
            Left::Bytes(0) => Ok(None),
            Left::Bytes(left) if !self.input.is_empty() => {
                let take = (self.input.filled().len() as u64).min(*left) as usize;
                let piece = Bytes::copy_from_slice(&self.input.filled()[..take]);
                self.input.consume(take);
                *left -= take as u64;
                Ok(Some(piece))
            }
            Left::Bytes(left) => {
                let mut buffer = vec![0; (*left).min(PIECE as u64) as usize];
                match self.stream.read(&mut buffer, deadline).await {
                    Ok(0) | Err(_) => Err(BrokenOff),
                    Ok(read) => {
                        buffer.truncate(read);
                        *left -= read as u64;
                        Ok(Some(buffer.into()))
                    }
                }
            }
            Left::Chunks(decoder) => loop {
                if decoder.is_done() {
                    return Ok(None);
                }
                if self.input.is_empty() {
                    match self.input.read_from(self.stream, deadline).await {
                        Ok(0) | Err(_) => return Err(BrokenOff),
                        Ok(_) => {}
                    }
                }
                let bytes = self.input.filled();
                let step = decoder.decode(bytes).map_err(|_| BrokenOff)?;
                let piece = Bytes::copy_from_slice(&bytes[step.data]);
                self.input.consume(step.used);
                if !piece.is_empty() {
                    return Ok(Some(piece));
                }
            },
        }
    }
}

impl<S: Stream> Incoming for Http1Body<'_, S> {
    fn next(&mut self) -> NextPiece<'_> {
        Box::pin(self.next_piece())
    }
}
