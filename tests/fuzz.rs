//! Property tests: random and mutated request bytes thrown at the head parser and at a live connection. Nothing
//! may panic, and every outcome is an answer the handler gave, a refusal (4xx, or 505 for another HTTP
//! version) followed by a close, or a close.

mod common;

use common::*;
use lanai::http::connection::WRITE_STALL;
use lanai::http::request::{self, Request};
use lanai::http::response::{Body, Response};
use proptest::prelude::*;
use std::io::Write;
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Well-formed requests that mutations start from.
const TEMPLATES: &[&str] = &[
    "GET /a/b.html?x=1 HTTP/1.1\r\nHost: h\r\n\r\n",
    "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    "GET http://h/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
];

/// Pieces of HTTP that random heads are assembled from, so they get past the first byte often.
const PIECES: &[&str] = &[
    "GET",
    "HEAD",
    "POST",
    "get",
    " ",
    "  ",
    "/",
    "/a",
    "*",
    "http://h",
    "?q",
    "%2e",
    "%",
    "HTTP/1.1",
    "HTTP/1.0",
    "HTTP/2.0",
    "HTTP/1.",
    "\r\n",
    "\n",
    "\r",
    "\t",
    ":",
    ": ",
    "Host",
    "Content-Length",
    "Transfer-Encoding",
    "chunked",
    "Connection",
    "close",
    "keep-alive",
    "Expect",
    "0",
    "5",
    "-1",
    "99999999999999999999",
    ",",
    "\0",
    "\x7f",
    "\u{e9}",
    "\r\n\r\n",
];

/// A mutation: overwrite, insert or delete one byte at a position (taken modulo the length).
fn mutate(mut bytes: Vec<u8>, mutations: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(position, kind, byte) in mutations {
        let at = position % (bytes.len() + 1);
        match kind {
            0 if at < bytes.len() => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

fn request_bytes() -> impl Strategy<Value = Vec<u8>> {
    let mutated = (
        prop::sample::select(TEMPLATES),
        prop::collection::vec((any::<usize>(), 0u8..3, any::<u8>()), 0..6),
    )
        .prop_map(|(template, mutations)| mutate(template.as_bytes().to_vec(), &mutations));
    let assembled = prop::collection::vec(prop::sample::select(PIECES), 0..40)
        .prop_map(|pieces| pieces.concat().into_bytes());
    let random = prop::collection::vec(any::<u8>(), 0..512);
    prop_oneof![mutated, assembled, random]
}

fn is_refusal(status: u16) -> bool {
    (400..500).contains(&status) || status == 505
}

/// Counts panics anywhere in this test binary, including ones the connection catches for itself.
fn panics() -> &'static AtomicUsize {
    static PANICS: OnceLock<AtomicUsize> = OnceLock::new();
    PANICS.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.get().unwrap().fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
        AtomicUsize::new(0)
    })
}

/// A server in this process whose handler answers every request it is given with an empty 200 (so GET and HEAD
/// answers look alike).
fn answering_server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        serve_in_process(
            |_: &Request<'_>| Response::new(lanai::http::vocabulary::StatusCode::Ok, Body::Empty),
            WRITE_STALL,
        )
    })
}

/// Splits what the server sent into statuses; a head without a Content-Length, or a truncated one, fails.
fn statuses(mut received: &[u8]) -> Result<Vec<u16>, String> {
    let mut found = Vec::new();
    while !received.is_empty() {
        let end = received
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .ok_or("a response head without its end")?;
        let head = std::str::from_utf8(&received[..end]).map_err(|_| "a head that is not text")?;
        let status = head
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .ok_or(format!("no status line in {head:?}"))?;
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("Content-Length: "))
            .and_then(|value| value.parse().ok())
            .ok_or(format!("no Content-Length in {head:?}"))?;
        received = received.get(end + 4 + length..).ok_or("a truncated body")?;
        found.push(status);
    }
    Ok(found)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsing_never_panics_and_refuses_with_4xx_or_505(bytes in request_bytes()) {
        let before = panics().load(Ordering::SeqCst);
        if let Err(error) = request::parse(&bytes) {
            prop_assert!(is_refusal(error.status() as u16), "{:?}", error);
        }
        prop_assert_eq!(panics().load(Ordering::SeqCst), before);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_connection_answers_or_refuses_and_closes(bytes in request_bytes()) {
        let before = panics().load(Ordering::SeqCst);
        let mut stream = connect_to(answering_server());
        // The server may close before taking everything; what it sent is still there to read.
        let _ = stream.write_all(&bytes);
        let _ = stream.shutdown(Shutdown::Write);
        let (received, ending) = {
            let mut received = Vec::new();
            let ending = std::io::Read::read_to_end(&mut stream, &mut received).err().map(|error| error.kind());
            (received, ending)
        };
        prop_assert!(ending.is_none(), "no clean close: {:?}", ending);
        let statuses = statuses(&received).map_err(|why| TestCaseError::fail(format!("{why}: {:?}", String::from_utf8_lossy(&received))))?;
        if let Some((last, answered)) = statuses.split_last() {
            prop_assert!(answered.iter().all(|&status| status == 200), "{:?}", statuses);
            prop_assert!(*last == 200 || is_refusal(*last), "{:?}", statuses);
        }
        prop_assert_eq!(panics().load(Ordering::SeqCst), before);
    }
}
