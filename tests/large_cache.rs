//! Large files (above the in-memory cache's limit) are kept open with what their path resolved to, and a hit
//! opens the held file again instead of walking the path (issue 17). Like the small-file cache, it never serves
//! an old state: each change is made on a keep-alive connection's doorstep, and the very next request sees it.

mod common;

use common::*;
use std::io::Write;
use std::path::PathBuf;

/// Larger than the 256 KiB the cache reads whole.
const LEN: usize = 300 * 1024;
const BIG: &str = "/httptest/dir2/big.bin";

/// `LEN` bytes that differ from one `round` to the next everywhere, the length staying the same.
fn content(round: usize) -> Vec<u8> {
    (0..LEN)
        .map(|index| (index.wrapping_mul(31) ^ round.wrapping_mul(7)) as u8)
        .collect()
}

fn big(server: &Server) -> PathBuf {
    server.root.path().join("httptest/dir2/big.bin")
}

/// One keep-alive connection to lanai.
struct Client(ReplyReader);

impl Client {
    fn new(server: &Server) -> Client {
        Client(ReplyReader::new(server.connect()))
    }

    fn send(&mut self, method: &str, target: &str, fields: &[&str]) -> Reply {
        let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\n");
        for field in fields {
            raw.push_str(field);
            raw.push_str("\r\n");
        }
        raw.push_str("\r\n");
        self.0.stream.write_all(raw.as_bytes()).unwrap();
        self.0.next(method == "HEAD")
    }

    fn get_with(&mut self, target: &str, fields: &[&str]) -> Reply {
        self.send("GET", target, fields)
    }

    fn get(&mut self, target: &str) -> Reply {
        self.get_with(target, &[])
    }

    /// Fetches `target` twice, the second answer from the cache, and checks both are `body`.
    fn served_twice(&mut self, target: &str, body: &[u8], round: usize) {
        for _ in 0..2 {
            let reply = self.get(target);
            assert_eq!(reply.status, 200, "{target}, round {round}");
            assert!(reply.body == body, "{target}: other bytes, round {round}");
        }
    }
}

#[test]
fn an_edit_in_place_is_served_at_once() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    write(&big(&server), &content(0));
    client.served_twice(BIG, &content(0), 0);
    for round in 1..60 {
        // Rewritten in place (the same inode, the same length): the open handle sees the new bytes anyway, but
        // the validators must change with them.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(big(&server))
            .unwrap();
        file.write_all(&content(round)).unwrap();
        drop(file);
        let reply = client.get(BIG);
        assert!(reply.body == content(round), "round {round}");
        let etag = reply.header("ETag").unwrap().to_string();
        let again = client.get(BIG);
        assert!(again.body == content(round), "round {round}");
        assert_eq!(again.header("ETag"), Some(etag.as_str()));
    }
}

#[test]
fn a_file_renamed_over_is_served_at_once() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    let temporary = server.root.path().join("httptest/dir2/.big.bin.tmp");
    for round in 0..40 {
        write(&temporary, &content(round));
        std::fs::rename(&temporary, big(&server)).unwrap();
        client.served_twice(BIG, &content(round), round);
    }
}

#[test]
fn a_sidecar_that_appears_or_goes_is_seen_at_once() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    write(&big(&server), &content(0));
    let sidecar = server.root.path().join("httptest/dir2/big.bin.br");
    for round in 0..20 {
        let plain = client.get_with(BIG, &["Accept-Encoding: br"]);
        assert_eq!(plain.header("Content-Encoding"), None, "{round}");
        assert!(plain.body == content(0));
        client.served_twice(BIG, &content(0), round);
        let compressed = format!("brotli {round}");
        write(&sidecar, compressed.as_bytes());
        for _ in 0..2 {
            let reply = client.get_with(BIG, &["Accept-Encoding: br"]);
            assert_eq!(reply.header("Content-Encoding"), Some("br"), "{round}");
            assert_eq!(reply.header("Vary"), Some("Accept-Encoding"));
            assert_eq!(reply.body, compressed.as_bytes());
            // Without br, the file itself, from the same entry.
            let reply = client.get(BIG);
            assert_eq!(reply.header("Content-Encoding"), None);
            assert_eq!(reply.header("Vary"), Some("Accept-Encoding"));
            assert!(reply.body == content(0));
        }
        // Rewritten in place, the sidecar's new bytes are served.
        let rewritten = format!("BROTLI {round}");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&sidecar)
            .unwrap()
            .write_all(rewritten.as_bytes())
            .unwrap();
        let reply = client.get_with(BIG, &["Accept-Encoding: br"]);
        assert_eq!(reply.body, rewritten.as_bytes(), "{round}");
        std::fs::remove_file(&sidecar).unwrap();
    }
}

#[test]
fn a_deleted_file_is_gone_at_once() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    for round in 0..40 {
        write(&big(&server), &content(round));
        client.served_twice(BIG, &content(round), round);
        std::fs::remove_file(big(&server)).unwrap();
        assert_eq!(client.get(BIG).status, 404, "{round}");
    }
}

