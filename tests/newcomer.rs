//! What a newcomer trips over: a folder without index.html, start-up errors, refusals by a default explained.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

/// lanai's standard output from start-up, over `root`: read until the server is up, then lanai is stopped.
fn start_up_output(root: &std::path::Path, extra: &[&str]) -> String {
    let mut child = lanai()
        .arg(root)
        .args(["--port", "0", "--quiet"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start lanai");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut output = String::new();
    stdout.read_line(&mut output).unwrap();
    // Serving: anything more of start-up has been written; the stop closes the pipe.
    child.kill().unwrap();
    child.wait().unwrap();
    stdout.read_to_string(&mut output).unwrap();
    output
}

#[test]
fn a_folder_without_index_says_how_to_get_a_listing() {
    let root = tempfile::tempdir().unwrap();
    write(&root.path().join("notes.txt"), b"notes");
    let output = start_up_output(root.path(), &[]);
    assert_eq!(output.matches("--listing").count(), 1, "{output}");
    assert!(output.lines().nth(1).unwrap().contains("no index.html"));

    let server = Server::start_in(root, &[]);
    let reply = server.get("/");
    assert_eq!(reply.status, 404);
    let page = String::from_utf8_lossy(&reply.body);
    assert!(
        page.contains("no index.html") && page.contains("--listing"),
        "{page}"
    );
    // A path that is not a folder gets the plain 404, without the hint.
    let missing = server.get("/missing/");
    assert_eq!(missing.status, 404);
    assert!(!String::from_utf8_lossy(&missing.body).contains("--listing"));
}

#[test]
fn no_hint_where_there_is_an_index_or_a_listing() {
    let root = tempfile::tempdir().unwrap();
    assert!(!start_up_output(root.path(), &["--listing"]).contains("index.html"));
    write(&root.path().join("index.html"), b"home");
    let output = start_up_output(root.path(), &[]);
    assert_eq!(output.lines().count(), 1, "{output}");
}

#[test]
fn every_start_up_error_is_status_2_with_the_problem_first() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let root = exercise_root();
    let root = root.path().to_str().unwrap();
    for (args, problem) in [
        (&["--port", "http"][..], "'http'"),
        (&["--workers", "0"], "--workers"),
        (&["--read-timeout", "0"], "at least 1 second"),
        (&["--no-such-option"], "--no-such-option"),
        (&["--generate", "tcsh"], "tcsh"),
        (&["/definitely/not/here"], "/definitely/not/here"),
        (&[root, "--port", &port], &format!("port {port}")),
        (&[root, "--host", "not a host"], "not a host"),
        (
            &[root, "--log-file", "/definitely/not/here/log"],
            "/definitely/not/here/log",
        ),
        (&[root, "--header", "no colon"], "no colon"),
    ] {
        let output = lanai()
            .args(args)
            .env("RUST_BACKTRACE", "1")
            .output()
            .expect("run lanai");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.contains(problem), "{args:?}: first line {first:?}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{stderr}"
        );
    }
}

#[test]
fn verbose_says_which_option_would_serve_a_refused_path() {
    let server = Server::logging(&["-v"]);
    write(&server.root.path().join(".env"), b"SECRET=1");
    assert_eq!(server.get("/.env").status, 404);
    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        write(&outside.path().join("secret.txt"), b"secret");
        std::os::unix::fs::symlink(outside.path(), server.root.path().join("out")).unwrap();
        assert_eq!(server.get("/out/secret.txt").status, 404);
    }
    let log = server.stop();
    assert!(
        log.contains("/.env: a hidden name (--hidden serves those)"),
        "{log}"
    );
    #[cfg(unix)]
    assert!(
        log.contains("leads outside the root (--follow-symlinks follows it)"),
        "{log}"
    );
}
