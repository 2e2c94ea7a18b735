//! --proxy against real upstreams: scripts/test-upstream.py (standard-library Python, common::upstream) started
//! by each test, and the real lanai binary in front of it.

mod common;

use common::upstream::Upstream;
use common::{
    connect_to, open_websocket, send_text_frame, ReplyReader, Server, INDEX_BODY, PAGE_BODY,
};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// lanai over the exercise root with these `--proxy` rules (and any other arguments).
fn lanai(rules: &[String], extra: &[&str]) -> Server {
    let mut args: Vec<String> = rules
        .iter()
        .flat_map(|rule| ["--proxy".to_string(), rule.clone()])
        .collect();
    args.extend(extra.iter().map(|arg| arg.to_string()));
    Server::start(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn api(upstream: &Upstream) -> Vec<String> {
    vec![format!("/api={}", upstream.url())]
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Samples lanai's resident memory every 20 ms while `work` runs; returns the most seen, in KiB.
fn peak_rss_during(pid: u32, work: impl FnOnce()) -> u64 {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watching = done.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        while !watching.load(std::sync::atomic::Ordering::Relaxed) {
            peak = peak.max(vm_rss_kib(pid));
            std::thread::sleep(Duration::from_millis(20));
        }
        peak
    });
    work();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    sampler.join().unwrap()
}

const HUNDRED_MIB: u64 = 100 << 20;
/// What lanai's memory may grow by while 100 MiB pass through it: buffers, not the body.
const MOST_GROWTH_KIB: u64 = 24 * 1024;

#[test]
fn forwards_the_target_byte_for_byte_and_names_upstream_and_client() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    let reply = server.get_with(
        "/api/echo/a%20b/%2F?x=%41&y",
        &[
            "X-Forwarded-For: 10.9.9.9",
            "X-Forwarded-Host: spoofed",
            "Cookie: a=1",
        ],
    );
    assert_eq!(reply.status, 200);
    let body = text(&reply.body);
    for expected in [
        "method GET\n",
        "target /api/echo/a%20b/%2F?x=%41&y\n",
        &format!("field Host: 127.0.0.1:{}\n", upstream.port),
        "field X-Forwarded-For: 10.9.9.9, 127.0.0.1\n",
        "field X-Forwarded-Proto: http\n",
        "field X-Forwarded-Host: localhost\n",
        "field Cookie: a=1\n",
    ] {
        assert!(body.contains(expected), "{expected:?} in {body}");
    }
    assert!(!body.contains("spoofed"), "{body}");
}

#[test]
fn every_method_goes_through_with_its_body() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    for method in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PURGE"] {
        let reply = server.reply_to(format!(
            "{method} /api/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"
        ));
        let body = text(&reply.body);
        assert!(
            body.contains(&format!("method {method}\n")) && body.contains("body 5\n"),
            "{body}"
        );
    }
}

#[test]
fn hop_by_hop_fields_stay_on_their_hop_both_ways() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    let reply = server.get_with(
        "/api/echo",
        &[
            "Connection: X-Secret",
            "X-Secret: 1",
            "Keep-Alive: 300",
            "TE: trailers",
            "Trailer: X-Sum",
            "Proxy-Authorization: Basic eA==",
            "Upgrade: h2c",
            "X-End: kept",
        ],
    );
    let body = text(&reply.body);
    assert!(body.contains("field X-End: kept\n"), "{body}");
    for gone in [
        "X-Secret",
        "Keep-Alive",
        "TE:",
        "Trailer",
        "Proxy-",
        "Upgrade",
        "Connection",
    ] {
        assert!(
            !body.contains(&format!("field {gone}")),
            "{gone} reached the upstream: {body}"
        );
    }
    let reply = server.get("/api/hop");
    assert_eq!(reply.header("X-End-To-End"), Some("kept"));
    for gone in ["X-Up", "Keep-Alive", "Proxy-Agent", "Upgrade"] {
        assert_eq!(
            reply.header(gone),
            None,
            "{gone} reached the client: {:?}",
            reply.headers
        );
    }
    assert_eq!(reply.header("Connection"), Some("close"));
}

