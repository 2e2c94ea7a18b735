//! The harness every integration test uses: a document root shaped like the exercise's, the real lanai binary
//! started on it with `--port 0`, and a small raw-socket HTTP/1.x reader.
#![allow(dead_code)] // each test file uses its own part of the harness

pub mod h2;
pub mod upstream;

use async_std::task;
use lanai::http::connection::Limits;
use lanai::http::handler::Handler;
use lanai::server::{self, Settings};
use lanai::shutdown::Stop;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const INDEX_BODY: &[u8] = b"<html>Directory index file</html>\n";
pub const PAGE_BODY: &[u8] = b"<html><body>Page Sample</body></html>\n";
pub const DEEP_BODY: &[u8] = b"bingo, you found it\n";
pub const SPACES_BODY: &[u8] = b"letters and spaces\n";

/// One file per content type the exercise checks, with the type it expects.
pub const TYPED_FILES: &[(&str, &str)] = &[
    ("splash.css", "text/css"),
    ("jquery-1.9.1.js", "text/javascript"),
    ("160313.jpg", "image/jpeg"),
    ("ef35c.jpeg", "image/jpeg"),
    ("logo.v2.png", "image/png"),
    ("pic_ask.gif", "image/gif"),
    ("b16261023.swf", "application/x-shockwave-flash"),
];

/// A large page: about 950 KB of text with the phrase the exercise looks for near its end.
pub fn large_page() -> Vec<u8> {
    let mut page = b"<html><body>\n".to_vec();
    let mut line = 0u32;
    while page.len() < 954_000 {
        page.extend_from_slice(
            format!("<p>line {line}: Россия, the largest country.</p>\n").as_bytes(),
        );
        line += 1;
    }
    page.extend_from_slice(b"<p>Wikimedia Foundation, Inc.</p></body></html>\n");
    page
}

/// Builds `<tmp>/httptest/...` as the exercise lays it out.
pub fn exercise_root() -> TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    let base = root.path().join("httptest");
    write(&base.join("dir2/index.html"), INDEX_BODY);
    write(&base.join("dir2/page.html"), PAGE_BODY);
    write(&base.join("dir1/dir12/dir123/deep.txt"), DEEP_BODY);
    write(&base.join("space in name.txt"), SPACES_BODY);
    write(&base.join("text..txt"), b"hello");
    write(&base.join("wikipedia_russia.html"), &large_page());
    for (index, (name, _)) in TYPED_FILES.iter().enumerate() {
        let content: Vec<u8> = (0..1000 + index * 37)
            .map(|byte| (byte * 7 % 251) as u8)
            .collect();
        write(&base.join(name), &content);
    }
    root
}

/// The lanai binary, kept away from the developer's own config file (an empty LANAI_CONFIG means none).
pub fn lanai() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lanai"));
    command.env("LANAI_CONFIG", "");
    command
}

/// Runs `command` as the unprivileged user `nobody` when the tests run as root (as CI does), since root reads
/// any folder whatever its mode.
#[cfg(target_os = "linux")]
pub fn as_unprivileged(command: &mut std::process::Command) -> std::process::Command {
    let is_root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"));
    if !is_root {
        return std::mem::replace(command, std::process::Command::new("true"));
    }
    let mut dropped = std::process::Command::new("setpriv");
    dropped.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]);
    dropped.arg(command.get_program()).args(command.get_args());
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            dropped.env(key, value);
        }
    }
    dropped
}

