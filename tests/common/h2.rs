//! HTTP/2 clients for the tests: the `h2` crate's client over h2c (prior knowledge on a plain port) or over TLS
//! with ALPN h2, trusting only lanai's CA; an HTTP/1.1-over-TLS client to compare answers with; and a raw-frame
//! client for attacks, writing frame headers, payloads and literal HPACK blocks by hand and reading frames back
//! with a timeout on every read.

use super::{connect_to, exercise_root, lanai, Reply, Server};
use async_std::net::TcpStream as AsyncTcpStream;
use async_std::task;
use bytes::Bytes;
use futures_lite::{AsyncRead, AsyncWrite};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long any one exchange may take before the test fails instead of hanging.
pub const EXCHANGE_LIMIT: Duration = Duration::from_secs(20);

/// Runs `work` on async-std's executor, failing the test if it takes longer than `limit`.
pub fn bounded<T>(limit: Duration, work: impl std::future::Future<Output = T>) -> T {
    task::block_on(async_std::future::timeout(limit, work))
        .unwrap_or_else(|_| panic!("an HTTP/2 exchange took longer than {limit:?}"))
}

// ----- lanai over HTTPS, and its CA -----

/// lanai with `--https` (plus `extra`) over `root`, its data folder (CA and leaf) in a temp dir of the test's own.
pub struct Https {
    pub server: Server,
    pub data: TempDir,
    /// lanai's CA certificate, PEM, as `--print-ca` prints it.
    pub ca: String,
}

impl Https {
    pub fn start(extra: &[&str]) -> Https {
        Https::start_in(exercise_root(), extra)
    }

    pub fn start_in(root: TempDir, extra: &[&str]) -> Https {
        Https::spawn(root, extra, true)
    }

    /// Like `start_in`, with the access log on (no `--quiet`).
    pub fn logging(root: TempDir, extra: &[&str]) -> Https {
        Https::spawn(root, extra, false)
    }

    fn spawn(root: TempDir, extra: &[&str], quiet: bool) -> Https {
        let data = TempDir::new().unwrap();
        let path = root.path().to_str().unwrap().to_string();
        let mut command = lanai();
        command
            .env("XDG_DATA_HOME", data.path())
            .env("HOME", data.path())
            .args([path.as_str(), "--port", "0", "--https"]);
        if quiet {
            command.arg("--quiet");
        }
        command.args(extra);
        let server = Server::spawn(root, &mut command);
        let ca = print_ca(data.path());
        Https { server, data, ca }
    }

    /// A new HTTP/2 connection over TLS.
    pub fn h2(&self) -> H2 {
        H2::tls(self.server.addr, &self.ca)
    }

    /// One HTTP/1.1 request over TLS (ALPN http/1.1) with `Connection: close`.
    pub fn http1(&self, method: &str, target: &str, fields: &[(&str, &str)]) -> Reply {
        https1_request(self.server.addr, &self.ca, method, target, fields, &[])
    }
}

/// The lanai binary with its data folder (CA and leaf) in `data`.
pub fn lanai_with_data(data: &Path) -> std::process::Command {
    let mut command = lanai();
    command.env("XDG_DATA_HOME", data).env("HOME", data);
    command
}

/// lanai over an exercise root with `args` (plus `--port 0 --quiet`) and its data folder in `data`.
pub fn start_with_data(data: &Path, args: &[&str]) -> Server {
    let root = exercise_root();
    let path = root.path().to_str().unwrap().to_string();
    Server::spawn(
        root,
        lanai_with_data(data)
            .args([path.as_str(), "--port", "0", "--quiet"])
            .args(args),
    )
}

/// lanai's CA certificate for the data folder `data`.
pub fn print_ca(data: &Path) -> String {
    let output = lanai_with_data(data).arg("--print-ca").output().unwrap();
    assert!(output.status.success(), "--print-ca");
    String::from_utf8(output.stdout).unwrap()
}

