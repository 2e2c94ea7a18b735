//! The config file through the real binary: found through LANAI_CONFIG (never the developer's own), read before
//! the command line so the command line wins, skipped with --no-config, and wrong lines named. Also --log-file.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

/// A config file with `text` in a folder of its own.
fn config_file(text: &str) -> (TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("config");
    write(&path, text.as_bytes());
    (folder, path)
}

fn run_with_config(config: &Path, args: &[&str]) -> Output {
    lanai()
        .env("LANAI_CONFIG", config)
        .args(args)
        .output()
        .expect("run lanai")
}

fn launch_with_config(root: TempDir, config: &Path, args: &[&str]) -> Server {
    Server::spawn(
        root,
        lanai()
            .env("LANAI_CONFIG", config)
            .args(args)
            .args(["--port", "0"]),
    )
}

fn path_of(root: &TempDir) -> String {
    root.path().to_str().unwrap().to_string()
}

#[test]
fn options_come_from_the_config_file() {
    let root = exercise_root();
    let (_folder, config) = config_file(&format!(
        "# serve the exercise quietly\n--quiet\n\n--document-root\n  {}  \n",
        path_of(&root)
    ));
    let server = launch_with_config(root, &config, &[]);
    assert_eq!(server.get("/httptest/dir2/").body, INDEX_BODY);
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
#[test]
fn without_lanai_config_the_per_user_file_is_read() {
    let home = tempfile::tempdir().unwrap();
    let folder = if cfg!(target_os = "macos") {
        "Library/Application Support/lanai"
    } else {
        ".config/lanai"
    };
    let root = exercise_root();
    let setting = format!("--document-root={}\n", path_of(&root));
    write(&home.path().join(folder).join("config"), setting.as_bytes());
    let server = Server::spawn(
        root,
        lanai()
            .env_remove("LANAI_CONFIG")
            .env_remove("XDG_CONFIG_HOME")
            .env("HOME", home.path())
            .args(["--port", "0", "--quiet"]),
    );
    assert_eq!(server.get("/httptest/dir2/").body, INDEX_BODY);
}

#[test]
fn the_command_line_wins_over_the_config_file() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    let elsewhere = exercise_root();
    let (_folder, config) = config_file(&format!(
        "--port={taken_port}\n--document-root={}\n-q\n",
        path_of(&elsewhere)
    ));
    let root = exercise_root();
    write(&root.path().join("here.txt"), b"here");
    let path = path_of(&root);
    // The port in the file is taken and the file names another folder: both are overridden.
    let server = launch_with_config(root, &config, &[&path]);
    assert_ne!(server.addr.port(), taken_port);
    assert_eq!(server.get("/here.txt").body, b"here");
}

#[test]
fn a_wrong_line_is_named_with_its_file_and_number() {
    let (_folder, config) = config_file("--quiet\n# a comment\n--no-such-option\n");
    let output = run_with_config(&config, &["--port", "0"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let place = format!(
        "lanai: {}, line 3: '--no-such-option' is not an option",
        config.display()
    );
    assert!(stderr.starts_with(&place), "{stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one sentence: {stderr}"
    );
}

#[test]
fn a_missing_config_file_named_by_lanai_config_is_an_error() {
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("nowhere.conf");
    let output = run_with_config(&missing, &["--port", "0"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
}

#[test]
fn no_config_skips_the_file() {
    let (_folder, config) = config_file("--no-such-option\n");
    let root = exercise_root();
    let path = path_of(&root);
    let server = launch_with_config(root, &config, &["--no-config", "--quiet", &path]);
    assert_eq!(server.get("/httptest/dir2/").body, INDEX_BODY);
}

#[test]
fn help_and_generate_work_whatever_the_config_file_says() {
    let (_folder, config) = config_file("--no-such-option\n");
    for args in [&["--help"][..], &["--generate", "bash"]] {
        let output = run_with_config(&config, args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(!output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn log_file_gets_the_log_and_the_terminal_keeps_it() {
    let logs = tempfile::tempdir().unwrap();
    let log_file = logs.path().join("access.log");
    write(&log_file, b"an earlier line\n");
    let server = Server::logging(&["--log-file", log_file.to_str().unwrap()]);
    server.exchange(b"GET /httptest/dir2/page.html HTTP/1.0\r\n\r\n");
    let terminal = server.stop();
    let line = "\"GET /httptest/dir2/page.html HTTP/1.0\" 200 38 ";
    assert!(terminal.contains(line), "{terminal}");
    let logged = std::fs::read_to_string(&log_file).unwrap();
    assert!(logged.starts_with("an earlier line\n"), "appends: {logged}");
    assert!(logged.contains(line), "{logged}");
}

#[test]
fn a_log_file_that_cannot_be_opened_is_a_usage_error() {
    let root = exercise_root();
    let log_file = root.path().join("no/such/folder/access.log");
    let output = lanai()
        .args([&path_of(&root), "--port", "0", "--log-file"])
        .arg(&log_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--log-file"), "{stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one sentence: {stderr}"
    );
}
