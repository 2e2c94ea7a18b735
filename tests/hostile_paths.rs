//! Hostile paths against the real binary (issue 21): Locations that would name another site (`//host`,
//! `/\host`), the rules files reached by another name (a symbolic link, a rewrite, --clean-urls), and a long path
//! copied into many `_headers` blocks; 20,000 spellings of one file against the file cache.

mod common;

use common::*;
use tempfile::TempDir;

/// A small site with a page, a folder and the given `_redirects`.
fn site(redirects: &str) -> TempDir {
    let root = tempfile::tempdir().unwrap();
    let base = root.path();
    write(&base.join("index.html"), b"<h1>home</h1>\n");
    write(&base.join("about.html"), b"<h1>about</h1>\n");
    write(&base.join("docs/index.html"), b"<h1>docs</h1>\n");
    write(&base.join("_redirects"), redirects.as_bytes());
    root
}

/// The answer's status and Location, with the Location checked to stay on this site.
fn redirected(server: &Server, target: &str) -> (u16, String) {
    let raw = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let answer = String::from_utf8(server.exchange(raw.as_bytes())).unwrap();
    let status = answer[9..12].parse().unwrap();
    let location = answer
        .lines()
        .find_map(|line| line.strip_prefix("Location: "))
        .unwrap_or_default()
        .to_string();
    assert!(
        !location.starts_with("//") && !location.starts_with("/\\") && !location.starts_with('\\'),
        "{target} -> {location}"
    );
    (status, location)
}

#[test]
fn no_redirect_lanai_builds_leads_to_another_site() {
    let rules = "/go/* /:splat 301\n/one/:where /:where 302\n/r/* /:splat 200\n";
    let server = Server::start_in(site(rules), &["--clean-urls"]);
    for (target, status, location) in [
        // --clean-urls
        ("//about.html", 301, "/about"),
        ("//about.html?x=1", 301, "/about?x=1"),
        ("///index.html", 301, "/"),
        // a rule's splat and placeholder
        ("/go//evil.com", 301, "/evil.com"),
        ("/go//evil.com/a?b", 301, "/evil.com/a?b"),
        ("/go/\\evil.com", 301, "/evil.com"),
        ("/go/\\/evil.com", 301, "/evil.com"),
        ("/go/%2F%2Fevil.com", 301, "/%2F%2Fevil.com"),
        ("/one/\\evil.com", 302, "/evil.com"),
        // the folder redirect, asked for directly and through a rewrite
        ("//docs", 301, "/docs/"),
        ("/r//docs", 301, "/docs/"),
        ("/go/about", 301, "/about"),
    ] {
        assert_eq!(
            redirected(&server, target),
            (status, location.to_string()),
            "{target}"
        );
    }
}

#[test]
fn a_rule_that_names_another_site_without_a_scheme_is_skipped_with_its_line() {
    let server = Server::start_in(
        site("/cdn //cdn.example.com/x 302\n/ok /about.html 302\n"),
        &[],
    );
    assert_eq!(redirected(&server, "/cdn"), (404, String::new()));
    assert_eq!(redirected(&server, "/ok"), (302, "/about.html".into()));
    server.log_line(&["_redirects:1:", "https://"]);
}

#[cfg(unix)]
const RULES: &str = "/show /_redirects 200\n/show-through /sub/_headers 200\n";
#[cfg(unix)]
const HEADERS: &str = "/*\n  X-Secret-Rule: yes\n";

/// Whether an answer carries either rules file's text.
#[cfg(unix)]
fn leaks(body: &[u8]) -> bool {
    let body = String::from_utf8_lossy(body);
    body.contains("/show /_redirects") || body.contains("X-Secret-Rule")
}

/// The rules files are refused by what is opened, not by the name asked for: every other way to them is a 404.
#[cfg(unix)]
#[test]
fn the_rules_files_are_never_served_under_another_name() {
    use std::os::unix::fs::symlink;
    let root = site(RULES);
    let base = root.path();
    write(&base.join("_headers"), HEADERS.as_bytes());
    write(&base.join("page.html"), b"<h1>page</h1>\n");
    symlink("_redirects", base.join("link")).unwrap();
    symlink(".", base.join("sub")).unwrap();
    symlink("_redirects", base.join("_redirects.html")).unwrap();
    symlink("_headers", base.join("page.html.gz")).unwrap();
    std::fs::hard_link(base.join("_headers"), base.join("copy.txt")).unwrap();
    let server = Server::start_in(root, &["--clean-urls"]);
    assert_eq!(
        server.get("/sub/docs/").status,
        200,
        "the folder link works"
    );
    for target in [
        "/link",
        "/sub/_headers",
        "/sub/_redirects",
        "/sub/sub/_HEADERS",
        "/_REDIRECTS",
        "/copy.txt",
        "/show",
        "/show-through",
        "/_redirects",
        "/_redirects.html",
    ] {
        let reply = server.get(target);
        assert_eq!(reply.status, 404, "{target}");
        assert!(!leaks(&reply.body), "{target} leaked a rules file");
    }
    // A sidecar that is a rules file is passed over: the page goes out as it is.
    let page = server.get_with("/page", &["Accept-Encoding: gzip"]);
    assert_eq!(page.status, 200);
    assert_eq!(page.body, b"<h1>page</h1>\n");
}