/// A rustls client configuration that trusts only `ca_pem` and offers `alpn`.
pub fn client_config(ca_pem: &str, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Arc::new(config)
}

/// One HTTP/1.1 request over TLS to lanai, read until it closes, parsed (a chunked body decoded).
pub fn https1_request(
    addr: SocketAddr,
    ca_pem: &str,
    method: &str,
    target: &str,
    fields: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let name = ServerName::try_from("localhost").unwrap();
    let client =
        rustls::ClientConnection::new(client_config(ca_pem, &[b"http/1.1"]), name).unwrap();
    let mut tls = rustls::StreamOwned::new(client, connect_to(addr));
    let mut raw = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
    if !fields
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        raw.push_str("Host: localhost\r\n");
    }
    for (name, value) in fields {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    raw.push_str("\r\n");
    tls.write_all(raw.as_bytes()).unwrap();
    tls.write_all(body).unwrap();
    let mut received = Vec::new();
    match tls.read_to_end(&mut received) {
        Ok(_) => {}
        // lanai closes after a framed answer without close_notify, as HTTP/1.1 allows.
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof && !received.is_empty() => {}
        Err(error) => panic!("HTTP/1.1 over TLS: {error}"),
    }
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    parse_http1(&received, method == "HEAD")
}

/// One whole HTTP/1.1 response, read until close: head, and the body framed by its length, its chunks or the
/// close.
pub fn parse_http1(received: &[u8], head_only: bool) -> Reply {
    let end = received
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(received)));
    let head = String::from_utf8(received[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap().to_string();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_string(), value.trim().to_string())
        })
        .collect();
    let rest = &received[end + 4..];
    let field = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value.clone())
    };
    let body = if head_only || status == 204 || status == 304 {
        Vec::new()
    } else if field("transfer-encoding").is_some_and(|coding| coding.contains("chunked")) {
        dechunk(rest)
    } else if let Some(length) = field("content-length") {
        let length: usize = length.parse().unwrap();
        assert!(
            rest.len() >= length,
            "body cut short: {} < {length}",
            rest.len()
        );
        rest[..length].to_vec()
    } else {
        rest.to_vec()
    };
    Reply {
        status_line,
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|window| window == b"\r\n")
            .expect("chunk size line");
        let size_text = std::str::from_utf8(&rest[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        rest = &rest[line_end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

// ----- the h2 crate's client -----

/// futures' AsyncRead/AsyncWrite (async-std's sockets, futures-rustls) as the tokio traits `h2` is written against.
pub struct Compat<S>(pub S);

impl<S: AsyncRead + Unpin> tokio::io::AsyncRead for Compat<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let read = Pin::new(&mut self.get_mut().0).poll_read(context, buffer.initialize_unfilled());
        read.map_ok(|count| buffer.advance(count))
    }
}

impl<S: AsyncWrite + Unpin> tokio::io::AsyncWrite for Compat<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(context, bytes)
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(context)
    }

    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_close(context)
    }
}

/// What an HTTP/2 stream was answered: status, fields (lowercase names) and the whole body.
#[derive(Debug, Clone)]
pub struct H2Reply {
    pub status: u16,
    pub fields: http::HeaderMap,
    pub body: Vec<u8>,
}

impl H2Reply {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(|value| value.to_str().unwrap())
    }
}

/// One HTTP/2 connection made with the `h2` crate; its connection task runs on async-std's executor.
pub struct H2 {
    pub send: h2::client::SendRequest<Bytes>,
    /// The connection's task: it ends when the connection does, with how it ended.
    pub driver: Option<task::JoinHandle<Result<(), h2::Error>>>,
    pub scheme: &'static str,
    pub authority: String,
}

impl H2 {
    /// HTTP/2 with prior knowledge on a plain port.
    pub fn h2c(addr: SocketAddr) -> H2 {
        H2::h2c_with(addr, h2::client::Builder::new())
    }

