//! A body made as it is sent: a blocking function writes it on the blocking pool, never on an executor thread,
//! into a short channel the connection reads as `Body::Chunks`. A slow client slows the maker instead of filling
//! memory, and one that leaves stops it: the maker's next write fails with `BrokenPipe`. Compression on the fly
//! (encode/) and folder archives (archive/) are made this way.

use crate::http::response::Body;
use async_std::channel::{self, Sender};
use std::io::{self, BufWriter, Write};

/// Bytes handed to the connection at a time.
const CHUNK: usize = 64 * 1024;
/// Chunks the maker may run ahead of the client.
const AHEAD: usize = 4;

/// The body `make` writes. Its error, if any, ends the body with that error (the connection then breaks off
/// rather than end as if complete).
pub fn made_by(make: impl FnOnce(&mut dyn Write) -> io::Result<()> + Send + 'static) -> Body {
    let (sender, receiver) = channel::bounded(AHEAD);
    // Detached: it ends when the body is done or the connection drops the receiver.
    drop(async_std::task::spawn_blocking(move || {
        let mut chunks = BufWriter::with_capacity(CHUNK, ChannelWriter(sender.clone()));
        let made = make(&mut chunks).and_then(|()| chunks.flush());
        if let Err(error) = made {
            let _ = sender.send_blocking(Err(error));
        }
    }));
    Body::Chunks(receiver)
}

struct ChannelWriter(Sender<io::Result<Vec<u8>>>);

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .send_blocking(Ok(bytes.to_vec()))
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
