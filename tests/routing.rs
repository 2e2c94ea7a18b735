//! The static hosts' routing against the real binary: `_redirects` (redirects, rewrites, 404 rules, shadowing,
//! force), `_headers`, both re-read on change and never served, a malformed line reported with its number, the
//! site's 404.html and --clean-urls. tests/rules_hosts.rs holds the hosts' own cases, host by host.

mod common;

use common::*;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A small site: pages, a folder with an index, a 404 page, and the two rules files.
fn site(redirects: &str, headers: &str) -> TempDir {
    let root = tempfile::tempdir().unwrap();
    let base = root.path();
    write(&base.join("index.html"), b"<h1>home</h1>\n");
    write(&base.join("about.html"), b"<h1>about</h1>\n");
    write(&base.join("page.html"), b"<h1>a real page</h1>\n");
    write(&base.join("docs/index.html"), b"<h1>docs</h1>\n");
    write(&base.join("gone.html"), b"<h1>this is gone</h1>\n");
    write(&base.join("app.js"), b"console.log(1)\n");
    write(&base.join("_redirects"), redirects.as_bytes());
    write(&base.join("_headers"), headers.as_bytes());
    root
}

fn start(root: TempDir, extra: &[&str]) -> Server {
    Server::start_in(root, extra)
}

