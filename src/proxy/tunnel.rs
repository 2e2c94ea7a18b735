//! After the upstream's `101 Switching Protocols`: bytes pass both ways unchanged until either side closes (or
//! lanai stops); then both connections end, so neither side waits on a peer that is gone.

use super::upstream;
use super::Client;
use crate::http::input::InputBuffer;
use crate::http::send::write_all;
use crate::http::stream::Stream;
use crate::shutdown::Stop;
use futures_lite::{future, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Joins the client and the upstream; `reply` holds what the upstream sent after its 101, the client's input
/// what the client sent after its request. Returns when one side is done.
pub async fn join<S: Stream>(
    client: &mut Client<'_, S>,
    mut upstream: upstream::Connection,
    reply: &mut InputBuffer,
    stop: &Stop,
) {
    if write_all(client.stream, reply.filled(), client.stall)
        .await
        .is_err()
        || write_all(&mut upstream, client.input.filled(), client.stall)
            .await
            .is_err()
    {
        return;
    }
    client.input.consume(client.input.filled().len());
    // Each stream is read and written in turns through split halves, as a TLS session needs.
    let (from_client, to_client) = futures_lite::io::split(client.stream.inner_mut());
    let (from_upstream, to_upstream) = futures_lite::io::split(upstream.inner_mut());
    let up = pump(from_upstream, to_client);
    let down = pump(from_client, to_upstream);
    future::or(future::or(up, down), stop.raised()).await;
}

/// Copies until the end of `from` or an error on either side, flushing each piece: a TLS session would otherwise
/// hold a message back until the next one.
async fn pump(mut from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin) {
    let mut buffer = vec![0; TUNNEL_CHUNK];
    while let Ok(read @ 1..) = from.read(&mut buffer).await {
        if to.write_all(&buffer[..read]).await.is_err() || to.flush().await.is_err() {
            return;
        }
    }
}

/// How much one read in a tunnel takes in.
const TUNNEL_CHUNK: usize = 16 * 1024;