    pub fn h2c_with(addr: SocketAddr, builder: h2::client::Builder) -> H2 {
        bounded(EXCHANGE_LIMIT, async move {
            let socket = AsyncTcpStream::connect(addr).await.expect("connect");
            socket.set_nodelay(true).unwrap();
            H2::handshake(Compat(socket), builder, "http", addr).await
        })
    }

    /// HTTP/2 over TLS, trusting only `ca_pem`, offering ALPN h2 alone; asserts h2 was agreed.
    pub fn tls(addr: SocketAddr, ca_pem: &str) -> H2 {
        H2::tls_with(addr, ca_pem, h2::client::Builder::new())
    }

    pub fn tls_with(addr: SocketAddr, ca_pem: &str, builder: h2::client::Builder) -> H2 {
        let config = client_config(ca_pem, &[b"h2"]);
        bounded(EXCHANGE_LIMIT, async move {
            let socket = AsyncTcpStream::connect(addr).await.expect("connect");
            socket.set_nodelay(true).unwrap();
            let connector = futures_rustls::TlsConnector::from(config);
            let name = ServerName::try_from("localhost").unwrap();
            let tls = connector
                .connect(name, socket)
                .await
                .expect("TLS handshake");
            assert_eq!(
                tls.get_ref().1.alpn_protocol(),
                Some(&b"h2"[..]),
                "ALPN agreed on h2"
            );
            H2::handshake(Compat(tls), builder, "https", addr).await
        })
    }

    async fn handshake<S>(
        io: Compat<S>,
        builder: h2::client::Builder,
        scheme: &'static str,
        addr: SocketAddr,
    ) -> H2
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (send, connection) = builder
            .handshake::<_, Bytes>(io)
            .await
            .expect("HTTP/2 handshake");
        let driver = task::spawn(connection);
        H2 {
            send,
            driver: Some(driver),
            scheme,
            authority: format!("localhost:{}", addr.port()),
        }
    }

    /// A request for `path` on this connection, its authority `localhost:PORT`.
    pub fn request(&self, method: &str, path: &str, fields: &[(&str, &str)]) -> http::Request<()> {
        let authority = self.authority.clone();
        self.request_to(&authority, method, path, fields)
    }

    /// A request naming `authority` as its `:authority`.
    pub fn request_to(
        &self,
        authority: &str,
        method: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> http::Request<()> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{}://{authority}{path}", self.scheme));
        for (name, value) in fields {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap()
    }

    /// Sends one request with an optional body and collects the whole answer.
    pub fn fetch(&self, request: http::Request<()>, body: &[u8]) -> Result<H2Reply, h2::Error> {
        let send = self.send.clone();
        let body = Bytes::copy_from_slice(body);
        bounded(EXCHANGE_LIMIT, exchange(send, request, body))
    }

    /// GET (or another method) with fields, no body; panics if the stream fails.
    pub fn get(&self, method: &str, path: &str, fields: &[(&str, &str)]) -> H2Reply {
        self.fetch(self.request(method, path, fields), b"")
            .unwrap_or_else(|error| panic!("{method} {path} over HTTP/2: {error}"))
    }

    /// Waits up to `within` for the connection to end; `None` if it is still open then.
    pub fn ended(&mut self, within: Duration) -> Option<Result<(), h2::Error>> {
        let driver = self.driver.take().expect("the connection's task");
        let outcome = task::block_on(async_std::future::timeout(within, driver));
        outcome.ok()
    }
}

