//! --proxy against hostile peers (issue 21): clients that try to smuggle a request to the upstream or climb out
//! of its base path, upstreams whose answers cannot be framed, and tunnel peers that stop reading. Each runs the
//! real lanai (binary, or the library's server in-process where a short write stall is needed) in front of a
//! raw-socket upstream started by the test, which records the exact bytes it received.

mod common;

use common::upstream::{parse_all, RawUpstream};
use common::{connect_to, ReplyReader, Server};
use lanai::http::request::Request;
use lanai::http::response::{Body, Response};
use lanai::http::vocabulary::StatusCode;
use lanai::proxy::{Proxy, Settings};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// lanai with `--proxy PREFIX=URL` for each pair (quiet, but warnings still logged).
fn lanai(rules: &[(&str, String)], extra: &[&str]) -> Server {
    let mut args: Vec<String> = rules
        .iter()
        .flat_map(|(prefix, url)| ["--proxy".to_string(), format!("{prefix}={url}")])
        .collect();
    args.extend(extra.iter().map(|arg| arg.to_string()));
    Server::start(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits up to a second for the upstream to have received `at_least` bytes in all, and returns what it has.
fn settled(upstream: &RawUpstream, at_least: usize) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let received = upstream.received();
        if received.iter().map(Vec::len).sum::<usize>() >= at_least || Instant::now() > deadline {
            return received;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_connection_field_naming_a_framing_field_is_a_400_and_nothing_is_forwarded() {
    let upstream = RawUpstream::start(OK);
    let server = lanai(&[("/api", upstream.url())], &[]);
    let smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    for (fields, body) in [
        (
            format!(
                "Connection: keep-alive, Content-Length\r\nContent-Length: {}\r\n",
                smuggled.len()
            ),
            smuggled.to_string(),
        ),
        (
            "Connection: content-length\r\nContent-Length: 0\r\n".to_string(),
            String::new(),
        ),
        (
            "Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n".to_string(),
            format!("{:x}\r\n{smuggled}\r\n0\r\n\r\n", smuggled.len()),
        ),
        ("Connection: close, Host\r\n".to_string(), String::new()),
    ] {
        // The request, then a plain one on the same connection: the body was read as a body, not a request.
        let raw = format!(
            "POST /api/x HTTP/1.1\r\nHost: localhost\r\n{fields}\r\n{body}\
             GET /httptest/dir2/page.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        );
        let mut stream = server.connect();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut replies = ReplyReader::new(stream);
        let refused = replies.next(false);
        assert_eq!(refused.status, 400, "{fields}");
        assert!(
            text(&refused.body).contains("may not name"),
            "{}",
            text(&refused.body)
        );
        if !fields.contains("close") && !fields.contains("chunked") {
            assert_eq!(replies.next(false).status, 200, "{fields}");
        }
    }
    assert_eq!(upstream.connections(), 0, "{:?}", upstream.received());
}

/// What the upstream received for one client request `raw` through lanai: exactly one request, parsed by the
/// test's own parser, and its raw bytes.
fn forwarded(raw: &[u8]) -> (common::upstream::Parsed, String) {
    let upstream = RawUpstream::start(OK);
    let server = lanai(&[("/api", upstream.url())], &[]);
    let reply = server.reply_to(raw);
    assert_eq!(reply.status, 200, "{}", text(raw));
    let received = settled(&upstream, 1).concat();
    let mut requests = parse_all(&received).unwrap();
    assert_eq!(requests.len(), 1, "{}", text(&received));
    (requests.remove(0), text(&received))
}

#[test]
fn what_reaches_the_upstream_is_framed_by_lanai_from_what_it_read() {
    let (repeated, wire) = forwarded(
        b"POST /api/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5, 5\r\ncontent-length: 5\r\n\r\nhello",
    );
    assert_eq!(repeated.body, b"hello");
    assert_eq!(
        wire.to_ascii_lowercase().matches("content-length").count(),
        1,
        "{wire}"
    );
    assert!(wire.contains("\r\nContent-Length: 5\r\n"), "{wire}");

    let (chunked, wire) = forwarded(
        b"POST /api/x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: Chunked\r\n\r\n\
          5;ext=\"a b\"\r\nhello\r\n1 \r\n!\r\n0\r\nX-Trailer: smuggle\r\n\r\n",
    );
    assert_eq!(chunked.body, b"hello!");
    assert!(
        wire.ends_with("\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n"),
        "chunks re-encoded without extensions or trailers: {wire:?}"
    );
    assert!(
        wire.contains("\r\nTransfer-Encoding: chunked\r\n"),
        "{wire}"
    );

    let (empty, wire) =
        forwarded(b"POST /api/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 00\r\n\r\n");
    assert!(empty.body.is_empty());
    assert!(wire.contains("\r\nContent-Length: 0\r\n"), "{wire}");

    // Bare LF line ends are the client's; what goes on is lanai's own CRLF head.
    let (bare, wire) =
        forwarded(b"PUT /api/x HTTP/1.1\nHost: localhost\nContent-Length: 2\nX-A: 1\n\nhi");
    assert_eq!(
        (bare.method.as_str(), bare.body.as_slice()),
        ("PUT", &b"hi"[..])
    );
    assert!(!wire.replace("\r\n", "").contains('\n'), "{wire:?}");
}

#[test]
fn request_heads_lanai_could_frame_two_ways_are_refused_before_any_upstream() {
    let upstream = RawUpstream::start(OK);
    let server = lanai(&[("/api", upstream.url())], &[]);
    for raw in [
        "POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        "POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\nhello!",
        "POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello",
        "POST /api/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST /api/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST /api/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        "POST /api/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /api/x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /api/x HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n Content-Length: 5\r\n\r\n",
        "GET /api/x HTTP/1.1\r\nHost: h\r\nX-A: 1\rContent-Length: 5\r\n\r\n",
        "GET /api/x HTTP/1.1\r\nHost: h\r\nX-A: 1\0\r\n\r\n",
        "GET /api/x HTTP/1.1\r\nHost: h\r\nContent-Length : 5\r\n\r\n",
        "GET /api/x HTTP/1.1\r\nHost: h\r\nHost: other\r\n\r\n",
    ] {
        let reply = server.exchange(raw.as_bytes());
        assert!(reply.starts_with(b"HTTP/1.1 400 "), "{raw:?}: {}", text(&reply));
    }
    // Absolute form is no way around it either.
    let absolute = server.reply_to(
        b"GET http://localhost/api/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(absolute.status, 403);
    assert_eq!(upstream.connections(), 0, "{:?}", upstream.received());
}

#[test]
fn upstream_answers_that_cannot_be_framed_are_a_502_at_once_and_never_pooled() {
    let hostile: [(&str, &[u8]); 17] = [
        (
            "names a framing field",
            b"HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 2\r\n\r\nok",
        ),
        (
            "names a framing field",
            b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Transfer-Encoding\r\nContent-Length: 2\r\n\r\nok",
        ),
        ("not one number", b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok"),
        ("not one number", b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok"),
        ("not one number", b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok"),
        (
            "disagree",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        ),
        ("100-599", b"HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\nok"),
        ("100-599", b"HTTP/1.1 600 High\r\nContent-Length: 2\r\n\r\nok"),
        ("100-599", b"HTTP/1.1 099 Low\r\n\r\n"),
        (
            "Transfer-Encoding",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        ),
        ("Transfer-Encoding", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok"),
        (
            "Transfer-Encoding",
            b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        ),
        ("not HTTP/1.x", b"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\nContent-Length: 2\r\n\r\nok"),
        ("not HTTP/1.x", b"HTTP/1.1 200 OK\r\nX: a\0\r\nContent-Length: 2\r\n\r\nok"),
        (
            "chunked framing",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
        ),
        (
            "chunked framing",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 x\r\nok\r\n0\r\n\r\n",
        ),
        (
            "chunked framing",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nok\r\n",
        ),
    ];
    let upstreams: Vec<RawUpstream> = hostile
        .iter()
        .map(|(_, answer)| RawUpstream::start(answer))
        .collect();
    let rules: Vec<(String, String)> = upstreams
        .iter()
        .enumerate()
        .map(|(index, upstream)| (format!("/h{index}"), upstream.url()))
        .collect();
    let rules: Vec<(&str, String)> = rules
        .iter()
        .map(|(prefix, url)| (prefix.as_str(), url.clone()))
        .collect();
    // A long timeout: an answer that hangs instead of failing shows as a slow test, and fails the time check.
    let server = lanai(&rules, &["--proxy-timeout", "20"]);
    for (index, (cause, answer)) in hostile.iter().enumerate() {
        for attempt in 1..=2 {
            let started = Instant::now();
            let reply = server.get(&format!("/h{index}/x"));
            let page = text(&reply.body);
            assert_eq!(reply.status, 502, "{}: {page}", text(answer));
            assert!(page.contains(cause), "{cause:?} in {page}");
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{}: {:?}",
                text(answer),
                started.elapsed()
            );
            assert_eq!(upstreams[index].connections(), attempt, "{}", text(answer));
        }
        server.log_line(&["proxy:", &upstreams[index].url(), cause, "(502)"]);
    }
}

#[test]
fn odd_but_unambiguous_answers_are_relayed_in_lanais_own_framing() {
    let cases: [(&[u8], &[u8]); 4] = [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\nok", b"ok"),
        (b"HTTP/1.1 200 OK\nContent-Length: 2\nX-A: 1\n\nok", b"ok"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b\r\nok\r\n1 \r\n!\r\n0\r\nX-T: 1\r\n\r\n",
            b"ok!",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 002\r\n\r\nok", b"ok"),
    ];
    for (answer, body) in cases {
        let upstream = RawUpstream::start(answer);
        let server = lanai(&[("/api", upstream.url())], &[]);
        let mut stream = server.connect();
        stream
            .write_all(b"GET /api/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let whole = common::read_to_close(&mut stream);
        let (head, rest) = text(&whole)
            .split_once("\r\n\r\n")
            .map(|(head, rest)| (head.to_string(), rest.to_string()))
            .unwrap();
        let lengths = head.to_ascii_lowercase().matches("content-length").count();
        let chunked = head.contains("Transfer-Encoding: chunked");
        if chunked {
            assert_eq!(lengths, 0, "{head}");
            assert_eq!(rest.as_bytes(), b"2\r\nok\r\n1\r\n!\r\n0\r\n\r\n", "{head}");
        } else {
            assert!(
                head.contains(&format!("\r\nContent-Length: {}", body.len())),
                "{head}"
            );
            assert_eq!(lengths, 1, "{head}");
            assert_eq!(rest.as_bytes(), body, "{head}");
        }
    }
}

#[test]
fn paths_that_climb_out_of_the_base_path_once_decoded_are_refused() {
    let upstream = RawUpstream::start(OK);
    let server = lanai(&[("/api", format!("{}/base", upstream.url()))], &[]);
    for path in [
        "/api/..%2fsecret.txt",
        "/api/..%2Fsecret.txt",
        "/api/%2e%2e%2fsecret.txt",
        "/api/a%2f..%2f..%2fsecret.txt",
        "/api/..%5csecret.txt",
        "/api/..\\secret.txt",
        "/api/.%2e/secret.txt",
        "/api/..;/secret.txt",
        "/api/..%3b/secret.txt",
        "/api/..%00/secret.txt",
        "/api/..%23/secret.txt",
        "/api/%zz",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 400, "{path}");
    }
    assert_eq!(upstream.connections(), 0, "{:?}", upstream.received());
    // What stays inside is passed byte for byte.
    assert_eq!(server.get("/api/a%2fb/..x/%2e?q=..%2f").status, 200);
    let received = text(&settled(&upstream, 1).concat());
    assert!(
        received.starts_with("GET /base/a%2fb/..x/%2e?q=..%2f HTTP/1.1\r\n"),
        "{received}"
    );
}

/// The library's own server in this process, with `--proxy /ws=upstream` and a short write stall.
fn lanai_in_process(upstream_port: u16, stall: Duration) -> std::net::SocketAddr {
    let rule = format!("/ws=http://127.0.0.1:{upstream_port}");
    let settings = Settings {
        timeout: Duration::from_secs(5),
        keep_host: false,
        insecure: false,
    };
    let proxy = Proxy::new(&[rule], &settings).unwrap();
    common::serve_in_process(
        move |request: &Request<'_>| {
            proxy
                .route(request)
                .unwrap_or_else(|| Response::new(StatusCode::NotFound, Body::Empty))
        },
        stall,
    )
}

/// A WebSocket upstream that answers 101, then either floods the client (`flood`) or reads nothing at all.
/// Returns its port and its thread, which, flooding, says how long after the 101 lanai let go of it.
fn websocket_upstream(flood: bool) -> (u16, std::thread::JoinHandle<Duration>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let upstream = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).unwrap(), 1);
            head.push(byte[0]);
        }
        stream
            .write_all(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            .unwrap();
        let switched = Instant::now();
        if flood {
            flood_until_closed(&mut stream);
            return switched.elapsed();
        }
        // Reads nothing, and holds its end open longer than the test waits.
        std::thread::sleep(Duration::from_secs(20));
        switched.elapsed()
    });
    (port, upstream)
}

/// Writes until the peer is gone (a reset or a broken pipe); a write that stalls for 20 s fails the test.
fn flood_until_closed(stream: &mut TcpStream) {
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let chunk = vec![0x82u8; 64 * 1024];
    let error = loop {
        if let Err(error) = stream.write_all(&chunk) {
            break error;
        }
    };
    let stalled = matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
    assert!(!stalled, "lanai kept the tunnel open: {error}");
}

fn open_tunnel(addr: std::net::SocketAddr) -> TcpStream {
    let mut client = connect_to(addr);
    client
        .write_all(b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(client.read(&mut byte).unwrap(), 1, "{}", text(&head));
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101 "), "{}", text(&head));
    client
}

#[test]
fn a_tunnel_whose_client_stops_reading_ends_after_the_write_stall() {
    let (port, upstream) = websocket_upstream(true);
    let addr = lanai_in_process(port, Duration::from_millis(500));
    let _client = open_tunnel(addr);
    // The client reads nothing more; the flood fills every buffer, then lanai's write to the client stalls.
    let held = upstream.join().unwrap();
    assert!(held < Duration::from_secs(8), "tunnel held for {held:?}");
}

#[test]
fn a_tunnel_whose_upstream_stops_reading_ends_after_the_write_stall() {
    let (port, _upstream) = websocket_upstream(false);
    let addr = lanai_in_process(port, Duration::from_millis(500));
    let mut client = open_tunnel(addr);
    let started = Instant::now();
    flood_until_closed(&mut client);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "tunnel held for {:?}",
        started.elapsed()
    );
}
