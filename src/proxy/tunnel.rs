//! After the upstream's `101 Switching Protocols`: bytes pass both ways unchanged until either side closes (or
//! lanai stops); then both connections end, so neither side waits on a peer that is gone.

use super::client::Client;
use super::upstream;
use crate::http::input::InputBuffer;
use crate::http::send::write_all;
use crate::http::stream::Stream;
use crate::shutdown::Stop;
use async_io::Timer;
use futures_lite::{future, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use std::future::Future;
use std::io;
use std::time::Duration;

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
    let up = pump(from_upstream, to_client, client.stall);
    let down = pump(from_client, to_upstream, client.stall);
    future::or(future::or(up, down), stop.raised()).await;
}

/// Copies until the end of `from` or an error on either side, flushing each piece: a TLS session would otherwise
/// hold a message back until the next one. A side may stay silent as long as it likes, but a side that stops
/// reading ends the tunnel once a write to it has made no progress for `stall`, as everywhere else in lanai.
async fn pump(mut from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin, stall: Duration) {
    let mut buffer = vec![0; TUNNEL_CHUNK];
    while let Ok(read @ 1..) = from.read(&mut buffer).await {
        if write_within(&mut to, &buffer[..read], stall).await.is_err() {
            return;
        }
    }
}

/// Writes and flushes `bytes`, each write allowed `stall` to make progress.
async fn write_within(
    to: &mut (impl AsyncWrite + Unpin),
    mut bytes: &[u8],
    stall: Duration,
) -> io::Result<()> {
    while !bytes.is_empty() {
        match within(stall, to.write(bytes)).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            written => bytes = &bytes[written..],
        }
    }
    within(stall, to.flush()).await
}

/// `operation`, or `TimedOut` after `stall`.
async fn within<T>(
    stall: Duration,
    operation: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    let stalled = async {
        Timer::after(stall).await;
        Err(io::ErrorKind::TimedOut.into())
    };
    future::or(operation, stalled).await
}

/// How much one read in a tunnel takes in.
const TUNNEL_CHUNK: usize = 16 * 1024;
