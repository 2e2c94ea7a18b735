//! One client connection: read heads (bounded in size and time), hand each request to the handler, write the
//! responses in order, and decide after each whether the connection lives on. Pipelined requests simply wait in
//! the input buffer for their turn.

use super::request::{self, Body as RequestBody, Request, MAX_HEAD};
use super::response::{encode_head, Body, Response};
use async_std::channel::Receiver;
use async_std::io::{ReadExt, WriteExt};
use async_std::net::TcpStream;
use futures_lite::future::or;
use http_types::{Method, StatusCode};
use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A request body up to this size is read and thrown away so the connection can go on; a larger one closes it.
const MAX_DISCARDED_BODY: u64 = 1 << 20;
/// How much of a file goes into one write.
const FILE_CHUNK: usize = 64 * 1024;
/// After an error response, how long and how much we keep reading so the client sees our answer instead of a
/// reset caused by its unread bytes.
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 256 * 1024;
/// How often an idle event stream gets a comment line.
const EVENT_STREAM_KEEP_ALIVE: Duration = Duration::from_secs(15);

pub struct Limits {
    /// Time allowed to receive a whole request head, from the moment we start waiting for it.
    pub read_timeout: Duration,
}

pub async fn serve<H>(mut stream: TcpStream, peer: SocketAddr, handler: Arc<H>, limits: Arc<Limits>)
where
    H: Fn(&Request<'_>) -> Response + Send + Sync + 'static,
{
    let mut input = InputBuffer::new();
    let mut output = Vec::with_capacity(FILE_CHUNK);
    // The whole head must arrive before this instant, however slowly its bytes trickle in.
    let mut deadline = Instant::now() + limits.read_timeout;
    loop {
        let parsed = request::parse(input.filled());
        match parsed {
            Ok(Some((request, head_len))) => {
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
                    && response.body.content_length().is_some();
                let head_only = request.method == Some(Method::Head);
                output.clear();
                encode_head(&response, keep_alive, &mut output);
                let sent = send(&mut stream, &mut output, response.body, head_only).await;
                log_access(peer, &request, status, &sent, started);
                if sent.is_err() {
                    return;
                }
                if !keep_alive {
                    input.consume(head_len);
                    return close(stream, &mut input, false).await;
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
                deadline = Instant::now() + limits.read_timeout;
            }
            Ok(None) => match input.read_from(&mut stream, deadline).await {
                Ok(0) => return,
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::TimedOut && !input.is_empty() => {
                    return answer_error(
                        stream,
                        &mut input,
                        StatusCode::RequestTimeout,
                        &mut output,
                    )
                    .await;
                }
                Err(_) => return,
            },
            Err(error) => {
                log::debug!("{peer}: bad request head: {error:?}");
                return answer_error(stream, &mut input, error.status(), &mut output).await;
            }
        }
    }
}

/// Writes the head and, unless `head_only`, the body. Returns the number of body bytes written.
async fn send(
    stream: &mut TcpStream,
    output: &mut Vec<u8>,
    body: Body,
    head_only: bool,
) -> io::Result<u64> {
    if head_only {
        stream.write_all(output).await?;
        return Ok(0);
    }
    match body {
        Body::Empty => {
            stream.write_all(output).await?;
            Ok(0)
        }
        Body::Bytes(bytes) => {
            output.extend_from_slice(&bytes);
            stream.write_all(output).await?;
            Ok(bytes.len() as u64)
        }
        Body::EventStream(events) => {
            stream.write_all(output).await?;
            stream_events(stream, events).await
        }
        Body::Shared { bytes, start, len } => {
            output.extend_from_slice(&bytes[start..start + len]);
            stream.write_all(output).await?;
            Ok(len as u64)
        }
        Body::File { mut file, len } => {
            // The first chunk rides with the head; later chunks reuse the same buffer.
            let mut left = len;
            loop {
                let start = output.len();
                let want = (FILE_CHUNK as u64).min(left) as usize;
                output.resize(start + want, 0);
                let read = file.read(&mut output[start..])?;
                output.truncate(start + read);
                if read == 0 && want > 0 {
                    // The file shrank under us: end the connection rather than send a wrong length.
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                left -= read as u64;
                stream.write_all(output).await?;
                output.clear();
                if left == 0 {
                    return Ok(len);
                }
            }
        }
    }
}

/// Writes Server-Sent Events as they come, with a comment line every so often so that proxies and browsers keep
/// the stream open, until the client goes away (seen at once, by reading) or the events end.
async fn stream_events(stream: &mut TcpStream, events: Receiver<Arc<str>>) -> io::Result<u64> {
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
        let text: Arc<str> = match or(message, or(idle, client_left)).await {
            Next::Message(text) => text,
            Next::Idle => Arc::from(": keep-alive\n\n"),
            Next::Finished => return Ok(written),
        };
        stream.write_all(text.as_bytes()).await?;
        written += text.len() as u64;
    }
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
) {
    let mut stream = stream;
    let response = Response::status_page(status);
    output.clear();
    encode_head(&response, false, output);
    if send(&mut stream, output, response.body, false)
        .await
        .is_ok()
    {
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
    let mut scratch = [0u8; 4096];
    while drained < LINGER_BYTES {
        let left = deadline.saturating_duration_since(Instant::now());
        match async_std::io::timeout(left, stream.read(&mut scratch)).await {
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
        "{} \"{} {} {}\" {} {} {:.3}ms",
        peer.ip(),
        request.method_text,
        request.target,
        request.version.as_str(),
        status as u16,
        bytes,
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// The bytes received and not yet used. Grows on demand up to a little over the largest head we accept, so that
/// an idle connection holds only a small buffer.
struct InputBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl InputBuffer {
    const INITIAL: usize = 4 * 1024;
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