#[test]
fn the_longest_prefix_wins_at_segment_boundaries_with_the_urls_path_in_front() {
    let upstream = Upstream::start();
    let rules = [
        format!("/api={}/v1", upstream.url()),
        format!("/api/v2={}/two/", upstream.url()),
    ];
    let server = lanai(&rules, &[]);
    assert!(text(&server.get("/api/echo?q=1").body).contains("target /v1/echo?q=1\n"));
    assert!(text(&server.get("/api/v2/echo").body).contains("target /two/echo\n"));
    assert_eq!(server.get("/apix/echo").status, 404);
    assert_eq!(server.get("/httptest/dir2/").body, INDEX_BODY);
}

#[test]
fn answers_without_a_length_are_rechunked_or_end_with_the_connection() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    for (target, body) in [
        ("/api/chunked", "hello, world"),
        ("/api/until-close", "until the end"),
    ] {
        let raw = server.exchange(
            format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        let raw = text(&raw);
        assert!(raw.contains("\r\nTransfer-Encoding: chunked\r\n"), "{raw}");
        assert!(
            raw.ends_with(&format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len()))
                || raw.contains("\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"),
            "{raw}"
        );
        let old = text(&server.exchange(format!("GET {target} HTTP/1.0\r\n\r\n").as_bytes()));
        assert!(
            !old.contains("Transfer-Encoding") && old.ends_with(body),
            "{old}"
        );
    }
}

#[test]
fn pipelined_requests_mixing_local_and_proxied_answers_come_back_in_order() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    let mut stream = server.connect();
    let raw = "POST /api/echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n\
               GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\n\
               GET /api/echo?second HTTP/1.1\r\nHost: localhost\r\n\r\n\
               GET /httptest/dir2/page.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    stream.write_all(raw.as_bytes()).unwrap();
    let mut replies = ReplyReader::new(stream);
    let first = text(&replies.next(false).body);
    assert!(
        first.contains("method POST\n") && first.contains("body 8\n"),
        "{first}"
    );
    assert_eq!(replies.next(false).body, INDEX_BODY);
    assert!(text(&replies.next(false).body).contains("target /api/echo?second\n"));
    assert_eq!(replies.next(false).body, PAGE_BODY);
    assert!(replies.closed());
}

#[test]
fn upstream_connections_are_kept_and_reused() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    let first = server.get("/api/echo");
    let second = server.get("/api/echo");
    let connection = first
        .header("X-Upstream-Connection")
        .expect("the upstream numbers its connections");
    assert_eq!(second.header("X-Upstream-Connection"), Some(connection));
}

#[test]
fn a_100_mib_upload_to_a_slow_upstream_keeps_memory_flat() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    server.get("/api/echo");
    let before = vm_rss_kib(server.pid());
    let mut reply = None;
    let peak = peak_rss_during(server.pid(), || {
        let mut stream = server.connect();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        write!(stream, "PUT /api/upload-slow HTTP/1.1\r\nHost: localhost\r\nContent-Length: {HUNDRED_MIB}\r\n\r\n").unwrap();
        let piece = vec![b'u'; 1 << 20];
        for _ in 0..100 {
            stream.write_all(&piece).unwrap();
        }
        reply = Some(ReplyReader::new(stream).next(false));
    });
    assert_eq!(
        text(&reply.unwrap().body),
        format!("received {HUNDRED_MIB}\n")
    );
    assert!(
        peak < before + MOST_GROWTH_KIB,
        "lanai grew from {before} KiB to {peak} KiB"
    );
}

