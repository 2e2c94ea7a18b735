//! The client's side of a proxied exchange on an HTTP/2 stream: the request body arrives as DATA frames (the
//! proxy frames it again for the upstream), the answer leaves as a head and DATA as the client's window allows,
//! and the client leaving is the stream's reset. WebSockets are never asked for here: lanai does not offer
//! extended CONNECT, so browsers open an HTTP/1.1 connection for them.

use super::{send_bytes, send_piece};
use crate::http::input::InputBuffer;
use crate::http::request::Body as RequestBody;
use crate::http::response::Response;
use crate::proxy::{self, Broken, ClientFraming, ClientSide, Exchanged, Framing, ResponseHead};
use crate::shutdown::Stop;
use async_io::Timer;
use bytes::Bytes;
use futures_lite::{future, FutureExt};
use h2::server::SendResponse;
use h2::{RecvStream, SendStream};
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH};
use std::net::IpAddr;
use std::time::Duration;

pub struct Relay<'a> {
    pub body: &'a mut RecvStream,
    pub respond: &'a mut SendResponse<Bytes>,
    /// The answer's body, once its head went.
    pub sending: Option<SendStream<Bytes>>,
    pub address: IpAddr,
    pub over_tls: bool,
    pub stall: Duration,
}

impl ClientSide for Relay<'_> {
    fn address(&self) -> IpAddr {
        self.address
    }

    fn over_tls(&self) -> bool {
        self.over_tls
    }

    async fn send_continue(&mut self) {
        let mut continuing = http::Response::new(());
        *continuing.status_mut() = http::StatusCode::CONTINUE;
        let _ = self.respond.send_informational(continuing);
    }

    async fn upload(
        &mut self,
        body: RequestBody,
        upstream: &mut proxy::UpstreamConnection,
        timeout: Duration,
    ) -> Result<(), Broken> {
        let mut upload = proxy::Upload::new(body, upstream, timeout);
        if body != RequestBody::None {
            while let Some(data) = next_data(self.body, self.stall).await? {
                // The window opens again as the upstream takes what came.
                let _ = self.body.flow_control().release_capacity(data.len());
                upload.send(&data).await?;
            }
        }
        upload.end().await
    }

    fn framing(&self, framing: Framing, head: &ResponseHead, _tunnel: bool) -> ClientFraming {
        // HTTP/2 frames every body itself: a length is told when the upstream gave one.
        match framing {
            Framing::None | Framing::Length(_) => ClientFraming::Sized(head.advertised_length()),
            Framing::Chunked | Framing::UntilClose => ClientFraming::Sized(None),
        }
    }

    async fn start(
        &mut self,
        head: &ResponseHead,
        framing: ClientFraming,
        _keep_alive: bool,
    ) -> Result<Vec<u8>, Broken> {
        let status = http::StatusCode::from_u16(head.status).map_err(|_| Broken::Upstream)?;
        let mut answer = http::Response::new(());
        *answer.status_mut() = status;
        let fields = answer.headers_mut();
        for (name, value) in proxy::end_to_end(&head.fields) {
            // What HTTP/2 cannot carry (a connection-specific field, an invalid name or value) is left out.
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value),
            ) {
                if !super::head::is_connection_specific(name.as_str()) {
                    fields.append(name, value);
                }
            }
        }
        if let ClientFraming::Sized(Some(length)) = framing {
            fields.insert(CONTENT_LENGTH, HeaderValue::from(length));
        }
        let sending = self
            .respond
            .send_response(answer, false)
            .map_err(|_| Broken::Client)?;
        self.sending = Some(sending);
        Ok(Vec::new())
    }

    async fn send_piece(&mut self, piece: &[u8], written: &mut u64) -> Result<(), Broken> {
        let Some(sending) = self.sending.as_mut() else {
            return Err(Broken::Client);
        };
        if piece.is_empty() {
            return Ok(());
        }
        send_piece(
            sending,
            Bytes::copy_from_slice(piece),
            false,
            self.stall,
            written,
        )
        .await
        .map_err(|()| Broken::Client)
    }

    async fn finish(&mut self) -> Result<(), Broken> {
        let Some(sending) = self.sending.as_mut() else {
            return Err(Broken::Client);
        };
        sending
            .send_data(Bytes::new(), true)
            .map_err(|_| Broken::Client)
    }

    async fn left(&mut self) -> Broken {
        // Whatever the reason the stream was reset with, the client is gone.
        let _ = match self.sending.as_mut() {
            Some(sending) => future::poll_fn(|context| sending.poll_reset(context)).await,
            None => future::poll_fn(|context| self.respond.poll_reset(context)).await,
        };
        Broken::Client
    }

    async fn page(&mut self, page: Response, _keep_alive: bool) -> Exchanged {
        let status = page.status.code();
        let body_bytes = send_bytes(self.respond, page).unwrap_or(0);
        Exchanged {
            status,
            body_bytes,
            keep_alive: true,
        }
    }

    async fn tunnel(
        &mut self,
        _upstream: proxy::UpstreamConnection,
        _reply: &mut InputBuffer,
        _stop: &Stop,
    ) {
    }
}

/// The request body's next DATA, `None` at its end; a client that sends nothing for `stall` broke it off.
pub(super) async fn next_data(
    body: &mut RecvStream,
    stall: Duration,
) -> Result<Option<Bytes>, Broken> {
    let data = async { Some(body.data().await) };
    let quiet = async {
        Timer::after(stall).await;
        None
    };
    match data.or(quiet).await {
        Some(None) => Ok(None),
        Some(Some(Ok(data))) => Ok(Some(data)),
        Some(Some(Err(_))) | None => Err(Broken::Client),
    }
}