/// One request on `send`: waits for room for a new stream, sends, and reads the whole answer, giving the window
/// back as the body arrives.
pub async fn exchange(
    send: h2::client::SendRequest<Bytes>,
    request: http::Request<()>,
    body: Bytes,
) -> Result<H2Reply, h2::Error> {
    let mut send = send.ready().await?;
    let (answer, mut outgoing) = send.send_request(request, body.is_empty())?;
    if !body.is_empty() {
        send_body(&mut outgoing, body).await?;
    }
    let response = answer.await?;
    let (parts, mut incoming) = response.into_parts();
    let mut bytes = Vec::new();
    while let Some(piece) = incoming.data().await {
        let piece = piece?;
        bytes.extend_from_slice(&piece);
        incoming.flow_control().release_capacity(piece.len())?;
    }
    Ok(H2Reply {
        status: parts.status.as_u16(),
        fields: parts.headers,
        body: bytes,
    })
}

/// Sends `body` on a request stream as the server's window allows, and ends the stream.
pub async fn send_body(
    outgoing: &mut h2::SendStream<Bytes>,
    mut body: Bytes,
) -> Result<(), h2::Error> {
    while !body.is_empty() {
        outgoing.reserve_capacity(body.len());
        let room = futures_lite::future::poll_fn(|context| outgoing.poll_capacity(context))
            .await
            .expect("the stream is open")?;
        let now = body.split_to(room.min(body.len()));
        outgoing.send_data(now, false)?;
    }
    outgoing.send_data(Bytes::new(), true)
}

/// An HTTP/2 answer and an HTTP/1.1 one, as comparable as the two protocols allow: status, the fields without
/// Date and HTTP/1's connection fields (names lowercase, sorted), and the body bytes.
pub fn comparable_h2(reply: &H2Reply) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let fields = reply
        .fields
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                value.to_str().unwrap().to_string(),
            )
        })
        .collect();
    (reply.status, normalised(fields), reply.body.clone())
}

pub fn comparable_http1(reply: &Reply) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let fields = reply
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .collect();
    (reply.status, normalised(fields), reply.body.clone())
}

/// Fields HTTP/2 does not carry, and Date, which differs by the second.
pub const NOT_COMPARED: &[&str] = &[
    "date",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "proxy-connection",
    "upgrade",
];

fn normalised(mut fields: Vec<(String, String)>) -> Vec<(String, String)> {
    fields.retain(|(name, _)| !NOT_COMPARED.contains(&name.as_str()));
    fields.sort();
    fields
}

// ----- raw frames -----

pub const DATA: u8 = 0x0;
pub const HEADERS: u8 = 0x1;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;
pub const WINDOW_UPDATE: u8 = 0x8;
pub const CONTINUATION: u8 = 0x9;

pub const END_STREAM: u8 = 0x1;
pub const ACK: u8 = 0x1;
pub const END_HEADERS: u8 = 0x4;

pub const SETTINGS_INITIAL_WINDOW_SIZE: u16 = 0x4;

pub const NO_ERROR: u32 = 0x0;
pub const PROTOCOL_ERROR: u32 = 0x1;
pub const CANCEL: u32 = 0x8;
pub const REFUSED_STREAM: u32 = 0x7;
pub const ENHANCE_YOUR_CALM: u32 = 0xb;

#[derive(Debug, Clone)]
pub struct Frame {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: Vec<u8>,
}

impl Frame {
    /// A GOAWAY's last stream id and error code.
    pub fn goaway(&self) -> Option<(u32, u32)> {
        (self.kind == GOAWAY && self.payload.len() >= 8).then(|| {
            (
                u32::from_be_bytes(self.payload[0..4].try_into().unwrap()) & 0x7fff_ffff,
                u32::from_be_bytes(self.payload[4..8].try_into().unwrap()),
            )
        })
    }

    /// An RST_STREAM's error code.
    pub fn reset(&self) -> Option<u32> {
        (self.kind == RST_STREAM && self.payload.len() == 4)
            .then(|| u32::from_be_bytes(self.payload[..4].try_into().unwrap()))
    }

