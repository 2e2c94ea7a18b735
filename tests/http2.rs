//! HTTP/2 against the real binary: every feature over h2 (TLS with ALPN h2, and some over h2c with prior
//! knowledge), each compared with the same request over HTTP/1.1 where the two can be compared (same status,
//! same fields but Date and HTTP/1's connection fields, same body bytes); the Host guard on `:authority`; live
//! reload on one stream while others are answered; the access log; many streams on one connection; GOAWAY on
//! SIGTERM and on idleness; --max-connections; and --proxy over h2.

mod common;

use common::h2::*;
use common::{exercise_root, large_page, write, Reply, Server, INDEX_BODY, PAGE_BODY, TYPED_FILES};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The exercise root plus a 1 MB binary file, `httptest/mega.bin`, whose bytes are not text.
fn root_with_mega() -> (TempDir, Vec<u8>) {
    let root = exercise_root();
    let mega: Vec<u8> = (0..1_000_000u32)
        .map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write(&root.path().join("httptest/mega.bin"), &mega);
    (root, mega)
}

/// Asks `target` of both protocols and asserts the answers agree; returns the HTTP/2 one.
fn same_over_both(
    https: &Https,
    connection: &H2,
    method: &str,
    target: &str,
    fields: &[(&str, &str)],
) -> H2Reply {
    let over_h2 = connection.get(method, target, fields);
    let over_http1 = https.http1(method, target, fields);
    assert_same(
        &over_h2,
        &over_http1,
        &format!("{method} {target} {fields:?}"),
    );
    over_h2
}

fn assert_same(over_h2: &H2Reply, over_http1: &Reply, what: &str) {
    for name in ["connection", "keep-alive", "transfer-encoding", "upgrade"] {
        assert!(
            over_h2.fields.get(name).is_none(),
            "{what}: HTTP/2 answer carries {name}"
        );
    }
    let (status, fields, body) = comparable_h2(over_h2);
    let (status1, fields1, body1) = comparable_http1(over_http1);
    assert_eq!(status, status1, "{what}: status");
    assert_eq!(fields, fields1, "{what}: fields");
    assert!(
        body == body1,
        "{what}: bodies differ ({} and {} bytes)",
        body.len(),
        body1.len()
    );
}

#[test]
fn files_over_h2_are_the_same_bytes_and_fields_as_over_http1() {
    let (root, mega) = root_with_mega();
    let https = Https::start_in(root, &[]);
    let connection = https.h2();
    let index = same_over_both(&https, &connection, "GET", "/httptest/dir2/", &[]);
    assert_eq!((index.status, index.body.as_slice()), (200, INDEX_BODY));
    let page = same_over_both(&https, &connection, "GET", "/httptest/dir2/page.html", &[]);
    assert_eq!(page.body, PAGE_BODY);
    assert_eq!(page.field("content-type"), Some("text/html"));
    for (name, content_type) in TYPED_FILES {
        let typed = same_over_both(
            &https,
            &connection,
            "GET",
            &format!("/httptest/{name}"),
            &[],
        );
        assert_eq!(typed.field("content-type"), Some(*content_type), "{name}");
    }
    same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/space%20in%20name.txt",
        &[],
    );
    let large = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/wikipedia_russia.html",
        &[],
    );
    assert!(large.body == large_page(), "the large page byte for byte");
    let binary = same_over_both(&https, &connection, "GET", "/httptest/mega.bin", &[]);
    assert_eq!(binary.field("content-length"), Some("1000000"));
    assert!(binary.body == mega, "the 1 MB file byte for byte");
    let missing = same_over_both(&https, &connection, "GET", "/httptest/nothing.html", &[]);
    assert_eq!(missing.status, 404);
    let head = same_over_both(&https, &connection, "HEAD", "/httptest/mega.bin", &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.field("content-length"), Some("1000000"));
    assert!(head.body.is_empty());
}

#[test]
fn h2c_with_prior_knowledge_answers_as_http1_does() {
    let (root, mega) = root_with_mega();
    let server = Server::start_in(root, &[]);
    let connection = H2::h2c(server.addr);
    for target in [
        "/httptest/dir2/",
        "/httptest/mega.bin",
        "/httptest/missing",
        "/httptest/dir1",
    ] {
        let over_h2 = connection.get("GET", target, &[]);
        let over_http1 = server.get(target);
        assert_same(&over_h2, &over_http1, target);
    }
    assert!(connection.get("GET", "/httptest/mega.bin", &[]).body == mega);
}

