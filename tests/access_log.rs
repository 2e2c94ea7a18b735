//! Every answer lanai gives has its access-log line, refusals of unreadable heads included (400, 408, 414, 431,
//! 503), with the request line as far as it arrived; a download the client breaks off logs the bytes that went.

mod common;

use common::*;
use std::io::{Read, Write};

#[test]
fn malformed_and_oversized_heads_are_logged_with_their_request_line() {
    let server = Server::logging(&[]);
    server.exchange(b"GET /bad HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n");
    server.log_line(&["127.0.0.1 \"GET /bad HTTP/1.1\" 400 "]);

    let long_target = format!("/{}", "a".repeat(9000));
    server.exchange(format!("GET {long_target} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes());
    let line = server.log_line(&["\"GET /aaaa", "...\" 414 "]);
    assert!(line.len() < 400, "the line is cut: {line}");

    let fields: String = (0..120).map(|index| format!("X-{index}: v\r\n")).collect();
    server.exchange(format!("GET /many HTTP/1.1\r\nHost: localhost\r\n{fields}\r\n").as_bytes());
    server.log_line(&["\"GET /many HTTP/1.1\" 431 "]);

    server.exchange(b"GET /q\"\x01 HTTP/1.1\r\n\r\n");
    server.log_line(&["\"GET /q\\\"\\x01 HTTP/1.1\" 400 "]);
}

#[test]
fn a_quote_in_a_served_target_cannot_split_the_log_line() {
    let server = Server::logging(&[]);
    let answer =
        server.exchange(b"GET /a\"b\"c HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert!(
        answer.starts_with(b"HTTP/1.1 404 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let line = server.log_line(&["\"GET /a\\\"b\\\"c HTTP/1.1\" 404 "]);
    let unescaped_quotes = line.matches('"').count() - line.matches("\\\"").count();
    assert_eq!(unescaped_quotes, 2, "{line}");
}

#[test]
fn a_head_not_complete_in_time_is_logged_as_408() {
    let server = Server::logging(&["--read-timeout", "1"]);
    let mut stream = server.connect();
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nHost: loc")
        .unwrap();
    let answer = read_to_close(&mut stream);
    assert!(answer.starts_with(b"HTTP/1.1 408 "));
    server.log_line(&["\"GET /slow HTTP/1.1\" 408 "]);
}

#[test]
fn connections_past_the_limit_are_logged_as_503() {
    let server = Server::logging(&["--max-connections", "1"]);
    let mut held = server.connect();
    held.write_all(b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    held.read_exact(&mut head).unwrap();
    let answer = read_to_close(&mut server.connect());
    assert!(answer.starts_with(b"HTTP/1.1 503 "));
    server.log_line(&["127.0.0.1 \"-\" 503 "]);
}

#[test]
fn a_broken_off_download_logs_the_bytes_that_went() {
    let server = Server::logging(&[]);
    big_file(&server);
    let mut stream = server.connect();
    let (_head, mut received) = start_download(&mut stream, "/big.bin");
    let mut chunk = vec![0u8; 64 * 1024];
    while received < 1 << 20 {
        received += stream.read(&mut chunk).unwrap() as u64;
    }
    drop(stream);
    let line = server.log_line(&["\"GET /big.bin HTTP/1.1\" 200 "]);
    let bytes: u64 = line
        .split("\" 200 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("a byte count in {line}"));
    assert!(
        bytes >= received && bytes < BIG_LEN,
        "{bytes} logged, {received} received of {BIG_LEN}"
    );
}
