//! Moving a body across the proxy, one buffer at a time and only as fast as the receiving side takes it, so
//! memory stays flat whatever the size: the client's upload to the upstream, and the upstream's answer to the
//! client (re-framed for the client's hop, each piece sent as soon as it arrives: server-sent events stay
//! events).

use super::client::{Client, ClientSide};
use super::headers::ClientFraming;
use super::upstream::{self, Framing};
use crate::http::chunked::{self, Decoder};
use crate::http::incoming::{Http1Body, Incoming};
use crate::http::input::InputBuffer;
use crate::http::request::Body;
use crate::http::send::write_all;
use crate::http::stream::Stream;
use futures_lite::future;
use std::time::{Duration, Instant};

/// Why a body stopped part of the way.
#[derive(Debug)]
pub enum Broken {
    /// The client went away, stalled or sent a body that does not parse as chunked.
    Client,
    /// The upstream went away, or took none of the request body for --proxy-timeout.
    Upstream,
    /// The upstream's chunked body does not parse.
    UpstreamFraming,
}

impl Broken {
    /// What the upstream did, for the log and (when nothing reached the client yet) the page.
    pub fn upstream_cause(&self) -> Option<&'static str> {
        match self {
            Broken::Client => None,
            Broken::Upstream => Some("it broke off its answer"),
            Broken::UpstreamFraming => Some("its answer's chunked framing is malformed"),
        }
    }
}

/// How much of a body one read takes in.
pub const RELAY_CHUNK: usize = 64 * 1024;
/// How much the first read of an answer takes in: a head and a small body (an API's JSON, say).
pub const RELAY_FIRST: usize = 8 * 1024;

/// Sends an HTTP/1 client's request body, as framed by `body`, on to the upstream in lanai's framing (a length
/// stays the same length, chunks are decoded and sent again as chunks). Bytes after the body stay in the
/// client's input: the next pipelined request.
pub async fn upload<S: Stream>(
    body: Body,
    client: &mut Client<'_, S>,
    upstream: &mut upstream::Connection,
    timeout: Duration,
) -> Result<(), Broken> {
    let mut upload = Upload::new(body, upstream, timeout);
    // A 100 Continue the client waits for was sent already, before the exchange began (exchange.rs).
    let mut incoming = Http1Body::new(client.stream, client.input, body, client.stall, false);
    while let Some(piece) = incoming.next().await.map_err(|_| Broken::Client)? {
        upload.send(&piece).await?;
    }
    upload.end().await
}

/// A request body on its way to the upstream, framed by lanai as the head it sent there says: exactly the
/// length it announced, or chunks and the last chunk. Whatever protocol brought the body, the upstream reads
/// one request.
pub struct Upload<'a> {
    upstream: &'a mut upstream::Connection,
    /// The announced length, or `None` for chunks.
    length: Option<u64>,
    sent: u64,
    timeout: Duration,
    framed: Vec<u8>,
}

impl<'a> Upload<'a> {
    pub fn new(body: Body, upstream: &'a mut upstream::Connection, timeout: Duration) -> Self {
        let length = match body {
            Body::None => Some(0),
            Body::Length(length) => Some(length),
            Body::Chunked => None,
        };
        Upload {
            upstream,
            length,
            sent: 0,
            timeout,
            framed: Vec::new(),
        }
    }

    /// Sends the body's next bytes; more than the announced length is the client's fault.
    pub async fn send(&mut self, data: &[u8]) -> Result<(), Broken> {
        if data.is_empty() {
            return Ok(());
        }
        self.sent += data.len() as u64;
        let bytes = match self.length {
            Some(length) if self.sent > length => return Err(Broken::Client),
            Some(_) => data,
            None => {
                self.framed.clear();
                chunked::encode_chunk(data, &mut self.framed);
                &self.framed
            }
        };
        write_all(self.upstream, bytes, self.timeout)
            .await
            .map_err(|_| Broken::Upstream)?;
        self.flush().await
    }

