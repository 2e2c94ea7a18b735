//! The small-file cache never serves an old copy: a client that changes the file system and then sends a request
//! gets the new state, with no pause in between (issue 17: hits are checked through inotify on Linux, stat calls
//! elsewhere). Each change is made on a keep-alive connection's doorstep, after the file was served (and cached).

mod common;

use common::*;
use std::io::Write;

/// One keep-alive connection to lanai.
struct Client(ReplyReader);

impl Client {
    fn new(server: &Server) -> Client {
        Client(ReplyReader::new(server.connect()))
    }

    fn get_with(&mut self, target: &str, fields: &[&str]) -> Reply {
        let mut raw = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n");
        for field in fields {
            raw.push_str(field);
            raw.push_str("\r\n");
        }
        raw.push_str("\r\n");
        self.0.stream.write_all(raw.as_bytes()).unwrap();
        self.0.next(false)
    }

    fn get(&mut self, target: &str) -> Reply {
        self.get_with(target, &[])
    }

    /// Fetches `target` twice, the second answer from the cache, and checks both are `body`.
    fn served_twice(&mut self, target: &str, body: &[u8]) {
        for _ in 0..2 {
            let reply = self.get(target);
            assert_eq!(
                (reply.status, reply.body.as_slice()),
                (200, body),
                "{target}"
            );
        }
    }
}

const PAGE: &str = "/httptest/dir2/page.html";

fn page(server: &Server) -> std::path::PathBuf {
    server.root.path().join("httptest/dir2/page.html")
}

#[test]
fn an_edit_is_served_at_once_every_time() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    client.served_twice(PAGE, PAGE_BODY);
    // The same length each time, written within the same clock tick: size and modification time stay the same,
    // which a check of stamps alone cannot tell apart.
    for round in 0..200 {
        let body = format!("<html>version {round:04}</html>\n");
        std::fs::write(page(&server), &body).unwrap();
        let reply = client.get(PAGE);
        assert_eq!(String::from_utf8_lossy(&reply.body), body, "round {round}");
        assert_eq!(client.get(PAGE).body, body.as_bytes());
    }
}

#[test]
fn a_file_renamed_over_is_served_at_once() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    let temporary = server.root.path().join("httptest/dir2/.page.html.tmp");
    for round in 0..50 {
        let body = format!("<html>saved {round:04}</html>\n");
        write(&temporary, body.as_bytes());
        std::fs::rename(&temporary, page(&server)).unwrap();
        client.served_twice(PAGE, body.as_bytes());
    }
}

#[test]
fn a_sidecar_that_appears_is_served_at_once() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    let sidecar = server.root.path().join("httptest/dir2/page.html.gz");
    for round in 0..20 {
        client.served_twice(PAGE, PAGE_BODY);
        let gzipped = format!("gzipped {round}");
        write(&sidecar, gzipped.as_bytes());
        let reply = client.get_with(PAGE, &["Accept-Encoding: gzip"]);
        assert_eq!(reply.header("Content-Encoding"), Some("gzip"), "{round}");
        assert_eq!(reply.body, gzipped.as_bytes());
        std::fs::remove_file(&sidecar).unwrap();
    }
}

#[test]
fn a_deleted_file_is_gone_at_once_and_a_new_one_served() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    for round in 0..50 {
        let body = format!("<html>created {round:04}</html>\n");
        write(&page(&server), body.as_bytes());
        client.served_twice(PAGE, body.as_bytes());
        std::fs::remove_file(page(&server)).unwrap();
        assert_eq!(client.get(PAGE).status, 404, "{round}");
    }
}

#[test]
fn a_renamed_or_replaced_folder_is_seen_at_once() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    let base = server.root.path().join("httptest");
    const DEEP: &str = "/httptest/dir1/dir12/dir123/deep.txt";
    for round in 0..20 {
        // The file's own folder replaced by another with a file of the same name.
        client.served_twice(PAGE, PAGE_BODY);
        std::fs::rename(base.join("dir2"), base.join("old2")).unwrap();
        assert_eq!(client.get(PAGE).status, 404, "{round}");
        write(&base.join("dir2/page.html"), b"<html>new folder</html>\n");
        client.served_twice(PAGE, b"<html>new folder</html>\n");
        std::fs::remove_dir_all(base.join("dir2")).unwrap();
        std::fs::rename(base.join("old2"), base.join("dir2")).unwrap();

        // A folder two levels up swapped for another.
        client.served_twice(DEEP, DEEP_BODY);
        std::fs::rename(base.join("dir1"), base.join("old1")).unwrap();
        write(&base.join("dir1/dir12/dir123/deep.txt"), b"another deep\n");
        client.served_twice(DEEP, b"another deep\n");
        std::fs::remove_dir_all(base.join("dir1")).unwrap();
        std::fs::rename(base.join("old1"), base.join("dir1")).unwrap();
        client.served_twice(DEEP, DEEP_BODY);
    }
    // The index of a folder, cached under the folder's URL.
    client.served_twice("/httptest/dir2/", INDEX_BODY);
    std::fs::remove_file(base.join("dir2/index.html")).unwrap();
    assert_eq!(client.get("/httptest/dir2/").status, 404);
}

#[cfg(unix)]
#[test]
fn a_followed_symbolic_link_is_followed_to_its_changes() {
    let server = Server::start(&["--follow-symlinks"]);
    let mut client = Client::new(&server);
    let base = server.root.path().join("httptest");
    std::os::unix::fs::symlink(base.join("dir2"), base.join("alias")).unwrap();
    std::os::unix::fs::symlink(base.join("text..txt"), base.join("link.txt")).unwrap();
    for round in 0..20 {
        let body = format!("<html>through a link {round:04}</html>\n");
        std::fs::write(page(&server), &body).unwrap();
        client.served_twice("/httptest/alias/page.html", body.as_bytes());
        let text = format!("text {round:04}");
        std::fs::write(base.join("text..txt"), &text).unwrap();
        client.served_twice("/httptest/link.txt", text.as_bytes());
    }
    std::fs::remove_file(base.join("alias")).unwrap();
    std::os::unix::fs::symlink(base.join("dir1"), base.join("alias")).unwrap();
    assert_eq!(client.get("/httptest/alias/page.html").status, 404);
}

/// chmod 000 on a cached file: the next request gets the 403 an uncached one gets. Root reads any file whatever
/// its mode, so when the tests run as root lanai runs as `nobody`.
#[cfg(target_os = "linux")]
#[test]
fn a_file_made_unreadable_is_refused_at_once() {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    let root = exercise_root();
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    // Readable by another user all the way down.
    mode(root.path(), 0o755);
    for folder in ["httptest", "httptest/dir2"] {
        mode(&root.path().join(folder), 0o755);
    }
    let file = root.path().join("httptest/dir2/page.html");
    mode(&file, 0o644);
    let mut command = lanai();
    command.arg(root.path()).args(["--port", "0", "--quiet"]);
    let server = Server::spawn(root, &mut as_unprivileged(&mut command));
    let mut client = Client::new(&server);
    for round in 0..20 {
        client.served_twice(PAGE, PAGE_BODY);
        mode(&file, 0o000);
        assert_eq!(client.get(PAGE).status, 403, "{round}");
        mode(&file, 0o644);
        // The folder made unreadable refuses its files too.
        client.served_twice(PAGE, PAGE_BODY);
        mode(&server.root.path().join("httptest/dir2"), 0o000);
        assert_eq!(client.get(PAGE).status, 403, "{round}");
        mode(&server.root.path().join("httptest/dir2"), 0o755);
    }
}
