//! One client connection: read heads (bounded in size and time), hand each request to the handler, write the
//! responses in order (a client that stops reading is dropped), and decide after each whether the connection
//! lives on: not past a stop, not after an idle keep-alive timeout. Pipelined requests simply wait in the input
//! buffer for their turn. A panic ends its own connection only.

use super::request::{self, Body as RequestBody, Request, MAX_HEAD};
use super::response::{encode_head, Body, Response};
use crate::platform;
use crate::shutdown::Stop;
use async_std::channel::Receiver;
use async_std::io::{ReadExt, WriteExt};
use async_std::net::TcpStream;
use futures_lite::future::{self, or};
use futures_lite::FutureExt;
use http_types::headers::RETRY_AFTER;
use http_types::{Method, StatusCode};
use std::any::Any;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Shutdown, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request body up to this size is read and thrown away so the connection can go on; a larger one closes it.
const MAX_DISCARDED_BODY: u64 = 1 << 20;
/// How much of a file goes into one buffered write.
const FILE_CHUNK: usize = 64 * 1024;
/// The most one sendfile call is asked for; the kernel sends what the socket has room for.
const SENDFILE_MOST: u64 = 1 << 20;
/// After an error response, how long and how much we keep reading so the client sees our answer instead of a
/// reset caused by its unread bytes.
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 256 * 1024;
/// How often an idle event stream gets a comment line.
const EVENT_STREAM_KEEP_ALIVE: Duration = Duration::from_secs(15);

pub struct Limits {
    /// Time allowed to receive a whole request head: from the connection's start for its first request, from
    /// the head's first byte for later ones.
    pub read_timeout: Duration,
    /// How long a kept-alive connection may sit idle waiting for its next request.
    pub keep_alive_timeout: Duration,
    /// How long one write may make no progress before we give up on the client.
    pub write_stall: Duration,
}

/// A client that stops reading a response is dropped after this long without progress.
pub const WRITE_STALL: Duration = Duration::from_secs(30);

