//! Compression on the fly against the real binary: each coding decoded back to the file byte for byte, a
//! representation (and a 304) per coding, ranges and sidecars left as they were, one compression per file
//! version, streaming past the cache, and other requests served while a compression waits.

mod common;

use common::*;
use std::io::{Read, Write};
use std::time::Duration;

const LARGE: &str = "/httptest/wikipedia_russia.html";
const SCRIPT: &str = "/httptest/app.js";

fn decode(coding: &str, mut compressed: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    match coding {
        "br" => brotli::BrotliDecompress(&mut compressed, &mut plain).expect("valid br"),
        "zstd" => plain = zstd::stream::decode_all(compressed).expect("valid zstd"),
        "gzip" => {
            flate2::read::GzDecoder::new(compressed)
                .read_to_end(&mut plain)
                .expect("valid gzip");
        }
        other => panic!("unexpected coding {other}"),
    }
    plain
}

/// A script of about 20 KB: small enough for the small-file cache, large enough to compress.
fn script() -> Vec<u8> {
    (0..500)
        .flat_map(|line| format!("console.log('line {line} of the script');\n").into_bytes())
        .collect()
}

fn server_with_script(extra: &[&str]) -> Server {
    let root = exercise_root();
    write(&root.path().join("httptest/app.js"), &script());
    Server::start_in(root, extra)
}

#[test]
fn each_coding_decodes_to_the_file() {
    let server = server_with_script(&[]);
    for (target, original) in [(LARGE, large_page()), (SCRIPT, script())] {
        for coding in ["br", "zstd", "gzip"] {
            // Twice: the second answer comes from the compression cache.
            for _ in 0..2 {
                let reply =
                    server.get_with(target, &[&format!("Accept-Encoding: {coding}, identity")]);
                assert_eq!(reply.status, 200);
                assert_eq!(reply.header("Content-Encoding"), Some(coding), "{target}");
                assert_eq!(reply.header("Vary"), Some("Accept-Encoding"));
                assert_eq!(reply.header("Accept-Ranges"), None, "no ranges of a coding");
                assert!(reply.body.len() < original.len() / 3, "{target} {coding}");
                assert_eq!(decode(coding, &reply.body), original, "{target} {coding}");
            }
        }
    }
    let chromium = server.get_with(LARGE, &["Accept-Encoding: gzip, deflate, br, zstd"]);
    assert_eq!(chromium.header("Content-Encoding"), Some("br"));
    assert_eq!(
        server
            .request_with("HEAD", LARGE, &["Accept-Encoding: br"])
            .header("Content-Length"),
        chromium.header("Content-Length")
    );
}

#[test]
fn the_identity_varies_too_and_what_should_not_compress_does_not() {
    let server = server_with_script(&[]);
    let plain = server.get(LARGE);
    assert_eq!(plain.header("Content-Encoding"), None);
    assert_eq!(plain.header("Vary"), Some("Accept-Encoding"));
    assert_eq!(plain.body, large_page());
    let refused = server.get_with(LARGE, &["Accept-Encoding: br;q=0, gzip;q=0, zstd;q=0"]);
    assert_eq!(refused.header("Content-Encoding"), None);
    assert_eq!(refused.body, large_page());
    // An image, and a page too small to be worth it.
    for target in ["/httptest/160313.jpg", "/httptest/dir2/page.html"] {
        let reply = server.get_with(target, &["Accept-Encoding: br, gzip"]);
        assert_eq!(reply.header("Content-Encoding"), None, "{target}");
        assert_eq!(reply.header("Vary"), None, "{target}");
    }
}

#[test]
fn each_coding_is_a_representation_with_its_own_304() {
    let server = server_with_script(&[]);
    let tag = |coding: &str| {
        server
            .get_with(SCRIPT, &[&format!("Accept-Encoding: {coding}")])
            .header("ETag")
            .expect("ETag")
            .to_string()
    };
    let (br, gzip, identity) = (tag("br"), tag("gzip"), tag("identity"));
    assert!(br != gzip && br != identity && gzip != identity);
    assert!(!br.starts_with("W/"), "a strong tag: {br}");
    let revalidate = |coding: &str, etag: &str| {
        server.get_with(
            SCRIPT,
            &[
                &format!("Accept-Encoding: {coding}"),
                &format!("If-None-Match: {etag}"),
            ],
        )
    };
    let not_modified = revalidate("br", &br);
    assert_eq!(not_modified.status, 304);
    assert_eq!(not_modified.header("ETag"), Some(br.as_str()));
    assert_eq!(not_modified.header("Vary"), Some("Accept-Encoding"));
    let other_coding = revalidate("gzip", &br);
    assert_eq!(other_coding.status, 200);
    assert_eq!(other_coding.header("Content-Encoding"), Some("gzip"));
    assert_eq!(revalidate("identity", &br).status, 200);
    assert_eq!(revalidate("identity", &identity).status, 304);

    // An edit makes new tags, and the new text is what decodes.
    std::thread::sleep(Duration::from_millis(20));
    let edited: Vec<u8> = script().into_iter().rev().collect();
    write(&server.root.path().join("httptest/app.js"), &edited);
    let after = revalidate("br", &br);
    assert_eq!(after.status, 200);
    assert_ne!(after.header("ETag"), Some(br.as_str()));
    assert_eq!(decode("br", &after.body), edited);
}

