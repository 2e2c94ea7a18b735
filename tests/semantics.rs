//! What a browser previewing a site relies on: validators, conditional requests, ranges, precompressed files,
//! listings, SPA fallback, hidden files, symlinks, types and development headers, against the real binary.

mod common;

use common::*;
use std::time::{Duration, SystemTime};

const PAGE: &str = "/httptest/dir2/page.html";

#[test]
fn files_carry_validators_and_no_cache() {
    let server = Server::start(&[]);
    let reply = server.get(PAGE);
    let etag = reply.header("ETag").expect("ETag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"),
        "{etag}"
    );
    let modified = std::fs::metadata(server.root.path().join("httptest/dir2/page.html"))
        .unwrap()
        .modified()
        .unwrap();
    let last_modified = reply.header("Last-Modified").expect("Last-Modified");
    let parsed = httpdate_parse(last_modified);
    assert!(
        modified.duration_since(parsed).unwrap() < Duration::from_secs(1),
        "{last_modified}"
    );
    assert_eq!(reply.header("Cache-Control"), Some("no-cache"));
    assert_eq!(reply.header("Accept-Ranges"), Some("bytes"));
}

fn httpdate_parse(text: &str) -> SystemTime {
    // `Sun, 06 Nov 1994 08:49:37 GMT` → seconds since the epoch, computed without a date crate.
    let parts: Vec<&str> = text.split([' ', ':']).collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (day, month, year): (i64, i64, i64) = (
        parts[1].parse().unwrap(),
        months.iter().position(|m| *m == parts[2]).unwrap() as i64 + 1,
        parts[3].parse().unwrap(),
    );
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1 - 719_468;
    let seconds = days * 86400
        + parts[4].parse::<i64>().unwrap() * 3600
        + parts[5].parse::<i64>().unwrap() * 60
        + parts[6].parse::<i64>().unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds as u64)
}

#[test]
fn revalidation_gets_304_until_the_file_changes() {
    let server = Server::start(&[]);
    let first = server.get(PAGE);
    let etag = first.header("ETag").unwrap().to_string();
    let last_modified = first.header("Last-Modified").unwrap().to_string();

    let not_modified = server.get_with(PAGE, &[&format!("If-None-Match: {etag}")]);
    assert_eq!(not_modified.status_line, "HTTP/1.1 304 Not Modified");
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("ETag"), Some(etag.as_str()));
    assert_eq!(not_modified.header("Content-Length"), None);
    assert_eq!(
        server
            .get_with(PAGE, &[&format!("If-None-Match: \"nope\", {etag}")])
            .status,
        304
    );
    assert_eq!(server.get_with(PAGE, &["If-None-Match: *"]).status, 304);
    assert_eq!(
        server
            .get_with(PAGE, &[&format!("If-Modified-Since: {last_modified}")])
            .status,
        304
    );
    // If-None-Match wins: a stale tag with a fresh date is a full answer.
    let both = server.get_with(
        PAGE,
        &[
            "If-None-Match: \"stale\"",
            &format!("If-Modified-Since: {last_modified}"),
        ],
    );
    assert_eq!(both.status, 200);

    std::thread::sleep(Duration::from_millis(20));
    write(
        &server.root.path().join("httptest/dir2/page.html"),
        b"<html>edited</html>\n",
    );
    let after_edit = server.get_with(PAGE, &[&format!("If-None-Match: {etag}")]);
    assert_eq!(after_edit.status, 200);
    assert_eq!(after_edit.body, b"<html>edited</html>\n");
    assert_ne!(after_edit.header("ETag"), Some(etag.as_str()));
}

#[test]
fn failed_preconditions_get_412() {
    let server = Server::start(&[]);
    assert_eq!(server.get_with(PAGE, &["If-Match: \"other\""]).status, 412);
    let etag = server.get(PAGE).header("ETag").unwrap().to_string();
    assert_eq!(
        server
            .get_with(PAGE, &[&format!("If-Match: {etag}")])
            .status,
        200
    );
}

