//! The proxy, differentially: about forty request shapes, hostile ones included, go through the real lanai to a
//! raw upstream that records every byte. A second parser (httparse for heads, the test's own Content-Length and
//! chunked framing for bodies) reads what the upstream received, and that must be exactly the requests lanai
//! logged as answered by the upstream: same method, same target, same count, the body the client meant, and no
//! byte more. A request smuggled past lanai would show as an extra request, a body read as a request, or bytes
//! that do not parse.

mod common;

use common::upstream::{parse_all, parse_request, Parsed, RawUpstream};
use common::Server;
use std::io::{Read, Write};
use std::time::Duration;

/// One shape: the client's writes on one connection (`{p}` stands for the shape's own prefix, `/api/sNN`), and
/// the bodies of the requests lanai should pass on, in order (none when it must refuse them all).
struct Shape {
    name: &'static str,
    writes: Vec<String>,
    bodies: Vec<&'static str>,
}

fn shape(name: &'static str, writes: &[&str], bodies: &[&'static str]) -> Shape {
    Shape {
        name,
        writes: writes.iter().map(|write| write.to_string()).collect(),
        bodies: bodies.to_vec(),
    }
}

const SMUGGLED: &str = "GET /up/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

fn shapes() -> Vec<Shape> {
    let long_value = "v".repeat(8000);
    let many_fields: String = (0..90).map(|n| format!("X-F{n}: {n}\r\n")).collect();
    let long_target = format!("{{p}}/{}", "t".repeat(7000));
    let mut shapes = vec![
        shape("get", &["GET {p}/a?q=1 HTTP/1.1\r\nHost: localhost\r\n\r\n"], &[""]),
        shape("post with a length", &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"], &["hello"]),
        shape(
            "body split across writes",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\nhel", "lo wo", "rld"],
            &["hello world"],
        ),
        shape(
            "chunked with extensions and trailers",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n3 ; q=\"x y\"\r\n!!!\r\n0\r\nX-T: 1\r\n\r\n"],
            &["hello!!!"],
        ),
        shape(
            "chunked in small pieces",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n", "5\r", "\nhel", "lo\r\n", "0\r\n", "\r\n"],
            &["hello"],
        ),
        shape(
            "connection names content-length",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, Content-Length\r\nContent-Length: 38\r\n\r\nGET /up/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"],
            &[],
        ),
        shape(
            "connection names transfer-encoding",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nConnection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n26\r\nGET /up/smuggled HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n"],
            &[],
        ),
        shape("connection names host", &["GET {p}/a HTTP/1.1\r\nHost: localhost\r\nConnection: host\r\n\r\n"], &[]),
        shape(
            "equal content-lengths",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi"],
            &["hi"],
        ),
        shape("content-length list", &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2, 2\r\n\r\nhi"], &["hi"]),
        shape(
            "different content-lengths",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\nhiGET /up/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"],
            &[],
        ),
        shape(
            "content-length and chunked",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /up/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"],
            &[],
        ),
        shape(
            "chunked twice",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"],
            &[],
        ),
        shape("gzip coding", &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\nxx"], &[]),
        shape(
            "padded chunked",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding:  chunked \r\n\r\n2\r\nhi\r\n0\r\n\r\n"],
            &["hi"],
        ),
        shape("xchunked", &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"], &[]),
        shape(
            "obs-fold",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\n Content-Length: 38\r\n\r\nGET /up/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"],
            &[],
        ),
        shape("bare LF", &["POST {p}/a HTTP/1.1\nHost: localhost\nContent-Length: 2\n\nhi"], &["hi"]),
        shape("bare CR in a value", &["GET {p}/a HTTP/1.1\r\nHost: localhost\r\nX-A: 1\rContent-Length: 5\r\n\r\n"], &[]),
        shape("NUL in a value", &["GET {p}/a HTTP/1.1\r\nHost: localhost\r\nX-A: 1\0\r\n\r\n"], &[]),
        shape("absolute form", &["GET http://localhost{p}/a HTTP/1.1\r\nHost: localhost\r\n\r\n"], &[]),
        shape("encoded slash climb", &["GET {p}/..%2f..%2fsecret HTTP/1.1\r\nHost: localhost\r\n\r\n"], &[]),
        shape("encoded dot climb", &["GET {p}/%2e%2e/secret HTTP/1.1\r\nHost: localhost\r\n\r\n"], &[]),
        shape("path parameter climb", &["GET {p}/..;/secret HTTP/1.1\r\nHost: localhost\r\n\r\n"], &[]),
        shape("backslash climb", &["GET {p}/..\\secret HTTP/1.1\r\nHost: localhost\r\n\r\n"], &[]),
        shape(
            "three pipelined with bodies",
            &["POST {p}/1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\noneGET {p}/2 HTTP/1.1\r\nHost: localhost\r\n\r\nPUT {p}/3 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nthree\r\n0\r\n\r\n"],
            &["one", "", "three"],
        ),
        shape(
            "a request as a body",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 38\r\n\r\nGET /up/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"],
            &[SMUGGLED],
        ),
        shape(
            "a request inside a chunk",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2b\r\n0\r\n\r\nGET /up/smuggled HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n"],
            &["0\r\n\r\nGET /up/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"],
        ),
        shape(
            "the next request split across writes",
            &["POST {p}/1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhiGET {p}/2 HT", "TP/1.1\r\nHost: localhost\r\n\r\n"],
            &["hi", ""],
        ),
        shape(
            "expect 100-continue",
            &["PUT {p}/a HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", "data"],
            &["data"],
        ),
        shape("HTTP/1.0 with a length", &["POST {p}/a HTTP/1.0\r\nContent-Length: 3\r\n\r\nold"], &["old"]),
        shape("HEAD", &["HEAD {p}/a HTTP/1.1\r\nHost: localhost\r\n\r\n"], &[""]),
        shape("plus sign length", &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: +2\r\n\r\nhi"], &[]),
        shape("zero length", &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"], &[""]),
        shape(
            "leading zeros in a chunk size",
            &["POST {p}/a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0002\r\nhi\r\n000\r\n\r\n"],
            &["hi"],
        ),
        shape(
            "hop-by-hop fields",
            &["GET {p}/a HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, X-Hop\r\nUpgrade: h2c\r\nX-Hop: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\n\r\n"],
            &[""],
        ),
        shape("space before a colon", &["GET {p}/a HTTP/1.1\r\nHost: localhost\r\nContent-Length : 5\r\n\r\nhello"], &[]),
        shape("two hosts", &["GET {p}/a HTTP/1.1\r\nHost: localhost\r\nHost: other\r\n\r\n"], &[]),
    ];
    shapes.push(Shape {
        name: "a long header",
        writes: vec![format!(
            "GET {{p}}/a HTTP/1.1\r\nHost: localhost\r\nX-Long: {long_value}\r\n\r\n"
        )],
        bodies: vec![""],
    });
    shapes.push(Shape {
        name: "many headers",
        writes: vec![format!(
            "GET {{p}}/a HTTP/1.1\r\nHost: localhost\r\n{many_fields}\r\n"
        )],
        bodies: vec![""],
    });
    shapes.push(Shape {
        name: "a long target",
        writes: vec![format!(
            "GET {long_target} HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )],
        bodies: vec![""],
    });
    shapes
}

/// Sends one shape's writes on a fresh connection, then a last request that closes it (refused when the
/// connection is already over), and reads until lanai closes.
fn run(server: &Server, shape: &Shape, prefix: &str) {
    let mut stream = server.connect();
    for write in shape
        .writes
        .iter()
        .map(|write| write.replace("{p}", prefix))
        .chain([format!(
            "GET {prefix}/last HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )])
    {
        // lanai may have closed already, after a refusal.
        if stream.write_all(write.as_bytes()).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut sink = [0u8; 64 * 1024];
    while matches!(stream.read(&mut sink), Ok(1..)) {}
}

/// The (method, target) of each access-log line whose target is under `prefix` and that the upstream answered
/// (its 200); lanai's own refusals are other statuses.
fn logged(log: &str, prefix: &str) -> Vec<(String, String)> {
    log.lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once('"')?;
            let (request, after) = rest.split_once('"')?;
            let mut words = request.split(' ');
            let (method, target) = (words.next()?, words.next()?);
            let under = target.strip_prefix(prefix)?;
            let forwarded = after.trim_start().starts_with("200 ");
            (forwarded && (under.is_empty() || under.starts_with('/')))
                .then(|| (method.to_string(), target.to_string()))
        })
        .collect()
}

#[test]
fn the_upstream_receives_exactly_the_requests_lanai_logged_and_nothing_more() {
    let upstream = RawUpstream::start(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let rule = format!("/api={}/up", upstream.url());
    let server = Server::logging(&["--proxy", &rule]);
    let shapes = shapes();
    assert!(shapes.len() >= 40, "{} shapes", shapes.len());
    for (index, shape) in shapes.iter().enumerate() {
        run(&server, shape, &format!("/api/s{index:02}"));
    }
    let log = server.stop();
    // What every upstream connection received, read by the second parser: whole requests and nothing else.
    let mut received: Vec<Parsed> = Vec::new();
    for bytes in upstream.received() {
        match parse_all(&bytes) {
            Ok(requests) => received.extend(requests),
            Err(why) => panic!("an upstream connection got bytes that are no requests: {why}"),
        }
    }
    for request in &received {
        assert!(
            request.target.starts_with("/up/s"),
            "a request lanai never meant: {request:?}"
        );
    }
    for (index, shape) in shapes.iter().enumerate() {
        let prefix = format!("/api/s{index:02}");
        let mut lines = logged(&log, &prefix);
        // The closing request is lanai's to forward when the connection lived that long; it has no body.
        let mut bodies = shape.bodies.clone();
        if lines
            .last()
            .is_some_and(|(_, target)| target.ends_with("/last"))
        {
            bodies.push("");
        }
        let mut expected: Vec<(String, String, Vec<u8>)> = lines
            .drain(..)
            .zip(
                bodies
                    .iter()
                    .chain(std::iter::repeat(&"<no body expected>")),
            )
            .map(|((method, target), body)| {
                let upstream_target = target.replacen("/api/", "/up/", 1);
                (method, upstream_target, body.as_bytes().to_vec())
            })
            .collect();
        let mut got: Vec<(String, String, Vec<u8>)> = received
            .iter()
            .filter(|request| {
                let tag = format!("/up/s{index:02}");
                request.target == tag || request.target.starts_with(&format!("{tag}/"))
            })
            .map(|request| {
                (
                    request.method.clone(),
                    request.target.clone(),
                    request.body.clone(),
                )
            })
            .collect();
        expected.sort();
        got.sort();
        assert_eq!(
            got.len(),
            expected.len(),
            "shape {index} ({}): the upstream got {got:?}, lanai logged {expected:?}",
            shape.name
        );
        assert_eq!(got, expected, "shape {index} ({})", shape.name);
        let forwarded_bodies = expected.len() - usize::from(bodies.len() > shape.bodies.len());
        assert_eq!(
            forwarded_bodies,
            shape.bodies.len(),
            "shape {index} ({}): lanai forwarded {forwarded_bodies} of the shape's requests, not {}",
            shape.name,
            shape.bodies.len()
        );
    }
    // Sanity of the second parser itself: a request and a smuggled one after it are two.
    let two = format!("POST /up/x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n{SMUGGLED}");
    assert_eq!(parse_all(two.as_bytes()).unwrap().len(), 2);
    assert!(parse_request(
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .is_err());
}
