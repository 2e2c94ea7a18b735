//! Compression on the fly: which answers get it (a compressible type, not too small, a client that accepts a
//! coding, no Range, no sidecar chosen), and their bodies. A body is compressed once per identity validator and
//! coding into a bounded cache (cache.rs); the compression runs on the blocking pool, never on an executor
//! thread, and the connection waits for it through a pending body, so other requests go on meanwhile. A file
//! too large for the cache is compressed as it is sent, and not kept.

mod cache;
mod codec;

use super::chunks;
use super::negotiate::{self, Coding};
use super::representation::{Content, ReadAt, Representation};
use crate::http::request::Request;
use crate::http::response::Body;
use crate::http::vocabulary::headers::{ACCEPT_ENCODING, RANGE};
use cache::{CompressedCache, Lookup};
use std::io::{self, Cursor, Read};
use std::sync::Arc;
use std::time::Instant;

/// Smaller bodies are sent as they are: a few hundred bytes saved do not pay for the coding's overhead.
pub const SMALLEST: u64 = 1024;
/// A body larger than this share of the cache streams compressed instead, so the cache holds several entries.
const CACHE_SHARE_OF_LARGEST: u64 = 8;

pub struct Encoder {
    /// `None` with --no-compress.
    cache: Option<Arc<CompressedCache>>,
}

impl Encoder {
    /// Compression on the fly, keeping up to `budget` bytes of compressed bodies; `enabled` false turns it off.
    pub fn new(enabled: bool, budget: usize) -> Self {
        Encoder {
            cache: enabled.then(|| Arc::new(CompressedCache::new(budget))),
        }
    }

    /// Whether answers for a body of `content_type` and `len` bytes are compressed for clients that accept it
    /// (and so depend on Accept-Encoding).
    pub fn applies_to(&self, content_type: &str, len: u64) -> bool {
        self.cache.is_some() && len >= SMALLEST && is_compressible(content_type)
    }

    /// The coding this request gets for the identity `representation`, if it is compressed on the fly.
    pub fn coding_for(
        &self,
        request: &Request<'_>,
        representation: &Representation,
    ) -> Option<Coding> {
        if representation.encoding.is_some()
            || request.header(RANGE.as_str()).is_some()
            || !self.applies_to(&representation.content_type, representation.len)
        {
            return None;
        }
        negotiate::coding(request.list(ACCEPT_ENCODING.as_str()), &Coding::ALL)
    }

    /// The body of `representation` (whose bytes are `content`, from what `origin` names) compressed with
    /// `coding`: from the cache, or pending until one compression makes it, or streamed when too large to keep.
    pub fn body(
        &self,
        representation: &Representation,
        coding: Coding,
        content: Content,
        origin: &str,
    ) -> Body {
        let len = representation.len;
        let source = reader(content, len);
        let kept = self
            .cache
            .as_ref()
            .filter(|cache| len <= cache.budget() as u64 / CACHE_SHARE_OF_LARGEST);
        let Some(cache) = kept else {
            return stream(coding, source);
        };
        let key = (representation.validators.etag.clone(), coding);
        if let Some(bytes) = cache.ready(&key) {
            return whole(bytes);
        }
        let job = Job {
            cache: cache.clone(),
            key,
            source,
            origin: origin.to_string(),
            len,
        };
        Body::Pending(Box::pin(job.run()))
    }
}

/// Types worth compressing: text and the textual formats of the web. Everything else (images but SVG, audio,
/// video, woff/woff2, archives, compressed files) is compressed already or would not shrink. `content_type` is
/// as lanai makes it (mime.rs): lowercase, perhaps with a charset.
pub(super) fn is_compressible(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.starts_with("text/")
        || essence.ends_with("+xml")
        || essence.ends_with("+json")
        || matches!(
            essence,
            "application/javascript"
                | "application/x-javascript"
                | "application/json"
                | "application/xml"
                | "application/wasm"
                | "application/x-sh"
                | "application/rtf"
                | "application/vnd.ms-fontobject"
                | "font/ttf"
                | "font/otf"
                | "image/bmp"
                | "image/x-icon"
                | "image/vnd.microsoft.icon"
        )
}