#[test]
fn cache_control_can_be_replaced() {
    let server = Server::start(&["--cache-control", "public, max-age=60"]);
    assert_eq!(
        server.get(PAGE).header("Cache-Control"),
        Some("public, max-age=60")
    );
}

#[test]
fn single_ranges() {
    let server = Server::start(&[]);
    let cases = [
        ("bytes=0-5", 0, 5),
        ("bytes=6-", 6, 37),
        ("bytes=-7", 31, 37),
        ("bytes=30-1000", 30, 37),
    ];
    for (range, start, end) in cases {
        let reply = server.get_with(PAGE, &[&format!("Range: {range}")]);
        assert_eq!(reply.status, 206, "{range}");
        assert_eq!(
            reply.header("Content-Range"),
            Some(format!("bytes {start}-{end}/38").as_str()),
            "{range}"
        );
        assert_eq!(reply.body, &PAGE_BODY[start..=end], "{range}");
    }
}

#[test]
fn ranges_of_a_streamed_file() {
    let server = Server::start(&[]);
    let page = large_page();
    let reply = server.get_with(
        "/httptest/wikipedia_russia.html",
        &["Range: bytes=100000-299999"],
    );
    assert_eq!(reply.status, 206);
    assert_eq!(reply.body, &page[100_000..300_000]);
    let tail = server.get_with("/httptest/wikipedia_russia.html", &["Range: bytes=-100"]);
    assert_eq!(tail.body, &page[page.len() - 100..]);
}

#[test]
fn unsatisfiable_range_gets_416() {
    let server = Server::start(&[]);
    let reply = server.get_with(PAGE, &["Range: bytes=38-"]);
    assert_eq!(reply.status, 416);
    assert_eq!(reply.header("Content-Range"), Some("bytes */38"));
}

#[test]
fn stale_if_range_gets_the_whole_file() {
    let server = Server::start(&[]);
    let stale = server.get_with(PAGE, &["Range: bytes=0-1", "If-Range: \"stale\""]);
    assert_eq!((stale.status, stale.body.as_slice()), (200, PAGE_BODY));
    let etag = server.get(PAGE).header("ETag").unwrap().to_string();
    let fresh = server.get_with(PAGE, &["Range: bytes=0-1", &format!("If-Range: {etag}")]);
    assert_eq!(
        (fresh.status, fresh.body.as_slice()),
        (206, &PAGE_BODY[..2])
    );
    let stale_several = server.get_with(LARGE, &["Range: bytes=0-1,5-6", "If-Range: \"stale\""]);
    assert_eq!(stale_several.status, 200);
    assert_eq!(stale_several.body, large_page());
}

const LARGE: &str = "/httptest/wikipedia_russia.html";

/// The parts of a multipart/byteranges body: each part's fields and content.
fn parts(reply: &Reply) -> Vec<(String, Vec<u8>)> {
    let content_type = reply.header("Content-Type").expect("Content-Type");
    let boundary = content_type
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    let delimiter = format!("\r\n--{boundary}");
    // The body starts with a delimiter without its CRLF; put it back so that every part splits alike.
    let body = [b"\r\n".as_slice(), &reply.body].concat();
    let close = format!("{delimiter}--\r\n");
    assert!(body.ends_with(close.as_bytes()), "closing delimiter");
    let inner = &body[..body.len() - close.len()];
    let mut found = Vec::new();
    let mut rest = inner;
    while !rest.is_empty() {
        assert!(rest.starts_with(delimiter.as_bytes()), "part delimiter");
        rest = &rest[delimiter.len() + 2..];
        let head_end = rest
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("part head");
        let head = String::from_utf8(rest[..head_end].to_vec()).unwrap();
        rest = &rest[head_end + 4..];
        let next = rest
            .windows(delimiter.len())
            .position(|window| window == delimiter.as_bytes())
            .unwrap_or(rest.len());
        found.push((head, rest[..next].to_vec()));
        rest = &rest[next..];
    }
    found
}