#[test]
fn ranges_and_multipart_ranges() {
    let https = Https::start(&[]);
    let connection = https.h2();
    let one = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/dir2/page.html",
        &[("range", "bytes=0-5")],
    );
    assert_eq!((one.status, one.body.as_slice()), (206, &PAGE_BODY[..6]));
    assert_eq!(one.field("content-range"), Some("bytes 0-5/38"));
    let suffix = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/dir2/page.html",
        &[("range", "bytes=-5")],
    );
    assert_eq!(suffix.body, &PAGE_BODY[PAGE_BODY.len() - 5..]);
    let page = large_page();
    let len = page.len();
    let large = "/httptest/wikipedia_russia.html";
    let several = connection.get("GET", large, &[("range", "bytes=0-9,100-199")]);
    assert_eq!(several.status, 206);
    let content_type = several.field("content-type").unwrap().to_string();
    let boundary = content_type
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    let part_head = |start: usize, end: usize| {
        format!("--{boundary}\r\nContent-Type: text/html\r\nContent-Range: bytes {start}-{end}/{len}\r\n\r\n")
            .into_bytes()
    };
    let first = [part_head(0, 9), page[..10].to_vec()].concat();
    let second = [
        b"\r\n".to_vec(),
        part_head(100, 199),
        page[100..200].to_vec(),
    ]
    .concat();
    let end = format!("\r\n--{boundary}--\r\n");
    assert!(
        several
            .body
            .windows(first.len())
            .any(|window| window == first.as_slice())
            && several
                .body
                .windows(second.len())
                .any(|window| window == second.as_slice())
            && several.body.ends_with(end.as_bytes()),
        "{}",
        String::from_utf8_lossy(&several.body)
    );
    assert_eq!(
        several.field("content-length"),
        Some(several.body.len().to_string().as_str())
    );
    // Each answer has a boundary of its own: the HTTP/1.1 one's is put in place of it before comparing.
    let mut over_http1 = https.http1("GET", large, &[("Range", "bytes=0-9,100-199")]);
    let boundary1 = over_http1
        .header("Content-Type")
        .unwrap()
        .rsplit('=')
        .next()
        .unwrap()
        .to_string();
    for (_, value) in &mut over_http1.headers {
        *value = value.replace(&boundary1, boundary);
    }
    over_http1.body = String::from_utf8(over_http1.body)
        .unwrap()
        .replace(&boundary1, boundary)
        .into_bytes();
    assert_same(&several, &over_http1, "multipart ranges");
    let head = connection.get("HEAD", large, &[("range", "bytes=0-9,100-199")]);
    assert_eq!(head.status, 206);
    assert_eq!(
        head.field("content-length"),
        several.field("content-length")
    );
    assert!(head.body.is_empty());
    let unsatisfiable = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/dir2/page.html",
        &[("range", "bytes=500-")],
    );
    assert_eq!(unsatisfiable.status, 416);
}

#[test]
fn conditionals_answer_304_without_a_body() {
    let https = Https::start(&[]);
    let connection = https.h2();
    let page = connection.get("GET", "/httptest/dir2/page.html", &[]);
    let etag = page.field("etag").expect("an ETag").to_string();
    let modified = page
        .field("last-modified")
        .expect("a Last-Modified")
        .to_string();
    let by_tag = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/dir2/page.html",
        &[("if-none-match", &etag)],
    );
    assert_eq!(by_tag.status, 304);
    assert!(by_tag.body.is_empty());
    assert_eq!(by_tag.field("content-length"), None);
    assert_eq!(by_tag.field("etag"), Some(etag.as_str()));
    let by_date = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/dir2/page.html",
        &[("if-modified-since", &modified)],
    );
    assert_eq!(by_date.status, 304);
    assert!(by_date.body.is_empty());
    let other = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/dir2/page.html",
        &[("if-none-match", "\"other\"")],
    );
    assert_eq!((other.status, other.body.as_slice()), (200, PAGE_BODY));
}

