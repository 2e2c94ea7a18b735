//! The upstreams that --proxy tests put behind lanai: scripts/test-upstream.py, on the standard library alone
//! (over https too), a raw-socket one that records the exact bytes it gets and can answer with hostile heads, and
//! a scripted one whose answers a test writes in Rust.

use super::{connect_to, read_to_close};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The test upstream, killed when dropped.
pub struct Upstream {
    child: Child,
    pub port: u16,
    scheme: &'static str,
}

impl Upstream {
    pub fn start() -> Upstream {
        Upstream::launch(&[])
    }

    /// The upstream over https, with the PEM chain and key in these files.
    pub fn start_tls(chain: &Path, key: &Path) -> Upstream {
        let mut upstream =
            Upstream::launch(&["--tls".as_ref(), chain.as_os_str(), key.as_os_str()]);
        upstream.scheme = "https";
        upstream
    }

    fn launch(args: &[&OsStr]) -> Upstream {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-upstream.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3 scripts/test-upstream.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no port from the upstream: {line:?}"));
        Upstream {
            child,
            port,
            scheme: "http",
        }
    }

    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }

    /// One request straight to the upstream, bypassing lanai.
    pub fn get(&self, target: &str) -> String {
        let mut stream = connect_to(([127, 0, 0, 1], self.port).into());
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: up\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let reply = String::from_utf8(read_to_close(&mut stream)).unwrap();
        reply.split_once("\r\n\r\n").unwrap().1.to_string()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request as the tests' second parser reads it: httparse for the head, then the body framed by this file's
/// own reading of Content-Length or chunks (not lanai's code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub method: String,
    pub target: String,
    pub fields: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Parsed {
    /// The values of the fields called `name`, any case.
    pub fn values(&self, name: &str) -> Vec<&[u8]> {
        self.fields
            .iter()
            .filter(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
            .collect()
    }
}

/// The request at the start of `bytes` and how many bytes it took; `Ok(None)` while it is incomplete, `Err` for
/// bytes that are no request, or a request framed two ways (a second reading could differ).
pub fn parse_request(bytes: &[u8]) -> Result<Option<(Parsed, usize)>, String> {
    let mut slots = [httparse::EMPTY_HEADER; 128];
    let mut head = httparse::Request::new(&mut slots);
    let head_len = match head.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => return Err(format!("not a request head: {error}")),
    };
    let fields: Vec<(String, Vec<u8>)> = head
        .headers
        .iter()
        .map(|field| (field.name.to_string(), field.value.to_vec()))
        .collect();
    let mut request = Parsed {
        method: head.method.unwrap_or_default().to_string(),
        target: head.path.unwrap_or_default().to_string(),
        fields,
        body: Vec::new(),
    };
    let lengths = request.values("content-length");
    let codings = request.values("transfer-encoding");
    let body = &bytes[head_len..];
    let used = match (&lengths[..], &codings[..]) {
        ([], []) => Some(0),
        ([length], []) => {
            let length: usize = std::str::from_utf8(length)
                .ok()
                .filter(|text| text.bytes().all(|byte| byte.is_ascii_digit()))
                .and_then(|text| text.parse().ok())
                .ok_or_else(|| format!("Content-Length {:?}", String::from_utf8_lossy(length)))?;
            (body.len() >= length).then(|| {
                request.body = body[..length].to_vec();
                length
            })
        }
        ([], [coding]) if coding.eq_ignore_ascii_case(b"chunked") => {
            dechunk(body)?.map(|(data, used)| {
                request.body = data;
                used
            })
        }
        _ => return Err(format!("framed two ways: {:?}", request.fields)),
    };
    Ok(used.map(|used| (request, head_len + used)))
}

/// A chunked body at the start of `bytes`: its data and length on the wire, `Ok(None)` while incomplete.
fn dechunk(bytes: &[u8]) -> Result<Option<(Vec<u8>, usize)>, String> {
    let mut data = Vec::new();
    let mut at = 0;
    loop {
        let Some(line_end) = find(&bytes[at..], b"\r\n") else {
            return Ok(None);
        };
        let line = &bytes[at..at + line_end];
        let digits = line.split(|&byte| byte == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(digits)
            .ok()
            .filter(|text| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_hexdigit()))
            .and_then(|text| usize::from_str_radix(text, 16).ok())
            .ok_or_else(|| format!("chunk size {:?}", String::from_utf8_lossy(line)))?;
        at += line_end + 2;
        if size == 0 {
            // Trailer lines, then the blank line.
            loop {
                let Some(end) = find(&bytes[at..], b"\r\n") else {
                    return Ok(None);
                };
                at += end + 2;
                if end == 0 {
                    return Ok(Some((data, at)));
                }
            }
        }
        if bytes.len() < at + size + 2 {
            return Ok(None);
        }
        data.extend_from_slice(&bytes[at..at + size]);
        if &bytes[at + size..at + size + 2] != b"\r\n" {
            return Err("no CRLF after a chunk".to_string());
        }
        at += size + 2;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Every request in `bytes`, which must hold whole requests and nothing else.
pub fn parse_all(mut bytes: &[u8]) -> Result<Vec<Parsed>, String> {
    let mut requests = Vec::new();
    while !bytes.is_empty() {
        match parse_request(bytes)? {
            Some((request, used)) => {
                requests.push(request);
                bytes = &bytes[used..];
            }
            None => {
                return Err(format!(
                    "{} bytes left that are no whole request: {:?}",
                    bytes.len(),
                    String::from_utf8_lossy(bytes)
                ))
            }
        }
    }
    Ok(requests)
}

/// An upstream on a raw socket: it records every byte each connection brings, answers each request it can
/// parse with the same bytes (hostile ones too) and leaves the connection open; what it cannot parse it does
/// not answer.
pub struct RawUpstream {
    pub port: u16,
    connections: Arc<Mutex<Vec<Recording>>>,
}

/// What one connection has brought so far, added to as it arrives.
type Recording = Arc<Mutex<Vec<u8>>>;

impl RawUpstream {
    pub fn start(answer: &[u8]) -> RawUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections: Arc<Mutex<Vec<Recording>>> = Arc::default();
        let accepted = connections.clone();
        let answer = answer.to_vec();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let received = Arc::new(Mutex::new(Vec::new()));
                accepted.lock().unwrap().push(received.clone());
                let answer = answer.clone();
                std::thread::spawn(move || serve_raw(stream, &answer, &received));
            }
        });
        RawUpstream { port, connections }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The bytes each connection has brought so far, in the order they were accepted.
    pub fn received(&self) -> Vec<Vec<u8>> {
        let connections = self.connections.lock().unwrap();
        connections
            .iter()
            .map(|received| received.lock().unwrap().clone())
            .collect()
    }

    pub fn connections(&self) -> usize {
        self.connections.lock().unwrap().len()
    }
}

