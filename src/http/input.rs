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
    /// How far a read that fills the buffer makes it grow.
    most: usize,
}

impl InputBuffer {
    const INITIAL: usize = 1024;
    const LARGEST: usize = MAX_HEAD + 1024;

    /// An empty buffer that allocates on its first read.
    pub fn new() -> Self {
        InputBuffer {
            bytes: Vec::new(),
            start: 0,
            end: 0,
            most: Self::LARGEST,
        }
    }

    /// A buffer of `first` bytes that grows up to `most` while reads fill it, for relaying bodies: a small answer
    /// costs a small buffer (zeroing 64 KiB for each was 8% of a proxied request's samples), a long one gets
    /// bigger reads and fewer system calls.
    pub fn for_relay(first: usize, most: usize) -> Self {
        InputBuffer {
            bytes: vec![0; first],
            start: 0,
            end: 0,
            most,
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
        // Filled to the brim: more is likely waiting, so the next read gets more room.
        if read > 0 && self.end == self.bytes.len() && self.bytes.len() < self.most {
            self.bytes.resize((self.bytes.len() * 2).min(self.most), 0);
        }
        Ok(read)
    }

    fn make_room(&mut self) {
        if self.start > 0 {
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        } else {
            // Full from the start: the parser has already refused anything longer than it allows.
            let grown = (self.bytes.len() * 2)
                .clamp(Self::INITIAL, self.most.max(Self::INITIAL))
                .max(self.bytes.len() + 1);
            self.bytes.resize(grown, 0);
        }
    }
}