#[test]
fn precompressed_sidecars_and_compression_on_the_fly() {
    let root = exercise_root();
    let base = root.path().join("httptest");
    write(&base.join("app.js"), b"console.log('identity')");
    std::thread::sleep(Duration::from_millis(20)); // sidecars newer than their original
    write(&base.join("app.js.gz"), b"gzip bytes");
    write(&base.join("app.js.br"), b"brotli bytes");
    let https = Https::start_in(root, &[]);
    let connection = https.h2();
    let br = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/app.js",
        &[("accept-encoding", "gzip, br")],
    );
    assert_eq!(br.body, b"brotli bytes");
    assert_eq!(br.field("content-encoding"), Some("br"));
    assert_eq!(br.field("vary"), Some("Accept-Encoding"));
    let gzip = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/app.js",
        &[("accept-encoding", "gzip")],
    );
    assert_eq!(gzip.body, b"gzip bytes");

    // Compressed on the fly: 950 KB of HTML, more than one piece.
    let page = large_page();
    let compressed = connection.get(
        "GET",
        "/httptest/wikipedia_russia.html",
        &[("accept-encoding", "br")],
    );
    assert_eq!(compressed.status, 200);
    assert_eq!(compressed.field("content-encoding"), Some("br"));
    assert!(
        compressed.body.len() < page.len() / 3,
        "{} bytes",
        compressed.body.len()
    );
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(compressed.body.as_slice(), 4096),
        &mut decoded,
    )
    .expect("valid brotli");
    assert!(decoded == page, "decompresses to the page");
    let over_http1 = https.http1(
        "GET",
        "/httptest/wikipedia_russia.html",
        &[("Accept-Encoding", "br")],
    );
    let (_, fields1, _) = comparable_http1(&over_http1);
    let (_, fields2, _) = comparable_h2(&compressed);
    assert_eq!(fields2, fields1, "the same fields as over HTTP/1.1");
}

#[test]
fn listings_html_and_json() {
    let https = Https::start(&["--listing"]);
    let connection = https.h2();
    let html = same_over_both(&https, &connection, "GET", "/httptest/", &[]);
    assert_eq!(html.field("content-type"), Some("text/html; charset=utf-8"));
    assert!(String::from_utf8_lossy(&html.body).contains("href=\"dir1/\""));
    let json = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/",
        &[("accept", "application/json")],
    );
    assert_eq!(json.field("content-type"), Some("application/json"));
    assert!(
        String::from_utf8_lossy(&json.body).starts_with("{\"path\":\"/httptest/\",\"entries\":[")
    );
}

#[test]
fn spa_cors_custom_headers() {
    let root = exercise_root();
    write(&root.path().join("index.html"), b"<html>app shell</html>");
    let https = Https::start_in(
        root,
        &["--spa", "--cors", "--header", "X-Frame-Options: DENY"],
    );
    let connection = https.h2();
    let route = same_over_both(
        &https,
        &connection,
        "GET",
        "/users/42",
        &[("accept", "text/html")],
    );
    assert_eq!(
        (route.status, route.body.as_slice()),
        (200, &b"<html>app shell</html>"[..])
    );
    assert_eq!(route.field("x-frame-options"), Some("DENY"));
    assert_eq!(route.field("access-control-allow-origin"), Some("*"));
    let api = same_over_both(
        &https,
        &connection,
        "GET",
        "/api/users",
        &[("accept", "*/*")],
    );
    assert_eq!(api.status, 404);
    let preflight = same_over_both(
        &https,
        &connection,
        "OPTIONS",
        "/httptest/dir2/page.html",
        &[
            ("origin", "http://example.com"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "x-token"),
        ],
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.field("access-control-allow-headers"),
        Some("x-token")
    );
    assert_eq!(preflight.field("content-length"), None);
    assert!(preflight.body.is_empty());
}

#[test]
fn auth_asks_then_admits() {
    let https = Https::start(&["--auth", "ann:s3cret"]);
    let connection = https.h2();
    let asked = same_over_both(&https, &connection, "GET", "/httptest/dir2/", &[]);
    assert_eq!(asked.status, 401);
    assert!(asked
        .field("www-authenticate")
        .unwrap()
        .starts_with("Basic"));
    // base64("ann:s3cret")
    let admitted = same_over_both(
        &https,
        &connection,
        "GET",
        "/httptest/dir2/",
        &[("authorization", "Basic YW5uOnMzY3JldA==")],
    );
    assert_eq!(
        (admitted.status, admitted.body.as_slice()),
        (200, INDEX_BODY)
    );
    let wrong = connection.get(
        "GET",
        "/httptest/dir2/",
        &[("authorization", "Basic YW5uOndyb25n")],
    );
    assert_eq!(wrong.status, 401);
}