#[test]
fn several_ranges_get_multipart_byteranges() {
    let server = Server::start(&[]);
    let page = large_page();
    let len = page.len();
    let reply = server.get_with(LARGE, &["Range: bytes=-10, 0-9,100-199"]);
    assert_eq!(reply.status, 206);
    assert_eq!(reply.header("Content-Range"), None);
    assert_eq!(
        reply.header("Content-Length"),
        Some(reply.body.len().to_string().as_str())
    );
    let expected = [(0, 9), (100, 199), (len - 10, len - 1)];
    let found = parts(&reply);
    assert_eq!(found.len(), 3);
    for ((head, content), (start, end)) in found.iter().zip(expected) {
        assert_eq!(
            head,
            &format!("Content-Type: text/html\r\nContent-Range: bytes {start}-{end}/{len}")
        );
        assert_eq!(content, &page[start..=end]);
    }
    let head = server.request_with("HEAD", LARGE, &["Range: bytes=-10, 0-9,100-199"]);
    assert_eq!(head.status, 206);
    assert_eq!(
        head.header("Content-Length"),
        reply.header("Content-Length")
    );
    // Large parts are streamed from the file like any large body.
    let big = server.get_with(LARGE, &["Range: bytes=0-199999,300000-599999"]);
    let found = parts(&big);
    assert_eq!(found[0].1, &page[..200_000]);
    assert_eq!(found[1].1, &page[300_000..600_000]);
}

#[test]
fn overlapping_ranges_merge_and_many_get_the_file_once() {
    let server = Server::start(&[]);
    let page = large_page();
    let len = page.len();
    let merged = server.get_with(LARGE, &["Range: bytes=50-149,0-99"]);
    assert_eq!(merged.status, 206);
    assert_eq!(
        merged.header("Content-Range"),
        Some(format!("bytes 0-149/{len}").as_str())
    );
    assert_eq!(merged.body, &page[..150]);
    // The whole file asked for over and over is sent once.
    let repeated = server.get_with(LARGE, &["Range: bytes=0-,0-,0-,0-"]);
    assert_eq!(repeated.status, 206);
    assert_eq!(repeated.body.len(), len);
    // Too many ranges: the file, once, with 200.
    let many: Vec<String> = (0..100)
        .map(|at| format!("{}-{}", at * 10, at * 10))
        .collect();
    let refused = server.get_with(LARGE, &[&format!("Range: bytes={}", many.join(","))]);
    assert_eq!(refused.status, 200);
    assert_eq!(refused.body.len(), len);
    // Part heads that would outweigh a small file: the file instead.
    let small = server.get_with(PAGE, &["Range: bytes=0-1,5-6"]);
    assert_eq!((small.status, small.body.as_slice()), (200, PAGE_BODY));
}

#[test]
fn head_with_range_is_get_without_body() {
    let server = Server::start(&[]);
    let head = server.request_with("HEAD", PAGE, &["Range: bytes=0-5"]);
    assert_eq!(head.status, 206);
    assert_eq!(head.header("Content-Length"), Some("6"));
    assert_eq!(head.header("Content-Range"), Some("bytes 0-5/38"));
}

#[test]
fn precompressed_sidecars() {
    let server = Server::start(&[]);
    let base = server.root.path().join("httptest");
    write(&base.join("app.js"), b"console.log('identity')");
    std::thread::sleep(Duration::from_millis(20));
    write(&base.join("app.js.gz"), b"gzip bytes");
    write(&base.join("app.js.br"), b"brotli bytes");

    let br = server.get_with("/httptest/app.js", &["Accept-Encoding: gzip, deflate, br"]);
    assert_eq!(br.body, b"brotli bytes");
    assert_eq!(br.header("Content-Encoding"), Some("br"));
    assert_eq!(br.header("Content-Type"), Some("text/javascript"));
    assert_eq!(br.header("Vary"), Some("Accept-Encoding"));
    let gzip = server.get_with("/httptest/app.js", &["Accept-Encoding: gzip, br;q=0"]);
    assert_eq!(gzip.body, b"gzip bytes");
    assert_eq!(gzip.header("Content-Encoding"), Some("gzip"));
    assert_ne!(gzip.header("ETag"), br.header("ETag"));
    let identity = server.get("/httptest/app.js");
    assert_eq!(identity.body, b"console.log('identity')");
    assert_eq!(identity.header("Content-Encoding"), None);
    assert_eq!(identity.header("Vary"), Some("Accept-Encoding"));
    assert_eq!(server.get(PAGE).header("Vary"), None);

    // An edit to the original makes the sidecars stale: the edit is what the browser must see.
    std::thread::sleep(Duration::from_millis(20));
    write(&base.join("app.js"), b"console.log('edited')");
    let edited = server.get_with("/httptest/app.js", &["Accept-Encoding: gzip, br"]);
    assert_eq!(edited.body, b"console.log('edited')");
    assert_eq!(edited.header("Content-Encoding"), None);
}

