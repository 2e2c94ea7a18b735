//! Start-up behaviour of the real binary: the start-up line, clear errors with exit status 2, worker threads.

mod common;

use common::*;
use std::process::Output;

fn run(args: &[&str]) -> Output {
    lanai().args(args).output().expect("run lanai")
}

fn assert_usage_error(output: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one sentence, not a dump: {stderr}"
    );
}

#[test]
fn start_up_line_names_root_and_real_port() {
    let server = Server::start(&[]);
    let root = server.root.path().canonicalize().unwrap();
    let expected = format!(
        "lanai serving {} at http://127.0.0.1:{}/\n",
        root.display(),
        server.addr.port()
    );
    assert_eq!(server.banner, expected);
    assert_ne!(server.addr.port(), 0);
}

#[test]
fn document_root_option_serves_the_same_folder() {
    let root = exercise_root();
    let path = root.path().to_str().unwrap().to_string();
    let server = Server::launch(root, &["--document-root", &path]);
    assert_eq!(server.get("/httptest/dir2/").body, INDEX_BODY);
    let short = Server::launch(exercise_root(), &["-r", &path]);
    assert_eq!(short.get("/httptest/dir2/").body, INDEX_BODY);
}

#[test]
fn root_given_twice_serves_the_later() {
    let first = exercise_root();
    let first_path = first.path().to_str().unwrap().to_string();
    let second = exercise_root();
    write(&second.path().join("second.txt"), b"second");
    let second_path = second.path().to_str().unwrap().to_string();
    let server = Server::launch(second, &[&first_path, "--document-root", &second_path]);
    assert_eq!(server.get("/second.txt").body, b"second");
    let server = Server::launch(first, &["--document-root", &second_path, &first_path]);
    assert_eq!(server.get("/second.txt").status, 404);
}

#[test]
fn missing_root_is_a_usage_error() {
    let output = run(&["/definitely/not/here", "--port", "0"]);
    assert_usage_error(&output, "/definitely/not/here");
}

#[test]
fn file_as_root_is_a_usage_error() {
    let root = exercise_root();
    let file = root.path().join("httptest/text..txt");
    let output = run(&["-r", file.to_str().unwrap(), "--port", "0"]);
    assert_usage_error(&output, "is not a directory");
}

#[test]
fn port_in_use_is_named_with_a_way_out() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let root = exercise_root();
    let output = run(&[root.path().to_str().unwrap(), "--port", &port]);
    assert_usage_error(&output, &format!("port {port}"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--port 0"));
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        &["--port", "http"][..],
        &["--workers", "0"],
        &["--read-timeout", "0"],
        &["--keep-alive-timeout", "0"],
        &["--max-connections", "0"],
        &["--shutdown-timeout", "0"],
        &["--no-such-option"],
        &["--host", "not a host", "--port", "0"],
        &["--generate", "tcsh"],
        &["--compress-cache", "64X"],
        &["--compress-cache", "-1M"],
        &["--compress-cache", "M"],
        &["--compress-cache", "99999999999999999G"],
    ] {
        let output = run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn a_bad_size_says_how_to_write_one() {
    let output = run(&["--compress-cache", "64X"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains("such as 64M"),
        "the problem on the first line: {stderr}"
    );
}

#[test]
fn help_lists_every_option_and_exits_0() {
    let output = run(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--document-root",
        "--port",
        "--host",
        "--workers",
        "--read-timeout",
        "--keep-alive-timeout",
        "--max-connections",
        "--shutdown-timeout",
        "--quiet",
        "--verbose",
        "--log-file",
        "--no-config",
        "--generate",
        "--no-compress",
        "--compress-cache",
    ] {
        assert!(help.contains(option), "--help lacks {option}");
    }
}

#[test]
fn access_log_goes_to_stderr() {
    let server = Server::logging(&[]);
    server.exchange(b"GET /httptest/dir2/ HTTP/1.0\r\n\r\n");
    let log = server.stop();
    assert!(
        log.contains("\"GET /httptest/dir2/ HTTP/1.0\" 200 34 "),
        "{log}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn workers_sets_the_executor_thread_count() {
    for workers in ["1", "3"] {
        let server = Server::start(&["--workers", workers]);
        let tasks = std::path::PathBuf::from(format!("/proc/{}/task", server.pid()));
        let count_executors = || {
            std::fs::read_dir(&tasks)
                .unwrap()
                .filter_map(|task| std::fs::read_to_string(task.unwrap().path().join("comm")).ok())
                .filter(|name| name.trim_end() == "async-std/runti")
                .count()
        };
        // The executor starts its threads as the server starts; give it a moment. A thread an executor thread
        // starts (the reactor's) carries its parent's name for a moment, until it names itself.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while count_executors().to_string() != workers && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(count_executors().to_string(), workers);
    }
}