    /// The status of a HEADERS frame lanai sent, when HPACK spelled it with a static-table index (200, 204,
    /// 206, 304, 400, 404, 500) or as a literal without Huffman coding: enough for tests that only need to tell
    /// answered from refused.
    pub fn indexed_status(&self) -> Option<u16> {
        if self.kind != HEADERS {
            return None;
        }
        let mut block = &self.payload[..];
        if self.flags & 0x8 != 0 {
            let pad = block[0] as usize;
            block = &block[1..block.len() - pad];
        }
        if self.flags & 0x20 != 0 {
            block = &block[5..];
        }
        // Skip dynamic-table size updates (001xxxxx) before the first field.
        let at = block.iter().position(|byte| *byte & 0xe0 != 0x20)?;
        let block = &block[at..];
        let indexed = match block[0] {
            0x88 => Some(200),
            0x89 => Some(204),
            0x8a => Some(206),
            0x8b => Some(304),
            0x8c => Some(400),
            0x8d => Some(404),
            0x8e => Some(500),
            _ => None,
        };
        // A literal with :status's name (index 8 to 14): without indexing, never indexed, or indexed.
        let literal = matches!(block[0] & 0xf0, 0x00 | 0x10)
            && (8..=14).contains(&(block[0] & 0x0f))
            || (0x48..=0x4e).contains(&block[0]);
        if indexed.is_some() || !literal || block.len() < 2 {
            return indexed;
        }
        let length = (block[1] & 0x7f) as usize;
        let text = block.get(2..2 + length)?;
        let digits = if block[1] & 0x80 != 0 {
            huffman_digits(text)?
        } else {
            String::from_utf8(text.to_vec()).ok()?
        };
        digits.parse().ok()
    }
}

/// Decodes an HPACK Huffman string made of digits only (RFC 7541 Appendix B: '0'-'2' are 5 bits, '3'-'9' 6).
fn huffman_digits(bytes: &[u8]) -> Option<String> {
    let bits: Vec<u8> = bytes
        .iter()
        .flat_map(|byte| (0..8).rev().map(move |shift| (byte >> shift) & 1))
        .collect();
    let mut text = String::new();
    let mut at = 0;
    while bits.len() - at >= 5 {
        let code = |width: usize| {
            bits[at..at + width]
                .iter()
                .fold(0u8, |value, bit| value << 1 | bit)
        };
        match code(5) {
            0..=2 => {
                text.push((b'0' + code(5)) as char);
                at += 5;
            }
            _ if bits.len() - at >= 6 && (0x19..=0x1f).contains(&code(6)) => {
                text.push((b'3' + code(6) - 0x19) as char);
                at += 6;
            }
            // What is left is the padding: the most significant bits of EOS, all ones.
            _ if bits[at..].iter().all(|bit| *bit == 1) => break,
            _ => return None,
        }
    }
    Some(text)
}

/// The bytes of one frame.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let length = payload.len() as u32;
    let mut bytes = length.to_be_bytes()[1..].to_vec();
    bytes.push(kind);
    bytes.push(flags);
    bytes.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// A SETTINGS payload.
pub fn settings(pairs: &[(u16, u32)]) -> Vec<u8> {
    pairs
        .iter()
        .flat_map(|(id, value)| {
            let mut entry = id.to_be_bytes().to_vec();
            entry.extend_from_slice(&value.to_be_bytes());
            entry
        })
        .collect()
}

/// An HPACK integer with an `prefix`-bit prefix, its first byte or'ed with `high`.
pub fn hpack_integer(value: usize, prefix: u8, high: u8, out: &mut Vec<u8>) {
    let max = (1usize << prefix) - 1;
    if value < max {
        out.push(high | value as u8);
        return;
    }
    out.push(high | max as u8);
    let mut rest = value - max;
    while rest >= 128 {
        out.push((rest % 128) as u8 | 0x80);
        rest /= 128;
    }
    out.push(rest as u8);
}

/// A field as an HPACK literal without indexing, with a literal name (no Huffman coding).
pub fn hpack_literal(name: &str, value: &[u8], out: &mut Vec<u8>) {
    out.push(0x00);
    hpack_integer(name.len(), 7, 0, out);
    out.extend_from_slice(name.as_bytes());
    hpack_integer(value.len(), 7, 0, out);
    out.extend_from_slice(value);
}

