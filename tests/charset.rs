//! Content-Type charsets against the real binary: other text says UTF-8 by default, the exercise's types stay
//! exact unless --charset asks.

mod common;

use common::{write, Server, TYPED_FILES};

#[test]
fn text_outside_the_exercise_types_is_utf8_by_default() {
    let server = Server::start(&[]);
    let root = server.root.path();
    write(&root.join("résumé.txt"), "résumé\n".as_bytes());
    write(&root.join("notes.md"), b"# notes\n");
    write(&root.join("table.csv"), b"a,b\n");
    for (path, expected) in [
        ("/r%C3%A9sum%C3%A9.txt", "text/plain; charset=utf-8"),
        ("/notes.md", "text/markdown; charset=utf-8"),
        ("/table.csv", "text/csv; charset=utf-8"),
        ("/httptest/dir2/page.html", "text/html"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("Content-Type"), Some(expected), "{path}");
    }
    assert_eq!(
        server.get("/r%C3%A9sum%C3%A9.txt").body,
        "résumé\n".as_bytes()
    );
    for (name, expected) in TYPED_FILES {
        let reply = server.get(&format!("/httptest/{name}"));
        assert_eq!(reply.header("Content-Type"), Some(*expected), "{name}");
    }
}

#[test]
fn charset_puts_its_charset_on_every_textual_type() {
    let server = Server::start(&["--charset", "utf-8"]);
    write(&server.root.path().join("notes.txt"), b"x");
    for (path, expected) in [
        ("/notes.txt", "text/plain; charset=utf-8"),
        ("/httptest/dir2/page.html", "text/html; charset=utf-8"),
        ("/httptest/splash.css", "text/css; charset=utf-8"),
        ("/httptest/160313.jpg", "image/jpeg"),
    ] {
        assert_eq!(
            server.get(path).header("Content-Type"),
            Some(expected),
            "{path}"
        );
    }
}
