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

/// Every `src="…"` and `href="…"` value of a page.
fn links(page: &str) -> Vec<&str> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| page.split(attribute).skip(1))
        .map(|rest| rest.split('"').next().unwrap())
        .collect()
}

#[test]
fn one_page_for_phones_and_desktops_safe_and_self_contained() {
    let server = listing_server();
    let folder = server.root.path().join("httptest");
    std::fs::create_dir(folder.join("a <b> & c")).unwrap();
    write(
        &folder.join("a <b> & c/<img src=x onerror=alert(1)>.txt"),
        b"12345",
    );
    let page = String::from_utf8(server.get("/httptest/a%20%3Cb%3E%20%26%20c/").body).unwrap();
    assert!(
        page.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    // The breadcrumb: the root, then each folder, each a link; names escaped in text, encoded in links.
    assert!(
        page.contains(
            "<h1>Index of <a href=\"/\">/</a><a href=\"/httptest/\">httptest</a>/\
         <a href=\"/httptest/a%20%3Cb%3E%20%26%20c/\">a &lt;b&gt; &amp; c</a>/</h1>"
        ),
        "{page}"
    );
    assert!(page.contains(
        "<a href=\"%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt\">&lt;img src=x onerror=alert(1)&gt;.txt</a>"
    ), "{page}");
    assert!(!page.contains("<img"), "no name reaches the page as markup");
    assert!(page.contains("<span class=\"size\" title=\"5 bytes\">5 B</span>"));
    // What the folder holds, then (with --listing, archives being on) the links that download it.
    assert!(page.contains(
        "<p class=\"line\">0 folders, 1 file · download as <a href=\"?download=zip\">.zip</a> or \
         <a href=\"?download=tar.gz\">.tar.gz</a></p>"
    ), "{page}");
    // Without script the filter stays hidden and the page is a plain list; no upload form without --upload.
    assert!(page.contains("<input id=\"filter\" type=\"search\"") && page.contains(" hidden>"));
    assert!(!page.contains("<form"));
    // Nothing from elsewhere: every link is relative or on this server, no script or style is fetched.
    for link in links(&page) {
        assert!(!link.contains("//") && !link.contains(':'), "{link}");
    }
    assert!(!page.contains("<link") && !page.contains("<script src"));

    let big = server.get("/httptest/");
    let big = String::from_utf8(big.body).unwrap();
    let exact = format!("title=\"{} bytes\">", large_page().len());
    assert!(big.contains(&exact), "exact bytes on hover: {exact}");
}

#[test]
fn with_upload_the_page_offers_a_drop_zone_and_a_file_picker_that_post_to_the_folder() {
    let server = Server::start(&["--listing", "--upload", "--upload-limit", "5M"]);
    let page = String::from_utf8(server.get(FOLDER).body).unwrap();
    assert!(page.contains(
        "<form id=\"drop\" method=\"post\" enctype=\"multipart/form-data\" data-limit=\"5242880\">"
    ), "{page}");
    assert!(page.contains("<input type=\"file\" name=\"file\" multiple>"));
    // The JSON listing gains nothing: the same keys as without --upload.
    let json = server.get_with(FOLDER, &["Accept: application/json"]);
    let text = String::from_utf8(json.body).unwrap();
    assert!(
        text.starts_with("{\"path\":\"/httptest/\",\"entries\":["),
        "{text}"
    );
    assert!(!text.contains("upload"), "{text}");
}
