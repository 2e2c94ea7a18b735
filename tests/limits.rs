//! Time and connection limits against the real binary: the keep-alive timeout, --max-connections, the
//! descriptor limit at start and running out of descriptors under 1,000 clients.

mod common;

use common::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const REQUEST: &[u8] = b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\n";

#[test]
fn an_idle_keep_alive_connection_closes_after_the_keep_alive_timeout() {
    let server = Server::start(&["--keep-alive-timeout", "1", "--read-timeout", "30"]);
    let mut replies = ReplyReader::new(server.connect());
    replies.stream.write_all(REQUEST).unwrap();
    assert_eq!(replies.next(false).body, INDEX_BODY);
    let idle_since = Instant::now();
    assert!(replies.closed(), "closed silently");
    let idle = idle_since.elapsed();
    assert!(
        idle >= Duration::from_millis(900) && idle < Duration::from_secs(8),
        "{idle:?}"
    );
}

#[test]
fn the_next_head_is_timed_from_its_first_byte_not_from_the_idle_start() {
    let server = Server::start(&["--keep-alive-timeout", "2", "--read-timeout", "20"]);
    let mut replies = ReplyReader::new(server.connect());
    replies.stream.write_all(REQUEST).unwrap();
    replies.next(false);
    // The next request starts well within the keep-alive timeout and ends well after it.
    std::thread::sleep(Duration::from_millis(200));
    replies
        .stream
        .write_all(b"GET /httptest/dir2/ HTTP/1.1\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    replies
        .stream
        .write_all(b"Host: localhost\r\n\r\n")
        .unwrap();
    assert_eq!(replies.next(false).body, INDEX_BODY);
}

#[test]
fn past_max_connections_new_ones_get_503_and_open_ones_go_on() {
    let server = Server::start(&["--max-connections", "2"]);
    let mut open: Vec<ReplyReader> = (0..2)
        .map(|_| {
            let mut replies = ReplyReader::new(server.connect());
            replies.stream.write_all(REQUEST).unwrap();
            assert_eq!(replies.next(false).status, 200);
            replies
        })
        .collect();

    let mut turned_away = server.connect();
    let mut answer = Vec::new();
    let _ = turned_away.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer:?}");
    assert!(answer.contains("\r\nRetry-After: 1\r\n"), "{answer:?}");

    for replies in &mut open {
        replies.stream.write_all(REQUEST).unwrap();
        assert_eq!(replies.next(false).body, INDEX_BODY);
    }
    // Once one closes, there is room again.
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut stream = server.connect();
        let _ = stream.write_all(b"GET /httptest/dir2/ HTTP/1.0\r\n\r\n");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        if answer.starts_with(b"HTTP/1.1 200 ") {
            break;
        }
        assert!(Instant::now() < deadline, "no room after a close");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Stopping joins the thread that collects stderr, so the log is complete.
    let log = server.stop();
    assert!(log.contains("--max-connections"), "{log}");
}

#[cfg(unix)]
#[test]
fn a_descriptor_limit_below_max_connections_is_warned_about() {
    let server = Server::start_with_open_files(256, &["--max-connections", "1000"]);
    assert_eq!(server.get("/httptest/dir2/").status, 200);
    let log = server.stop();
    assert!(
        log.contains("open-file limit (256)") && log.contains("--max-connections 1000"),
        "{log}"
    );
    let within = Server::start_with_open_files(256, &["--max-connections", "100"]);
    assert_eq!(within.get("/httptest/dir2/").status, 200);
    let log = within.stop();
    assert!(!log.contains("open-file limit"), "{log}");
}

/// With 256 descriptors and 1,000 clients at once, accept(2) fails with EMFILE for a while: lanai logs it once
/// per burst, backs off, and serves normally afterwards with no descriptor left behind.
#[cfg(target_os = "linux")]
#[test]
fn running_out_of_descriptors_is_survived() {
    let server = Server::start_with_open_files(256, &[]);
    assert_eq!(server.get("/httptest/dir2/").status, 200);
    let idle = server.open_descriptors();

    let clients: Vec<_> = (0..1000)
        .map(|_| {
            let addr = server.addr;
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    // Hold the connection while the others pile up, then ask and wait for any ending.
                    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
                        return false;
                    };
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    std::thread::sleep(Duration::from_millis(500));
                    let _ = stream.write_all(b"GET /httptest/dir2/ HTTP/1.0\r\n\r\n");
                    let mut answer = Vec::new();
                    let _ = stream.read_to_end(&mut answer);
                    answer.starts_with(b"HTTP/1.1 200 ")
                })
                .expect("client thread")
        })
        .collect();
    let served = clients
        .into_iter()
        .filter_map(|client| client.join().ok())
        .filter(|&got_200| got_200)
        .count();
    println!("1000 clients under ulimit -n 256: {served} got 200");

    for _ in 0..20 {
        assert_eq!(server.get("/httptest/dir2/").body, INDEX_BODY);
    }
    let left = server.descriptors_settle_to(idle, Duration::from_secs(15));
    assert!(left <= idle, "{left} descriptors open, {idle} when idle");
    let log = server.stop();
    let warnings = log.matches("accept failed").count();
    assert!(
        warnings >= 1,
        "descriptors never ran out, so nothing was proven:\n{log}"
    );
    assert!(
        warnings <= 10,
        "not once per burst: {warnings} lines\n{log}"
    );
}