const REDIRECTS: &str = "\
# old URLs
/old /about.html
/temp /page.html 302
/news/:year/:slug /blog/:year-:slug.html 308
/app/* /index.html 200
/removed/* /gone.html 404
/page.html /elsewhere 301
/forced.html /about.html 302!
/bad line with too many words
";

#[test]
fn redirects_rewrites_and_404_rules() {
    let server = start(site(REDIRECTS, ""), &[]);
    let old = server.get("/old?x=1");
    assert_eq!(old.status, 301);
    assert_eq!(old.header("Location"), Some("/about.html?x=1"));
    assert_eq!(server.get("/temp").status, 302);
    let news = server.get("/news/2026/lanai");
    assert_eq!(news.status, 308);
    assert_eq!(news.header("Location"), Some("/blog/2026-lanai.html"));

    let rewritten = server.get("/app/settings/profile");
    assert_eq!(rewritten.status, 200);
    assert_eq!(rewritten.body, b"<h1>home</h1>\n");
    let removed = server.get("/removed/thing");
    assert_eq!(removed.status, 404);
    assert_eq!(removed.body, b"<h1>this is gone</h1>\n");
    assert_eq!(removed.header("ETag"), None);
}

#[test]
fn an_existing_file_shadows_a_rule_unless_forced() {
    let server = start(site(REDIRECTS, ""), &[]);
    let page = server.get("/page.html");
    assert_eq!(page.status, 200, "the file wins over its rule");
    assert_eq!(page.body, b"<h1>a real page</h1>\n");
    std::fs::write(server.root.path().join("forced.html"), "forced").unwrap();
    let forced = server.get("/forced.html");
    assert_eq!(forced.status, 302);
    assert_eq!(forced.header("Location"), Some("/about.html"));
}

#[test]
fn the_rules_files_are_never_served() {
    let server = start(site(REDIRECTS, "/*\n  X-Test: 1\n"), &[]);
    for target in ["/_redirects", "/_headers", "/%5Fredirects", "/_Headers"] {
        assert_eq!(server.get(target).status, 404, "{target}");
    }
}

#[test]
fn a_malformed_line_is_reported_with_its_number_and_the_rest_apply() {
    let root = site(REDIRECTS, "/*\n  X-Good: yes\n  Content-Length: 5\n");
    let path = root.path().to_str().unwrap().to_string();
    let server = Server::spawn(root, lanai().args([path.as_str(), "--port", "0"]));
    assert_eq!(server.get("/old").status, 301);
    assert_eq!(server.get("/app.js").header("X-Good"), Some("yes"));
    server.log_line(&["_redirects:9: TO must start with /"]);
    server.log_line(&["_headers:3: "]);
    let log = server.stop();
    assert_eq!(log.matches("_redirects:9:").count(), 1, "{log}");
}

#[test]
fn headers_add_up_replace_and_detach_as_on_cloudflare() {
    let headers = "\
/*
  X-Frame-Options: DENY
  Link: </app.js>; rel=preload
/docs/*
  ! Cache-Control
  Link: </docs.css>; rel=preload
/app.js
  Cache-Control: public, max-age=60
";
    let server = start(site("", headers), &["--rules", "cloudflare"]);
    let docs = server.get("/docs/");
    assert_eq!(docs.header("X-Frame-Options"), Some("DENY"));
    assert_eq!(
        docs.header("Link"),
        Some("</app.js>; rel=preload, </docs.css>; rel=preload")
    );
    assert_eq!(docs.header("Cache-Control"), None);
    let script = server.get("/app.js");
    assert_eq!(script.header("Cache-Control"), Some("public, max-age=60"));
    assert_eq!(server.get("/").header("Cache-Control"), Some("no-cache"));
}

/// Polls `target` until `check` holds for its reply, for up to five seconds.
fn eventually(server: &Server, target: &str, check: impl Fn(&Reply) -> bool) -> Reply {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let reply = server.get(target);
        if check(&reply) || Instant::now() > deadline {
            return reply;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn rules_are_re_read_when_their_files_change() {
    let server = start(site("/old /about.html\n", ""), &[]);
    assert_eq!(server.get("/old").status, 301);
    let root = server.root.path();
    std::fs::write(
        root.join("_redirects"),
        "/old /page.html 302\n/new /about.html 307\n",
    )
    .unwrap();
    std::fs::write(root.join("_headers"), "/*\n  X-Version: 2\n").unwrap();
    let changed = eventually(&server, "/new", |reply| reply.status == 307);
    assert_eq!(
        changed.status, 307,
        "the new rule applies without a restart"
    );
    assert_eq!(server.get("/old").status, 302);
    assert_eq!(server.get("/").header("X-Version"), Some("2"));
    std::fs::remove_file(root.join("_redirects")).unwrap();
    let removed = eventually(&server, "/new", |reply| reply.status == 404);
    assert_eq!(removed.status, 404);
}

#[test]
fn the_sites_404_page_answers_every_404() {
    let root = site("", "");
    write(&root.path().join("404.html"), b"<h1>lost?</h1>\n");
    let server = start(root, &[]);
    let missing = server.get("/nowhere/at/all.html");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, b"<h1>lost?</h1>\n");
    assert_eq!(missing.header("Content-Type"), Some("text/html"));
    let conditional = server.get_with("/nowhere", &["If-None-Match: *", "Range: bytes=0-1"]);
    assert_eq!(conditional.status, 404);
    assert_eq!(conditional.body, b"<h1>lost?</h1>\n");
    let head = server.request("HEAD", "/nowhere");
    assert_eq!(head.status, 404);
    assert!(head.body.is_empty());
    assert_eq!(head.header("Content-Length"), Some("15"));
}

#[test]
fn with_spa_navigations_still_get_the_app() {
    let root = site("", "");
    write(&root.path().join("404.html"), b"<h1>lost?</h1>\n");
    let server = start(root, &["--spa"]);
    let navigation = server.get_with("/some/route", &["Accept: text/html"]);
    assert_eq!(
        (navigation.status, navigation.body.as_slice()),
        (200, &b"<h1>home</h1>\n"[..])
    );
    let fetch = server.get_with("/api/missing", &["Accept: */*"]);
    assert_eq!(
        (fetch.status, fetch.body.as_slice()),
        (404, &b"<h1>lost?</h1>\n"[..])
    );
}

#[test]
fn clean_urls() {
    let server = start(site("", ""), &["--clean-urls"]);
    let about = server.get("/about");
    assert_eq!(
        (about.status, about.body.as_slice()),
        (200, &b"<h1>about</h1>\n"[..])
    );
    let with_extension = server.get("/about.html?ref=x");
    assert_eq!(with_extension.status, 301);
    assert_eq!(with_extension.header("Location"), Some("/about?ref=x"));
    let index = server.get("/docs/index.html");
    assert_eq!(index.header("Location"), Some("/docs/"));
    assert_eq!(server.get("/docs/").body, b"<h1>docs</h1>\n");
    assert_eq!(
        server.get("/docs").status,
        301,
        "a folder keeps its redirect to /docs/"
    );
    assert_eq!(server.get("/nothing").status, 404);
    assert_eq!(server.get("/nothing.html").status, 404);

    let plain = start(site("", ""), &[]);
    assert_eq!(plain.get("/about").status, 404);
    assert_eq!(plain.get("/about.html").status, 200);
}
