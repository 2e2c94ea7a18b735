//! Writing a response: its head and then its body, whatever the kind: bytes in memory, a file (zero-copy where
//! the OS allows), or a stream of events. Every write gives up when the client stops reading.

use super::response::Body;
use crate::platform;
use crate::shutdown::Stop;
use async_std::channel::Receiver;
use async_std::io::{ReadExt, WriteExt};
use async_std::net::TcpStream;
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

/// Writes the head and, unless `head_only`, the body. Returns the number of body bytes written.
pub async fn send(
    stream: &mut TcpStream,
    output: &mut Vec<u8>,
    body: Body,
    head_only: bool,
    stall: Duration,
    stop: &Stop,
) -> io::Result<u64> {
    if head_only {
        write_all(stream, output, stall).await?;
        return Ok(0);
    }
    match body {
        Body::Empty => {
            write_all(stream, output, stall).await?;
            Ok(0)
        }
        Body::Bytes(bytes) => {
            output.extend_from_slice(&bytes);
            write_all(stream, output, stall).await?;
            Ok(bytes.len() as u64)
        }
        Body::EventStream(events) => {
            write_all(stream, output, stall).await?;
            stream_events(stream, events, stall, stop).await
        }
        Body::Shared { bytes, start, len } => {
            output.extend_from_slice(&bytes[start..start + len]);
            write_all(stream, output, stall).await?;
            Ok(len as u64)
        }
        Body::File { file, start, len } => {
            write_all(stream, output, stall).await?;
            output.clear();
            send_file(stream, &file, start, len, output, stall).await
        }
        Body::Parts(parts) => send_parts(stream, output, parts, stall).await,
        Body::Chunks(chunks) => {
            write_all(stream, output, stall).await?;
            let mut written = 0;
            while let Ok(chunk) = chunks.recv().await {
                let chunk = chunk?;
                write_all(stream, &chunk, stall).await?;
                written += chunk.len() as u64;
            }
            Ok(written)
        }
        Body::Pending(_) => Err(io::Error::other("a pending body reached the socket")),
    }
}

/// Writes the parts one after another: bytes gather in `output` (after the head) until a file part, which goes
/// out as any file does.
async fn send_parts(
    stream: &mut TcpStream,
    output: &mut Vec<u8>,
    parts: Vec<Body>,
    stall: Duration,
) -> io::Result<u64> {
    let mut written = 0;
    for part in parts {
        let bytes = match &part {
            Body::Bytes(bytes) => &bytes[..],
            Body::Shared { bytes, start, len } => &bytes[*start..start + len],
            Body::File { file, start, len } => {
                write_all(stream, output, stall).await?;
                output.clear();
                written += send_file(stream, file, *start, *len, output, stall).await?;
                output.clear();
                continue;
            }
            _ => return Err(io::Error::other("a part must be bytes or a file")),
        };
        output.extend_from_slice(bytes);
        written += bytes.len() as u64;
    }
    write_all(stream, output, stall).await?;
    Ok(written)
}

/// Writes Server-Sent Events as they come, with a comment line every so often so that proxies and browsers keep
/// the stream open, until the client goes away (seen at once, by reading), the events end or lanai stops.
async fn stream_events(
    stream: &mut TcpStream,
    events: Receiver<Arc<str>>,
    stall: Duration,
    stop: &Stop,
) -> io::Result<u64> {
    enum Next {
        Message(Arc<str>),
        Idle,
        Finished,
    }
    let mut written = 0;
    let mut probe = [0u8; 256];
    let mut reader = stream.clone();
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
            Next::Finished => return Ok(written),
        };
        write_all(stream, text.as_bytes(), stall).await?;
        written += text.len() as u64;
    }
}

/// Streams `len` bytes of `file` from `start`: straight from the page cache to the socket where the OS can
/// (sendfile), through `buffer` where it cannot and whenever the socket is full (a buffered write waits for room;
/// the zero-copy call only says it would block).
async fn send_file(
    stream: &mut TcpStream,
    file: &File,
    start: u64,
    len: u64,
    buffer: &mut Vec<u8>,
    stall: Duration,
) -> io::Result<u64> {
    let end = start + len;
    let mut offset = start;
    while offset < end {
        let want = (end - offset).min(SENDFILE_MOST) as usize;
        let sent = match platform::send_file(stream, file, &mut offset, want) {
            Ok(Some(sent)) => sent,
            Ok(None) => copy_file_chunk(stream, file, &mut offset, want, buffer, stall).await?,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                copy_file_chunk(stream, file, &mut offset, want, buffer, stall).await?
            }
            Err(error) => return Err(error),
        };
        if sent == 0 {
            // The file shrank under us: end the connection rather than send a wrong length.
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(len)
}

/// Reads up to a chunk of `file` at `offset` into `buffer` and writes it, waiting for room as long as the
/// client keeps reading. Returns the bytes sent; 0 at the end of the file.
async fn copy_file_chunk(
    stream: &mut TcpStream,
    mut file: &File,
    offset: &mut u64,
    want: usize,
    buffer: &mut Vec<u8>,
    stall: Duration,
) -> io::Result<usize> {
    buffer.resize(want.min(FILE_CHUNK), 0);
    file.seek(SeekFrom::Start(*offset))?;
    let read = file.read(buffer)?;
    write_all(stream, &buffer[..read], stall).await?;
    *offset += read as u64;
    Ok(read)
}

/// Writes all of `bytes`, failing when one write makes no progress for `stall`: a slow reader is fine, a client
/// that stopped reading is not.
pub async fn write_all(stream: &mut TcpStream, bytes: &[u8], stall: Duration) -> io::Result<()> {
    let mut written = 0;
    while written < bytes.len() {
        match async_std::io::timeout(stall, stream.write(&bytes[written..])).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            count => written += count,
        }
    }
    Ok(())
}
