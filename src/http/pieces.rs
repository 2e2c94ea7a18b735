//! A response body as the pieces a connection writes one after another, whatever the body is: bytes in memory,
//! a file read in pieces, the parts of a multipart body, chunks another thread makes, or events as they come.
//! HTTP/2 consumes every body this way; HTTP/1 writes files and in-memory bodies on its own fast paths (sendfile,
//! one write with the head).

use super::response::Body;
use crate::platform;
use async_io::Timer;
use bytes::Bytes;
use futures_lite::future;
use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// How much of a file one piece holds.
const FILE_PIECE: u64 = 64 * 1024;
/// How often an idle event stream gets a comment line, so proxies and browsers keep it open.
pub const EVENT_STREAM_KEEP_ALIVE: Duration = Duration::from_secs(15);
const KEEP_ALIVE_COMMENT: &[u8] = b": keep-alive\n\n";

pub struct Pieces {
    /// What is left to send, first in front.
    queue: VecDeque<Body>,
}

impl Pieces {
    pub fn new(body: Body) -> Pieces {
        Pieces {
            queue: VecDeque::from([body]),
        }
    }

    /// The next piece, or `None` at the end of the body. An event stream never ends on its own: it yields a
    /// comment when nothing happened for a while, and the connection stops asking when the client leaves.
    pub async fn next(&mut self) -> io::Result<Option<Bytes>> {
        while let Some(body) = self.queue.pop_front() {
            match body {
                Body::Empty => {}
                Body::Bytes(bytes) if bytes.is_empty() => {}
                Body::Bytes(bytes) => return Ok(Some(Bytes::from(bytes))),
                Body::Shared { len: 0, .. } => {}
                Body::Shared { bytes, start, len } => {
                    return Ok(Some(Bytes::from_owner(SharedSlice { bytes, start, len })))
                }
                Body::File { len: 0, .. } => {}
                Body::File { file, start, len } => {
                    let want = len.min(FILE_PIECE);
                    let mut buffer = vec![0; want as usize];
                    let read = platform::read_at(&file, &mut buffer, start)?;
                    if read == 0 {
                        // The file shrank under us: end the stream rather than send a wrong length.
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                    buffer.truncate(read);
                    let (start, len) = (start + read as u64, len - read as u64);
                    self.queue.push_front(Body::File { file, start, len });
                    return Ok(Some(Bytes::from(buffer)));
                }
                Body::Parts(parts) => {
                    for part in parts.into_iter().rev() {
                        self.queue.push_front(part);
                    }
                }
                Body::Chunks(chunks) => {
                    // A closed channel: the maker is done.
                    if let Ok(chunk) = chunks.recv().await {
                        let chunk = chunk?;
                        self.queue.push_front(Body::Chunks(chunks));
                        if !chunk.is_empty() {
                            return Ok(Some(Bytes::from(chunk)));
                        }
                    }
                }
                Body::EventStream(events) => {
                    let message = async { events.recv().await.ok().map(Some) };
                    let quiet = async {
                        Timer::after(EVENT_STREAM_KEEP_ALIVE).await;
                        Some(None)
                    };
                    let next = future::or(message, quiet).await;
                    let Some(next) = next else {
                        return Ok(None);
                    };
                    self.queue.push_front(Body::EventStream(events));
                    return Ok(Some(match next {
                        Some(text) => Bytes::copy_from_slice(text.as_bytes()),
                        None => Bytes::from_static(KEEP_ALIVE_COMMENT),
                    }));
                }
                Body::Pending(_) | Body::Proxied(_) | Body::Receive(_) => {
                    return Err(io::Error::other(
                        "a body that is not made yet reached the connection",
                    ));
                }
            }
        }
        Ok(None)
    }
}

/// A slice of a buffer the file cache shares, handed out without a copy.
struct SharedSlice {
    bytes: Arc<[u8]>,
    start: usize,
    len: usize,
}

impl AsRef<[u8]> for SharedSlice {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[self.start..self.start + self.len]
    }
}
