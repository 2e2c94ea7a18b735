//! HTTP/1.x connection rules against the real binary: keep-alive, pipelining, framing, limits, errors.

mod common;

use common::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = Server::start(&[]);
    let mut stream = server.connect();
    let requests = "GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\n\
                    GET /httptest/dir2/page.html HTTP/1.1\r\nHost: localhost\r\n\r\n\
                    GET /httptest/dir1/dir12/dir123/deep.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    stream.write_all(requests.as_bytes()).unwrap();
    let mut replies = ReplyReader::new(stream);
    assert_eq!(replies.next(false).body, INDEX_BODY);
    assert_eq!(replies.next(false).body, PAGE_BODY);
    let last = replies.next(false);
    assert_eq!(last.body, DEEP_BODY);
    assert_eq!(last.header("Connection"), Some("close"));
    assert!(replies.closed());
}

#[test]
fn http_1_1_keeps_alive_until_asked_to_close() {
    let server = Server::start(&[]);
    let mut replies = ReplyReader::new(server.connect());
    for _ in 0..3 {
        replies
            .stream
            .write_all(b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let reply = replies.next(false);
        assert_eq!(reply.header("Connection"), Some("keep-alive"));
        assert_eq!(reply.body, INDEX_BODY);
    }
    replies
        .stream
        .write_all(b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(replies.next(false).header("Connection"), Some("close"));
    assert!(replies.closed());
}

#[test]
fn http_1_0_closes_unless_keep_alive_is_asked() {
    let server = Server::start(&[]);
    let raw = server.exchange(b"GET /httptest/dir2/ HTTP/1.0\r\n\r\n");
    let text = String::from_utf8(raw).unwrap();
    assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
    assert!(text.ends_with("Directory index file</html>\n"), "{text}");

    // ApacheBench's -k: HTTP/1.0 with Connection: Keep-Alive, many requests on one connection.
    let mut replies = ReplyReader::new(server.connect());
    for _ in 0..3 {
        replies
            .stream
            .write_all(b"GET /httptest/dir2/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            .unwrap();
        let reply = replies.next(false);
        assert_eq!(reply.header("Connection"), Some("keep-alive"));
        assert_eq!(reply.body, INDEX_BODY);
    }
}

#[test]
fn every_response_has_date_and_connection() {
    let server = Server::start(&[]);
    for target in ["/httptest/dir2/", "/missing", "/httptest/dir2"] {
        let reply = server.get(target);
        let date = reply
            .header("Date")
            .unwrap_or_else(|| panic!("{target}: no Date"));
        assert!(httpdate_like(date), "{target}: Date {date:?}");
        assert!(reply.header("Connection").is_some(), "{target}");
        assert!(reply.header("Content-Length").is_some(), "{target}");
    }
}

/// IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
fn httpdate_like(value: &str) -> bool {
    let parts: Vec<&str> = value.split(' ').collect();
    parts.len() == 6
        && parts[0].len() == 4
        && parts[0].ends_with(',')
        && parts[1].len() == 2
        && parts[2].len() == 3
        && parts[3].len() == 4
        && parts[4].len() == 8
        && parts[5] == "GMT"
}

#[test]
fn a_request_body_does_not_desynchronise_the_connection() {
    let server = Server::start(&[]);
    let mut replies = ReplyReader::new(server.connect());
    replies
        .stream
        .write_all(
            b"POST /httptest/dir2/page.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\n",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    // The body arrives in a later packet, and looks like a request line on purpose.
    replies.stream.write_all(b"GET /x HTTP").unwrap();
    replies
        .stream
        .write_all(b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    assert_eq!(replies.next(false).status, 405);
    let second = replies.next(false);
    assert_eq!(second.status, 200);
    assert_eq!(second.body, INDEX_BODY);
}

#[test]
fn a_chunked_body_closes_the_connection_after_the_answer() {
    let server = Server::start(&[]);
    let raw = server.exchange(
        b"POST /httptest/dir2/page.html HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    let text = String::from_utf8(raw).unwrap();
    assert!(text.starts_with("HTTP/1.1 405 "), "{text}");
    assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
}

fn status_of(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn malformed_requests_get_400_and_a_close() {
    let server = Server::start(&[]);
    for raw in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n",
        b"GET /httptest/dir2/ HTTP/1.1\r\nHost : h\r\n\r\n",
        b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\nX-Folded: a\r\n b\r\n\r\n",
        b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\nX-Control: a\x01b\r\n\r\n",
        b"GET /httptest/dir2/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET nothing HTTP/1.1\r\nHost: localhost\r\n\r\n",
    ] {
        let reply = server.exchange(raw);
        assert!(status_of(&reply).starts_with("HTTP/1.1 400 "), "{:?} → {:?}", String::from_utf8_lossy(raw), status_of(&reply));
        assert!(String::from_utf8_lossy(&reply).contains("\r\nConnection: close\r\n"));
    }
    // A well-framed request whose path cannot be decoded is a 400 too, but the connection may go on.
    assert_eq!(server.get("/%zz").status, 400);
}

#[test]
fn oversized_heads_are_refused() {
    let server = Server::start(&[]);
    let long_line = format!(
        "GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "a".repeat(9000)
    );
    assert!(status_of(&server.exchange(long_line.as_bytes())).starts_with("HTTP/1.1 414 "));
    let big_head = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
        "a".repeat(17 * 1024)
    );
    assert!(status_of(&server.exchange(big_head.as_bytes())).starts_with("HTTP/1.1 431 "));
    let many = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\n{}\r\n",
        "X-Field: v\r\n".repeat(101)
    );
    assert!(status_of(&server.exchange(many.as_bytes())).starts_with("HTTP/1.1 431 "));
    assert_eq!(server.get("/httptest/dir2/").status, 200);
}

#[test]
fn other_http_versions_are_refused() {
    let server = Server::start(&[]);
    let future = server.exchange(b"GET / HTTP/3.0\r\n\r\n");
    assert!(
        status_of(&future).starts_with("HTTP/1.1 505 "),
        "{}",
        status_of(&future)
    );
    // HTTP/2's preface is only HTTP/2 at a connection's start: after a request it is a head of another version.
    let late = server.exchange(
        b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    );
    let late = String::from_utf8_lossy(&late);
    assert!(late.starts_with("HTTP/1.1 200 "), "{late}");
    assert!(late.contains("HTTP/1.1 505 "), "{late}");
}

#[test]
fn a_connection_opening_with_the_http2_preface_is_served_http2() {
    let server = Server::start(&[]);
    let mut stream = server.connect();
    // The preface, sent in two pieces, then an empty SETTINGS frame.
    stream.write_all(b"PRI * HTTP/2.0\r\n\r\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    stream.write_all(b"SM\r\n\r\n\0\0\0\x04\0\0\0\0\0").unwrap();
    let mut frame_head = [0u8; 9];
    stream.read_exact(&mut frame_head).unwrap();
    assert_eq!(frame_head[3], 0x4, "a SETTINGS frame first: {frame_head:?}");
    assert_eq!(&frame_head[5..], &[0, 0, 0, 0], "on stream 0");
}

#[test]
fn absolute_form_targets_use_their_path_and_their_host() {
    let server = Server::start(&[]);
    let reply = server.get("http://localhost:80/httptest/dir2/page.html?q=1");
    assert_eq!(reply.body, PAGE_BODY);
    // The target's host is checked in place of the Host field (here `localhost`).
    let foreign = server.get("http://example.com/httptest/dir2/page.html");
    assert_eq!(foreign.status, 403);
}

#[test]
fn directory_without_slash_redirects_keeping_the_query() {
    let server = Server::start(&[]);
    let reply = server.get("/httptest/dir2?x=1");
    assert_eq!(reply.status, 301);
    assert_eq!(reply.header("Location"), Some("/httptest/dir2/?x=1"));
    // A doubled leading slash must not become a link to another host.
    std::fs::create_dir(server.root.path().join("evil.example")).unwrap();
    assert_eq!(
        server.get("//evil.example").header("Location"),
        Some("/evil.example/")
    );
}

#[test]
fn hidden_files_are_not_served() {
    let server = Server::start(&[]);
    write(&server.root.path().join(".env"), b"SECRET=1");
    write(&server.root.path().join(".git/config"), b"[core]");
    assert_eq!(server.get("/.env").status, 404);
    assert_eq!(server.get("/.git/config").status, 404);
    assert_eq!(server.get("/%2eenv").status, 404);
}

#[test]
fn an_incomplete_head_times_out_with_408() {
    let server = Server::start(&["--read-timeout", "1"]);
    let mut stream = server.connect();
    let started = Instant::now();
    stream
        .write_all(b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    let reply = read_to_close(&mut stream);
    assert!(
        status_of(&reply).starts_with("HTTP/1.1 408 "),
        "{}",
        status_of(&reply)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_trickled_head_is_bounded_as_a_whole() {
    let server = Server::start(&["--read-timeout", "1"]);
    let mut stream = server.connect();
    let started = Instant::now();
    // One byte every 200 ms never completes the head; the timeout covers the whole head, not each read.
    for byte in
        b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa".iter()
    {
        if stream.write_all(&[*byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        if started.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    assert!(
        status_of(&received).starts_with("HTTP/1.1 408 "),
        "{}",
        status_of(&received)
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_idle_connection_is_closed_silently() {
    // A new connection's first request is under --read-timeout, however long --keep-alive-timeout is.
    let server = Server::start(&["--read-timeout", "1", "--keep-alive-timeout", "60"]);
    let mut stream = server.connect();
    let started = Instant::now();
    assert!(read_to_close(&mut stream).is_empty());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(8),
        "{waited:?}"
    );
}

#[test]
fn a_connection_that_speaks_late_is_answered() {
    // Past the kernel's deferred-accept second, lanai takes the connection silent and must wait for its request
    // on the reactor; a request that comes with its connection is answered without one. Both are served alike.
    let server = Server::start(&["--read-timeout", "10"]);
    let mut late = server.connect();
    std::thread::sleep(Duration::from_millis(2500));
    late.write_all(b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut replies = ReplyReader::new(late.try_clone().unwrap());
    let first = replies.next(false);
    assert_eq!(first.status, 200);
    late.write_all(b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let second = replies.next(false);
    assert_eq!((second.status, second.body), (200, first.body));
    assert_eq!(server.get("/httptest/dir2/").status, 200);
}