#[test]
fn the_ca_page_over_h2c_on_the_https_port() {
    let https = Https::start(&[]);
    let plain = H2::h2c(https.server.addr);
    let page = plain.get("GET", "/.lanai/ca", &[]);
    assert_same(&page, &https.server.get("/.lanai/ca"), "/.lanai/ca");
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("Trust lanai's local CA"));
    let cert = plain.get("GET", "/.lanai/lanai-ca.crt", &[]);
    assert_eq!(String::from_utf8(cert.body).unwrap(), https.ca);
    let elsewhere = plain.get("GET", "/httptest/dir2/?a=b", &[]);
    assert_eq!(elsewhere.status, 307);
    assert!(elsewhere.field("location").unwrap().starts_with("https://"));
}

/// Over HTTP/1.1 the redirect keeps the Host the client named; over h2c the same name is in `:authority`.
#[test]
fn the_https_redirect_over_h2c_keeps_the_authority() {
    let https = Https::start(&[]);
    let plain = H2::h2c(https.server.addr);
    let elsewhere = plain.get("GET", "/httptest/dir2/?a=b", &[]);
    assert_eq!(elsewhere.status, 307);
    let port = https.server.addr.port();
    assert_eq!(
        elsewhere.field("location"),
        Some(format!("https://localhost:{port}/httptest/dir2/?a=b").as_str())
    );
}

/// A small site with rules files, a 404 page and pages for --clean-urls.
fn site() -> TempDir {
    let root = tempfile::tempdir().unwrap();
    let base = root.path();
    write(&base.join("index.html"), b"<h1>home</h1>\n");
    write(&base.join("about.html"), b"<h1>about</h1>\n");
    write(&base.join("404.html"), b"<h1>lost?</h1>\n");
    write(&base.join("notes.txt"), b"plain notes\n");
    write(
        &base.join("_redirects"),
        b"/old /about 301\n/app/* /notes.txt 200\n",
    );
    write(
        &base.join("_headers"),
        b"/about\n  X-Rule: about\n/*\n  X-Site: yes\n",
    );
    root
}

#[test]
fn clean_urls_rules_files_and_the_404_page() {
    let https = Https::start_in(site(), &["--clean-urls"]);
    let connection = https.h2();
    let about = same_over_both(&https, &connection, "GET", "/about", &[]);
    assert_eq!(
        (about.status, about.body.as_slice()),
        (200, &b"<h1>about</h1>\n"[..])
    );
    assert_eq!(about.field("x-rule"), Some("about"));
    assert_eq!(about.field("x-site"), Some("yes"));
    let extension = same_over_both(&https, &connection, "GET", "/about.html?x=1", &[]);
    assert_eq!(
        (extension.status, extension.field("location")),
        (301, Some("/about?x=1"))
    );
    let old = same_over_both(&https, &connection, "GET", "/old", &[]);
    assert_eq!((old.status, old.field("location")), (301, Some("/about")));
    let rewritten = same_over_both(&https, &connection, "GET", "/app/settings", &[]);
    assert_eq!(
        (rewritten.status, rewritten.body.as_slice()),
        (200, &b"plain notes\n"[..])
    );
    let missing = same_over_both(&https, &connection, "GET", "/nowhere/at/all", &[]);
    assert_eq!(
        (missing.status, missing.body.as_slice()),
        (404, &b"<h1>lost?</h1>\n"[..])
    );
    let rules = same_over_both(&https, &connection, "GET", "/_redirects", &[]);
    assert_eq!(rules.status, 404, "rules files are never served");
}

