//! Basic auth against the real binary: 401 with the challenge on everything lanai serves, 200 with the right
//! credentials, from --auth and from an htpasswd file with a bcrypt hash.

mod common;

use base64::Engine;
use common::Server;
use std::io::Write;

const CHALLENGE: &str = "Basic realm=\"lanai\", charset=\"UTF-8\"";

fn basic(pair: &str) -> String {
    format!(
        "Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// The status of the live event stream's answer (its head only: the stream itself stays open).
fn events_status(server: &Server, fields: &str) -> u16 {
    let mut stream = server.connect();
    write!(
        stream,
        "GET /.lanai/events HTTP/1.1\r\nHost: localhost\r\n{fields}\r\n"
    )
    .unwrap();
    let head = read_head(&mut stream);
    head.split(' ').nth(1).unwrap().parse().unwrap()
}

fn read_head(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).unwrap(), 1, "closed before the head");
        received.push(byte[0]);
    }
    String::from_utf8(received).unwrap()
}

#[test]
fn everything_needs_the_credentials() {
    let server = Server::start(&["--auth", "ann:s3cret", "--listing", "--live"]);
    for target in [
        "/httptest/dir2/",
        "/httptest/",
        "/missing",
        "/.lanai/live.js",
    ] {
        let refused = server.get(target);
        assert_eq!(refused.status, 401, "{target}");
        assert_eq!(
            refused.header("WWW-Authenticate"),
            Some(CHALLENGE),
            "{target}"
        );
        let wrong = server.get_with(target, &[&basic("ann:wrong")]);
        assert_eq!(wrong.status, 401, "{target}");
        let allowed = server.get_with(target, &[&basic("ann:s3cret")]);
        assert_ne!(allowed.status, 401, "{target}");
    }
    assert_eq!(
        server
            .get_with("/httptest/dir2/", &[&basic("ann:s3cret")])
            .status,
        200
    );
    assert_eq!(events_status(&server, ""), 401);
    assert_eq!(
        events_status(&server, &format!("{}\r\n", basic("ann:s3cret"))),
        200
    );
}

#[test]
fn an_htpasswd_file_with_bcrypt() {
    let hash = bcrypt::hash_with_result("pw", 4)
        .unwrap()
        .format_for_version(bcrypt::Version::TwoY);
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("htpasswd");
    std::fs::write(&file, format!("cat:{hash}\n")).unwrap();
    let server = Server::start(&["--auth-file", file.to_str().unwrap()]);
    assert_eq!(server.get("/httptest/dir2/").status, 401);
    assert_eq!(
        server
            .get_with("/httptest/dir2/", &[&basic("cat:nope")])
            .status,
        401
    );
    for _ in 0..3 {
        assert_eq!(
            server
                .get_with("/httptest/dir2/", &[&basic("cat:pw")])
                .status,
            200
        );
    }
}

#[test]
fn credentials_over_plain_http_beyond_loopback_get_a_warning() {
    let server = Server::start(&["--auth", "a:b", "--host", "0.0.0.0"]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(server.log().contains("add --https"), "{}", server.log());
    let local = Server::start(&["--auth", "a:b"]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(!local.log().contains("add --https"));
}
