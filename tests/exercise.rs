//! The httptest exercise, rule by rule, against the real binary over a root built like the exercise's.

mod common;

use common::*;
use std::io::Write;

#[test]
fn every_response_names_the_server() {
    let server = Server::start(&[]);
    let reply = server.get("/httptest/");
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("Server"),
        Some(concat!("lanai/", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn directory_index_is_served() {
    let server = Server::start(&[]);
    let reply = server.get("/httptest/dir2/");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Length"), Some("34"));
    assert_eq!(reply.header("Content-Type"), Some("text/html"));
    assert_eq!(reply.body, INDEX_BODY);
}

#[test]
fn directory_without_index_is_not_found() {
    let server = Server::start(&[]);
    assert_eq!(server.get("/httptest/dir1/").status, 404);
}

#[test]
fn missing_file_is_not_found() {
    let server = Server::start(&[]);
    assert_eq!(
        server
            .get("/httptest/smdklcdsmvdfjnvdfjvdfvdfvdfsfssdmfdsdfsd.html")
            .status,
        404
    );
}

#[test]
fn file_in_nested_folders() {
    let server = Server::start(&[]);
    let reply = server.get("/httptest/dir1/dir12/dir123/deep.txt");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Length"), Some("20"));
    assert_eq!(reply.body, DEEP_BODY);
}

#[test]
fn slash_after_file_name_is_not_found() {
    let server = Server::start(&[]);
    assert_eq!(server.get("/httptest/dir2/page.html/").status, 404);
}

#[test]
fn query_string_plays_no_part() {
    let server = Server::start(&[]);
    let reply = server.get("/httptest/dir2/page.html?arg1=value&arg2=value");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Length"), Some("38"));
    assert_eq!(reply.body, PAGE_BODY);
}

#[test]
fn encoded_names() {
    let server = Server::start(&[]);
    let spaces = server.get("/httptest/space%20in%20name.txt");
    assert_eq!((spaces.status, spaces.body.as_slice()), (200, SPACES_BODY));
    let encoded = server.get("/httptest/dir2/%70%61%67%65%2e%68%74%6d%6c");
    assert_eq!((encoded.status, encoded.body.as_slice()), (200, PAGE_BODY));
    let dots = server.get("/httptest/text..txt");
    assert_eq!((dots.status, dots.body.as_slice()), (200, &b"hello"[..]));
}

#[test]
fn utf8_and_plus_names() {
    let server = Server::start(&[]);
    write(&server.root.path().join("файл.txt"), b"utf-8 name");
    write(&server.root.path().join("a+b.txt"), b"plus");
    assert_eq!(
        server.get("/%D1%84%D0%B0%D0%B9%D0%BB.txt").body,
        b"utf-8 name"
    );
    assert_eq!(server.get("/a+b.txt").body, b"plus");
    assert_eq!(server.get("/a%2Bb.txt").body, b"plus");
    assert_eq!(server.get("/a%20b.txt").status, 404);
}

#[test]
fn large_file_arrives_whole() {
    let server = Server::start(&[]);
    let expected = large_page();
    let reply = server.get("/httptest/wikipedia_russia.html");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("Content-Length"),
        Some(expected.len().to_string().as_str())
    );
    assert!(reply.body == expected, "large body differs");
    assert!(String::from_utf8_lossy(&reply.body).contains("Wikimedia Foundation, Inc."));
}

#[test]
fn document_root_cannot_be_escaped() {
    let server = Server::start(&[]);
    // A secret next to the root, which a successful escape would reveal.
    let secret = server
        .root
        .path()
        .parent()
        .unwrap()
        .join(format!("lanai-secret-{}", std::process::id()));
    std::fs::write(&secret, "secret").unwrap();
    let name = secret.file_name().unwrap().to_str().unwrap().to_string();
    let targets = [
        "/httptest/../../../../../../../../../../../../../etc/passwd".to_string(),
        format!("/../{name}"),
        format!("/httptest/../../{name}"),
        format!("/%2e%2e/{name}"),
        format!("/%2E%2e/{name}"),
        format!("/.%2e/{name}"),
        format!("/httptest%2f..%2f..%2f{name}"),
        format!("/..%5c{name}"),
        format!("/%c0%ae%c0%ae/{name}"),
        format!("/..;/{name}"),
        "/httptest/dir2/page.html%00.txt".to_string(),
        format!("http://localhost/../{name}"),
    ];
    for target in &targets {
        let reply = server.get(target);
        assert!(
            matches!(reply.status, 400 | 403 | 404),
            "{target}: {}",
            reply.status_line
        );
        assert!(
            !String::from_utf8_lossy(&reply.body).contains("secret"),
            "{target}"
        );
    }
    std::fs::remove_file(secret).unwrap();
}

#[test]
fn post_is_not_allowed() {
    let server = Server::start(&[]);
    let reply = server.request("POST", "/httptest/dir2/page.html");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("Allow"), Some("GET, HEAD"));
}

#[test]
fn other_methods_are_not_allowed() {
    let server = Server::start(&[]);
    for method in ["PUT", "DELETE", "OPTIONS", "PATCH", "BREW", "get", "Get"] {
        let reply = server.request(method, "/httptest/dir2/page.html");
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("Allow"), Some("GET, HEAD"), "{method}");
    }
}

