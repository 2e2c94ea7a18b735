//! Writing a response: its head and then its body, whatever the kind: bytes in memory, a file (zero-copy where
//! the OS allows), parts of either (multipart), chunks another thread makes (a streamed compression), or a
//! stream of events. Every write gives up when the client stops reading.

use super::response::Body;
use super::stream::{Stream, Timed};
use crate::platform;
use crate::shutdown::Stop;
use async_std::channel::Receiver;
use futures_lite::future::or;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
        Body::EventStream(events) => {
            write_counted(stream, output, stall, written).await?;
            stream_events(stream, events, stall, stop, written).await
        }
        Body::Shared { bytes, start, len } => {
            output.extend_from_slice(&bytes[start..start + len]);
            write_counted(stream, output, stall, written).await
        }
        Body::File { file, start, len } => {
            write_head_before_file(stream, output, stall, written).await?;
            output.clear();
            send_file(stream, &file, start, len, output, stall, written).await
        }
        Body::Parts(parts) => send_parts(stream, output, parts, stall, written).await,
        Body::Chunks(chunks) => {
            write_counted(stream, output, stall, written).await?;
            while let Ok(chunk) = chunks.recv().await {
                write_counted(stream, &chunk?, stall, written).await?;
            }
            Ok(())
        }
        Body::Pending(_) => Err(io::Error::other("a pending body reached the socket")),
        Body::Proxied(_) => {
            unreachable!("the connection gives proxied requests to proxy::exchange")
        }
    }
}

/// Writes the parts one after another: bytes gather in `output` (after the head) until a file part, which goes
/// out as any file does.
async fn send_parts<S: Stream>(
    stream: &mut Timed<S>,
    output: &mut Vec<u8>,
    parts: Vec<Body>,
    stall: Duration,
    written: &mut u64,
) -> io::Result<()> {
    for part in parts {
        match &part {
            Body::Bytes(bytes) => output.extend_from_slice(bytes),
            Body::Shared { bytes, start, len } => {
                output.extend_from_slice(&bytes[*start..start + len])
            }
            Body::File { file, start, len } => {
                write_head_before_file(stream, output, stall, written).await?;
                output.clear();
                send_file(stream, file, *start, *len, output, stall, written).await?;
                output.clear();
            }
            _ => return Err(io::Error::other("a part must be bytes or a file")),
        }
    }
    write_counted(stream, output, stall, written).await
}

/// Writes Server-Sent Events as they come, with a comment line every so often so that proxies and browsers keep
/// the stream open, until the client goes away (seen at once, by reading), the events end or lanai stops.
async fn stream_events<S: Stream>(
    stream: &mut Timed<S>,
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
    loop {
        let message = async { events.recv().await.map_or(Next::Finished, Next::Message) };
        // Reading tells at once when the client leaves; the read's deadline is the keep-alive comment's time.
        let quiet_until = Instant::now() + EVENT_STREAM_KEEP_ALIVE;
        let client = async {
            loop {
                match stream.read(&mut probe, quiet_until).await {
                    Err(error) if error.kind() == io::ErrorKind::TimedOut => return Next::Idle,
                    Ok(0) | Err(_) => return Next::Finished,
                    Ok(_) => {} // A client has nothing to say on an event stream; ignore it.
                }
            }
        };
        let stopping = async {
            stop.raised().await;
            Next::Finished
        };
        let text: Arc<str> = match or(or(message, stopping), client).await {
            Next::Message(text) => text,
            Next::Idle => Arc::from(": keep-alive\n\n"),
            Next::Finished => return Ok(()),
        };
        write_counted(stream, text.as_bytes(), stall, written).await?;
    }
}

/// Streams `len` bytes of `file` from `start`: straight from the page cache to the socket where the OS can
/// (sendfile, waiting for room whenever the socket is full), through `buffer` where it cannot.
async fn send_file<S: Stream>(
    stream: &mut Timed<S>,
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
