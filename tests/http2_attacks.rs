//! HTTP/2's own attacks (RFC 9113 §10.5 and the CVEs since) against lanai: each one on a connection of its own
//! while another client's requests keep being answered, the attacker's connection ending (GOAWAY, reset, close)
//! and lanai's memory staying bounded where memory is the point. Floods use the real binary; stalls that take
//! 30 s there use the library's server in process with a one-second stall.

mod common;

use common::h2::*;
use common::{serve_in_process, Server, INDEX_BODY};
use lanai::http::request::Request;
use lanai::http::response::{Body, Response};
use lanai::http::vocabulary::StatusCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const INDEX: &str = "/httptest/dir2/";

/// The most lanai's resident memory may grow during an attack.
const MOST_GROWTH_KIB: u64 = 32 * 1024;

/// Samples lanai's resident memory every 20 ms until dropped... or `finish`ed: the peak seen.
struct RssWatch {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl RssWatch {
    fn start(pid: u32) -> RssWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            // Bounded: at most 10 minutes of samples.
            for _ in 0..30_000 {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                peak = peak.max(vm_rss_kib(pid));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        });
        RssWatch { stop, thread }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

/// Asserts the other client was answered every time, and not too slowly, during the attack.
fn assert_served(bystanding: &Bystanding, what: &str) {
    eprintln!(
        "{what}: the other client got {} answers, slowest {:?}",
        bystanding.answered, bystanding.slowest
    );
    assert!(
        bystanding.failures.is_empty(),
        "{what}: {:?}",
        bystanding.failures
    );
    assert!(bystanding.answered >= 3, "{what}: {bystanding:?}");
    assert!(
        bystanding.slowest < Duration::from_secs(3),
        "{what}: {bystanding:?}"
    );
}

/// Reads lanai's SETTINGS (acknowledging them) so its limits are in force before the attack.
fn settled(raw: &mut Raw) {
    let (settings, seen) = raw.until(Duration::from_secs(5), |frame| {
        frame.kind == SETTINGS && frame.flags & ACK == 0
    });
    assert!(
        settings.is_some(),
        "no SETTINGS from lanai: {}",
        summary(&seen)
    );
}

/// lanai's SETTINGS_MAX_CONCURRENT_STREAMS.
const STREAM_CAP: u32 = 256;

#[test]
fn streams_over_the_cap_are_refused() {
    let server = Server::start(&[]);
    let bystander = Bystander::start(server.addr, INDEX, INDEX_BODY);
    // A window of 0: lanai cannot send any body, so every stream it answers stays open.
    let mut raw = Raw::connect(server.addr, &[(SETTINGS_INITIAL_WINDOW_SIZE, 0)]);
    settled(&mut raw);
    for index in 0..=STREAM_CAP {
        raw.get(1 + 2 * index, INDEX);
    }
    // The first STREAM_CAP are taken: their heads come (the bodies wait for window); the next is refused.
    let mut heads = Vec::new();
    let mut resets = Vec::new();
    let (_, seen) = raw.until(Duration::from_secs(10), |frame| {
        match frame.kind {
            HEADERS => heads.push(frame.stream),
            RST_STREAM => resets.push((frame.stream, frame.reset())),
            _ => {}
        }
        heads.len() >= STREAM_CAP as usize && !resets.is_empty()
    });
    let refused = 1 + 2 * STREAM_CAP;
    assert_eq!(
        resets,
        [(refused, Some(REFUSED_STREAM))],
        "{}",
        summary(&seen)
    );
    heads.sort();
    assert_eq!(
        heads,
        (0..STREAM_CAP)
            .map(|index| 1 + 2 * index)
            .collect::<Vec<u32>>()
    );
    assert_served(&bystander.finish(), "one stream over the cap");
}

#[test]
fn a_header_list_over_16_kib_is_refused() {
    let server = Server::start(&[]);
    let bystander = Bystander::start(server.addr, INDEX, INDEX_BODY);
    let mut raw = Raw::connect(server.addr, &[]);
    settled(&mut raw);
    let huge = vec![b'a'; 20 * 1024];
    let block = request_block("GET", INDEX, "localhost", &[("x-huge", &huge)]);
    let (first, rest) = block.split_at(16_000);
    raw.write(&frame(HEADERS, END_STREAM, 1, first));
    raw.write(&frame(CONTINUATION, END_HEADERS, 1, rest));
    let (ended, seen) = raw.until(Duration::from_secs(10), |frame| {
        frame.stream == 1 && (frame.kind == RST_STREAM || frame.flags & END_STREAM != 0)
            || frame.kind == GOAWAY
    });
    let ended = ended.unwrap_or_else(|| panic!("closed without a word: {}", summary(&seen)));
    eprintln!(
        "a 20 KiB header list: {} then {}",
        summary(&seen),
        summary(std::slice::from_ref(&ended))
    );
    // RFC 9113 §10.5.1 and RFC 6585: a 431, or the stream or connection ended with an error; never served.
    let status = seen.iter().chain([&ended]).find_map(Frame::indexed_status);
    assert!(
        status == Some(431)
            || ended.reset().is_some()
            || ended.goaway().is_some_and(|(_, code)| code != NO_ERROR),
        "{status:?} {} {:x?}",
        summary(std::slice::from_ref(&ended)),
        ended.payload
    );
    // The connection, if still open, serves a normal request.
    if ended.goaway().is_none() {
        raw.get(3, INDEX);
        let (answer, seen) = raw.until(Duration::from_secs(10), |frame| {
            frame.stream == 3 && frame.kind == HEADERS
        });
        assert_eq!(
            answer.and_then(|frame| frame.indexed_status()),
            Some(200),
            "{}",
            summary(&seen)
        );
    }
    assert_served(&bystander.finish(), "a 20 KiB header list");
}

#[test]
fn a_continuation_flood_is_cut_off_early_and_memory_stays_flat() {
    let server = Server::start(&[]);
    let before = vm_rss_kib(server.pid());
    let watch = RssWatch::start(server.pid());
    let bystander = Bystander::start(server.addr, INDEX, INDEX_BODY);
    let mut raw = Raw::connect(server.addr, &[]);
    settled(&mut raw);
    // HEADERS without END_HEADERS, then CONTINUATION frames of small literal fields, never ending: up to 64 MiB.
    let mut field_bytes = Vec::new();
    while field_bytes.len() < 16_000 {
        hpack_literal(
            "x-flood",
            b"0123456789abcdef0123456789abcdef",
            &mut field_bytes,
        );
    }
    let block = request_block("GET", INDEX, "localhost", &[]);
    raw.write(&frame(HEADERS, END_STREAM, 1, &block));
    let continuation = frame(CONTINUATION, 0, 1, &field_bytes);
    let mut sent = 0usize;
    let started = Instant::now();
    for _ in 0..(64 << 20) / continuation.len() {
        if !raw.try_write(&continuation) {
            break;
        }
        sent += continuation.len();
    }
    // h2 ends a header block after at most 5 CONTINUATION frames of 16 KiB; the bytes counted here went into
    // the socket buffers too. What matters is the GOAWAY, the close, and memory.
    let what = format!("a CONTINUATION flood ({sent} bytes written before lanai closed)");
    assert_calmed(&what, &mut raw, started, (before, watch), bystander);
}

/// The attacker's connection ends with GOAWAY ENHANCE_YOUR_CALM, lanai's memory stays within bounds of what it
/// was `before`, and the bystander was answered throughout.
fn assert_calmed(
    what: &str,
    raw: &mut Raw,
    started: Instant,
    (before, watch): (u64, RssWatch),
    bystander: Bystander,
) {
    let frames = raw.until_closed(Duration::from_secs(15));
    let peak = watch.finish();
    eprintln!(
        "{what}, in {:?}; RSS {before} -> peak {peak} KiB; {}",
        started.elapsed(),
        summary(&frames)
    );
    let goaway = frames.iter().find_map(Frame::goaway);
    assert_eq!(
        goaway.map(|(_, code)| code),
        Some(ENHANCE_YOUR_CALM),
        "{}",
        summary(&frames)
    );
    assert!(
        peak < before + MOST_GROWTH_KIB,
        "lanai grew from {before} KiB to {peak} KiB"
    );
    assert_served(&bystander.finish(), what);
}

#[test]
fn rapid_reset_gets_goaway_and_others_are_answered() {
    let server = Server::start(&[]);
    let before = vm_rss_kib(server.pid());
    let watch = RssWatch::start(server.pid());
    let bystander = Bystander::start(server.addr, INDEX, INDEX_BODY);
    let mut raw = Raw::connect(server.addr, &[]);
    settled(&mut raw);
    let block = request_block("GET", "/httptest/wikipedia_russia.html", "localhost", &[]);
    let mut pairs = 0u32;
    let started = Instant::now();
    'attack: for batch in 0..200u32 {
        let mut bytes = Vec::new();
        for index in 0..100 {
            let stream = 1 + 2 * (batch * 100 + index);
            bytes.extend(frame(HEADERS, END_HEADERS | END_STREAM, stream, &block));
            bytes.extend(frame(RST_STREAM, 0, stream, &CANCEL.to_be_bytes()));
        }
        if !raw.try_write(&bytes) {
            break 'attack;
        }
        pairs += 100;
    }
    let what = format!("Rapid Reset ({pairs} HEADERS+RST_STREAM pairs written)");
    assert_calmed(&what, &mut raw, started, (before, watch), bystander);
}