/// Serves one connection until it closes. A panic anywhere in it (the handler included) ends this connection
/// only, and is logged with the request line being answered.
pub async fn serve<H>(
    stream: TcpStream,
    peer: SocketAddr,
    handler: Arc<H>,
    limits: Arc<Limits>,
    stop: Stop,
) where
    H: Fn(&Request<'_>) -> Response + Send + Sync + 'static,
{
    let panic_note = Mutex::new(None);
    let served = AssertUnwindSafe(serve_requests(
        stream,
        peer,
        &*handler,
        &limits,
        &stop,
        &panic_note,
    ))
    .catch_unwind()
    .await;
    if let Err(panic) = served {
        let during = match panic_note.into_inner() {
            Ok(Some(line)) => format!("\"{line}\""),
            _ => "no request".to_string(),
        };
        log::error!(
            "{peer}: panic while answering {during}: {}; that connection was closed",
            panic_message(&*panic)
        );
    }
}

/// Answers a connection we will not serve: `503` in one non-blocking write (a fresh socket has room for it),
/// then close. It must not wait: this runs in the accept loop, under overload.
pub async fn turn_away(mut stream: TcpStream) {
    let response =
        Response::status_page(StatusCode::ServiceUnavailable).with_header(RETRY_AFTER, "1");
    let mut output = Vec::new();
    closing_answer(&response, &mut output);
    let _ = future::poll_once(write_all(&mut stream, &output, WRITE_STALL)).await;
}

/// Encodes a status page that ends its connection, head and page, for one write.
fn closing_answer(response: &Response, output: &mut Vec<u8>) {
    output.clear();
    encode_head(response, false, output);
    if let Body::Bytes(page) = &response.body {
        output.extend_from_slice(page);
    }
}

async fn serve_requests<H>(
    mut stream: TcpStream,
    peer: SocketAddr,
    handler: &H,
    limits: &Limits,
    stop: &Stop,
    panic_note: &Mutex<Option<String>>,
) where
    H: Fn(&Request<'_>) -> Response,
{
    let mut input = InputBuffer::new();
    // Grown by the first response, so a connection that never gets one (a slowloris) holds only its input.
    let mut output = Vec::new();
    // The whole head must arrive before this instant, however slowly its bytes trickle in.
    let mut deadline = Instant::now() + limits.read_timeout;
    // Between two requests of a kept-alive connection: the next head's clock starts with its first byte.
    let mut idle = false;
    loop {
        let parsed = request::parse(input.filled());
        match parsed {
            Ok(Some((request, head_len))) => {
                let witness = PanicWitness {
                    request: &request,
                    note: panic_note,
                };
                let started = Instant::now();
                let response = handler(&request);
                let status = response.status;
                let body_len = match request.body {
                    RequestBody::Length(length) => length,
                    RequestBody::None | RequestBody::Chunked => 0,
                };
                // A response without a length ends with the connection.
                let keep_alive = request.keep_alive
                    && request.body != RequestBody::Chunked
                    && body_len <= MAX_DISCARDED_BODY
                    && response.body.content_length().is_some()
                    && !stop.is_raised();
                let head_only = request.method == Some(Method::Head);
                output.clear();
                encode_head(&response, keep_alive, &mut output);
                let sent = send(
                    &mut stream,
                    &mut output,
                    response.body,
                    head_only,
                    limits.write_stall,
                    stop,
                )
                .await;
                log_access(peer, &request, status, &sent, started);
                drop(witness);
                if sent.is_err() {
                    return;
                }
                if !keep_alive {
                    let body_follows = request.body != RequestBody::None;
                    input.consume(head_len);
                    return close(stream, &mut input, body_follows).await;
                }
                let in_buffer = (input.filled().len() - head_len) as u64;
                input.consume(head_len + body_len.min(in_buffer) as usize);
                let unread_body = body_len.saturating_sub(in_buffer);
                let body_deadline = Instant::now() + limits.read_timeout;
                if unread_body > 0
                    && discard(&mut stream, &mut input, unread_body, body_deadline)
                        .await
                        .is_err()
                {
                    return;
                }
                idle = input.is_empty();
                deadline = Instant::now()
                    + if idle {
                        limits.keep_alive_timeout
                    } else {
                        limits.read_timeout
                    };
            }
            Ok(None) => match read_head_bytes(&mut stream, &mut input, deadline, stop).await {
                Ok(0) => return,
                Ok(_) if idle => {
                    idle = false;
                    deadline = Instant::now() + limits.read_timeout;
                }
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::TimedOut && !input.is_empty() => {
                    return answer_error(
                        stream,
                        &mut input,
                        StatusCode::RequestTimeout,
                        &mut output,
                        limits.write_stall,
                    )
                    .await;
                }
                Err(_) => return,
            },
            Err(error) => {
                log::debug!("{peer}: bad request head: {error:?}");
                return answer_error(
                    stream,
                    &mut input,
                    error.status(),
                    &mut output,
                    limits.write_stall,
                )
                .await;
            }
        }
    }
}

/// Reads more of a head. A connection that has received nothing of it is idle, and shutdown closes it at once
/// (reported as the end of the stream).
async fn read_head_bytes(
    stream: &mut TcpStream,
    input: &mut InputBuffer,
    deadline: Instant,
    stop: &Stop,
) -> io::Result<usize> {
    if !input.is_empty() {
        return input.read_from(stream, deadline).await;
    }
    let stopped = async {
        stop.raised().await;
        Ok(0)
    };
    future::or(input.read_from(stream, deadline), stopped).await
}

/// Writes the head and, unless `head_only`, the body. Returns the number of body bytes written.
async fn send(
    stream: &mut TcpStream,
    output: &mut Vec<u8>,
    body: Body,
    head_only: bool,
    stall: Duration,
    stop: &Stop,
) -> io::Result<u64> {
    if head_only {
        write_all(stream, output, stall).await?;
        return Ok(0);
    }
    match body {
        Body::Empty => {
            write_all(stream, output, stall).await?;
            Ok(0)
        }
        Body::Bytes(bytes) => {
            output.extend_from_slice(&bytes);
            write_all(stream, output, stall).await?;
            Ok(bytes.len() as u64)
        }
        Body::EventStream(events) => {
            write_all(stream, output, stall).await?;
            stream_events(stream, events, stall, stop).await
        }
        Body::Shared { bytes, start, len } => {
            output.extend_from_slice(&bytes[start..start + len]);
            write_all(stream, output, stall).await?;
            Ok(len as u64)
        }
        Body::File { file, start, len } => {
            write_all(stream, output, stall).await?;
            output.clear();
            send_file(stream, &file, start, len, output, stall).await
        }
    }
}

/// Writes Server-Sent Events as they come, with a comment line every so often so that proxies and browsers keep
/// the stream open, until the client goes away (seen at once, by reading), the events end or lanai stops.
async fn stream_events(
    stream: &mut TcpStream,
    events: Receiver<Arc<str>>,
    stall: Duration,
    stop: &Stop,
) -> io::Result<u64> {
    enum Next {
        Message(Arc<str>),
        Idle,
        Finished,
    }
    let mut written = 0;
    let mut probe = [0u8; 256];
    let mut reader = stream.clone();
    loop {
        let message = async { events.recv().await.map_or(Next::Finished, Next::Message) };
        let idle = async {
            async_std::task::sleep(EVENT_STREAM_KEEP_ALIVE).await;
            Next::Idle
        };
        let client_left = async {
            loop {
                match reader.read(&mut probe).await {
                    Ok(0) | Err(_) => return Next::Finished,
                    Ok(_) => {} // A client has nothing to say on an event stream; ignore it.
                }
            }
        };
        let stopping = async {
            stop.raised().await;
            Next::Finished
        };
        let text: Arc<str> = match or(or(message, stopping), or(idle, client_left)).await {
            Next::Message(text) => text,
            Next::Idle => Arc::from(": keep-alive\n\n"),
            Next::Finished => return Ok(written),
        };
        write_all(stream, text.as_bytes(), stall).await?;
        written += text.len() as u64;
    }
}

/// Streams `len` bytes of `file` from `start`: straight from the page cache to the socket where the OS can
/// (sendfile), through `buffer` where it cannot and whenever the socket is full (a buffered write waits for room;
/// the zero-copy call only says it would block).
async fn send_file(
    stream: &mut TcpStream,
    file: &File,
    start: u64,
    len: u64,
    buffer: &mut Vec<u8>,
    stall: Duration,
) -> io::Result<u64> {
    let end = start + len;
    let mut offset = start;
    while offset < end {
        let want = (end - offset).min(SENDFILE_MOST) as usize;
        let sent = match platform::send_file(stream, file, &mut offset, want) {
            Ok(Some(sent)) => sent,
            Ok(None) => copy_file_chunk(stream, file, &mut offset, want, buffer, stall).await?,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                copy_file_chunk(stream, file, &mut offset, want, buffer, stall).await?
            }
            Err(error) => return Err(error),
        };
        if sent == 0 {
            // The file shrank under us: end the connection rather than send a wrong length.
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(len)
}

/// Reads up to a chunk of `file` at `offset` into `buffer` and writes it, waiting for room as long as the
/// client keeps reading. Returns the bytes sent; 0 at the end of the file.
async fn copy_file_chunk(
    stream: &mut TcpStream,
    mut file: &File,
    offset: &mut u64,
    want: usize,
    buffer: &mut Vec<u8>,
    stall: Duration,
) -> io::Result<usize> {
    buffer.resize(want.min(FILE_CHUNK), 0);
    file.seek(SeekFrom::Start(*offset))?;
    let read = file.read(buffer)?;
    write_all(stream, &buffer[..read], stall).await?;
    *offset += read as u64;
    Ok(read)
}

/// Writes all of `bytes`, failing when one write makes no progress for `stall`: a slow reader is fine, a client
/// that stopped reading is not.
async fn write_all(stream: &mut TcpStream, bytes: &[u8], stall: Duration) -> io::Result<()> {
    let mut written = 0;
    while written < bytes.len() {
        match async_std::io::timeout(stall, stream.write(&bytes[written..])).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            count => written += count,
        }
    }
    Ok(())
}

/// Reads and drops `count` body bytes; whatever arrives beyond them stays in `input` for the next request.
async fn discard(
    stream: &mut TcpStream,
    input: &mut InputBuffer,
    mut count: u64,
    deadline: Instant,
) -> io::Result<()> {
    while count > 0 {
        if input.read_from(stream, deadline).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let take = (input.filled().len() as u64).min(count);
        input.consume(take as usize);
        count -= take;
    }
    Ok(())
}

async fn answer_error(
    stream: TcpStream,
    input: &mut InputBuffer,
    status: StatusCode,
    output: &mut Vec<u8>,
    stall: Duration,
) {
    let mut stream = stream;
    closing_answer(&Response::status_page(status), output);
    if write_all(&mut stream, output, stall).await.is_ok() {
        close(stream, input, true).await;
    }
}

/// Ends the connection after a `Connection: close` response. When the client may still be sending (an error, or
/// bytes we did not use), we stop writing and read for a little while first: closing a socket with unread input
/// makes the kernel send a reset, which can destroy the response before the client reads it.
async fn close(stream: TcpStream, input: &mut InputBuffer, client_may_be_sending: bool) {
    if !client_may_be_sending && input.is_empty() {
        return;
    }
    let mut stream = stream;
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let deadline = Instant::now() + LINGER_TIME;
    let mut drained = 0;
    // The input buffer is reused to read into: a buffer of its own would weigh on every connection's task.
    while drained < LINGER_BYTES {
        input.consume(input.filled().len());
        match input.read_from(&mut stream, deadline).await {
            Ok(0) | Err(_) => return,
            Ok(read) => drained += read,
        }
    }
}

fn log_access(
    peer: SocketAddr,
    request: &Request<'_>,
    status: StatusCode,
    sent: &io::Result<u64>,
    started: Instant,
) {
    let bytes = match sent {
        Ok(bytes) => bytes.to_string(),
        Err(_) => "-".to_string(),
    };
    log::info!(
        target: "lanai::access",
        "{} \"{}\" {} {} {:.3}ms",
        peer.ip(),
        RequestLine(request),
        status as u16,
        bytes,
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// Notes the request line when a panic unwinds through the answering of `request`; costs nothing otherwise.
struct PanicWitness<'a> {
    request: &'a Request<'a>,
    note: &'a Mutex<Option<String>>,
}

impl Drop for PanicWitness<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(mut note) = self.note.lock() {
                *note = Some(RequestLine(self.request).to_string());
            }
        }
    }
}