pub fn write(path: &Path, content: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub root: TempDir,
    /// The start-up line lanai printed.
    pub banner: String,
    /// Everything lanai has written to stderr so far (its log).
    stderr: Arc<Mutex<String>>,
    /// Everything lanai has written to stdout so far, the start-up line included.
    stdout: Arc<Mutex<String>>,
    /// The thread that collects stderr; it ends when lanai does.
    collector: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// lanai over a fresh exercise root, quiet, with `extra` arguments.
    pub fn start(extra: &[&str]) -> Server {
        Server::start_in(exercise_root(), extra)
    }

    pub fn start_in(root: TempDir, extra: &[&str]) -> Server {
        let path = root
            .path()
            .to_str()
            .expect("temp path is UTF-8")
            .to_string();
        let mut args = vec![path.as_str()];
        args.extend_from_slice(extra);
        Server::launch(root, &args)
    }

    /// lanai with exactly these arguments (plus `--port 0 --quiet`), serving `root` however `args` name it.
    pub fn launch(root: TempDir, args: &[&str]) -> Server {
        Server::spawn(root, lanai().args(["--port", "0", "--quiet"]).args(args))
    }

    /// lanai over a fresh exercise root with its access log on (no `--quiet`); `log` and `stop` return it.
    pub fn logging(extra: &[&str]) -> Server {
        let root = exercise_root();
        let path = root
            .path()
            .to_str()
            .expect("temp path is UTF-8")
            .to_string();
        Server::spawn(
            root,
            lanai().args([path.as_str(), "--port", "0"]).args(extra),
        )
    }

    /// lanai over a fresh exercise root with `extra` arguments, allowed at most `open_files` descriptors.
    #[cfg(unix)]
    pub fn start_with_open_files(open_files: u32, extra: &[&str]) -> Server {
        let root = exercise_root();
        let mut command = Command::new("sh");
        command
            .env("LANAI_CONFIG", "")
            .arg("-c")
            .arg(format!("ulimit -n {open_files} && exec \"$@\""))
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_lanai"))
            .arg(root.path())
            .args(["--port", "0", "--quiet"])
            .args(extra);
        Server::spawn(root, &mut command)
    }

    /// lanai as `command` (made by `lanai()`) runs it, which must include `--port 0`; stdout is taken for the
    /// start-up line and stderr collected as the log.
    pub fn spawn(root: TempDir, command: &mut Command) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start lanai");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = BufReader::new(child.stderr.take().unwrap());
        let collected = stderr.clone();
        let collector = std::thread::spawn(move || {
            let mut line = String::new();
            while matches!(pipe.read_line(&mut line), Ok(read) if read > 0) {
                collected.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let mut banner = String::new();
        let mut stdout_pipe = BufReader::new(child.stdout.take().unwrap());
        stdout_pipe.read_line(&mut banner).unwrap();
        let stdout = Arc::new(Mutex::new(banner.clone()));
        let collected = stdout.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while matches!(stdout_pipe.read_line(&mut line), Ok(read) if read > 0) {
                collected.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let port = banner
            .split_whitespace()
            .find_map(|word| {
                word.strip_prefix("http://")
                    .or_else(|| word.strip_prefix("https://"))
            })
            .and_then(|address| address.trim_end_matches('/').rsplit(':').next())
            .and_then(|port| port.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("no port in start-up line {banner:?}"));
        Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            root,
            banner,
            stderr,
            stdout,
            collector: Some(collector),
        }
    }

    /// Stops lanai and returns everything it wrote to stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(collector) = self.collector.take() {
            let _ = collector.join();
        }
        self.log()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What lanai has printed on stdout so far, waiting up to a second for it to contain `until`.
    pub fn output_with(&self, until: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            let output = self.stdout.lock().unwrap().clone();
            if output.contains(until) || Instant::now() > deadline {
                return output;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits up to five seconds for a log line containing every one of `parts`, and returns it: lanai's stderr
    /// is collected by a thread of its own, which may not have read the newest lines yet.
    pub fn log_line(&self, parts: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.log();
            if let Some(line) = log
                .lines()
                .find(|line| parts.iter().all(|part| line.contains(part)))
            {
                return line.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no line with {parts:?} in:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What lanai has logged so far.
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends a signal by name (`TERM`, `INT`).
    #[cfg(unix)]
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {name}");
    }

    /// Waits up to `within` for lanai to exit.
    pub fn exit_status(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for lanai") {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many descriptors lanai has open.
    #[cfg(target_os = "linux")]
    pub fn open_descriptors(&self) -> usize {
        fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .expect("lanai's /proc entry")
            .count()
    }

    /// Waits up to `within` for lanai's open descriptors to come down to `count`; returns the last count seen.
    #[cfg(target_os = "linux")]
    pub fn descriptors_settle_to(&self, count: usize, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            let open = self.open_descriptors();
            if open <= count || Instant::now() > deadline {
                return open;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn connect(&self) -> TcpStream {
        connect_to(self.addr)
    }

    /// Sends `raw` on a new connection and returns everything the server sends until it closes.
    pub fn exchange(&self, raw: &[u8]) -> Vec<u8> {
        let mut stream = self.connect();
        stream.write_all(raw).unwrap();
        read_to_close(&mut stream)
    }

    /// Sends `raw` on a new connection and reads the first reply.
    pub fn reply_to(&self, raw: impl AsRef<[u8]>) -> Reply {
        let mut stream = self.connect();
        stream.write_all(raw.as_ref()).unwrap();
        ReplyReader::new(stream).next(false)
    }

    /// One HTTP/1.1 request with `Connection: close`, parsed.
    pub fn request(&self, method: &str, target: &str) -> Reply {
        self.request_with(method, target, &[])
    }

    /// Like `request`, with extra header lines such as `"Range: bytes=0-1"`.
    pub fn request_with(&self, method: &str, target: &str, fields: &[&str]) -> Reply {
        let mut raw =
            format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for field in fields {
            raw.push_str(field);
            raw.push_str("\r\n");
        }
        raw.push_str("\r\n");
        let mut stream = self.connect();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut reader = ReplyReader::new(stream);
        reader.next(method == "HEAD")
    }

    pub fn get(&self, target: &str) -> Reply {
        self.request("GET", target)
    }

    pub fn get_with(&self, target: &str, fields: &[&str]) -> Reply {
        self.request_with("GET", target, fields)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    stream
        .read_to_end(&mut received)
        .expect("server closes the connection");
    received
}

#[derive(Debug)]
pub struct Reply {
    pub status_line: String,
    pub status: u16,
    /// Header fields as sent, names in their original case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The value of the field named exactly `name` (case-sensitive, as the exercise compares).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Reads responses one after another from one connection, framing each by its Content-Length.
pub struct ReplyReader {
    pub stream: TcpStream,
    pending: Vec<u8>,
}

impl ReplyReader {
    pub fn new(stream: TcpStream) -> Self {
        ReplyReader {
            stream,
            pending: Vec::new(),
        }
    }

    pub fn next(&mut self, head_only: bool) -> Reply {
        let head_end = loop {
            if let Some(at) = self
                .pending
                .windows(4)
                .position(|window| window == b"\r\n\r\n")
            {
                break at;
            }
            self.fill("a response head");
        };
        let head = String::from_utf8(self.pending[..head_end].to_vec()).expect("head is text");
        self.pending.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap().to_string();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("status code");
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').expect("header field has a colon");
                (name.to_string(), value.trim().to_string())
            })
            .collect();
        // HEAD answers, 204 and 304 have no content whatever their fields say (RFC 9112 §6.3).
        let length = if head_only || status == 204 || status == 304 {
            0
        } else {
            headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                .map(|(_, value)| value.parse::<usize>().expect("numeric Content-Length"))
                .expect("response has Content-Length")
        };
        while self.pending.len() < length {
            self.fill("the response body");
        }
        let body = self.pending.drain(..length).collect();
        Reply {
            status_line,
            status,
            headers,
            body,
        }
    }

    /// True when the server closes the connection with nothing more to say.
    pub fn closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        self.pending.is_empty() && matches!(self.stream.read(&mut byte), Ok(0))
    }

    fn fill(&mut self, what: &str) {
        let mut chunk = [0u8; 64 * 1024];
        let read = self
            .stream
            .read(&mut chunk)
            .unwrap_or_else(|error| panic!("reading {what}: {error}"));
        assert!(read > 0, "connection closed before {what}");
        self.pending.extend_from_slice(&chunk[..read]);
    }
}

pub const BIG_LEN: u64 = 64 << 20;

/// Adds `big.bin` to the server's root: 64 MiB (sparse, so it costs no disk), far more than socket buffers hold.
pub fn big_file(server: &Server) -> std::path::PathBuf {
    let path = server.root.path().join("big.bin");
    fs::File::create(&path).unwrap().set_len(BIG_LEN).unwrap();
    path
}

/// Sends a GET and reads until the end of the response head. Returns the head and how many body bytes came
/// with it.
pub fn start_download(stream: &mut TcpStream, target: &str) -> (String, u64) {
    write!(stream, "GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = received.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end + 4]).into_owned();
            return (head, (received.len() - end - 4) as u64);
        }
        let read = stream.read(&mut chunk).expect("response head");
        assert!(read > 0, "closed before the head");
        received.extend_from_slice(&chunk[..read]);
    }
}

/// Reads until the server ends the connection; returns the byte count and how it ended (`None`: a clean close).
pub fn read_rest(stream: &mut TcpStream) -> (u64, Option<std::io::ErrorKind>) {
    let mut count = 0u64;
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return (count, None),
            Ok(read) => count += read as u64,
            Err(error) => return (count, Some(error.kind())),
        }
    }
}

/// The real server in this process, with `handler` and `write_stall`; it runs until the test ends.
pub fn serve_in_process<H>(handler: H, write_stall: Duration) -> SocketAddr
where
    H: Handler,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = Settings {
        limits: Limits {
            read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(15),
            write_stall,
        },
        max_connections: 100,
        shutdown_timeout: Duration::from_secs(1),
        tls: None,
    };
    std::thread::spawn(move || {
        task::block_on(server::run(listener, handler, settings, Stop::new()))
    });
    addr
}

/// A client connection with a 10 s read timeout, so a server that hangs fails the test instead of stalling it.
pub fn connect_to(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Asks for a WebSocket at `/api/ws` through lanai addressed as `host` (from a page at `origin`, if given), with
/// RFC 6455's example key: the connection and the answer's head.
pub fn websocket_handshake(
    server: &Server,
    host: &str,
    origin: Option<&str>,
) -> (TcpStream, String) {
    let mut stream = server.connect();
    let origin = origin
        .map(|origin| format!("Origin: {origin}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET /api/ws HTTP/1.1\r\nHost: {host}\r\n{origin}Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap_or(0),
            1,
            "closed during the handshake: {}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    (stream, String::from_utf8_lossy(&head).into_owned())
}

/// A WebSocket opened through lanai (see `websocket_handshake`), the switch checked with RFC 6455's own answer.
pub fn open_websocket(server: &Server, origin: Option<&str>) -> TcpStream {
    let (stream, head) = websocket_handshake(server, "localhost", origin);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(
        head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{head}"
    );
    assert!(head.contains("Upgrade: websocket\r\n"), "{head}");
    stream
}

/// One masked text frame, as a client sends it.
pub fn send_text_frame(stream: &mut TcpStream, payload: &[u8]) {
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(
        payload
            .iter()
            .enumerate()
            .map(|(at, byte)| byte ^ mask[at % 4]),
    );
    stream.write_all(&frame).unwrap();
}