/// The first request for an entry compresses it; those that come meanwhile wait for that one compression.
struct Job {
    cache: Arc<CompressedCache>,
    key: cache::Key,
    source: Box<dyn Read + Send>,
    /// What the body is of, for the log.
    origin: String,
    len: u64,
}

impl Job {
    async fn run(self) -> io::Result<Body> {
        let Job {
            cache,
            key,
            mut source,
            origin,
            len,
        } = self;
        let coding = key.1;
        loop {
            let claim = match cache.lookup(&key) {
                Lookup::Ready(bytes) => return Ok(whole(bytes)),
                Lookup::Wait(done) => {
                    // Ends with an error when the compression is kept or given up; then look again.
                    let _ = done.recv().await;
                    continue;
                }
                Lookup::Claimed(claim) => claim,
            };
            let started = Instant::now();
            let bytes: Arc<[u8]> = async_std::task::spawn_blocking(move || {
                let mut compressed = Vec::new();
                codec::encode(coding, &mut source, &mut compressed).map(|()| compressed)
            })
            .await?
            .into();
            claim.fill(bytes.clone());
            let (held, entries) = cache.usage();
            log::debug!(
                "compressed {origin} with {}: {len} → {} bytes in {:.1} ms; the compression cache holds {held} bytes in {entries} entries",
                coding.name(),
                bytes.len(),
                started.elapsed().as_secs_f64() * 1000.0,
            );
            return Ok(whole(bytes));
        }
    }
}

fn whole(bytes: Arc<[u8]>) -> Body {
    let len = bytes.len();
    Body::Shared {
        bytes,
        start: 0,
        len,
    }
}

/// The bytes to compress: exactly `len` of them, or an error when the file turns out shorter (it changed
/// since its validators were read; the next request sees it as it now is).
pub(super) fn reader(content: Content, len: u64) -> Box<dyn Read + Send> {
    match content {
        Content::Memory(bytes) => Box::new(Cursor::new(bytes)),
        Content::File(file) => Box::new(Exactly {
            inner: ReadAt { file, offset: 0 }.take(len),
            left: len,
        }),
    }
}

struct Exactly<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Exactly<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        if read == 0 && self.left > 0 && !buffer.is_empty() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.left -= read as u64;
        Ok(read)
    }
}

/// Compresses as the connection sends (chunks.rs): a slow client slows the compression, one that leaves stops it.
fn stream(coding: Coding, mut source: Box<dyn Read + Send>) -> Body {
    chunks::made_by(move |out| codec::encode(coding, &mut source, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressible_types() {
        for compressible in [
            "text/html",
            "text/css; charset=utf-8",
            "text/javascript",
            "application/json",
            "application/manifest+json",
            "image/svg+xml",
            "application/wasm",
            "application/xml",
            "font/ttf",
        ] {
            assert!(is_compressible(compressible), "{compressible}");
        }
        for compressed in [
            "image/png",
            "image/jpeg",
            "image/webp",
            "image/avif",
            "audio/mpeg",
            "video/mp4",
            "font/woff2",
            "font/woff",
            "application/zip",
            "application/gzip",
            "application/zstd",
            "application/x-brotli",
            "application/octet-stream",
            "application/pdf",
            "application/x-shockwave-flash",
        ] {
            assert!(!is_compressible(compressed), "{compressed}");
        }
    }

    #[test]
    fn only_large_enough_compressible_bodies_and_not_when_off() {
        let on = Encoder::new(true, 1 << 20);
        assert!(on.applies_to("text/html", SMALLEST));
        assert!(!on.applies_to("text/html", SMALLEST - 1));
        assert!(!on.applies_to("image/png", 1 << 20));
        assert!(!Encoder::new(false, 1 << 20).applies_to("text/html", 1 << 20));
    }

    #[test]
    fn a_file_shorter_than_promised_is_an_error() {
        let mut short = reader(Content::Memory(Arc::from(&b"abc"[..])), 3);
        let mut all = Vec::new();
        short.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"abc");
        let mut exactly = Exactly {
            inner: &b"abc"[..],
            left: 5,
        };
        assert_eq!(
            exactly.read_to_end(&mut Vec::new()).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}