#[test]
fn the_host_guard_checks_the_authority() {
    let https = Https::start(&[]);
    let connection = https.h2();
    let foreign = connection
        .fetch(
            connection.request_to("evil.example.com", "GET", "/httptest/dir2/", &[]),
            b"",
        )
        .unwrap();
    assert_eq!(foreign.status, 403);
    assert!(String::from_utf8_lossy(&foreign.body).contains("'evil.example.com'"));
    let over_http1 = https.http1("GET", "/httptest/dir2/", &[("Host", "evil.example.com")]);
    assert_same(&foreign, &over_http1, "a foreign authority");
    let with_port = connection
        .fetch(
            connection.request_to("EVIL.example.com.:8443", "GET", "/", &[]),
            b"",
        )
        .unwrap();
    assert_eq!(with_port.status, 403);
    for allowed in ["localhost", "127.0.0.1:1", "[::1]", "app.localhost"] {
        let answered = connection
            .fetch(
                connection.request_to(allowed, "GET", "/httptest/dir2/", &[]),
                b"",
            )
            .unwrap();
        assert_eq!(
            (answered.status, answered.body.as_slice()),
            (200, INDEX_BODY),
            "{allowed}"
        );
    }
    // The same Host as :authority is fine.
    let same = connection.get(
        "GET",
        "/httptest/dir2/",
        &[("host", &connection.authority.clone())],
    );
    assert_eq!(same.status, 200);
}

/// RFC 9113 §8.3.1: a server SHOULD treat a request whose Host names another entity than its `:authority` as
/// malformed. The guard must not let a foreign Host through behind an allowed `:authority`: a 400 (malformed)
/// or a stream reset with PROTOCOL_ERROR, never the file.
#[test]
fn a_foreign_host_field_behind_an_allowed_authority_is_malformed() {
    let https = Https::start(&[]);
    let connection = https.h2();
    let answered = connection.fetch(
        connection.request("GET", "/httptest/dir2/", &[("host", "evil.example.com")]),
        b"",
    );
    match answered {
        Ok(reply) => assert_eq!(reply.status, 400, "served: {:?}", reply.body.len()),
        Err(error) => assert_eq!(
            error.reason(),
            Some(::h2::Reason::PROTOCOL_ERROR),
            "{error}"
        ),
    }
}

#[test]
fn live_reload_events_arrive_on_one_stream_while_others_are_answered() {
    let https = Https::start(&["--live"]);
    let connection = https.h2();
    let page_path = https.server.root.path().join("httptest/dir2/page.html");
    let request = connection.request("GET", "/.lanai/events", &[("accept", "text/event-stream")]);
    let send = connection.send.clone();
    let (status, content_type, mut events) = bounded(EXCHANGE_LIMIT, async move {
        let mut send = send.ready().await.unwrap();
        let (answer, _) = send.send_request(request, true).unwrap();
        let response = answer.await.unwrap();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|value| value.to_str().unwrap().to_string());
        (response.status(), content_type, response.into_body())
    });
    assert_eq!(status, 200);
    assert_eq!(content_type.as_deref(), Some("text/event-stream"));
    // The event stream stays open; the same connection answers other requests meanwhile.
    let page = same_over_both(&https, &connection, "GET", "/httptest/dir2/", &[]);
    assert!(
        page.body.starts_with(INDEX_BODY),
        "the index, with the live script injected"
    );
    // Change the page until the watcher (which may still be settling) reports it: at most 10 rounds of 1 s.
    let mut received = String::new();
    for round in 0..10 {
        write(
            &page_path,
            format!("<html>changed {round}</html>").as_bytes(),
        );
        let deadline = Instant::now() + Duration::from_secs(1);
        while !received.contains("event: reload\n") && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            let piece = task_timeout(left, events.data());
            match piece {
                Some(Some(Ok(bytes))) => {
                    events.flow_control().release_capacity(bytes.len()).unwrap();
                    received.push_str(&String::from_utf8_lossy(&bytes));
                }
                Some(Some(Err(error))) => {
                    panic!("the event stream broke: {error}; got {received:?}")
                }
                Some(None) => panic!("the event stream ended; got {received:?}"),
                None => {}
            }
        }
        if received.contains("event: reload\n") {
            break;
        }
    }
    assert!(received.contains("event: reload\n"), "{received:?}");
    let again = connection.get("GET", "/httptest/dir2/page.html", &[]);
    assert!(
        again.body.starts_with(&std::fs::read(&page_path).unwrap()),
        "the edit is served"
    );
}

/// Awaits `work` on async-std's executor for at most `limit`; `None` if it did not finish.
fn task_timeout<T>(limit: Duration, work: impl std::future::Future<Output = T>) -> Option<T> {
    async_std::task::block_on(async_std::future::timeout(limit, work)).ok()
}

