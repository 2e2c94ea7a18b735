//! Hostile paths against the real binary (issue 21): Locations that would name another site (`//host`,
//! `/\host`), and the rules files reached by another name (a symbolic link, a rewrite, --clean-urls).

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
