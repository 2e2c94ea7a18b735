//! HTTP/2 (RFC 9113) on one connection. The `h2` crate does the framing, HPACK and flow control; this room turns
//! each stream's head into lanai's `Request`, asks the same handler as HTTP/1 does, and sends the response back
//! piece by piece as the client's flow-control window allows. Each stream is answered by a task of its own; the
//! connection's task drives the socket and accepts streams.
//!
//! Limits against what HTTP/2 adds (RFC 9113 §10.5): at most `MAX_CONCURRENT_STREAMS` open streams, header
//! lists no larger than HTTP/1's head, a cap on streams being answered however many the client reset (Rapid
//! Reset), h2's own caps on resets and on frames that carry no data, reads that yield the thread in a flood
//! (io.rs), the write-stall limit for the connection (io.rs) and for every stream waiting for window, and the
//! keep-alive timeout for an idle connection (GOAWAY, then close).

mod head;
mod incoming;
mod io;
mod relay;

use super::access::{log_access, RequestLine};
use super::connection::Limits;
use super::handler::Handler;
use super::pieces::Pieces;
use super::request::{HeadError, MAX_HEAD};
use super::response::{Body, Response};
use super::stream::Stream;
use crate::http::vocabulary::{Method, StatusCode};
use crate::proxy;
use crate::shutdown::Stop;
use async_io::Timer;
use async_std::task;
use bytes::Bytes;
use futures_lite::{future, FutureExt};
use h2::server::SendResponse;
use h2::{Reason, RecvStream, SendStream};
use io::H2Io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Streams a client may have open at once: enough for a wave of an unbundled app's module imports to go out
/// together (with 100, the 252 modules of bench/page-load's last wave took two more round trips).
const MAX_CONCURRENT_STREAMS: u32 = 256;
/// Streams being answered at once, counting those the client has already reset: a reset frees h2's slot at
/// once but not the work started for it, so past this the connection is closed (Rapid Reset, CVE-2023-44487).
const MOST_ANSWERING: usize = 2 * MAX_CONCURRENT_STREAMS as usize;
/// Receive windows for request bodies (uploads through --proxy): larger than the 64 KiB default so an upload is
/// not held to a window a round trip.
const STREAM_WINDOW: u32 = 1 << 20;
const CONNECTION_WINDOW: u32 = 4 << 20;
/// What one stream may have queued for sending beyond what the window lets out.
const SEND_BUFFER: usize = 256 * 1024;

/// Serves one HTTP/2 connection until it closes. `replay` holds what was read of it before (a prior-knowledge
/// preface read as an HTTP/1 head). A panic while answering a stream ends that stream only.
pub async fn serve<S, H>(
    stream: S,
    replay: Vec<u8>,
    peer: SocketAddr,
    handler: Arc<H>,
    limits: Arc<Limits>,
    stop: Stop,
) where
    S: Stream + 'static,
    H: Handler,
{
    let over_tls = stream.plain_socket().is_none();
    let io = H2Io::new(stream, replay, limits.write_stall);
    let handshake = h2::server::Builder::new()
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
        .max_header_list_size(MAX_HEAD as u32)
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .max_send_buffer_size(SEND_BUFFER)
        .handshake::<_, Bytes>(io);
    let timeout = async {
        Timer::after(limits.read_timeout).await;
        Err(h2::Error::from(Reason::SETTINGS_TIMEOUT))
    };
    let mut connection = match handshake.or(timeout).await {
        Ok(connection) => connection,
        Err(error) => {
            log::debug!("{peer}: HTTP/2 handshake failed: {error}");
            return;
        }
    };
    let activity = Arc::new(Activity::new());
    let mut alarm = Timer::after(limits.keep_alive_timeout);
    let mut closing = false;
    loop {
        let accepted =
            async { Event::Accepted(connection.accept().await.map(|opened| opened.map(Box::new))) };
        let stopped = async {
            if closing {
                future::pending::<()>().await;
            }
            stop.raised().await;
            Event::Stop
        };
        let rang = async {
            (&mut alarm).await;
            Event::Alarm
        };
        match accepted.or(stopped).or(rang).await {
            Event::Accepted(None) => break,
            Event::Accepted(Some(Err(error))) => {
                log::debug!("{peer}: HTTP/2 connection ended: {error}");
                break;
            }
            Event::Accepted(Some(Ok(opened))) => {
                // Every stream that has arrived is taken before any is answered, then they are answered in
                // turn: their frames leave together in the connection's next write, and an answer that needs
                // no wait (a file from the cache) costs no task and no hand-over between threads.
                let mut batch = vec![opened];
                let mut after = None;
                while batch.len() < MAX_CONCURRENT_STREAMS as usize {
                    match future::poll_once(connection.accept()).await {
                        Some(Some(Ok(opened))) => batch.push(Box::new(opened)),
                        Some(ended) => {
                            after = Some(ended);
                            break;
                        }
                        None => break,
                    }
                }
                for opened in batch {
                    let (request, respond) = *opened;
                    if activity.answering() >= MOST_ANSWERING {
                        log::warn!(
                            "{peer}: more than {MOST_ANSWERING} HTTP/2 streams being answered at once (streams \
                             reset as soon as they open?); that connection was closed"
                        );
                        connection.abrupt_shutdown(Reason::ENHANCE_YOUR_CALM);
                        closing = true;
                        alarm.set_after(limits.write_stall);
                        break;
                    }
                    let mut answering = Box::pin(answer(
                        request,
                        respond,
                        (peer, over_tls),
                        handler.clone(),
                        limits.clone(),
                        stop.clone(),
                        activity.start(),
                    ));
                    if future::poll_once(&mut answering).await.is_none() {
                        task::spawn(answering);
                    }
                }
                match after {
                    Some(None) => break,
                    Some(Some(Err(error))) => {
                        log::debug!("{peer}: HTTP/2 connection ended: {error}");
                        break;
                    }
                    _ => {}
                }
            }
            Event::Stop => {
                connection.graceful_shutdown();
                closing = true;
                alarm.set_after(limits.write_stall);
            }
            Event::Alarm if closing => {
                log::debug!("{peer}: HTTP/2 connection did not finish closing in time; dropped");
                break;
            }
            Event::Alarm => match activity.idle_until(limits.keep_alive_timeout) {
                Some(deadline) if deadline <= Instant::now() => {
                    connection.graceful_shutdown();
                    closing = true;
                    alarm.set_after(limits.write_stall);
                }
                Some(deadline) => {
                    alarm.set_at(deadline);
                }
                None => {
                    alarm.set_after(limits.keep_alive_timeout);
                }
            },
        }
    }
}

