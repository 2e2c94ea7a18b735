//! Faults: a file truncated while it is sent, clients that vanish or stop reading, and a panicking handler.
//! The first two run against the real binary; the last two drive the real server and connection code in
//! process, with a short write stall and a handler that panics, so no panic path exists in lanai itself.

mod common;

use common::*;
use lanai::http::connection::WRITE_STALL;
use lanai::http::request::Request;
use lanai::http::response::{Body, Response};
use std::fs::File;
use std::io::{Read, Write};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

#[test]
fn a_file_truncated_while_sent_ends_that_connection_and_the_next_request_sees_it() {
    let server = Server::start(&[]);
    let path = big_file(&server);
    let mut stream = server.connect();
    let (head, _) = start_download(&mut stream, "/big.bin");
    assert!(
        head.contains(&format!("Content-Length: {BIG_LEN}\r\n")),
        "{head}"
    );
    // Let the socket buffers fill, so the server is part-way through the file.
    std::thread::sleep(Duration::from_millis(300));
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1000)
        .unwrap();

    let started = Instant::now();
    let (body, ending) = read_rest(&mut stream);
    assert_eq!(ending, None, "no clean end after {body} bytes");
    assert!(body < BIG_LEN, "a whole body from a truncated file");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );

    let reply = server.get("/big.bin");
    assert_eq!(reply.header("Content-Length"), Some("1000"));
    assert_eq!(reply.body, vec![0u8; 1000]);
}

#[cfg(target_os = "linux")]
#[test]
fn clients_that_disconnect_mid_transfer_free_their_descriptors_at_once() {
    let server = Server::start(&[]);
    big_file(&server);
    assert_eq!(server.get("/httptest/dir2/").status, 200);
    // The file cache keeps a large file open once it is served: that descriptor is part of the idle count.
    assert_eq!(server.request("HEAD", "/big.bin").status, 200);
    let idle = server.descriptors_settle_to(0, Duration::from_millis(300));
    let downloads: Vec<std::net::TcpStream> = (0..20)
        .map(|_| {
            let mut stream = server.connect();
            start_download(&mut stream, "/big.bin");
            stream
        })
        .collect();
    assert!(server.open_descriptors() >= idle + 20);
    drop(downloads);
    // Far below the 30 s write stall: the failed write itself must end each connection.
    let left = server.descriptors_settle_to(idle, Duration::from_secs(5));
    assert!(left <= idle, "{left} descriptors open, {idle} when idle");
}

#[test]
fn a_client_that_stops_reading_is_dropped_after_the_write_stall() {
    let addr = serve_in_process(
        |_: &Request<'_>| {
            Response::new(
                lanai::http::vocabulary::StatusCode::Ok,
                Body::Bytes(vec![b'x'; BIG_LEN as usize]),
            )
        },
        Duration::from_secs(1),
    );
    let mut stream = connect_to(addr);
    start_download(&mut stream, "/");
    // Read nothing for well over the stall; then what the server had written before giving up is all there is.
    std::thread::sleep(Duration::from_secs(4));
    let (body, ending) = read_rest(&mut stream);
    assert!(
        matches!(ending, None | Some(std::io::ErrorKind::ConnectionReset)),
        "{ending:?} after {body} bytes"
    );
    assert!(
        body < BIG_LEN,
        "the server waited for a client that stopped reading"
    );
}

#[test]
fn a_panic_ends_only_its_own_connection_and_is_logged_with_the_request_line() {
    captured_log();
    let addr = serve_in_process(
        |request: &Request<'_>| {
            assert!(request.path() != "/explode", "handler exploded");
            Response::new(
                lanai::http::vocabulary::StatusCode::Ok,
                Body::Bytes(b"fine".to_vec()),
            )
        },
        WRITE_STALL,
    );
    let mut bystander = ReplyReader::new(connect_to(addr));
    let ask = b"GET /calm HTTP/1.1\r\nHost: localhost\r\n\r\n";
    bystander.stream.write_all(ask).unwrap();
    assert_eq!(bystander.next(false).body, b"fine");

    let mut victim = connect_to(addr);
    victim
        .write_all(b"GET /explode HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = victim.read_to_end(&mut answer);
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));

    bystander.stream.write_all(ask).unwrap();
    assert_eq!(bystander.next(false).body, b"fine");
    let mut newcomer = ReplyReader::new(connect_to(addr));
    newcomer.stream.write_all(ask).unwrap();
    assert_eq!(newcomer.next(false).body, b"fine");

    // The connection closes while the panic unwinds, a moment before its report is logged.
    let reported = "panic while answering \"GET /explode HTTP/1.1\": handler exploded";
    let deadline = Instant::now() + Duration::from_secs(5);
    while !captured_log().lock().unwrap().contains(reported) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = captured_log().lock().unwrap().clone();
    assert!(log.contains(reported), "{log}");
}

/// lanai's log records, kept for the test to read.
fn captured_log() -> &'static Mutex<String> {
    struct Capture(Mutex<String>);
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            let line = format!("{} {}\n", record.level(), record.args());
            self.0.lock().unwrap().push_str(&line);
        }
        fn flush(&self) {}
    }
    static LOGGER: OnceLock<Capture> = OnceLock::new();
    let mut first = false;
    let logger = LOGGER.get_or_init(|| {
        first = true;
        Capture(Mutex::new(String::new()))
    });
    if first {
        log::set_logger(logger).unwrap();
        log::set_max_level(log::LevelFilter::Warn);
    }
    &logger.0
}
