//! Graceful shutdown of the real binary: SIGTERM or SIGINT stops accepting, lets responses in flight finish
//! within --shutdown-timeout, closes idle connections and exits 0; a second signal exits at once.
#![cfg(unix)]

mod common;

use common::*;
use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[test]
fn a_signal_lets_downloads_finish_closes_idle_connections_and_exits_0() {
    let mut server = Server::start(&[]);
    big_file(&server);
    let mut idle = ReplyReader::new(server.connect());
    idle.stream
        .write_all(b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    assert_eq!(idle.next(false).status, 200);
    let mut download = server.connect();
    let (_, first_bytes) = start_download(&mut download, "/big.bin");

    server.signal("TERM");
    assert!(idle.closed(), "the idle connection is closed");
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(server.addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "still accepting after the signal"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.exit_status(Duration::from_millis(200)).is_none(),
        "left before the download ended"
    );

    let (rest, ending) = read_rest(&mut download);
    assert_eq!(ending, None);
    assert_eq!(first_bytes + rest, BIG_LEN, "the download was cut short");
    let status = server.exit_status(Duration::from_secs(10)).expect("exits");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_shutdown_timeout_bounds_the_wait_for_a_client_that_does_not_read() {
    let (mut server, _stalled) = stalled_download(&["--shutdown-timeout", "1"]);
    let signalled = Instant::now();
    server.signal("INT");
    let status = server.exit_status(Duration::from_secs(10)).expect("exits");
    assert_eq!(status.code(), Some(0));
    assert!(
        signalled.elapsed() >= Duration::from_millis(900),
        "{:?}",
        signalled.elapsed()
    );
}

#[test]
fn a_second_signal_exits_at_once() {
    let (mut server, _stalled) = stalled_download(&["--shutdown-timeout", "300"]);
    server.signal("TERM");
    // Still waiting for the stalled download...
    assert!(server.exit_status(Duration::from_millis(500)).is_none());
    server.signal("INT");
    let status = server
        .exit_status(Duration::from_secs(10))
        .expect("exits at once");
    assert_eq!(status.code(), Some(130));
}

/// lanai with `args`, and a client that started a large download and reads no more of it.
fn stalled_download(args: &[&str]) -> (Server, TcpStream) {
    let server = Server::start(args);
    big_file(&server);
    let mut stalled = server.connect();
    start_download(&mut stalled, "/big.bin");
    (server, stalled)
}