fn serve_raw(mut stream: TcpStream, answer: &[u8], received: &Mutex<Vec<u8>>) {
    let mut pending = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    let mut answering = true;
    while let Ok(read @ 1..) = stream.read(&mut chunk) {
        received.lock().unwrap().extend_from_slice(&chunk[..read]);
        pending.extend_from_slice(&chunk[..read]);
        while answering {
            match parse_request(&pending) {
                Ok(Some((_, used))) => {
                    pending.drain(..used);
                    answering = stream.write_all(answer).is_ok();
                }
                Ok(None) => break,
                Err(_) => answering = false,
            }
        }
    }
}

/// An upstream whose answers the test writes: each request, parsed (`parse_request`), is recorded and handed to
/// `answer` with the connection to write to; `answer` returns whether the connection takes another request.
pub struct ScriptedUpstream {
    pub port: u16,
    requests: Arc<Mutex<Vec<Parsed>>>,
}

type Answer = dyn Fn(&Parsed, &mut TcpStream) -> bool + Send + Sync;

impl ScriptedUpstream {
    pub fn start(answer: impl Fn(&Parsed, &mut TcpStream) -> bool + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests: Arc<Mutex<Vec<Parsed>>> = Arc::default();
        let recorded = requests.clone();
        let answer: Arc<Answer> = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (recorded, answer) = (recorded.clone(), answer.clone());
                std::thread::spawn(move || serve_scripted(stream, &recorded, &*answer));
            }
        });
        ScriptedUpstream { port, requests }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests it has read so far.
    pub fn requests(&self) -> Vec<Parsed> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve_scripted(mut stream: TcpStream, recorded: &Mutex<Vec<Parsed>>, answer: &Answer) {
    let mut pending = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    while let Ok(read @ 1..) = stream.read(&mut chunk) {
        pending.extend_from_slice(&chunk[..read]);
        while let Ok(Some((request, used))) = parse_request(&pending) {
            pending.drain(..used);
            recorded.lock().unwrap().push(request.clone());
            if !answer(&request, &mut stream) {
                return;
            }
        }
    }
}