#[test]
fn listing_only_when_asked() {
    let plain = Server::start(&[]);
    assert_eq!(plain.get("/httptest/dir1/").status, 404);

    let server = Server::start(&["--listing"]);
    write(&server.root.path().join("httptest/<b>&.txt"), b"x");
    let reply = server.get("/httptest/");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    let page = String::from_utf8(reply.body).unwrap();
    let dir = page.find("href=\"dir1/\"").expect("dir1 listed");
    let file = page
        .find("href=\"space%20in%20name.txt\"")
        .expect("encoded link");
    assert!(dir < file, "folders first");
    assert!(
        page.contains("&lt;b&gt;&amp;.txt") && !page.contains("<b>&"),
        "names escaped"
    );
    // A folder with an index still serves the index.
    assert_eq!(server.get("/httptest/dir2/").body, INDEX_BODY);
}

#[test]
fn spa_fallback_for_browser_routes_only() {
    let server = Server::start(&["--spa"]);
    write(
        &server.root.path().join("index.html"),
        b"<html>app shell</html>",
    );
    let route = server.get_with(
        "/users/42/profile",
        &["Accept: text/html,application/xhtml+xml"],
    );
    assert_eq!(
        (route.status, route.body.as_slice()),
        (200, &b"<html>app shell</html>"[..])
    );
    assert_eq!(
        server
            .get_with("/missing.js", &["Accept: text/html"])
            .status,
        404
    );
    assert_eq!(
        server
            .get_with("/users/42", &["Accept: application/json"])
            .status,
        404
    );
    assert_eq!(server.get_with("/api/users", &["Accept: */*"]).status, 404);
    let without = Server::start(&[]);
    write(
        &without.root.path().join("index.html"),
        b"<html>app shell</html>",
    );
    assert_eq!(
        without.get_with("/users/42", &["Accept: text/html"]).status,
        404
    );
}

#[test]
fn hidden_files_with_hidden() {
    let server = Server::start(&["--hidden"]);
    write(
        &server.root.path().join(".well-known/security.txt"),
        b"Contact: me",
    );
    assert_eq!(server.get("/.well-known/security.txt").body, b"Contact: me");
    assert_eq!(
        server.get("/httptest/../.well-known/security.txt").status,
        404
    );
}

#[cfg(unix)]
#[test]
fn symlinks_stay_inside_unless_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("secret.txt"), b"secret");
    for (flags, expected) in [(&[][..], 404), (&["--follow-symlinks"][..], 200)] {
        let server = Server::start(flags);
        symlink(outside.path(), server.root.path().join("out")).unwrap();
        symlink(
            server.root.path().join("httptest/dir2"),
            server.root.path().join("alias"),
        )
        .unwrap();
        assert_eq!(server.get("/out/secret.txt").status, expected, "{flags:?}");
        assert_eq!(server.get("/alias/page.html").body, PAGE_BODY, "{flags:?}");
    }
}