/// A request's header block: `:method`, `:scheme http`, `:path`, `:authority` as literals, then `fields`.
pub fn request_block(
    method: &str,
    path: &str,
    authority: &str,
    fields: &[(&str, &[u8])],
) -> Vec<u8> {
    let mut block = Vec::new();
    hpack_literal(":method", method.as_bytes(), &mut block);
    hpack_literal(":scheme", b"http", &mut block);
    hpack_literal(":path", path.as_bytes(), &mut block);
    hpack_literal(":authority", authority.as_bytes(), &mut block);
    for (name, value) in fields {
        hpack_literal(name, value, &mut block);
    }
    block
}

/// A connection speaking raw frames over h2c: what an attacker writes, read back with a timeout on every read.
pub struct Raw {
    pub stream: TcpStream,
    pending: Vec<u8>,
}

impl Raw {
    /// Connects, sends the preface and a SETTINGS frame with `settings`.
    pub fn connect(addr: SocketAddr, settings_pairs: &[(u16, u32)]) -> Raw {
        let mut raw = Raw::connect_bare(addr);
        raw.write(lanai::http::HTTP2_PREFACE);
        raw.write(&frame(SETTINGS, 0, 0, &settings(settings_pairs)));
        raw
    }

    /// Connects without sending anything.
    pub fn connect_bare(addr: SocketAddr) -> Raw {
        let stream = connect_to(addr);
        stream.set_nodelay(true).unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Raw {
            stream,
            pending: Vec::new(),
        }
    }

    pub fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to lanai");
    }

    /// Writes, and says whether the write went through (an attacker's writes fail once lanai has closed).
    pub fn try_write(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }

    /// Sends a GET for `path` on `stream_id`, ending the stream.
    pub fn get(&mut self, stream_id: u32, path: &str) {
        let block = request_block("GET", path, "localhost", &[]);
        self.write(&frame(HEADERS, END_HEADERS | END_STREAM, stream_id, &block));
    }

    /// The next frame, or `None` once lanai has closed the connection (or reset it). A read that waits
    /// longer than the socket's timeout fails the test.
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            if self.pending.len() >= 9 {
                let length =
                    u32::from_be_bytes([0, self.pending[0], self.pending[1], self.pending[2]])
                        as usize;
                if self.pending.len() >= 9 + length {
                    let head: Vec<u8> = self.pending.drain(..9).collect();
                    let payload = self.pending.drain(..length).collect();
                    return Some(Frame {
                        kind: head[3],
                        flags: head[4],
                        stream: u32::from_be_bytes(head[5..9].try_into().unwrap()) & 0x7fff_ffff,
                        payload,
                    });
                }
            }
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(read) => self.pending.extend_from_slice(&chunk[..read]),
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    panic!("lanai sent nothing for the read timeout")
                }
                Err(_) => return None,
            }
        }
    }

    /// Reads frames until `wanted` matches one (acknowledging lanai's SETTINGS on the way) and returns it with
    /// everything read before it; `None` if the connection ends first. At most `within`.
    pub fn until(
        &mut self,
        within: Duration,
        mut wanted: impl FnMut(&Frame) -> bool,
    ) -> (Option<Frame>, Vec<Frame>) {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no wanted frame within {within:?}; saw {}",
                summary(&seen)
            );
            self.stream.set_read_timeout(Some(left)).unwrap();
            let Some(frame) = self.next_frame() else {
                return (None, seen);
            };
            self.answer_control(&frame);
            if wanted(&frame) {
                return (Some(frame), seen);
            }
            seen.push(frame);
        }
    }

    /// Acknowledges lanai's SETTINGS and answers its PINGs, as every client must (h2's graceful shutdown waits
    /// for the PING's answer before its last GOAWAY).
    pub fn answer_control(&mut self, frame: &Frame) {
        if frame.kind == SETTINGS && frame.flags & ACK == 0 {
            let _ = self.try_write(&frame_ack());
        }
        if frame.kind == PING && frame.flags & ACK == 0 {
            let _ = self.try_write(&self::frame(PING, ACK, 0, &frame.payload));
        }
    }

    /// Reads until lanai closes the connection, at most `within`; returns the frames it sent meanwhile.
    pub fn until_closed(&mut self, within: Duration) -> Vec<Frame> {
        let (_, seen) = self.until(within, |_| false);
        seen
    }
}