/// Writes `unit` up to `most` times from another thread (the attacker reads nothing), for at most `within`;
/// returns how many went through, and whether a write failed or blocked (lanai stopped reading or closed).
fn flood(
    raw: &Raw,
    unit: Vec<u8>,
    most: usize,
    within: Duration,
) -> std::thread::JoinHandle<(usize, bool)> {
    let mut stream = raw.stream.try_clone().unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + within;
        let batch = unit.repeat(64);
        let mut written = 0;
        while written < most && Instant::now() < deadline {
            if std::io::Write::write_all(&mut stream, &batch).is_err() {
                return (written, true);
            }
            written += 64;
        }
        (written, false)
    })
}

fn control_flood(name: &str, unit: Vec<u8>) {
    let server = Server::start(&[]);
    let before = vm_rss_kib(server.pid());
    let watch = RssWatch::start(server.pid());
    let bystander = Bystander::start(server.addr, INDEX, INDEX_BODY);
    let mut raw = Raw::connect(server.addr, &[]);
    settled(&mut raw);
    let started = Instant::now();
    let (written, stopped) = flood(&raw, unit, 2_000_000, Duration::from_secs(5))
        .join()
        .unwrap();
    let peak = watch.finish();
    eprintln!(
        "{name} flood: {written} frames in {:?}, {}; RSS {before} -> peak {peak} KiB",
        started.elapsed(),
        if stopped {
            "then lanai stopped reading (backpressure) or closed"
        } else {
            "all read"
        }
    );
    assert!(
        peak < before + MOST_GROWTH_KIB,
        "lanai grew from {before} KiB to {peak} KiB"
    );
    assert_served(&bystander.finish(), &format!("a {name} flood"));
    // The attacker reads none of the answers: lanai must stop reading once they back up (or close), not take
    // frames and queue answers without bound.
    assert!(
        stopped,
        "lanai took {written} frames from a peer that reads nothing"
    );
}

