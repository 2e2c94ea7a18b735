//! --listing against the real binary: validators and 304s that follow the folder's entries, JSON for programs,
//! sorting, and compression of the page.

mod common;

use common::*;
use std::io::Read;
use std::time::Duration;

const FOLDER: &str = "/httptest/";

fn listing_server() -> Server {
    Server::start(&["--listing"])
}

fn etag(reply: &Reply) -> String {
    reply.header("ETag").expect("ETag").to_string()
}

#[test]
fn validators_answer_304_until_an_entry_changes() {
    let server = listing_server();
    let first = server.get(FOLDER);
    assert_eq!(first.status, 200);
    let tag = etag(&first);
    assert!(tag.starts_with("W/\""), "{tag}");
    let last_modified = first.header("Last-Modified").expect("Last-Modified");
    assert!(first.header("Vary").unwrap().contains("Accept"));

    let revalidated = server.get_with(FOLDER, &[&format!("If-None-Match: {tag}")]);
    assert_eq!(revalidated.status, 304);
    assert_eq!(revalidated.header("ETag"), Some(tag.as_str()));
    let by_date = server.get_with(FOLDER, &[&format!("If-Modified-Since: {last_modified}")]);
    assert_eq!(by_date.status, 304);

    let folder = server.root.path().join("httptest");
    let mut previous = tag;
    let mut changed = |change: &dyn Fn()| {
        std::thread::sleep(Duration::from_millis(20));
        change();
        let reply = server.get_with(FOLDER, &[&format!("If-None-Match: {previous}")]);
        assert_eq!(reply.status, 200, "a change makes a new page");
        previous = etag(&reply);
    };
    changed(&|| write(&folder.join("added.txt"), b"new"));
    changed(&|| write(&folder.join("added.txt"), b"grown bigger"));
    changed(&|| std::fs::remove_file(folder.join("added.txt")).unwrap());
}

#[test]
fn json_for_programs_html_for_browsers() {
    let server = listing_server();
    let json = server.get_with(FOLDER, &["Accept: application/json"]);
    assert_eq!(json.status, 200);
    assert_eq!(json.header("Content-Type"), Some("application/json"));
    assert!(json.header("Vary").unwrap().contains("Accept"));
    let text = String::from_utf8(json.body.clone()).unwrap();
    assert!(
        text.starts_with("{\"path\":\"/httptest/\",\"entries\":["),
        "{text}"
    );
    assert!(
        text.contains("{\"name\":\"dir1\",\"type\":\"folder\",\"size\":null,\"mtime\":\"20"),
        "{text}"
    );
    assert!(
        text.contains(
            "{\"name\":\"space in name.txt\",\"type\":\"file\",\"size\":19,\"mtime\":\"20"
        ),
        "{text}"
    );
    assert!(text.contains("\"url\":\"/httptest/space%20in%20name.txt\"}"));
    assert!(text.contains("\"url\":\"/httptest/dir1/\"}"));

    for browser in [
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "*/*",
    ] {
        let page = server.get_with(FOLDER, &[&format!("Accept: {browser}")]);
        assert_eq!(
            page.header("Content-Type"),
            Some("text/html; charset=utf-8")
        );
    }
    let html = server.get(FOLDER);
    assert_ne!(etag(&html), etag(&json), "two representations, two tags");
    let cross = server.get_with(
        FOLDER,
        &[
            "Accept: application/json",
            &format!("If-None-Match: {}", etag(&html)),
        ],
    );
    assert_eq!(cross.status, 200);
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_their_own_type() {
    let server = listing_server();
    let folder = server.root.path().join("httptest");
    std::os::unix::fs::symlink(folder.join("text..txt"), folder.join("link.txt")).unwrap();
    let json = server.get_with(FOLDER, &["Accept: application/json"]);
    let text = String::from_utf8(json.body).unwrap();
    assert!(
        text.contains("{\"name\":\"link.txt\",\"type\":\"symlink\",\"size\":5,"),
        "{text}"
    );
}

#[test]
fn sorted_by_size() {
    let server = listing_server();
    let page = String::from_utf8(server.get("/httptest/?sort=size&order=desc").body).unwrap();
    let position = |name: &str| page.find(&format!("href=\"{name}\"")).expect(name);
    assert!(
        position("dir1/") < position("wikipedia_russia.html"),
        "folders first"
    );
    assert!(position("wikipedia_russia.html") < position("jquery-1.9.1.js"));
    assert!(position("jquery-1.9.1.js") < position("text..txt"));
    let by_name = String::from_utf8(server.get(FOLDER).body).unwrap();
    assert!(by_name.contains("href=\"?sort=size&amp;order=desc\">Size</a>"));
}

#[test]
fn listings_compress() {
    let server = listing_server();
    let plain = server.get(FOLDER);
    let reply = server.get_with(FOLDER, &["Accept-Encoding: gzip"]);
    assert_eq!(reply.header("Content-Encoding"), Some("gzip"));
    assert_eq!(reply.header("Vary"), Some("Accept, Accept-Encoding"));
    let mut page = Vec::new();
    flate2::read::GzDecoder::new(reply.body.as_slice())
        .read_to_end(&mut page)
        .unwrap();
    assert_eq!(page, plain.body);
}