/// A 404.html that is a link to a rules file is no page: lanai's own 404 goes out instead.
#[cfg(unix)]
#[test]
fn a_404_page_that_links_to_a_rules_file_is_not_used() {
    let root = site("");
    write(&root.path().join("_headers"), HEADERS.as_bytes());
    std::os::unix::fs::symlink("_headers", root.path().join("404.html")).unwrap();
    let server = Server::start_in(root, &[]);
    let reply = server.get("/missing");
    assert_eq!(reply.status, 404);
    assert!(!leaks(&reply.body), "the 404 page leaked _headers");
}

/// lanai's resident memory in KiB, from /proc.
#[cfg(target_os = "linux")]
fn resident_kib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// 1,000 blocks (Cloudflare keeps 101) that each copy the path five times would make an 8 KB path a head of
/// megabytes: the answer is a 500 of ordinary size, logged with the block's line, memory stays where it was, and
/// the next request is served.
#[cfg(target_os = "linux")]
#[test]
fn a_long_path_copied_into_many_header_blocks_is_bounded() {
    let root = site("");
    let block = "/*\n  X-Echo: :splat:splat:splat:splat:splat\n";
    write(&root.path().join("_headers"), block.repeat(1000).as_bytes());
    // Cloudflare's reading fills placeholders in values and joins what the blocks set (Netlify's does neither);
    // it keeps 101 blocks, whose copies of an 8 KB path are well past the bound all the same.
    let server = Server::start_in(root, &["--rules", "cloudflare"]);
    // A short path: every block's copies fit (on the app's index.html, Pages' answer when there is no 404.html).
    let echoed = server.get("/a");
    assert_eq!(echoed.status, 200);
    assert_eq!(
        echoed.header("X-Echo").map(str::len),
        Some(5 * 101 + 100 * 2)
    );
    let before = resident_kib(&server);
    let long = format!("/{}", "a".repeat(8000));
    for _ in 0..3 {
        let mut stream = server.connect();
        let raw = format!("GET {long} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        std::io::Write::write_all(&mut stream, raw.as_bytes()).unwrap();
        let answer = read_to_close(&mut stream);
        let shown = String::from_utf8_lossy(&answer[..answer.len().min(100)]).into_owned();
        assert!(answer.starts_with(b"HTTP/1.1 500 "), "{shown}");
        assert!(answer.len() < 4096, "{} bytes", answer.len());
    }
    let grown = resident_kib(&server).saturating_sub(before);
    assert!(grown < 20 * 1024, "RSS grew by {grown} KiB");
    server.log_line(&["_headers:3:", "500"]);
    assert_eq!(server.get("/").status, 200, "the next request is fine");
}

/// Sends a GET for each target on one kept-alive connection; returns the statuses.
#[cfg(target_os = "linux")]
fn keep_alive_statuses(server: &Server, targets: impl Iterator<Item = String>) -> Vec<u16> {
    let mut reader = ReplyReader::new(server.connect());
    targets
        .map(|target| {
            let raw = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n");
            std::io::Write::write_all(&mut reader.stream, raw.as_bytes()).unwrap();
            reader.next(false).status
        })
        .collect()
}

/// The file cache is keyed by the path resolved: 20,000 spellings of one file (`//`, `/./`, `%2e/`) are one
/// entry, so memory stays where it was and a hit stays as fast as before the burst.
#[cfg(target_os = "linux")]
#[test]
fn twenty_thousand_spellings_of_one_file_are_one_cache_entry() {
    let root = site("");
    // A 4 KiB page: 20,000 copies of it would be 80 MB.
    write(&root.path().join("index.html"), &[b'x'; 4096]);
    let server = Server::start_in(root, &[]);
    let hit_time = || {
        let start = std::time::Instant::now();
        keep_alive_statuses(&server, (0..200).map(|_| "/index.html".to_string()));
        start.elapsed() / 200
    };
    let before_time = hit_time();
    let before = resident_kib(&server);
    let spellings = (0..20_000).map(|index| {
        let (slashes, dots) = (index % 100, index / 100);
        format!(
            "/{}{}%2e/index.html",
            "/".repeat(slashes),
            "./".repeat(dots)
        )
    });
    let statuses = keep_alive_statuses(&server, spellings);
    assert!(statuses.iter().all(|&status| status == 200));
    let grown = resident_kib(&server).saturating_sub(before);
    assert!(grown < 20 * 1024, "RSS grew by {grown} KiB");
    let after_time = hit_time();
    assert!(
        after_time < before_time * 5 + std::time::Duration::from_millis(1),
        "a hit took {before_time:?} before the burst, {after_time:?} after"
    );
}
