//! One proxied exchange, top to bottom: send the request (on a kept-alive connection when there is one, again on
//! a fresh one if that turns out closed), read the answer's head, relay it and its body or join the tunnel, and
//! keep the upstream connection when it can carry another request. A failure before the head is answered 502
//! or 504, named in the log and on the page; after it, the client's connection ends.

use super::body::{self, Broken};
use super::client::ClientSide;
use super::headers::ClientFraming;
use super::upstream::{self, Failure, Framing, ResponseHead};
use super::Forward;
use crate::http::input::InputBuffer;
use crate::http::request::Body as RequestBody;
use crate::http::vocabulary::StatusCode;
use crate::shutdown::Stop;

/// What the connection needs to know afterwards: what to log, and whether it can read another request.
pub struct Exchanged {
    pub status: u16,
    pub body_bytes: u64,
    pub keep_alive: bool,
}

pub async fn exchange<C: ClientSide>(forward: Forward, mut client: C, stop: &Stop) -> Exchanged {
    if forward.expects_continue {
        client.send_continue().await;
    }
    let mut reply = InputBuffer::for_relay(body::RELAY_FIRST, body::RELAY_CHUNK);
    let (mut upstream, mut head, uploaded) = match send(&forward, &mut client, &mut reply).await {
        Ok(sent) => sent,
        Err(Sending::Client) => {
            let why = "the request body broke off or is malformed";
            return fail(&mut client, StatusCode::BadRequest, why, false).await;
        }
        Err(Sending::Upstream(failure)) => {
            let cause = failure.cause(forward.gateway.timeout);
            // The body may be unread: only a bodiless request leaves the connection ready for the next one.
            let keep_alive = forward.keep_alive && forward.body == RequestBody::None;
            return unusable(&mut client, &forward, failure.status(), &cause, keep_alive).await;
        }
    };
    forward.rewrite_answer(&mut head.fields, client.scheme());
    let framing = head.framing(forward.head_only);
    let to_client = client.framing(framing, &head, head.status == 101 && forward.websocket);
    if head.status == 101 && to_client != ClientFraming::Tunnel {
        let cause = "it switched protocols unasked";
        return unusable(&mut client, &forward, StatusCode::BadGateway, cause, false).await;
    }
    let keep_alive = forward.keep_alive
        && uploaded
        && matches!(to_client, ClientFraming::Sized(_) | ClientFraming::Chunked);
    let Ok(client_head) = client.start(&head, to_client, keep_alive).await else {
        return Exchanged {
            status: head.status,
            body_bytes: 0,
            keep_alive: false,
        };
    };
    let mut exchanged = Exchanged {
        status: head.status,
        body_bytes: 0,
        keep_alive: false,
    };
    if to_client == ClientFraming::Tunnel {
        if client.send_piece(&client_head, &mut 0).await.is_ok() {
            client.tunnel(upstream, &mut reply, stop).await;
        }
        return exchanged;
    }
    // The head goes out with the body's first piece (one write for a body that came with its head), so what
    // reaches the client counts the head too, and the body's bytes are what is past it.
    let mut written = 0;
    let head_length = client_head.len() as u64;
    let relayed = body::download(
        (framing, to_client),
        &mut upstream,
        &mut reply,
        &mut client,
        client_head,
        &mut written,
    )
    .await;
    match relayed {
        Ok(last_piece) => {
            if uploaded && head.keeps_alive && framing != Framing::UntilClose && reply.is_empty() {
                forward.gateway.pool.give_back(upstream);
            }
            let sent = match client.send_piece(&last_piece, &mut written).await {
                Ok(()) => client.finish().await,
                failed => failed,
            };
            exchanged.keep_alive = keep_alive && sent.is_ok();
        }
        // Nothing reached the client yet (the body's start came with the head and was bad): a 502 can still say so.
        Err(broken) if written == 0 => {
            if let Some(cause) = broken.upstream_cause() {
                return unusable(&mut client, &forward, StatusCode::BadGateway, cause, false).await;
            }
        }
        Err(broken) => {
            if let Some(cause) = broken.upstream_cause() {
                let upstream = forward.gateway.rule.url();
                log::warn!("proxy: {upstream}: {cause}; the client's connection ends");
            }
        }
    }
    exchanged.body_bytes = written.saturating_sub(head_length);
    exchanged
}

enum Sending {
    /// The client's body broke off or did not parse.
    Client,
    Upstream(Failure),
}

/// Sends the request and reads the answer's head: on a kept-alive connection if the pool has one, and once more
/// on a fresh connection when that one turns out closed and the request has no body (a body cannot be read from
/// the client twice). Also says whether the whole request body went.
async fn send<C: ClientSide>(
    forward: &Forward,
    client: &mut C,
    reply: &mut InputBuffer,
) -> Result<(upstream::Connection, ResponseHead, bool), Sending> {
    let gateway = &forward.gateway;
    let head = forward.upstream_head(client.address(), client.scheme());
    if let Some(mut pooled) = gateway.pool.take() {
        match attempt(forward, &head, &mut pooled, client, reply).await {
            Ok((answer, uploaded)) => return Ok((pooled, answer, uploaded)),
            Err(Sending::Upstream(failure))
                if failure.is_closed() && forward.body == RequestBody::None =>
            {
                reply.consume(reply.filled().len());
            }
            Err(other) => return Err(other),
        }
    }
    let tls = gateway.tls.as_ref();
    let mut fresh = upstream::connect(&gateway.rule.upstream, tls, gateway.timeout)
        .await
        .map_err(Sending::Upstream)?;
    let (answer, uploaded) = attempt(forward, &head, &mut fresh, client, reply).await?;
    Ok((fresh, answer, uploaded))
}

/// One try on one connection. An upstream that stops reading the body may still have answered (a 413, say): its
/// answer is relayed, and the client's connection then ends.
async fn attempt<C: ClientSide>(
    forward: &Forward,
    head: &[u8],
    stream: &mut upstream::Connection,
    client: &mut C,
    reply: &mut InputBuffer,
) -> Result<(ResponseHead, bool), Sending> {
    let timeout = forward.gateway.timeout;
    if crate::http::send::write_all(stream, head, timeout)
        .await
        .is_err()
    {
        return Err(Sending::Upstream(Failure::Closed));
    }
    let uploaded = match client.upload(forward.body, stream, timeout).await {
        Ok(()) => true,
        Err(Broken::Client) => return Err(Sending::Client),
        Err(Broken::Upstream | Broken::UpstreamFraming) => false,
    };
    let answer = upstream::read_head(stream, reply, timeout)
        .await
        .map_err(Sending::Upstream)?;
    Ok((answer, uploaded))
}

/// The upstream gave no usable answer: a log line and a short page, both naming it and the cause.
async fn unusable<C: ClientSide>(
    client: &mut C,
    forward: &Forward,
    status: StatusCode,
    cause: &str,
    keep_alive: bool,
) -> Exchanged {
    let upstream = forward.gateway.rule.url();
    log::warn!("proxy: {upstream}: {cause} ({})", status.code());
    let why = format!("lanai got no usable answer from the upstream {upstream}: {cause}");
    fail(client, status, &why, keep_alive).await
}

/// Answers the client with `status` and a short page saying why.
async fn fail<C: ClientSide>(
    client: &mut C,
    status: StatusCode,
    why: &str,
    keep_alive: bool,
) -> Exchanged {
    client.page(super::page(status, why), keep_alive).await
}