/// `GET /path HTTP/1.1`, as the access log and panic reports show a request.
struct RequestLine<'a>(&'a Request<'a>);

impl fmt::Display for RequestLine<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let request = self.0;
        write!(
            out,
            "{} {} {}",
            request.method_text,
            request.target,
            request.version.as_str()
        )
    }
}

/// The text a panic was raised with, when it was a string (as `panic!` and `unwrap` make it).
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(not a string)"
    }
}

/// The bytes received and not yet used. Grows on demand up to a little over the largest head we accept, so that
/// an idle connection holds only a small buffer.
struct InputBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl InputBuffer {
    const INITIAL: usize = 1024;
    const LARGEST: usize = MAX_HEAD + 1024;

    fn new() -> Self {
        InputBuffer {
            bytes: vec![0; Self::INITIAL],
            start: 0,
            end: 0,
        }
    }

    fn filled(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn consume(&mut self, count: usize) {
        self.start += count;
        debug_assert!(self.start <= self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Reads once, waiting at most until `deadline`. Returns 0 at end of stream.
    async fn read_from(&mut self, stream: &mut TcpStream, deadline: Instant) -> io::Result<usize> {
        if self.end == self.bytes.len() {
            self.make_room();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let read = async_std::io::timeout(left, stream.read(&mut self.bytes[self.end..])).await?;
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
                .min(Self::LARGEST)
                .max(self.bytes.len() + 1);
            self.bytes.resize(grown, 0);
        }
    }
}