#[test]
fn modern_types_and_charset() {
    let server = Server::start(&[]);
    let root = server.root.path();
    let types = [
        ("a.wasm", "application/wasm"),
        ("a.mjs", "text/javascript"),
        ("a.svg", "image/svg+xml"),
        ("a.json", "application/json"),
        ("a.webp", "image/webp"),
        ("a.avif", "image/avif"),
        ("a.woff2", "font/woff2"),
        ("a.js.map", "application/json"),
    ];
    for (name, expected) in types {
        write(&root.join(name), b"x");
        assert_eq!(
            server.get(&format!("/{name}")).header("Content-Type"),
            Some(expected),
            "{name}"
        );
    }
    let with_charset = Server::start(&["--charset", "utf-8"]);
    assert_eq!(
        with_charset.get(PAGE).header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        with_charset
            .get("/httptest/logo.v2.png")
            .header("Content-Type"),
        Some("image/png")
    );
}

#[test]
fn cors_headers_and_preflight() {
    let plain = Server::start(&[]);
    assert_eq!(plain.get(PAGE).header("Access-Control-Allow-Origin"), None);
    assert_eq!(plain.request("OPTIONS", PAGE).status, 405);

    let server = Server::start(&["--cors"]);
    assert_eq!(
        server.get(PAGE).header("Access-Control-Allow-Origin"),
        Some("*")
    );
    let preflight = server.request_with(
        "OPTIONS",
        PAGE,
        &[
            "Origin: http://example.com",
            "Access-Control-Request-Method: GET",
            "Access-Control-Request-Headers: x-token",
        ],
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(
        preflight.header("Access-Control-Allow-Methods"),
        Some("GET, HEAD, OPTIONS")
    );
    assert_eq!(
        preflight.header("Access-Control-Allow-Headers"),
        Some("x-token")
    );
    assert_eq!(preflight.header("Content-Length"), None);
}

#[test]
fn custom_and_isolation_headers() {
    let server = Server::start(&[
        "--header",
        "X-Frame-Options: DENY",
        "--header",
        "X-Test:  two words ",
        "--isolate",
    ]);
    for target in [PAGE, "/missing"] {
        let reply = server.get(target);
        assert_eq!(reply.header("X-Frame-Options"), Some("DENY"), "{target}");
        assert_eq!(reply.header("X-Test"), Some("two words"), "{target}");
        assert_eq!(
            reply.header("Cross-Origin-Opener-Policy"),
            Some("same-origin"),
            "{target}"
        );
        assert_eq!(
            reply.header("Cross-Origin-Embedder-Policy"),
            Some("require-corp"),
            "{target}"
        );
    }
}

#[test]
fn malformed_custom_header_is_a_start_up_error() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_lanai"))
        .args(["--port", "0", "--header", "NoColonHere"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--header 'NoColonHere'"));
}

#[test]
fn repeated_requests_follow_every_kind_of_edit() {
    let server = Server::start(&[]);
    let path = server.root.path().join("httptest/app.css");
    write(&path, b"body{}");
    for _ in 0..3 {
        assert_eq!(server.get("/httptest/app.css").body, b"body{}");
    }
    // An editor's save: write a new file beside it and rename it over the old one.
    let temporary = server.root.path().join("httptest/.app.css.swp");
    write(&temporary, b"body{color:red}");
    std::fs::rename(&temporary, &path).unwrap();
    assert_eq!(server.get("/httptest/app.css").body, b"body{color:red}");
    // In-place rewrite of the same length.
    std::thread::sleep(Duration::from_millis(20));
    write(&path, b"body{color:tan}");
    assert_eq!(server.get("/httptest/app.css").body, b"body{color:tan}");
    // A sidecar that appears after the file was served.
    std::thread::sleep(Duration::from_millis(20));
    write(&server.root.path().join("httptest/app.css.gz"), b"gzipped");
    let encoded = server.get_with("/httptest/app.css", &["Accept-Encoding: gzip"]);
    assert_eq!(encoded.body, b"gzipped");
    assert_eq!(
        server.get("/httptest/app.css").header("Vary"),
        Some("Accept-Encoding")
    );
    // Deleted.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(server.get("/httptest/app.css").status, 404);
}
