//! Writing a response: its head and then its body, whatever the kind: bytes in memory, a file (zero-copy where
//! the OS allows), or a stream of events. Every write gives up when the client stops reading.

use super::response::Body;
use super::stream::Stream;
use crate::platform;
use crate::shutdown::Stop;
use async_std::channel::Receiver;
use async_std::io::{ReadExt, Write, WriteExt};
use futures_lite::future::or;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::Duration;

/// How much of a file goes into one buffered write.
const FILE_CHUNK: usize = 64 * 1024;
/// The most one sendfile call is asked for; the kernel sends what the socket has room for.
const SENDFILE_MOST: u64 = 1 << 20;
/// How often an idle event stream gets a comment line.
const EVENT_STREAM_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What writing a response achieved: the body bytes that reached the client (also when it broke off), and
/// whether all of it went.
pub struct Sent {
    pub body_bytes: u64,
    pub outcome: io::Result<()>,
}

/// Writes the head (already in `output`) and, unless `head_only`, the body.
pub async fn send<S: Stream>(
    stream: &mut S,
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
    stream: &mut S,
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
        Body::Empty => write_counted(stream, output, stall, written).await,
        Body::Bytes(bytes) => {
            output.extend_from_slice(&bytes);
            write_counted(stream, output, stall, written).await
        }
        Body::EventStream(events) => {
            write_counted(stream, output, stall, written).await?;
            stream_events(stream, events, stall, stop, written).await
        }
        Body::Shared { bytes, start, len } => {
            output.extend_from_slice(&bytes[start..start + len]);
            write_counted(stream, output, stall, written).await
        }
        Body::File { file, start, len } => {
            write_counted(stream, output, stall, written).await?;
            output.clear();
            send_file(stream, &file, start, len, output, stall, written).await
        }
        Body::Proxied(_) => {
            unreachable!("the connection gives proxied requests to proxy::exchange")
        }
    }
}

/// Writes Server-Sent Events as they come, with a comment line every so often so that proxies and browsers keep
/// the stream open, until the client goes away (seen at once, by reading), the events end or lanai stops.
async fn stream_events<S: Stream>(
    stream: &mut S,
    events: Receiver<Arc<str>>,
    stall: Duration,
    stop: &Stop,
    written: &mut u64,
) -> io::Result<()> {
    enum Next {
        Message(Arc<str>),
        Idle,
        Finished,
    }
    let mut probe = [0u8; 256];
    // Reading (to see the client leave) and writing take turns on one stream, as TLS needs.
    let (mut reader, mut writer) = futures_lite::io::split(stream);
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
        let stopping = async {
            stop.raised().await;
            Next::Finished
        };
        let text: Arc<str> = match or(or(message, stopping), or(idle, client_left)).await {
            Next::Message(text) => text,
            Next::Idle => Arc::from(": keep-alive\n\n"),
            Next::Finished => return Ok(()),
        };
        write_counted(&mut writer, text.as_bytes(), stall, written).await?;
    }
}

/// Streams `len` bytes of `file` from `start`: straight from the page cache to the socket where the OS can
/// (sendfile), through `buffer` where it cannot and whenever the socket is full (a buffered write waits for room;
/// the zero-copy call only says it would block).
async fn send_file<S: Stream>(
    stream: &mut S,
    file: &File,
    start: u64,
    len: u64,
    buffer: &mut Vec<u8>,
    stall: Duration,
    written: &mut u64,
) -> io::Result<()> {
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
                copy_file_chunk(stream, file, &mut offset, want, buffer, stall, written).await?
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                copy_file_chunk(stream, file, &mut offset, want, buffer, stall, written).await?
            }
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
    stream: &mut S,
    mut file: &File,
    offset: &mut u64,
    want: usize,
    buffer: &mut Vec<u8>,
    stall: Duration,
    written: &mut u64,
) -> io::Result<usize> {
    buffer.resize(want.min(FILE_CHUNK), 0);
    file.seek(SeekFrom::Start(*offset))?;
    let read = file.read(buffer)?;
    write_counted(stream, &buffer[..read], stall, written).await?;
    *offset += read as u64;
    Ok(read)
}

/// Writes all of `bytes`, failing when one write makes no progress for `stall`: a slow reader is fine, a client
/// that stopped reading is not.
pub async fn write_all<S: Write + Unpin>(
    stream: &mut S,
    bytes: &[u8],
    stall: Duration,
) -> io::Result<()> {
    write_counted(stream, bytes, stall, &mut 0).await
}

/// `write_all`, adding the bytes that reached the socket to `written` as they go, so a write that fails part of
/// the way still counts what went.
pub async fn write_counted<S: Write + Unpin>(
    stream: &mut S,
    bytes: &[u8],
    stall: Duration,
    written: &mut u64,
) -> io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        match async_std::io::timeout(stall, stream.write(&bytes[done..])).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            count => {
                done += count;
                *written += count as u64;
            }
        }
    }
    Ok(())
}
