//! Path traversal against the real binary: a corpus aimed at a secret beside the document root. (The smuggling
//! shapes are in protocol.rs, random and mutated heads in fuzz.rs.)

mod common;

use common::*;

const SECRET: &[u8] = b"TOP SECRET\n";

/// lanai serving `<tmp>/site`, with `<tmp>/secret.txt` just outside it.
fn server_beside_a_secret() -> Server {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("site/index.html"), INDEX_BODY);
    write(&tmp.path().join("secret.txt"), SECRET);
    let site = tmp.path().join("site");
    let site = site.to_str().unwrap().to_string();
    Server::launch(tmp, &[&site])
}

#[test]
fn no_traversal_escapes_the_root() {
    let server = server_beside_a_secret();
    assert_eq!(server.get("/").body, INDEX_BODY);
    // (target as sent on the wire, what it tries)
    let corpus = [
        ("/../secret.txt", "plain dot-dot"),
        ("/site/../../secret.txt", "dot-dot below a name"),
        ("/%2e%2e/secret.txt", "encoded dot-dot"),
        ("/%2E%2e/secret.txt", "mixed-case encoded dot-dot"),
        ("/.%2e/secret.txt", "half-encoded dot-dot"),
        ("/%252e%252e/secret.txt", "double-encoded dot-dot"),
        ("/%c0%ae%c0%ae/secret.txt", "overlong UTF-8 dot"),
        ("/..%2fsecret.txt", "encoded slash"),
        ("/%2e%2e%2fsecret.txt", "encoded dot-dot and slash"),
        ("/..%5csecret.txt", "encoded backslash"),
        ("/..\\secret.txt", "raw backslash"),
        ("/..%00/secret.txt", "NUL after dot-dot"),
        ("/secret.txt%00.html", "NUL before an extension"),
        ("/..;/secret.txt", "dot-dot-semicolon"),
        ("//../secret.txt", "doubled slash"),
        ("///..//..//secret.txt", "many slashes"),
        ("/C:/secret.txt", "drive letter"),
        ("/c:%5csecret.txt", "drive letter and backslash"),
        ("/\\\\localhost\\c$\\secret.txt", "UNC path"),
        ("/CON", "device name"),
        ("/nul.txt", "device name with extension"),
        ("/index.html.", "trailing dot"),
        ("/index.html%20", "trailing space"),
        ("/index.html::$DATA", "alternate data stream"),
        ("http://localhost/../secret.txt", "absolute form"),
    ];
    for (target, what) in corpus {
        let raw = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let answer = server.exchange(raw.as_bytes());
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.starts_with("HTTP/1.1 404 ") || text.starts_with("HTTP/1.1 400 "),
            "{what} ({target}): {text}"
        );
        assert!(!text.contains("TOP SECRET"), "{what} ({target}) escaped");
    }
}

/// A link inside the root that leads out of it is not followed, neither as a file nor as a folder on the way.
#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_do_not_escape() {
    use std::os::unix::fs::symlink;
    let server = server_beside_a_secret();
    let site = server.root.path().join("site");
    symlink(server.root.path().join("secret.txt"), site.join("link.txt")).unwrap();
    symlink(server.root.path(), site.join("up")).unwrap();
    for target in ["/link.txt", "/up/secret.txt", "/up/site/../secret.txt"] {
        let reply = server.get(target);
        assert_eq!(reply.status, 404, "{target}");
        assert!(!reply.body.starts_with(SECRET), "{target} escaped");
    }
}