#[test]
fn each_stream_has_its_access_log_line_with_http_2() {
    let https = Https::logging(exercise_root(), &[]);
    let connection = https.h2();
    connection.get("GET", "/httptest/dir2/", &[]);
    connection.get("GET", "/httptest/nothing-here", &[]);
    connection.get("HEAD", "/httptest/dir2/page.html", &[]);
    let index = https.server.log_line(&["\"GET /httptest/dir2/ HTTP/2.0\""]);
    assert!(index.contains(" 200 "), "{index}");
    assert!(
        index.contains(&format!(" 200 {} ", INDEX_BODY.len())),
        "{index}"
    );
    let missing = https
        .server
        .log_line(&["\"GET /httptest/nothing-here HTTP/2.0\""]);
    assert!(missing.contains(" 404 "), "{missing}");
    let head = https
        .server
        .log_line(&["\"HEAD /httptest/dir2/page.html HTTP/2.0\""]);
    assert!(head.contains(" 200 0 "), "{head}");
    let log = https.server.log();
    assert_eq!(
        log.matches("HTTP/2.0\"").count(),
        3,
        "one line per stream:\n{log}"
    );
}

#[test]
fn three_hundred_requests_a_hundred_at_a_time_on_one_connection() {
    let https = Https::start(&[]);
    let connection = https.h2();
    let started = Instant::now();
    for batch in 0..3 {
        let asked: Vec<_> = (0..100)
            .map(|index| {
                let (target, expected) = if index % 2 == 0 {
                    ("/httptest/dir2/", INDEX_BODY)
                } else {
                    ("/httptest/dir2/page.html", PAGE_BODY)
                };
                let request = connection.request("GET", target, &[]);
                let send = connection.send.clone();
                (
                    async_std::task::spawn(exchange(send, request, bytes::Bytes::new())),
                    expected,
                )
            })
            .collect();
        bounded(EXCHANGE_LIMIT, async {
            for (index, (answer, expected)) in asked.into_iter().enumerate() {
                let reply = answer
                    .await
                    .unwrap_or_else(|error| panic!("batch {batch} stream {index}: {error}"));
                assert_eq!((reply.status, reply.body.as_slice()), (200, expected));
            }
        });
    }
    eprintln!(
        "300 requests, 100 at a time, on one connection: {:?}",
        started.elapsed()
    );
}