/// The exercise's own HEAD check: HTTP/1.0 over a raw socket, read until the server closes.
#[test]
fn head_over_http_1_0_until_close() {
    let server = Server::start(&[]);
    let data = server.exchange(b"HEAD /httptest/dir2/page.html HTTP/1.0\r\n\r\n");
    let text = String::from_utf8(data).unwrap();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("an empty line ends the head");
    let mut lines = head.split("\r\n");
    let words: Vec<&str> = lines.next().unwrap().split(' ').collect();
    assert_eq!(words.len(), 3, "status line {words:?}");
    assert_eq!(words[1], "200");
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| *name == "Content-Length")
        .map(|(_, value)| value.trim().to_string());
    assert_eq!(length.as_deref(), Some("38"));
    assert_eq!(body, "");
}

#[test]
fn head_carries_get_headers_without_body() {
    let server = Server::start(&[]);
    for target in [
        "/httptest/dir2/",
        "/httptest/wikipedia_russia.html",
        "/missing",
    ] {
        let get = server.request("GET", target);
        let head = server.request("HEAD", target);
        let names = |reply: &Reply| -> Vec<(String, String)> {
            reply
                .headers
                .iter()
                .filter(|(name, _)| name != "Date")
                .cloned()
                .collect()
        };
        assert_eq!(head.status_line, get.status_line, "{target}");
        assert_eq!(names(&head), names(&get), "{target}");
        let mut stream = server.connect();
        stream
            .write_all(
                format!("HEAD {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap();
        let raw = read_to_close(&mut stream);
        assert!(raw.ends_with(b"\r\n\r\n"), "{target}: HEAD sent a body");
    }
}

#[test]
fn content_types_are_exact() {
    let server = Server::start(&[]);
    for (name, expected) in TYPED_FILES {
        let on_disk = std::fs::read(server.root.path().join("httptest").join(name)).unwrap();
        let reply = server.get(&format!("/httptest/{name}"));
        assert_eq!(reply.status, 200, "{name}");
        assert_eq!(reply.header("Content-Type"), Some(*expected), "{name}");
        assert_eq!(
            reply.header("Content-Length"),
            Some(on_disk.len().to_string().as_str()),
            "{name}"
        );
        assert_eq!(reply.body, on_disk, "{name}");
    }
    write(&server.root.path().join("blob.unknownext"), b"?");
    assert_eq!(
        server.get("/blob.unknownext").header("Content-Type"),
        Some("application/octet-stream")
    );
}

#[test]
fn empty_request_does_no_harm() {
    let server = Server::start(&[]);
    for junk in [&b"\n"[..], b"\n\n", b"\r\n"] {
        let mut stream = server.connect();
        stream.write_all(junk).unwrap();
        drop(stream);
    }
    assert_eq!(server.get("/httptest/dir2/").status, 200);
}