#[test]
fn a_settings_flood_is_bounded_and_others_are_answered() {
    control_flood(
        "SETTINGS",
        frame(
            SETTINGS,
            0,
            0,
            &settings(&[(SETTINGS_INITIAL_WINDOW_SIZE, 65_535)]),
        ),
    );
}

#[test]
fn a_ping_flood_is_bounded_and_others_are_answered() {
    control_flood("PING", frame(PING, 0, 0, b"12345678"));
}

/// The library's server in this process: `/big` is 1 MiB, anything else a small page; writes stall out after 1 s.
fn in_process() -> std::net::SocketAddr {
    serve_in_process(
        |request: &Request<'_>| {
            let body = if request.path() == "/big" {
                vec![b'x'; 1 << 20]
            } else {
                b"fine".to_vec()
            };
            Response::new(StatusCode::Ok, Body::Bytes(body))
        },
        Duration::from_secs(1),
    )
}

#[test]
fn a_flood_from_a_peer_that_never_reads_ends_after_the_write_stall() {
    let addr = in_process();
    let mut raw = Raw::connect(addr, &[]);
    settled(&mut raw);
    let started = Instant::now();
    let (written, stopped) = flood(
        &raw,
        frame(PING, 0, 0, b"12345678"),
        10_000_000,
        Duration::from_secs(20),
    )
    .join()
    .unwrap();
    eprintln!(
        "PING flood without reading: {written} frames, stopped {stopped} after {:?}",
        started.elapsed()
    );
    assert!(
        stopped,
        "lanai read {written} PINGs without ever being able to answer them"
    );
    // Its pongs cannot go out: after the stall (1 s) the connection is dropped.
    let ended = Instant::now();
    raw.stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut sink = vec![0u8; 1 << 16];
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "still open 30 s after the flood");
        match std::io::Read::read(&mut raw.stream, &mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    eprintln!("closed {:?} after the flood stopped", ended.elapsed());
    assert_eq!(H2::h2c(addr).get("GET", "/", &[]).body, b"fine");
}

