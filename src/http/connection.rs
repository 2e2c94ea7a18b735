//! One client connection: read heads (bounded in size and time), hand each request to the handler, write the
//! responses in order (a client that stops reading is dropped), and decide after each whether the connection
//! lives on: not past a stop, not after an idle keep-alive timeout. Pipelined requests simply wait in the input
//! buffer for their turn. A panic ends its own connection only.

use super::access::{log_access, PartialLine, RequestLine};
use super::handler::Handler;
use super::incoming::{Http1Body, Receiver};
use super::input::InputBuffer;
use super::request::{self, Body as RequestBody, Request, Version};
use super::response::{encode_head, Body, Response};
use super::send::{send, write_counted};
use super::stream::{Stream, Timed, LINGER_BYTES, LINGER_TIME};
use crate::http::vocabulary::headers::RETRY_AFTER;
use crate::http::vocabulary::{Method, StatusCode};
use crate::proxy;
use crate::shutdown::Stop;
use futures_lite::future;
use futures_lite::FutureExt;
use std::any::Any;
use std::future::Future;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request body up to this size is read and thrown away so the connection can go on; a larger one closes it.
const MAX_DISCARDED_BODY: u64 = 1 << 20;

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
///
/// This and `serve_requests` return an `async move` block rather than being `async fn`s: an `async fn` keeps
/// each argument twice in its future (as passed, and moved into its body), and every idle connection pays for
/// that room.
#[allow(clippy::manual_async_fn)]
pub fn serve<S, H, P, F>(
    stream: S,
    peer: SocketAddr,
    handler: Arc<H>,
    limits: Arc<Limits>,
    stop: Stop,
    prior_knowledge: P,
) -> impl Future<Output = ()> + Send
where
    S: Stream,
    H: Handler,
    P: FnOnce(Handoff<S, H>) -> F + Send,
    F: Future<Output = ()> + Send,
{
    // Made here, outside the future, so that the future holds it once (not also the stream it is made of).
    let mut connection = Connection {
        stream: Timed::new(stream),
        input: InputBuffer::new(),
        output: Vec::new(),
        deadline: Instant::now() + limits.read_timeout,
        idle: false,
        answered: false,
    };
    async move {
        let panic_note = Mutex::new(None);
        let served = AssertUnwindSafe(serve_requests(
            &mut connection,
            &peer,
            &*handler,
            &limits,
            &stop,
            &panic_note,
        ))
        .catch_unwind()
        .await;
        match served {
            Ok(Ended::Closed) => {}
            Ok(Ended::PriorKnowledge) => {
                let handoff = Handoff {
                    replay: connection.input.filled().to_vec(),
                    stream: connection.stream.into_inner(),
                    peer,
                    handler,
                    limits,
                    stop,
                };
                prior_knowledge(handoff).await
            }
            Err(panic) => {
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
    }
}

/// A connection that opened with HTTP/2's preface (prior knowledge), handed on with what was read of it, for
/// HTTP/2 to serve (`serve`'s `prior_knowledge`).
pub struct Handoff<S, H> {
    pub stream: S,
    pub replay: Vec<u8>,
    pub peer: SocketAddr,
    pub handler: Arc<H>,
    pub limits: Arc<Limits>,
    pub stop: Stop,
}

/// How serving a connection as HTTP/1 ended.
enum Ended {
    Closed,
    /// It opened with HTTP/2's preface.
    PriorKnowledge,
}

/// Answers a connection we will not serve: `503` in one non-blocking write (a fresh socket has room for it),
/// then close. It must not wait: this runs in the accept loop, under overload.
pub fn turn_away(stream: TcpStream, peer: SocketAddr) {
    let started = Instant::now();
    let status = StatusCode::ServiceUnavailable;
    let response = Response::status_page(status).with_header(RETRY_AFTER, "1");
    let mut output = Vec::new();
    let page_len = closing_answer(&response, &mut output);
    let page_sent = match (&stream).write(&output) {
        Ok(count) if count == output.len() => page_len,
        _ => 0,
    };
    log_access(peer, PartialLine(b""), status, page_sent, started);
}

/// Encodes a status page that ends its connection, head and page, for one write; returns the page's length.
fn closing_answer(response: &Response, output: &mut Vec<u8>) -> u64 {
    output.clear();
    encode_head(response, false, output);
    match &response.body {
        Body::Bytes(page) => {
            output.extend_from_slice(page);
            page.len() as u64
        }
        _ => 0,
    }
}

/// What a connection keeps between requests.
struct Connection<S> {
    stream: Timed<S>,
    input: InputBuffer,
    /// Grown by a response; like the input, given back while the connection waits, so a connection that never
    /// gets a response (a slowloris) or waits for its next request holds neither.
    output: Vec<u8>,
    /// The whole head must arrive before this instant, however slowly its bytes trickle in.
    deadline: Instant,
    /// Between two requests of a kept-alive connection: the next head's clock starts with its first byte.
    idle: bool,
    /// Whether a request has been answered: only a connection's first bytes may be HTTP/2's preface.
    answered: bool,
}

/// How a run of requests ended.
enum Next {
    /// Nothing more to read for now: wait for the client.
    Wait,
    Close,
    /// The connection opened with HTTP/2's preface.
    PriorKnowledge,
}

#[allow(clippy::manual_async_fn)] // See `serve`.
fn serve_requests<'a, S: Stream, H>(
    connection: &'a mut Connection<S>,
    peer: &'a SocketAddr,
    handler: &'a H,
    limits: &'a Limits,
    stop: &'a Stop,
    panic_note: &'a Mutex<Option<String>>,
) -> impl Future<Output = Ended> + 'a
where
    H: Handler,
{
    async move {
        loop {
            // Answering is boxed and lives only while there is something to read: a connection waiting for its
            // next request keeps just this small future and `connection`.
            let answering = answer_requests(connection, *peer, handler, limits, stop, panic_note);
            match Box::pin(answering).await {
                Next::Close => return Ended::Closed,
                Next::PriorKnowledge => return Ended::PriorKnowledge,
                Next::Wait => {}
            }
            connection.input.release();
            connection.output = Vec::new();
            let stopped = async {
                stop.raised().await;
                Err(io::ErrorKind::ConnectionAborted.into())
            };
            let readable = connection.stream.readable(connection.deadline);
            // Shutdown closes a waiting connection at once; so does its deadline, silently (nothing of a head
            // came).
            if future::or(readable, stopped).await.is_err() {
                return Ended::Closed;
            }
        }
    }
}

/// Answers the requests that can be read now, in order, until the socket has nothing more (`Next::Wait`) or the
/// connection ends.
async fn answer_requests<S: Stream, H>(
    connection: &mut Connection<S>,
    peer: SocketAddr,
    handler: &H,
    limits: &Limits,
    stop: &Stop,
    panic_note: &Mutex<Option<String>>,
) -> Next
where
    H: Handler,
{
    let Connection {
        stream,
        input,
        output,
        deadline,
        idle,
        answered,
    } = connection;
    loop {
        match request::parse(input.filled()) {
            Ok(None) => {}
            Ok(Some((request, head_len))) => {
                *answered = true;
                let witness = PanicWitness {
                    request: &request,
                    note: panic_note,
                };
                let started = Instant::now();
                let response = handler.respond(&request).await.settle().await;
                if let Body::Proxied(forward) = response.body {
                    // The exchange needs the input buffer the request borrows: its line is kept as text.
                    let line = RequestLine(&request).to_string();
                    let http10 = request.version == Version::Http10;
                    drop(witness);
                    input.consume(head_len);
                    let client = proxy::Client {
                        stream,
                        input,
                        address: peer.ip(),
                        stall: limits.write_stall,
                        http10,
                    };
                    let exchanged = proxy::exchange(*forward, client, stop).await;
                    log_access(peer, line, exchanged.status, exchanged.body_bytes, started);
                    if !exchanged.keep_alive {
                        close(stream, input, true).await;
                        return Next::Close;
                    }
                    *idle = input.is_empty();
                    *deadline = next_head_deadline(*idle, limits);
                    continue;
                }
                if let Body::Receive(receiver) = response.body {
                    // The body is read from the input buffer the request borrows: its line is kept as text.
                    let received = Received {
                        line: RequestLine(&request).to_string(),
                        keep_alive: request.keep_alive,
                        framing: request.body,
                        expects_continue: expects_continue(&request),
                    };
                    drop(witness);
                    input.consume(head_len);
                    let connection = (&mut *stream, &mut *input, &mut *output);
                    if !receive(
                        connection,
                        receiver,
                        received,
                        (peer, started),
                        limits,
                        stop,
                    )
                    .await
                    {
                        return Next::Close;
                    }
                    *idle = input.is_empty();
                    *deadline = next_head_deadline(*idle, limits);
                    continue;
                }
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
                encode_head(&response, keep_alive, output);
                let sent = send(
                    stream,
                    output,
                    response.body,
                    head_only,
                    limits.write_stall,
                    stop,
                )
                .await;
                log_access(
                    peer,
                    RequestLine(&request),
                    status,
                    sent.body_bytes,
                    started,
                );
                drop(witness);
                if sent.outcome.is_err() {
                    return Next::Close;
                }
                if !keep_alive {
                    let body_follows = request.body != RequestBody::None;
                    input.consume(head_len);
                    close(stream, input, body_follows).await;
                    return Next::Close;
                }
                let in_buffer = (input.filled().len() - head_len) as u64;
                input.consume(head_len + body_len.min(in_buffer) as usize);
                let unread_body = body_len.saturating_sub(in_buffer);
                let body_deadline = Instant::now() + limits.read_timeout;
                if unread_body > 0
                    && discard(stream, input, unread_body, body_deadline)
                        .await
                        .is_err()
                {
                    return Next::Close;
                }
                *idle = input.is_empty();
                *deadline = next_head_deadline(*idle, limits);
                if *idle {
                    // The client has rarely sent its next request yet: wait for it rather than try a read that
                    // would mostly fail (measured: 1.9 reads a request instead of 1 under wrk -c100).
                    return Next::Wait;
                }
                continue;
            }
            Err(_) if !*answered && input.filled().starts_with(super::HTTP2_PREFACE) => {
                return Next::PriorKnowledge;
            }
            // The preface's first line parses as a head of its own: wait for the rest of it.
            Err(_) if !*answered && super::HTTP2_PREFACE.starts_with(input.filled()) => {}
            Err(error) => {
                log::debug!("{peer}: bad request head: {error:?}");
                let status = error.status();
                answer_error(stream, peer, input, status, output, limits.write_stall).await;
                return Next::Close;
            }
        }
        // Not a whole head yet: take what has arrived, or go and wait when nothing of a head has. The rest of a
        // head that came in part is awaited here, within its deadline.
        let read = if input.is_empty() {
            match future::poll_once(input.read_from(stream, *deadline)).await {
                Some(read) => read,
                None => return Next::Wait,
            }
        } else {
            input.read_from(stream, *deadline).await
        };
        match read {
            Ok(0) => return Next::Close,
            Ok(_) if *idle => {
                *idle = false;
                *deadline = Instant::now() + limits.read_timeout;
            }
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::TimedOut && !input.is_empty() => {
                let status = StatusCode::RequestTimeout;
                answer_error(stream, peer, input, status, output, limits.write_stall).await;
                return Next::Close;
            }
            Err(_) => return Next::Close,
        }
    }
}

/// What `receive` keeps of a request whose endpoint reads its body.
struct Received {
    line: String,
    keep_alive: bool,
    framing: RequestBody,
    expects_continue: bool,
}

fn expects_continue(request: &Request<'_>) -> bool {
    request
        .list("expect")
        .any(|value| value.eq_ignore_ascii_case(b"100-continue"))
}

/// Lends the request body to the endpoint that reads it, then sends its answer. Returns whether the connection
/// goes on: only when the whole body was read (an answer given before its end, such as a 413, closes it).
async fn receive<S: Stream>(
    (stream, input, output): (&mut Timed<S>, &mut InputBuffer, &mut Vec<u8>),
    receiver: Receiver,
    received: Received,
    (peer, started): (SocketAddr, Instant),
    limits: &Limits,
    stop: &Stop,
) -> bool {
    let stall = limits.write_stall;
    let mut body = Http1Body::new(
        stream,
        input,
        received.framing,
        stall,
        received.expects_continue,
    );
    let response = receiver(&mut body).await.settle().await;
    let complete = body.is_complete();
    let keep_alive = received.keep_alive
        && complete
        && response.body.content_length().is_some()
        && !stop.is_raised();
    let status = response.status;
    output.clear();
    encode_head(&response, keep_alive, output);
    let sent = send(stream, output, response.body, false, stall, stop).await;
    log_access(peer, received.line, status, sent.body_bytes, started);
    if sent.outcome.is_err() {
        return false;
    }
    if !keep_alive {
        close(stream, input, !complete).await;
    }
    keep_alive
}

/// When the next head must have arrived: an idle connection waits for the keep-alive timeout, a pipelined head
/// already under way gets the read timeout.
fn next_head_deadline(idle: bool, limits: &Limits) -> Instant {
    Instant::now()
        + if idle {
            limits.keep_alive_timeout
        } else {
            limits.read_timeout
        }
}

/// Reads and drops `count` body bytes; whatever arrives beyond them stays in `input` for the next request.
async fn discard<S: Stream>(
    stream: &mut Timed<S>,
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

/// Answers a head we cannot serve with its error status, logs it with as much of the request line as arrived,
/// and closes.
async fn answer_error<S: Stream>(
    stream: &mut Timed<S>,
    peer: SocketAddr,
    input: &mut InputBuffer,
    status: StatusCode,
    output: &mut Vec<u8>,
    stall: Duration,
) {
    let started = Instant::now();
    let page_len = closing_answer(&Response::status_page(status), output);
    let head_len = output.len() as u64 - page_len;
    let mut written = 0;
    let outcome = write_counted(stream, output, stall, &mut written).await;
    log_access(
        peer,
        PartialLine(input.filled()),
        status,
        written.saturating_sub(head_len),
        started,
    );
    if outcome.is_ok() {
        close(stream, input, true).await;
    }
}

/// Ends the connection after a `Connection: close` response. When the client may still be sending (an error, or
/// bytes we did not use), we stop writing and read for a little while first: closing a socket with unread input
/// makes the kernel send a reset, which can destroy the response before the client reads it.
async fn close<S: Stream>(
    stream: &mut Timed<S>,
    input: &mut InputBuffer,
    client_may_be_sending: bool,
) {
    if !client_may_be_sending && input.is_empty() {
        return;
    }
    // Closing the writing side shuts down the socket's (after TLS's close_notify, on a TLS stream).
    if stream.close(LINGER_TIME).await.is_err() {
        return;
    }
    let deadline = Instant::now() + LINGER_TIME;
    let mut drained = 0;
    // The input buffer is reused to read into: a buffer of its own would weigh on every connection's task.
    while drained < LINGER_BYTES {
        input.consume(input.filled().len());
        match input.read_from(stream, deadline).await {
            Ok(0) | Err(_) => return,
            Ok(read) => drained += read,
        }
    }
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