/// A stream the client opened: its request, and the handle its response goes out through.
type Opened = (http::Request<RecvStream>, SendResponse<Bytes>);

enum Event {
    Accepted(Option<Result<Box<Opened>, h2::Error>>),
    Stop,
    Alarm,
}

/// What the connection knows of its streams: how many are being answered, and when the last one finished.
struct Activity {
    answering: AtomicUsize,
    last_done: Mutex<Instant>,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            answering: AtomicUsize::new(0),
            last_done: Mutex::new(Instant::now()),
        }
    }

    fn answering(&self) -> usize {
        self.answering.load(Ordering::Relaxed)
    }

    /// Counts a stream until the returned guard is dropped.
    fn start(self: &Arc<Self>) -> Answering {
        self.answering.fetch_add(1, Ordering::Relaxed);
        Answering(self.clone())
    }

    /// When the connection will have been idle for `timeout`; `None` while streams are being answered.
    fn idle_until(&self, timeout: Duration) -> Option<Instant> {
        if self.answering() > 0 {
            return None;
        }
        let last_done = *self
            .last_done
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        Some(last_done + timeout)
    }
}

/// One stream being answered, counted by its connection.
struct Answering(Arc<Activity>);

impl Drop for Answering {
    fn drop(&mut self) {
        if let Ok(mut last_done) = self.0.last_done.lock() {
            *last_done = Instant::now();
        }
        self.0.answering.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Answers one stream and logs it. A panic ends this stream (h2 resets it when its handle is dropped).
async fn answer<H: Handler>(
    request: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    (peer, over_tls): (SocketAddr, bool),
    handler: Arc<H>,
    limits: Arc<Limits>,
    stop: Stop,
    _answering: Answering,
) {
    let started = Instant::now();
    let (parts, mut body) = request.into_parts();
    let answered = AssertUnwindSafe(async {
        let request = match head::request(&parts, body.is_end_stream()) {
            Ok(request) => request,
            Err(error) => return refuse(&mut respond, &parts, error, peer, started),
        };
        let response = handler.respond(&request).await.settle().await;
        if let Body::Proxied(forward) = response.body {
            let relay = relay::Relay {
                body: &mut body,
                respond: &mut respond,
                sending: None,
                address: peer.ip(),
                over_tls,
                stall: limits.write_stall,
            };
            let exchanged = Box::pin(proxy::exchange(*forward, relay, &stop)).await;
            let line = RequestLine(&request);
            return log_access(peer, line, exchanged.status, exchanged.body_bytes, started);
        }
        let response = match response.body {
            Body::Receive(receiver) => {
                let mut incoming = incoming::Http2Body {
                    body: &mut body,
                    stall: limits.write_stall,
                };
                receiver(&mut incoming).await.settle().await
            }
            _ => response,
        };
        let status = response.status;
        let head_only = request.method == Some(Method::Head);
        let sent = send(&mut respond, response, head_only, &limits, &stop).await;
        log_access(peer, RequestLine(&request), status, sent, started);
    })
    .catch_unwind()
    .await;
    if answered.is_err() {
        log::error!(
            "{peer}: panic while answering \"{} {} HTTP/2.0\"; that stream was reset",
            parts.method,
            parts.uri
        );
    }
}

/// Answers a head lanai cannot take with its error status page, and logs it.
fn refuse(
    respond: &mut SendResponse<Bytes>,
    parts: &http::request::Parts,
    error: HeadError,
    peer: SocketAddr,
    started: Instant,
) {
    let status = error.status();
    let body_bytes = send_bytes(respond, Response::status_page(status)).unwrap_or(0);
    let line = format!("{} {} HTTP/2.0", parts.method, parts.uri);
    log_access(
        peer,
        super::access::PartialLine(line.as_bytes()),
        status,
        body_bytes,
        started,
    );
}

/// Sends a response whose body is bytes in memory (a page of lanai's own) in one go; returns its length.
fn send_bytes(respond: &mut SendResponse<Bytes>, page: Response) -> Result<u64, h2::Error> {
    let length = page.body.content_length();
    let head = head::response(page.status, page.headers, length);
    let bytes = match page.body {
        Body::Bytes(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    let body_bytes = bytes.len() as u64;
    let mut stream = respond.send_response(head, false)?;
    stream.send_data(bytes, true)?;
    Ok(body_bytes)
}

/// Sends the response's head and, unless `head_only`, its body; returns the body bytes handed to the
/// connection. An event stream ends when the client resets it or lanai stops; any body ends when the client
/// resets its stream or leaves its window shut for the stall time.
async fn send(
    respond: &mut SendResponse<Bytes>,
    response: Response,
    head_only: bool,
    limits: &Limits,
    stop: &Stop,
) -> u64 {
    let length = response.body.content_length();
    let no_body = head_only
        || length == Some(0)
        || matches!(
            response.status,
            StatusCode::NoContent | StatusCode::NotModified
        );
    let Response {
        status,
        headers,
        body,
    } = response;
    let Ok(mut stream) = respond.send_response(head::response(status, headers, length), no_body)
    else {
        return 0;
    };
    if no_body {
        return 0;
    }
    let endless = matches!(body, Body::EventStream(_));
    let mut pieces = Pieces::new(body);
    let mut written = 0;
    loop {
        let next = async { Some(pieces.next().await) };
        let reset = async {
            future::poll_fn(|context| stream.poll_reset(context))
                .await
                .ok();
            None
        };
        let stopped = async {
            if !endless {
                future::pending::<()>().await;
            }
            stop.raised().await;
            Some(Ok(None))
        };
        match next.or(reset).or(stopped).await {
            Some(Ok(Some(piece))) => {
                // The piece that completes a body of known length ends the stream itself.
                let last = length.is_some_and(|length| written + piece.len() as u64 >= length);
                let stall = limits.write_stall;
                if send_piece(&mut stream, piece, last, stall, &mut written)
                    .await
                    .is_err()
                    || last
                {
                    return written;
                }
            }
            Some(Ok(None)) => break,
            Some(Err(error)) => {
                log::warn!("a response body broke off: {error}");
                stream.send_reset(Reason::INTERNAL_ERROR);
                return written;
            }
            None => return written,
        }
    }
    let _ = stream.send_data(Bytes::new(), true);
    written
}

/// Sends `piece` as the client's window lets it through, its last frame ending the stream when `ends_stream`;
/// fails when the stream is gone or its window stays shut for `stall` (the stream is then reset).
async fn send_piece(
    stream: &mut SendStream<Bytes>,
    mut piece: Bytes,
    ends_stream: bool,
    stall: Duration,
    written: &mut u64,
) -> Result<(), ()> {
    while !piece.is_empty() {
        stream.reserve_capacity(piece.len());
        let capacity = window(stream, stall).await?;
        let now = piece.split_to(capacity.min(piece.len()));
        *written += now.len() as u64;
        stream
            .send_data(now, ends_stream && piece.is_empty())
            .map_err(drop)?;
    }
    Ok(())
}

/// The room the stream has to send, waiting for the client to open its window for up to `stall`.
async fn window(stream: &mut SendStream<Bytes>, stall: Duration) -> Result<usize, ()> {
    let deadline = Instant::now() + stall;
    loop {
        let capacity = stream.capacity();
        if capacity > 0 {
            return Ok(capacity);
        }
        let grown = async { future::poll_fn(|context| stream.poll_capacity(context)).await };
        let timed_out = async {
            Timer::at(deadline).await;
            None
        };
        match grown.or(timed_out).await {
            Some(Ok(_)) => {}
            Some(Err(_)) => return Err(()),
            None if Instant::now() >= deadline => {
                stream.send_reset(Reason::CANCEL);
                return Err(());
            }
            None => return Err(()),
        }
    }
}