#[test]
fn a_stream_whose_window_never_opens_is_reset_after_the_write_stall() {
    let addr = in_process();
    let bystander = Bystander::start(addr, "/", b"fine");
    // Initial window 0: not one byte of body may go.
    let mut raw = Raw::connect(addr, &[(SETTINGS_INITIAL_WINDOW_SIZE, 0)]);
    settled(&mut raw);
    raw.get(1, "/big");
    let (head, seen) = raw.until(Duration::from_secs(5), |frame| {
        frame.stream == 1 && frame.kind == HEADERS
    });
    assert_eq!(
        head.and_then(|frame| frame.indexed_status()),
        Some(200),
        "{}",
        summary(&seen)
    );
    let waiting = Instant::now();
    let (reset, seen) = raw.until(Duration::from_secs(10), |frame| {
        frame.stream == 1 && frame.kind == RST_STREAM
    });
    let stalled = waiting.elapsed();
    let reset = reset.unwrap_or_else(|| panic!("closed: {}", summary(&seen)));
    assert_eq!(reset.reset(), Some(CANCEL));
    assert!(
        seen.iter().all(|frame| frame.kind != DATA),
        "{}",
        summary(&seen)
    );
    assert!(
        stalled >= Duration::from_millis(800) && stalled < Duration::from_secs(5),
        "{stalled:?}"
    );
    eprintln!("a shut window: stream reset after {stalled:?}");

    // A stream window open but the connection's never given back: 64 KiB go, then the stall.
    let mut raw = Raw::connect(addr, &[(SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20)]);
    settled(&mut raw);
    raw.get(1, "/big");
    let (reset, seen) = raw.until(Duration::from_secs(10), |frame| {
        frame.stream == 1 && frame.kind == RST_STREAM
    });
    let reset = reset.unwrap_or_else(|| panic!("closed: {}", summary(&seen)));
    assert_eq!(reset.reset(), Some(CANCEL));
    let data: usize = seen
        .iter()
        .filter(|frame| frame.kind == DATA)
        .map(|frame| frame.payload.len())
        .sum();
    assert_eq!(data, 65_535, "the connection's initial window, and no more");
    assert_served(&bystander.finish(), "shut windows");
}

#[test]
fn an_idle_connection_gets_goaway_then_closes() {
    let server = Server::start(&["--keep-alive-timeout", "1", "--read-timeout", "30"]);
    let mut raw = Raw::connect(server.addr, &[]);
    let opened = Instant::now();
    let (goaway, seen) = raw.until(Duration::from_secs(10), |frame| frame.kind == GOAWAY);
    let goaway = goaway.unwrap_or_else(|| panic!("closed without GOAWAY: {}", summary(&seen)));
    assert_eq!(goaway.goaway().map(|(_, code)| code), Some(NO_ERROR));
    let idle = opened.elapsed();
    assert!(
        idle >= Duration::from_millis(900) && idle < Duration::from_secs(6),
        "{idle:?}"
    );
    raw.until_closed(Duration::from_secs(10));
}

#[test]
fn a_preface_that_never_completes_is_closed_after_the_read_timeout() {
    let server = Server::start(&["--read-timeout", "1", "--keep-alive-timeout", "30"]);
    let bystander = Bystander::start(server.addr, INDEX, INDEX_BODY);
    let mut plain = Raw::connect_bare(server.addr);
    plain.write(&lanai::http::HTTP2_PREFACE[..16]);
    let started = Instant::now();
    let frames = plain.until_closed(Duration::from_secs(10));
    let waited = started.elapsed();
    assert!(frames.is_empty(), "{}", summary(&frames));
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(6),
        "{waited:?}"
    );
    assert_served(&bystander.finish(), "a slow preface");
}

#[test]
fn a_preface_that_never_completes_over_tls_is_closed_after_the_read_timeout() {
    let https = Https::start(&["--read-timeout", "1", "--keep-alive-timeout", "30"]);
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let client = rustls::ClientConnection::new(client_config(&https.ca, &[b"h2"]), name).unwrap();
    let mut tls = rustls::StreamOwned::new(client, common::connect_to(https.server.addr));
    std::io::Write::write_all(&mut tls, &lanai::http::HTTP2_PREFACE[..16]).unwrap();
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"h2"[..]));
    let started = Instant::now();
    let mut received = Vec::new();
    let ended = std::io::Read::read_to_end(&mut tls, &mut received);
    let waited = started.elapsed();
    assert!(
        ended.is_ok()
            || ended
                .as_ref()
                .is_err_and(|error| error.kind() != std::io::ErrorKind::WouldBlock),
        "{ended:?}"
    );
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(6),
        "{waited:?}"
    );
    // lanai's SETTINGS may have gone out; nothing else.
    assert!(received.len() < 100, "{received:?}");
}
