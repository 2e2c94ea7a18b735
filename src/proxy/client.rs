//! The client's side of a proxied exchange, as each protocol has it: an HTTP/1 connection (here), or an HTTP/2
//! stream (http/h2/relay.rs). The exchange (exchange.rs) and the relayed body (body.rs) are written once,
//! against this contract: what differs is how the request body arrives, how the answer is framed and sent, and
//! how the client's leaving is seen.

use super::body::{self, Broken, WATCHED_INPUT};
use super::headers::{self, ClientFraming};
use super::upstream::{self, Framing, ResponseHead};
use super::{tunnel, Exchanged};
use crate::http::input::InputBuffer;
use crate::http::request::Body as RequestBody;
use crate::http::response::{encode_head, Body, Response};
use crate::http::send::write_counted;
use crate::http::stream::{Stream, Timed};
use crate::shutdown::Stop;
use futures_lite::future;
use std::future::Future;
use std::net::IpAddr;
use std::time::{Duration, Instant};

pub trait ClientSide: Send {
    /// Where the client is (X-Forwarded-For).
    fn address(&self) -> IpAddr;

    /// Whether the client came over TLS (X-Forwarded-Proto).
    fn over_tls(&self) -> bool;

    /// The scheme the client addressed lanai with: `https` over TLS, else `http`.
    fn scheme(&self) -> &'static str {
        if self.over_tls() {
            "https"
        } else {
            "http"
        }
    }

    /// Tells a client that waits for it to send its body (`100 Continue`).
    fn send_continue(&mut self) -> impl Future<Output = ()> + Send;

    /// Sends the request body, framed as `body` says, on to the upstream in lanai's own framing.
    fn upload(
        &mut self,
        body: RequestBody,
        upstream: &mut upstream::Connection,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), Broken>> + Send;

    /// How the answer's body goes to this client, given how the upstream framed it.
    fn framing(&self, framing: Framing, head: &ResponseHead, tunnel: bool) -> ClientFraming;

    /// Starts the answer with the upstream's head. Returns what goes out with the body's first piece (HTTP/1's
    /// head), or nothing when the head is sent already.
    fn start(
        &mut self,
        head: &ResponseHead,
        framing: ClientFraming,
        keep_alive: bool,
    ) -> impl Future<Output = Result<Vec<u8>, Broken>> + Send;

    /// Sends a piece of the answer and pushes it out at once (an event must not wait for the next one), adding
    /// the bytes that reached the client to `written`.
    fn send_piece(
        &mut self,
        piece: &[u8],
        written: &mut u64,
    ) -> impl Future<Output = Result<(), Broken>> + Send;

    /// Ends the answer after its last piece.
    fn finish(&mut self) -> impl Future<Output = Result<(), Broken>> + Send;

    /// Ready when the client has gone away; watched while lanai waits for the upstream.
    fn left(&mut self) -> impl Future<Output = Broken> + Send;

    /// Answers with one of lanai's own pages instead of the upstream's answer.
    fn page(&mut self, page: Response, keep_alive: bool) -> impl Future<Output = Exchanged> + Send;

    /// Joins the client and the upstream after the upstream's `101`, until either side is done.
    fn tunnel(
        &mut self,
        upstream: upstream::Connection,
        reply: &mut InputBuffer,
        stop: &Stop,
    ) -> impl Future<Output = ()> + Send;
}

/// The client's side of an exchange over HTTP/1, lent by the connection: a TCP socket or a TLS session on one.
pub struct Client<'a, S> {
    pub stream: &'a mut Timed<S>,
    /// What the client sent after the request head: the body's start, perhaps more requests.
    pub input: &'a mut InputBuffer,
    pub address: IpAddr,
    /// How long a write to the client, or a read of its body, may make no progress.
    pub stall: Duration,
    /// An HTTP/1.0 client knows no chunks: a body without a length ends with the connection.
    pub http10: bool,
}

impl<S: Stream> ClientSide for Client<'_, S> {
    fn address(&self) -> IpAddr {
        self.address
    }

    fn over_tls(&self) -> bool {
        self.stream.plain_socket().is_none()
    }

    async fn send_continue(&mut self) {
        let continuing = b"HTTP/1.1 100 Continue\r\n\r\n";
        let _ = write_counted(self.stream, continuing, self.stall, &mut 0).await;
    }

    async fn upload(
        &mut self,
        body: RequestBody,
        upstream: &mut upstream::Connection,
        timeout: Duration,
    ) -> Result<(), Broken> {
        body::upload(body, self, upstream, timeout).await
    }

    fn framing(&self, framing: Framing, head: &ResponseHead, tunnel: bool) -> ClientFraming {
        match framing {
            _ if tunnel => ClientFraming::Tunnel,
            Framing::None | Framing::Length(_) => ClientFraming::Sized(head.advertised_length()),
            Framing::Chunked | Framing::UntilClose if self.http10 => ClientFraming::UntilClose,
            Framing::Chunked | Framing::UntilClose => ClientFraming::Chunked,
        }
    }

    async fn start(
        &mut self,
        head: &ResponseHead,
        framing: ClientFraming,
        keep_alive: bool,
    ) -> Result<Vec<u8>, Broken> {
        Ok(headers::client_head(
            head.status,
            &head.reason,
            &head.fields,
            framing,
            keep_alive,
        ))
    }

    async fn send_piece(&mut self, piece: &[u8], written: &mut u64) -> Result<(), Broken> {
        write_counted(self.stream, piece, self.stall, written)
            .await
            .map_err(|_| Broken::Client)?;
        // Over TLS a piece may otherwise wait in the session for the next one.
        let flushed = self.stream.flush(self.stall).await;
        flushed.map_err(|_| Broken::Client)
    }

    async fn finish(&mut self) -> Result<(), Broken> {
        Ok(())
    }

    async fn left(&mut self) -> Broken {
        // What the client sends meanwhile stays in its input buffer for the next request.
        let far = Instant::now() + Duration::from_secs(24 * 60 * 60);
        while self.input.filled().len() < WATCHED_INPUT {
            match self.input.read_from(self.stream, far).await {
                Ok(0) | Err(_) => return Broken::Client,
                Ok(_) => {}
            }
        }
        future::pending().await
    }

    async fn page(&mut self, page: Response, keep_alive: bool) -> Exchanged {
        let mut out = Vec::new();
        encode_head(&page, keep_alive, &mut out);
        let head_len = out.len() as u64;
        if let Body::Bytes(bytes) = &page.body {
            out.extend_from_slice(bytes);
        }
        let mut written = 0;
        let sent = write_counted(self.stream, &out, self.stall, &mut written).await;
        Exchanged {
            status: page.status.code(),
            body_bytes: written.saturating_sub(head_len),
            keep_alive: sent.is_ok() && keep_alive,
        }
    }

    async fn tunnel(
        &mut self,
        upstream: upstream::Connection,
        reply: &mut InputBuffer,
        stop: &Stop,
    ) {
        tunnel::join(self, upstream, reply, stop).await
    }
}
