//! Writing a response over HTTP/1: its head and then its body. Bytes in memory go out with the head in one
//! write, and a file straight from the page cache where the OS allows (sendfile); every other body (parts,
//! chunks another thread makes, a stream of events, a file over TLS) is written piece by piece as `Pieces`
//! makes it, the contract HTTP/2 consumes too. Every write gives up when the client stops reading.

use super::pieces::Pieces;
use super::response::Body;
use super::stream::{Stream, Timed};
use crate::platform;
use crate::shutdown::Stop;
use futures_lite::future::or;
use std::fs::File;
use std::io;
use std::time::{Duration, Instant};

/// How much of a file goes into one buffered write.
const FILE_CHUNK: usize = 64 * 1024;
/// The most one sendfile call is asked for; the kernel sends what the socket has room for.
const SENDFILE_MOST: u64 = 1 << 20;

/// What writing a response achieved: the body bytes that reached the client (also when it broke off), and
/// whether all of it went.
pub struct Sent {
    pub body_bytes: u64,
    pub outcome: io::Result<()>,
}

/// Writes the head (already in `output`) and, unless `head_only`, the body.
pub async fn send<S: Stream>(
    stream: &mut Timed<S>,
    output: &mut Vec<u8>,
    body: Body,
    head_only: bool,
    stall: Duration,
    stop: &Stop,
) -> Sent {
    let head_len = output.len() as u64;
    let mut written = 0;
    let outcome = send_counted(stream, output, body, head_only, stall, stop, &mut written).await;
    Sent {
        body_bytes: written.saturating_sub(head_len),
        outcome,
    }
}

/// `send`, adding every byte that reaches the socket, head included, to `written`.
async fn send_counted<S: Stream>(
    stream: &mut Timed<S>,
    output: &mut Vec<u8>,
    body: Body,
    head_only: bool,
    stall: Duration,
    stop: &Stop,
    written: &mut u64,
) -> io::Result<()> {
    if head_only {
        return write_counted(stream, output, stall, written).await;
    }
    match body {
        // An empty file has nothing after its head that would push out a head held back for it (MSG_MORE).
        Body::Empty | Body::File { len: 0, .. } => {
            write_counted(stream, output, stall, written).await
        }
        Body::Bytes(bytes) => {
            output.extend_from_slice(&bytes);
            write_counted(stream, output, stall, written).await
        }
        Body::Shared { bytes, start, len } => {
            output.extend_from_slice(&bytes[start..start + len]);
            write_counted(stream, output, stall, written).await
        }
        Body::File { file, start, len } if stream.plain_socket().is_some() => {
            write_head_before_file(stream, output, stall, written).await?;
            send_file(stream, &file, start, len, stall, written).await
        }
        Body::Proxied(_) => {
            unreachable!("the connection gives proxied requests to proxy::exchange")
        }
        Body::Receive(_) => unreachable!("the connection lends the request body before it answers"),
        body => {
            write_counted(stream, output, stall, written).await?;
            send_pieces(stream, body, stall, stop, written).await
        }
    }
}

/// Writes the body piece by piece until its end, the client leaving (seen at once, by reading: what matters
/// for an event stream, which has no end of its own), or, for an event stream, lanai stopping.
async fn send_pieces<S: Stream>(
    stream: &mut Timed<S>,
    body: Body,
    stall: Duration,
    stop: &Stop,
    written: &mut u64,
) -> io::Result<()> {
    let endless = matches!(body, Body::EventStream(_));
    let mut pieces = Pieces::new(body);
    let mut probe = [0u8; 256];
    loop {
        let next = pieces.next();
        let piece = if endless {
            let left = async {
                // A client has nothing to say on an event stream: anything it sends is ignored.
                while let Ok(1..) = stream.read(&mut probe, far_future()).await {}
                Ok(None)
            };
            let stopping = async {
                stop.raised().await;
                Ok(None)
            };
            or(or(next, stopping), left).await?
        } else {
            next.await?
        };
        match piece {
            Some(piece) => write_counted(stream, &piece, stall, written).await?,
            None => return Ok(()),
        }
    }
}

/// A deadline no wait reaches: an event stream's reads wait for the client for as long as it stays.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(60 * 60 * 24 * 365)
}

/// Streams `len` bytes of `file` from `start` straight from the page cache to the socket (sendfile, waiting for
/// room whenever the socket is full), or through a buffer where the OS has no sendfile.
async fn send_file<S: Stream>(
    stream: &mut Timed<S>,
    file: &File,
    start: u64,
    len: u64,
    stall: Duration,
    written: &mut u64,
) -> io::Result<()> {
    let mut buffer = Vec::new();
    let end = start + len;
    let mut offset = start;
    while offset < end {
        let want = (end - offset).min(SENDFILE_MOST) as usize;
        let zero_copy = match stream.plain_socket() {
            Some(socket) => platform::send_file(socket, file, &mut offset, want),
            None => Ok(None),
        };
        let sent = match zero_copy {
            Ok(Some(sent)) => {
                *written += sent as u64;
                sent
            }
            Ok(None) => {
                copy_file_chunk(stream, file, &mut offset, want, &mut buffer, stall, written)
                    .await?
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                stream.writable(stall).await?;
                continue;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if sent == 0 {
            // The file shrank under us: end the connection rather than send a wrong length.
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(())
}

/// Reads up to a chunk of `file` at `offset` into `buffer` and writes it, waiting for room as long as the
/// client keeps reading. Returns the bytes sent; 0 at the end of the file.
async fn copy_file_chunk<S: Stream>(
    stream: &mut Timed<S>,
    file: &File,
    offset: &mut u64,
    want: usize,
    buffer: &mut Vec<u8>,
    stall: Duration,
    written: &mut u64,
) -> io::Result<usize> {
    buffer.resize(want.min(FILE_CHUNK), 0);
    let read = platform::read_at(file, buffer, *offset)?;
    write_counted(stream, &buffer[..read], stall, written).await?;
    *offset += read as u64;
    Ok(read)
}

/// Writes the head of a file response with MSG_MORE where the OS has it, so that it leaves in one segment with
/// the file's first bytes instead of alone (TCP_NODELAY would send it at once).
async fn write_head_before_file<S: Stream>(
    stream: &mut Timed<S>,
    head: &[u8],
    stall: Duration,
    written: &mut u64,
) -> io::Result<()> {
    let held = match stream
        .plain_socket()
        .map(|socket| platform::send_more(socket, head))
    {
        Some(Ok(Some(sent))) => sent,
        Some(Err(error)) if error.kind() != io::ErrorKind::WouldBlock => return Err(error),
        _ => 0,
    };
    *written += held as u64;
    write_counted(stream, &head[held..], stall, written).await
}

/// Writes all of `bytes`, failing when one write makes no progress for `stall`: a slow reader is fine, a client
/// that stopped reading is not.
pub async fn write_all<S: Stream>(
    stream: &mut Timed<S>,
    bytes: &[u8],
    stall: Duration,
) -> io::Result<()> {
    write_counted(stream, bytes, stall, &mut 0).await
}

/// `write_all`, adding the bytes that reached the socket to `written` as they go, so a write that fails part of
/// the way still counts what went.
pub async fn write_counted<S: Stream>(
    stream: &mut Timed<S>,
    bytes: &[u8],
    stall: Duration,
    written: &mut u64,
) -> io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        match stream.write(&bytes[done..], stall).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            count => {
                done += count;
                *written += count as u64;
            }
        }
    }
    Ok(())
}