#[test]
fn ranges_get_the_identity_and_sidecars_win() {
    let server = server_with_script(&[]);
    let range = server.get_with(LARGE, &["Accept-Encoding: br", "Range: bytes=0-99"]);
    assert_eq!(range.status, 206);
    assert_eq!(range.header("Content-Encoding"), None);
    assert_eq!(range.body, &large_page()[..100]);

    std::thread::sleep(Duration::from_millis(20));
    write(
        &server.root.path().join("httptest/app.js.gz"),
        b"precompressed",
    );
    let sidecar = server.get_with(SCRIPT, &["Accept-Encoding: gzip, br"]);
    assert_eq!(sidecar.header("Content-Encoding"), Some("gzip"));
    assert_eq!(sidecar.body, b"precompressed");
    // An acceptable sidecar wins even over a coding the client likes better; one it does not accept, does not.
    let preferred = server.get_with(SCRIPT, &["Accept-Encoding: zstd, gzip;q=0.5"]);
    assert_eq!(preferred.body, b"precompressed");
    let zstd = server.get_with(SCRIPT, &["Accept-Encoding: zstd"]);
    assert_eq!(zstd.header("Content-Encoding"), Some("zstd"));
    assert_eq!(decode("zstd", &zstd.body), script());
}

#[test]
fn no_compress_turns_it_off() {
    let server = server_with_script(&["--no-compress"]);
    let reply = server.get_with(LARGE, &["Accept-Encoding: br, gzip"]);
    assert_eq!(reply.header("Content-Encoding"), None);
    assert_eq!(reply.header("Vary"), None);
    assert_eq!(reply.body, large_page());
}

#[test]
fn concurrent_first_requests_share_one_compression() {
    let server = Server::logging(&["-v"]);
    let replies: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| server.get_with(LARGE, &["Accept-Encoding: br"]).body))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    for body in &replies {
        assert_eq!(decode("br", body), large_page());
    }
    server.get_with(LARGE, &["Accept-Encoding: br"]);
    server.get_with(LARGE, &["Accept-Encoding: gzip"]);
    let log = server.stop();
    let compressions = |coding: &str| {
        log.matches(&format!("compressed {LARGE} with {coding}:"))
            .count()
    };
    assert_eq!(compressions("br"), 1, "{log}");
    assert_eq!(compressions("gzip"), 1, "{log}");
}

#[test]
fn a_file_too_large_for_the_cache_streams_compressed() {
    // The 20 KB script is more than an eighth of 64 KiB: compressed as it is sent, never kept.
    let root = exercise_root();
    write(&root.path().join("httptest/app.js"), &script());
    let path = root.path().to_str().unwrap().to_string();
    let mut command = lanai();
    command.args([
        path.as_str(),
        "--port",
        "0",
        "-v",
        "--compress-cache",
        "64K",
    ]);
    let server = Server::spawn(root, &mut command);
    for coding in ["br", "zstd", "gzip"] {
        let raw = format!(
            "GET {SCRIPT} HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: {coding}\r\n\r\n"
        );
        let received = server.exchange(raw.as_bytes());
        let head_end = received
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("a head");
        let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
        assert!(
            head.contains(&format!("\r\nContent-Encoding: {coding}")),
            "{head}"
        );
        assert!(head.contains("\r\nConnection: close"), "{head}");
        assert!(!head.contains("Content-Length"), "{head}");
        assert_eq!(decode(coding, &received[head_end + 4..]), script());
    }
    assert!(!server.stop().contains("compressed "), "nothing was kept");
}

#[test]
fn other_requests_go_on_while_a_compression_waits_even_with_one_worker() {
    // With no cache every compression streams, and a client that does not read holds its compression back.
    let server = Server::start(&["--workers", "1", "--compress-cache", "0"]);
    // 32 MiB of random hex digits: about 17 MiB gzipped, more than the socket buffers and the channel hold.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let huge: Vec<u8> = (0..32 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b"0123456789abcdef"[(state & 15) as usize]
        })
        .collect();
    write(&server.root.path().join("httptest/huge.html"), &huge);
    let mut stalled = server.connect();
    write!(
        stalled,
        "GET /httptest/huge.html HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\r\n"
    )
    .unwrap();
    let mut status_line = [0u8; 12];
    stalled.read_exact(&mut status_line).unwrap();
    assert_eq!(
        &status_line, b"HTTP/1.1 200",
        "the compressed answer has begun"
    );
    for _ in 0..3 {
        let reply = server.get_with("/httptest/dir2/page.html", &["Accept-Encoding: gzip"]);
        assert_eq!(reply.body, PAGE_BODY);
    }
}

#[test]
fn live_pages_compress_with_their_script() {
    let server = Server::start(&["--live"]);
    let reply = server.get_with(LARGE, &["Accept-Encoding: br"]);
    assert_eq!(reply.header("Content-Encoding"), Some("br"));
    assert!(reply.header("ETag").unwrap().ends_with("-live-br\""));
    let page = decode("br", &reply.body);
    assert!(page.ends_with(b"<script src=\"/.lanai/live.js\"></script></body></html>\n"));
}