fn frame_ack() -> Vec<u8> {
    frame(SETTINGS, ACK, 0, &[])
}

/// Frames in short, for failure messages.
pub fn summary(frames: &[Frame]) -> String {
    let mut text = String::new();
    for frame in frames.iter().take(40) {
        text.push_str(&format!(
            "[type {} flags {:#x} stream {} len {}{}] ",
            frame.kind,
            frame.flags,
            frame.stream,
            frame.payload.len(),
            frame
                .goaway()
                .map(|(last, code)| format!(" GOAWAY last {last} code {code}"))
                .or_else(|| frame.reset().map(|code| format!(" RST code {code}")))
                .unwrap_or_default()
        ));
    }
    if frames.len() > 40 {
        text.push_str(&format!("... {} frames in all", frames.len()));
    }
    text
}

/// lanai's resident memory, KiB.
pub fn vm_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("lanai's /proc status")
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

/// Another client, asking lanai for a small page over HTTP/1.1 in a loop on fresh connections while an attack
/// runs, until stopped (or at most `MOST_ROUNDS` times): how many it got, how long the slowest took, and what
/// went wrong.
pub struct Bystander {
    stop: Arc<std::sync::atomic::AtomicBool>,
    answered: Arc<std::sync::atomic::AtomicU32>,
    thread: std::thread::JoinHandle<Bystanding>,
}

#[derive(Debug)]
pub struct Bystanding {
    pub answered: u32,
    pub slowest: Duration,
    pub failures: Vec<String>,
}

impl Bystander {
    const MOST_ROUNDS: u32 = 100_000;

    /// Asks for `target` on `addr` and expects `expected` as the body.
    pub fn start(addr: SocketAddr, target: &str, expected: &[u8]) -> Bystander {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let answered = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = answered.clone();
        let request =
            format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let expected = expected.to_vec();
        let thread = std::thread::spawn(move || {
            let mut report = Bystanding {
                answered: 0,
                slowest: Duration::ZERO,
                failures: Vec::new(),
            };
            for _ in 0..Bystander::MOST_ROUNDS {
                if stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let started = Instant::now();
                let outcome = (|| -> Result<(), String> {
                    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
                    stream
                        .set_read_timeout(Some(Duration::from_secs(10)))
                        .unwrap();
                    stream
                        .write_all(request.as_bytes())
                        .map_err(|e| e.to_string())?;
                    let mut received = Vec::new();
                    stream
                        .read_to_end(&mut received)
                        .map_err(|e| e.to_string())?;
                    let reply = parse_http1(&received, false);
                    if reply.status != 200 || reply.body != expected {
                        return Err(format!(
                            "{} with {} bytes",
                            reply.status_line,
                            reply.body.len()
                        ));
                    }
                    Ok(())
                })();
                report.slowest = report.slowest.max(started.elapsed());
                match outcome {
                    Ok(()) => {
                        report.answered += 1;
                        counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Err(error) => report.failures.push(error),
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            report
        });
        Bystander {
            stop,
            answered,
            thread,
        }
    }

    /// Stops once it has been answered at least three times (waiting up to 10 s for that, for an attack that was
    /// over quickly), and reports.
    pub fn finish(self) -> Bystanding {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.answered.load(std::sync::atomic::Ordering::Relaxed) < 3
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().expect("the bystander's thread")
    }
}