#[test]
fn ranges_and_head_of_a_cached_file() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    let bytes = content(3);
    write(&big(&server), &bytes);
    client.served_twice(BIG, &bytes, 0);
    for _ in 0..3 {
        // Small (read at once) and large (streamed) ranges.
        for (first, last) in [(1000, 1999), (LEN - 100, LEN - 1), (5, 200_000)] {
            let reply = client.get_with(BIG, &[&format!("Range: bytes={first}-{last}")]);
            assert_eq!(reply.status, 206);
            assert_eq!(
                reply.header("Content-Range"),
                Some(format!("bytes {first}-{last}/{LEN}").as_str())
            );
            assert!(reply.body == bytes[first..=last]);
        }
        let multiple = client.get_with(BIG, &["Range: bytes=0-9,100000-199999"]);
        assert_eq!(multiple.status, 206);
        let body = multiple.body;
        let find = |needle: &[u8]| body.windows(needle.len()).any(|window| window == needle);
        assert!(find(&bytes[0..10]) && find(&bytes[100_000..200_000]));
        let head = client.send("HEAD", BIG, &[]);
        assert_eq!(head.status, 200);
        assert_eq!(
            head.header("Content-Length"),
            Some(LEN.to_string().as_str())
        );
        assert!(head.body.is_empty());
        // The connection is still in step after the HEAD.
        client.served_twice(BIG, &bytes, 0);
    }
}

#[test]
fn concurrent_downloads_of_one_cached_file_are_byte_exact() {
    let server = Server::start(&[]);
    let bytes = content(5);
    write(&big(&server), &bytes);
    Client::new(&server).served_twice(BIG, &bytes, 0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let mut client = Client::new(&server);
                for round in 0..30 {
                    let reply = client.get(BIG);
                    assert!(reply.body == bytes, "round {round}");
                    let range = client.get_with(BIG, &["Range: bytes=70000-270000"]);
                    assert!(range.body == bytes[70_000..=270_000], "round {round}");
                    // Small enough to be read at once rather than streamed.
                    let range = client.get_with(BIG, &["Range: bytes=1000-50999"]);
                    assert!(range.body == bytes[1000..51_000], "round {round}");
                }
            });
        }
    });
}

/// A compressible large file compressed on the fly by several responses at once: each reads the whole file.
#[test]
fn concurrent_compressions_of_one_cached_file_are_whole() {
    let server = Server::start(&[]);
    let text: Vec<u8> = (0..LEN)
        .map(|index| b"lanai serves\n"[index % 13])
        .collect();
    write(&server.root.path().join("httptest/dir2/big.txt"), &text);
    const TEXT: &str = "/httptest/dir2/big.txt";
    Client::new(&server).served_twice(TEXT, &text, 0);
    std::thread::scope(|scope| {
        for coding in ["gzip", "br", "zstd"] {
            let text = &text;
            let server = &server;
            scope.spawn(move || {
                let mut client = Client::new(server);
                for round in 0..10 {
                    let field = format!("Accept-Encoding: {coding}");
                    let reply = client.get_with(TEXT, &[&field]);
                    assert_eq!(reply.status, 200, "{coding} {round}");
                    assert_eq!(reply.header("Content-Encoding"), Some(coding));
                    assert!(!reply.body.is_empty());
                    assert!(client.get(TEXT).body == *text, "{coding} {round}");
                }
            });
        }
    });
}

#[cfg(target_os = "linux")]
#[test]
fn open_files_are_bounded() {
    let server = Server::start(&[]);
    let mut client = Client::new(&server);
    let folder = server.root.path().join("httptest/many");
    let before = server.open_descriptors();
    for index in 0..150 {
        let name = format!("{index}.bin");
        write(&folder.join(&name), &content(index));
        let target = format!("/httptest/many/{name}");
        client.served_twice(&target, &content(index), index);
    }
    let open = server.open_descriptors();
    assert!(
        open <= before + 64 + 8,
        "{open} descriptors open, {before} before"
    );
}

/// chmod 000 on a cached file, then on its folder: the next request gets the 403 an uncached one gets. Root
/// reads any file whatever its mode, so when the tests run as root lanai runs as `nobody`.
#[cfg(target_os = "linux")]
#[test]
fn a_file_made_unreadable_is_refused_at_once() {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    let root = exercise_root();
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    mode(root.path(), 0o755);
    for folder in ["httptest", "httptest/dir2"] {
        mode(&root.path().join(folder), 0o755);
    }
    let file = root.path().join("httptest/dir2/big.bin");
    write(&file, &content(1));
    mode(&file, 0o644);
    let mut command = lanai();
    command.arg(root.path()).args(["--port", "0", "--quiet"]);
    let server = Server::spawn(root, &mut as_unprivileged(&mut command));
    let mut client = Client::new(&server);
    let folder = server.root.path().join("httptest/dir2");
    for round in 0..20 {
        client.served_twice(BIG, &content(1), round);
        mode(&file, 0o000);
        assert_eq!(client.get(BIG).status, 403, "{round}");
        mode(&file, 0o644);
        client.served_twice(BIG, &content(1), round);
        mode(&folder, 0o000);
        assert_eq!(client.get(BIG).status, 403, "{round}");
        mode(&folder, 0o755);
    }
}
