//! The bytes a connection has received and not yet used.

use super::request::MAX_HEAD;
use super::stream::{Stream, Timed};
use std::io;
use std::time::Instant;

/// The bytes received and not yet used. Grows on demand up to a little over the largest head we accept; an idle
/// connection gives its buffer back (see `release`), so ten thousand of them cost little.
pub struct InputBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl InputBuffer {
    const INITIAL: usize = 1024;
    const LARGEST: usize = MAX_HEAD + 1024;

    /// An empty buffer that allocates on its first read.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// A buffer of `size` bytes from the start, for relaying bodies: bigger reads, fewer system calls.
    pub fn with_capacity(size: usize) -> Self {
        InputBuffer {
            bytes: vec![0; size],
            start: 0,
            end: 0,
        }
    }

    pub fn filled(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn consume(&mut self, count: usize) {
        self.start += count;
        debug_assert!(self.start <= self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Gives the memory back while nothing is buffered; the next read allocates again.
    pub fn release(&mut self) {
        if self.is_empty() {
            self.bytes = Vec::new();
        }
    }

    /// Reads once, waiting at most until `deadline`. Returns 0 at end of stream.
    pub async fn read_from<S: Stream>(
        &mut self,
        stream: &mut Timed<S>,
        deadline: Instant,
    ) -> io::Result<usize> {
        if self.end == self.bytes.len() {
            self.make_room();
        }
        let read = stream.read(&mut self.bytes[self.end..], deadline).await?;
        self.end += read;
        Ok(read)
    }

    fn make_room(&mut self) {
        if self.start > 0 {
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        } else {
            // Full from the start: the parser has already refused anything longer than LARGEST allows.
            let grown = (self.bytes.len() * 2)
                .clamp(Self::INITIAL, Self::LARGEST)
                .max(self.bytes.len() + 1);
            self.bytes.resize(grown, 0);
        }
    }
}