#[test]
fn a_100_mib_download_to_a_slow_client_keeps_memory_flat() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    server.get("/api/echo");
    let before = vm_rss_kib(server.pid());
    let mut received = 0;
    let peak = peak_rss_during(server.pid(), || {
        let mut stream = server.connect();
        write!(stream, "GET /api/download?bytes={HUNDRED_MIB} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
        let mut chunk = vec![0; 64 * 1024];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => received += read as u64,
                Err(error) => panic!("download broke off after {received} bytes: {error}"),
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    assert!(
        received > HUNDRED_MIB && received < HUNDRED_MIB + 1024,
        "{received}"
    );
    assert!(
        peak < before + MOST_GROWTH_KIB,
        "lanai grew from {before} KiB to {peak} KiB"
    );
}

#[test]
fn server_sent_events_arrive_one_by_one() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    let mut stream = server.connect();
    write!(
        stream,
        "GET /api/sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut seen = String::new();
    let mut chunk = [0u8; 4096];
    // The upstream holds the second event back until asked: the first must come through on its own.
    while !seen.contains("data: one\n\n") {
        let read = stream
            .read(&mut chunk)
            .expect("the first event, before the second is sent");
        assert!(read > 0, "closed early: {seen}");
        seen.push_str(&text(&chunk[..read]));
    }
    assert!(
        seen.contains("Content-Type: text/event-stream\r\n") && !seen.contains("data: two"),
        "{seen}"
    );
    assert_eq!(server.get("/api/sse-release").status, 200);
    while !seen.contains("data: two\n\n") {
        let read = stream.read(&mut chunk).expect("the second event");
        assert!(read > 0, "closed early: {seen}");
        seen.push_str(&text(&chunk[..read]));
    }
}

#[test]
fn websockets_are_tunnelled_both_ways_and_closed_with_either_side() {
    let upstream = Upstream::start();
    let server = lanai(&api(&upstream), &[]);
    let mut socket = open_websocket(&server, None);
    for message in [&b"hello"[..], b"and again"] {
        send_text_frame(&mut socket, message);
        let mut frame = vec![0u8; 2 + message.len()];
        socket.read_exact(&mut frame).unwrap();
        assert_eq!(&frame[..2], &[0x81, message.len() as u8]);
        assert_eq!(&frame[2..], message);
    }
    // The client goes: the upstream's side closes too.
    drop(socket);
    let deadline = Instant::now() + Duration::from_secs(5);
    while upstream.get("/ws-open") != "0\n" {
        assert!(
            Instant::now() < deadline,
            "the upstream's WebSocket stayed open"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The upstream goes: the client's side closes too.
    let mut socket = open_websocket(&server, None);
    send_text_frame(&mut socket, b"close-now");
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = socket.read_to_end(&mut rest);
    assert!(
        rest.is_empty() && started.elapsed() < Duration::from_secs(5),
        "{rest:?}"
    );
}

#[test]
fn a_refused_or_silent_upstream_is_a_502_or_504_and_others_go_on() {
    let upstream = Upstream::start();
    let nobody = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rules = [
        api(&upstream).remove(0),
        format!("/down=http://127.0.0.1:{nobody}"),
    ];
    let server = lanai(&rules, &["--proxy-timeout", "2"]);
    let refused = server.get("/down/x");
    assert_eq!(refused.status, 502);
    let page = text(&refused.body);
    assert!(
        page.contains(&format!("http://127.0.0.1:{nobody}")) && page.contains("refused"),
        "{page}"
    );
    let addr = server.addr;
    let slow = std::thread::spawn(move || {
        let mut stream = connect_to(addr);
        stream
            .write_all(b"GET /api/slow?seconds=6 HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        ReplyReader::new(stream).next(false)
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.get("/httptest/dir2/").body, INDEX_BODY);
    assert_eq!(server.get("/api/echo").status, 200);
    let timed_out = slow.join().unwrap();
    assert_eq!(timed_out.status, 504);
    let page = text(&timed_out.body);
    assert!(
        page.contains(&upstream.url()) && page.contains("no answer within 2 s"),
        "{page}"
    );
    assert_eq!(server.get("/api/echo").status, 200);
    let log = server.stop();
    assert!(
        log.contains(&format!(
            "proxy: http://127.0.0.1:{nobody}: connection refused"
        )),
        "{log}"
    );
    assert!(log.contains("no answer within 2 s"), "{log}");
}

#[test]
fn no_request_can_steer_a_prefix_to_another_host() {
    let upstream = Upstream::start();
    let canary = TcpListener::bind("127.0.0.1:0").unwrap();
    canary.set_nonblocking(true).unwrap();
    let other = canary.local_addr().unwrap().port();
    let server = lanai(&api(&upstream), &[]);
    let status = |raw: String| {
        let reply = text(&server.exchange(raw.as_bytes()));
        let status: u16 = reply
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        (status, reply)
    };
    for (raw, expected) in [
        (format!("GET http://127.0.0.1:{other}/api/echo HTTP/1.1\r\nHost: 127.0.0.1:{other}\r\nConnection: close\r\n\r\n"), 403),
        ("GET http://evil.example/api/echo HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".to_string(), 403),
        (format!("GET http://user@127.0.0.1:{other}/api/echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), 400),
        (format!("CONNECT 127.0.0.1:{other} HTTP/1.1\r\nHost: 127.0.0.1:{other}\r\nConnection: close\r\n\r\n"), 400),
        ("CONNECT /api/echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".to_string(), 405),
        (format!("GET /api@127.0.0.1:{other}/echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), 404),
        ("GET /api/../echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".to_string(), 400),
    ] {
        let (got, reply) = status(raw.clone());
        assert_eq!(got, expected, "{raw:?} → {reply}");
    }
    // Proxied, but to the configured upstream whatever the Host, slashes or escapes say.
    for raw in [
        format!("GET /api/echo HTTP/1.1\r\nHost: 127.0.0.1:{other}\r\nConnection: close\r\n\r\n"),
        format!("GET /api//127.0.0.1:{other}/echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
        format!("GET /api/%2F%2F127.0.0.1:{other}/echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    ] {
        let (got, reply) = status(raw.clone());
        assert_eq!(got, 200, "{raw:?} → {reply}");
        assert!(reply.contains(&format!("field Host: 127.0.0.1:{}\n", upstream.port)), "{reply}");
        assert!(!reply.contains("target //"), "{reply}");
    }
    match canary.accept() {
        Err(error) if error.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the canary was reached: {other:?}"),
    }
}

#[test]
fn proxied_requests_are_in_the_access_log() {
    let upstream = Upstream::start();
    let rules = api(&upstream);
    let server = Server::logging(&["--proxy", &rules[0]]);
    let reply = server.get("/api/echo?logged");
    assert_eq!(reply.status, 200);
    assert!(!reply.body.is_empty());
    // The line is written once the answer has gone, and counts the body's bytes, not the head's.
    let line = format!(
        "\"GET /api/echo?logged HTTP/1.1\" 200 {} ",
        reply.body.len()
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log().contains(&line) {
        assert!(
            Instant::now() < deadline,
            "no access-log line in {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn rules_come_from_config_file_lines_too() {
    let upstream = Upstream::start();
    let url = upstream.url();
    let folder = tempfile::tempdir().unwrap();
    let config = folder.path().join("config");
    std::fs::write(
        &config,
        format!("--proxy=/api={url}/v1\n--proxy\n/other={url}/two\n"),
    )
    .unwrap();
    let root = common::exercise_root();
    let path = root.path().to_str().unwrap().to_string();
    let mut command = common::lanai();
    command
        .env("LANAI_CONFIG", &config)
        .args([path.as_str(), "--port", "0", "--quiet"]);
    let server = Server::spawn(root, &mut command);
    assert!(text(&server.get("/api/echo").body).contains("target /v1/echo\n"));
    assert!(text(&server.get("/other/echo").body).contains("target /two/echo\n"));
}
