//! --live against the real binary: the event stream over a raw socket, the injected script, and what is left out.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Opens the event stream and returns the socket once the head has been read.
fn open_events(server: &Server) -> (TcpStream, String) {
    let mut stream = server.connect();
    stream
        .write_all(
            b"GET /.lanai/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n",
        )
        .unwrap();
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "stream closed in its head"
        );
        received.push(byte[0]);
    }
    let head = String::from_utf8(received).unwrap();
    // Let the watcher settle before the test changes anything.
    std::thread::sleep(Duration::from_millis(200));
    (stream, head)
}

/// Reads until `wanted` has arrived, returning how long that took.
fn wait_for(stream: &mut TcpStream, wanted: &str) -> (Duration, String) {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut received = String::new();
    let mut chunk = [0u8; 1024];
    while !received.contains(wanted) {
        let read = stream
            .read(&mut chunk)
            .unwrap_or_else(|error| panic!("waiting for {wanted:?}: {error}; got {received:?}"));
        assert!(
            read > 0,
            "stream closed while waiting for {wanted:?}; got {received:?}"
        );
        received.push_str(&String::from_utf8_lossy(&chunk[..read]));
    }
    (started.elapsed(), received)
}

#[test]
fn a_change_reaches_the_event_stream_within_a_second() {
    let server = Server::start(&["--live"]);
    assert!(
        server.banner.contains("with live reload"),
        "{}",
        server.banner
    );
    let (mut events, head) = open_events(&server);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("\r\nContent-Type: text/event-stream\r\n"),
        "{head}"
    );
    assert!(!head.contains("Content-Length"), "{head}");
    write(
        &server.root.path().join("httptest/dir2/page.html"),
        b"<html><body>changed</body></html>",
    );
    let (elapsed, text) = wait_for(&mut events, "event: reload\n");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}: {text:?}");
}

#[test]
fn a_stylesheet_change_is_a_css_event_naming_its_path() {
    let server = Server::start(&["--live"]);
    let (mut events, _) = open_events(&server);
    write(
        &server.root.path().join("httptest/splash.css"),
        b"body { color: teal }",
    );
    let (elapsed, text) = wait_for(&mut events, "event: css\ndata: /httptest/splash.css\n\n");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    assert!(!text.contains("event: reload"), "{text:?}");
}

#[test]
fn hidden_files_are_not_announced() {
    let server = Server::start(&["--live"]);
    let (mut events, _) = open_events(&server);
    write(&server.root.path().join(".git/index"), b"git at work");
    write(
        &server.root.path().join("httptest/.page.html.swp"),
        b"editor swap",
    );
    std::thread::sleep(Duration::from_millis(400));
    write(&server.root.path().join("httptest/splash.css"), b"body {}");
    let (_, text) = wait_for(&mut events, "event: css\n");
    assert!(
        !text.contains("reload"),
        "a hidden file caused a reload: {text:?}"
    );
}

#[test]
fn pages_carry_the_script_with_their_own_length_and_tag() {
    let live = Server::start(&["--live"]);
    let root = live.root.path().to_str().unwrap().to_string();
    let plain = Server::launch(tempfile::tempdir().unwrap(), &[&root]);

    let page = live.get("/httptest/dir2/page.html");
    let expected =
        b"<html><body>Page Sample<script src=\"/.lanai/live.js\"></script></body></html>\n";
    assert_eq!(page.body, expected);
    assert_eq!(
        page.header("Content-Length"),
        Some(expected.len().to_string().as_str())
    );
    let plain_page = plain.get("/httptest/dir2/page.html");
    assert_eq!(plain_page.body, PAGE_BODY);
    assert_ne!(page.header("ETag"), plain_page.header("ETag"));

    let tail = live.get_with("/httptest/dir2/page.html", &["Range: bytes=-20"]);
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body, &expected[expected.len() - 20..]);

    // Without </body>, at the end; other types untouched.
    assert!(live
        .get("/httptest/dir2/")
        .body
        .ends_with(b"</html>\n<script src=\"/.lanai/live.js\"></script>"));
    assert_eq!(
        live.get("/httptest/dir1/dir12/dir123/deep.txt").body,
        DEEP_BODY
    );
    let script = live.get("/.lanai/live.js");
    assert_eq!(script.header("Content-Type"), Some("text/javascript"));
    assert!(String::from_utf8_lossy(&script.body).contains("EventSource(\"/.lanai/events\")"));
}

#[test]
fn compressed_pages_fall_back_to_the_injected_identity_body() {
    let server = Server::start(&["--live"]);
    std::thread::sleep(Duration::from_millis(20));
    write(
        &server.root.path().join("httptest/dir2/page.html.gz"),
        b"gzip bytes",
    );
    let page = server.get_with("/httptest/dir2/page.html", &["Accept-Encoding: gzip"]);
    assert_eq!(page.header("Content-Encoding"), None);
    assert!(page
        .body
        .ends_with(b"<script src=\"/.lanai/live.js\"></script></body></html>\n"));
}

#[test]
fn without_live_the_reserved_paths_are_ordinary() {
    let server = Server::start(&[]);
    assert_eq!(server.get("/.lanai/events").status, 404);
    assert_eq!(server.get("/httptest/dir2/page.html").body, PAGE_BODY);
}

#[test]
fn the_script_goes_first_in_the_head_to_hear_the_page_s_own_errors() {
    let server = Server::start(&["--live"]);
    write(
        &server.root.path().join("app.html"),
        b"<!DOCTYPE html><html><head><script src=\"/app.js\"></script></head><body></body></html>",
    );
    assert_eq!(
        server.get("/app.html").body,
        b"<!DOCTYPE html><html><head><script src=\"/.lanai/live.js\"></script><script src=\"/app.js\"></script>\
          </head><body></body></html>"
    );
    let script = String::from_utf8(server.get("/.lanai/live.js").body).unwrap();
    assert!(script.contains("fetch(\"/.lanai/console?\""), "{script}");
}