#[cfg(unix)]
#[test]
fn sigterm_sends_goaway_and_the_stream_in_flight_finishes() {
    let mut server = Server::start(&["--shutdown-timeout", "20"]);
    const LEN: usize = 4 << 20;
    std::fs::File::create(server.root.path().join("big.bin"))
        .unwrap()
        .set_len(LEN as u64)
        .unwrap();
    let mut raw = Raw::connect(server.addr, &[]);
    raw.get(1, "/big.bin");
    let mut received = 0;
    let (first, _) = raw.until(Duration::from_secs(10), |frame| {
        frame.kind == DATA && frame.stream == 1
    });
    received += first.expect("the first DATA").payload.len();
    // The client's window (64 KiB) is now nearly used up: the stream waits in flight.
    server.signal("TERM");
    let (goaway, seen) = raw.until(Duration::from_secs(10), |frame| frame.kind == GOAWAY);
    let goaway = goaway.unwrap_or_else(|| panic!("closed without GOAWAY: {}", summary(&seen)));
    assert_eq!(goaway.goaway().unwrap().1, NO_ERROR);
    let data = |frames: &[Frame]| -> usize {
        frames
            .iter()
            .filter(|frame| frame.kind == DATA)
            .map(|frame| frame.payload.len())
            .sum()
    };
    received += data(&seen);
    // h2 shuts down in two steps (RFC 9113 §6.8): GOAWAY with the highest id and a PING, then, once the PING is
    // answered, the GOAWAY naming the last stream it will serve: stream 1, still in flight.
    let mut last_goaway = goaway.goaway().unwrap();
    if last_goaway.0 == 0x7fff_ffff {
        let (last, seen) = raw.until(Duration::from_secs(10), |frame| frame.kind == GOAWAY);
        received += data(&seen);
        last_goaway = last
            .unwrap_or_else(|| panic!("closed without a second GOAWAY: {}", summary(&seen)))
            .goaway()
            .unwrap();
    }
    assert_eq!(
        last_goaway,
        (1, NO_ERROR),
        "the last GOAWAY names the stream in flight"
    );
    // A stream opened after that GOAWAY is not answered.
    raw.get(3, "/httptest/dir2/");
    // Give back the window for everything received so far; from here on, as each DATA arrives.
    let size = (received as u32).to_be_bytes();
    raw.write(&frame(WINDOW_UPDATE, 0, 0, &size));
    raw.write(&frame(WINDOW_UPDATE, 0, 1, &size));
    let mut answered_late = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    let ended = loop {
        assert!(
            Instant::now() < deadline,
            "the download did not finish: {received} of {LEN}"
        );
        raw.stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let Some(got) = raw.next_frame() else {
            break false;
        };
        raw.answer_control(&got);
        match got.kind {
            DATA if got.stream == 1 => {
                received += got.payload.len();
                let size = (got.payload.len() as u32).to_be_bytes();
                if !got.payload.is_empty() {
                    raw.try_write(&frame(WINDOW_UPDATE, 0, 0, &size));
                    raw.try_write(&frame(WINDOW_UPDATE, 0, 1, &size));
                }
                if got.flags & END_STREAM != 0 {
                    break true;
                }
            }
            GOAWAY => assert_eq!(got.goaway(), Some((1, NO_ERROR))),
            HEADERS | DATA if got.stream == 3 => answered_late = true,
            _ => {}
        }
    };
    assert!(
        ended,
        "the connection closed before the stream ended: {received} of {LEN}"
    );
    assert_eq!(received, LEN);
    assert!(!answered_late, "a stream opened after GOAWAY was answered");
    let rest = raw.until_closed(Duration::from_secs(10));
    assert!(
        rest.iter()
            .all(|frame| frame.stream != 3 || frame.kind == RST_STREAM),
        "{}",
        summary(&rest)
    );
    let status = server
        .exit_status(Duration::from_secs(10))
        .expect("lanai exits");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn an_idle_h2_connection_gets_goaway_after_the_keep_alive_timeout() {
    let https = Https::start(&["--keep-alive-timeout", "1", "--read-timeout", "30"]);
    let mut connection = https.h2();
    assert_eq!(
        connection.get("GET", "/httptest/dir2/", &[]).body,
        INDEX_BODY
    );
    let idle_since = Instant::now();
    let ended = connection
        .ended(Duration::from_secs(10))
        .expect("the connection ends");
    let idle = idle_since.elapsed();
    assert!(ended.is_ok(), "a graceful GOAWAY, not an error: {ended:?}");
    assert!(
        idle >= Duration::from_millis(900) && idle < Duration::from_secs(6),
        "{idle:?}"
    );

    // The frames themselves, over h2c.
    let server = Server::start(&["--keep-alive-timeout", "1", "--read-timeout", "30"]);
    let mut raw = Raw::connect(server.addr, &[]);
    raw.get(1, "/httptest/dir2/");
    raw.until(Duration::from_secs(5), |frame| {
        frame.stream == 1 && frame.flags & END_STREAM != 0
    });
    let idle_since = Instant::now();
    let (goaway, seen) = raw.until(Duration::from_secs(10), |frame| frame.kind == GOAWAY);
    let goaway = goaway.unwrap_or_else(|| panic!("closed without GOAWAY: {}", summary(&seen)));
    assert_eq!(goaway.goaway().unwrap().1, NO_ERROR);
    assert!(
        idle_since.elapsed() >= Duration::from_millis(900),
        "{:?}",
        idle_since.elapsed()
    );
    // h2 shuts down in two steps (RFC 9113 §6.8): the last GOAWAY before the close names stream 1.
    let rest = raw.until_closed(Duration::from_secs(10));
    let last = rest
        .iter()
        .rev()
        .find_map(Frame::goaway)
        .or(goaway.goaway());
    assert_eq!(last, Some((1, NO_ERROR)), "{}", summary(&rest));
}

#[test]
fn max_connections_counts_h2_connections() {
    let server = Server::start(&["--max-connections", "2"]);
    let first = H2::h2c(server.addr);
    let second = H2::h2c(server.addr);
    assert_eq!(first.get("GET", "/httptest/dir2/", &[]).status, 200);
    assert_eq!(second.get("GET", "/httptest/dir2/", &[]).status, 200);
    let mut turned_away = server.connect();
    std::io::Write::write_all(
        &mut turned_away,
        b"GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = std::io::Read::read_to_end(&mut turned_away, &mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer:?}");
    // The two HTTP/2 connections go on.
    assert_eq!(
        first.get("GET", "/httptest/dir2/page.html", &[]).body,
        PAGE_BODY
    );
    assert_eq!(
        second.get("GET", "/httptest/dir2/page.html", &[]).body,
        PAGE_BODY
    );
}

// ----- --proxy over h2 -----

fn proxy_over_h2() -> (common::upstream::Upstream, Https) {
    let upstream = common::upstream::Upstream::start();
    let rule = format!("/api={}", upstream.url());
    let https = Https::start(&["--proxy", &rule]);
    (upstream, https)
}

#[test]
fn proxy_over_h2_get() {
    let (_upstream, https) = proxy_over_h2();
    let connection = https.h2();
    let echo = connection.get("GET", "/api/echo?x=1", &[("x-test", "yes")]);
    assert_eq!(echo.status, 200, "{}", String::from_utf8_lossy(&echo.body));
    let text = String::from_utf8_lossy(&echo.body).into_owned();
    assert!(
        text.contains("method GET\ntarget /api/echo?x=1\n"),
        "{text}"
    );
    assert!(text.contains("field X-Forwarded-Proto: https\n"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("field x-test: yes\n"),
        "{text}"
    );
    let hop = connection.get("GET", "/api/hop", &[]);
    assert_eq!((hop.status, hop.field("x-end-to-end")), (200, Some("kept")));
    assert!(hop.fields.get("connection").is_none() && hop.fields.get("keep-alive").is_none());
}

#[test]
fn proxy_over_h2_streams_5_mb_both_ways() {
    const FIVE_MB: usize = 5 << 20;
    let (_upstream, https) = proxy_over_h2();
    let connection = https.h2();
    let body: Vec<u8> = (0..FIVE_MB).map(|index| index as u8).collect();
    let request = connection.request(
        "POST",
        "/api/echo",
        &[("content-length", &FIVE_MB.to_string())],
    );
    let up = connection.fetch(request, &body).expect("the upload");
    assert_eq!(up.status, 200);
    assert!(String::from_utf8_lossy(&up.body).contains(&format!("body {FIVE_MB}\n")));
    let down = connection.get("GET", &format!("/api/download?bytes={FIVE_MB}"), &[]);
    assert_eq!(down.status, 200);
    let pattern: Vec<u8> = (0..=255u8).collect::<Vec<u8>>().repeat(FIVE_MB / 256);
    assert!(
        down.body == pattern,
        "the 5 MB download byte for byte ({} bytes)",
        down.body.len()
    );
}

#[test]
fn proxy_over_h2_server_sent_events_arrive_one_by_one() {
    let (upstream, https) = proxy_over_h2();
    let connection = https.h2();
    let request = connection.request("GET", "/api/sse", &[("accept", "text/event-stream")]);
    let send = connection.send.clone();
    let (status, mut events) = bounded(EXCHANGE_LIMIT, async move {
        let mut send = send.ready().await.unwrap();
        let (answer, _) = send.send_request(request, true).unwrap();
        let response = answer.await.unwrap();
        (response.status(), response.into_body())
    });
    assert_eq!(status, 200);
    let mut seen = String::new();
    let mut read_until = |wanted: &str, seen: &mut String| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !seen.contains(wanted) {
            let left = deadline.saturating_duration_since(Instant::now());
            match task_timeout(left, events.data()) {
                Some(Some(Ok(bytes))) => {
                    events.flow_control().release_capacity(bytes.len()).unwrap();
                    seen.push_str(&String::from_utf8_lossy(&bytes));
                }
                other => panic!(
                    "waiting for {wanted:?}: {:?}; got {seen:?}",
                    other.map(|o| o.map(|r| r.map(|b| b.len())))
                ),
            }
        }
    };
    read_until("data: one\n\n", &mut seen);
    assert!(!seen.contains("data: two"), "{seen}");
    assert_eq!(upstream.get("/sse-release"), "released\n");
    read_until("data: two\n\n", &mut seen);
}