    /// Ends the body: the last chunk, or a check that the whole announced length went.
    pub async fn end(mut self) -> Result<(), Broken> {
        match self.length {
            Some(length) if self.sent == length => {}
            Some(_) => return Err(Broken::Client),
            None => write_all(self.upstream, chunked::LAST_CHUNK, self.timeout)
                .await
                .map_err(|_| Broken::Upstream)?,
        }
        self.flush().await
    }

    /// Pushes out what a TLS session holds back (the head, too, when there is no body).
    async fn flush(&mut self) -> Result<(), Broken> {
        let flushed = self.upstream.flush(self.timeout).await;
        flushed.map_err(|_| Broken::Upstream)
    }
}

/// Relays the upstream's body, framed as `framing`, to the client as `to_client` says, after the client's `head`;
/// counts the bytes that reached the client in `written`. The head leaves with the body's first piece, or alone
/// before a wait for the upstream (an event stream's client learns at once that it is open). While it waits for
/// the upstream, it watches for the client leaving. The last piece is returned unsent, so the upstream
/// connection can be handed back before the client sees the end and asks again. The upstream's body may be quiet
/// for as long as it likes (an event stream, a long poll): the client's leaving ends it.
pub async fn download<C: ClientSide>(
    (framing, to_client): (Framing, ClientFraming),
    upstream: &mut upstream::Connection,
    reply: &mut InputBuffer,
    client: &mut C,
    head: Vec<u8>,
    written: &mut u64,
) -> Result<Vec<u8>, Broken> {
    let mut decoder = (framing == Framing::Chunked).then(Decoder::new);
    let mut left = match framing {
        Framing::None => 0,
        Framing::Length(length) => length,
        Framing::Chunked | Framing::UntilClose => u64::MAX,
    };
    let mut out = head;
    let ended = |left: u64, decoder: &Option<Decoder>| {
        left == 0 || decoder.as_ref().is_some_and(Decoder::is_done)
    };
    while !ended(left, &decoder) {
        if reply.is_empty() {
            if !out.is_empty() {
                client.send_piece(&out, written).await?;
                out.clear();
            }
            if read_upstream(upstream, reply, client).await? == 0 {
                if framing == Framing::UntilClose {
                    break;
                }
                return Err(Broken::Upstream);
            }
        }
        let bytes = reply.filled();
        let (used, data) = match decoder.as_mut() {
            Some(decoder) => {
                let step = decoder.decode(bytes).map_err(|_| Broken::UpstreamFraming)?;
                (step.used, &bytes[step.data])
            }
            None => {
                let take = (bytes.len() as u64).min(left) as usize;
                left = left.saturating_sub(take as u64);
                (take, &bytes[..take])
            }
        };
        if to_client == ClientFraming::Chunked {
            if !data.is_empty() {
                chunked::encode_chunk(data, &mut out);
            }
        } else {
            out.extend_from_slice(data);
        }
        reply.consume(used);
        if ended(left, &decoder) {
            break;
        }
        client.send_piece(&out, written).await?;
        out.clear();
    }
    if to_client == ClientFraming::Chunked {
        out.extend_from_slice(chunked::LAST_CHUNK);
    }
    Ok(out)
}

/// How long an answer's body may be quiet: without end, in effect (a day).
const QUIET_FOR_EVER: Duration = Duration::from_secs(24 * 60 * 60);

/// How much a client may send ahead (its next pipelined requests) while lanai watches it during a response.
pub const WATCHED_INPUT: usize = 8 * 1024;

/// Reads more of the upstream's answer, for as long as it takes, unless the client leaves first: an idle
/// event stream must not keep an upstream connection open for a client that is gone.
async fn read_upstream<C: ClientSide>(
    upstream: &mut upstream::Connection,
    reply: &mut InputBuffer,
    client: &mut C,
) -> Result<usize, Broken> {
    let from_upstream = async {
        reply
            .read_from(upstream, Instant::now() + QUIET_FOR_EVER)
            .await
            .map_err(|_| Broken::Upstream)
    };
    let client_left = async { Err(client.left().await) };
    future::or(from_upstream, client_left).await
}
