//! The Host check against the real binary: a foreign Host gets 403 on fresh, kept-alive and pipelined
//! connections and on the live-reload paths; each --allowed-host form, also from the config file; a warning per
//! refused name; and the start-up refusal of a root lanai cannot read.

mod common;

use common::*;
use std::io::Write;

/// One request for `target` naming `host`; returns once lanai has closed the connection, so its log line is out.
fn get_as(server: &Server, host: &str, target: &str) -> Reply {
    let raw = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let mut replies = ReplyReader::new(server.connect());
    replies.stream.write_all(raw.as_bytes()).unwrap();
    let reply = replies.next(false);
    assert!(replies.closed(), "closes after Connection: close");
    reply
}

fn assert_refused(reply: &Reply, host: &str) {
    assert_eq!(reply.status, 403, "{}", reply.status_line);
    assert_eq!(
        reply.header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    let body = String::from_utf8_lossy(&reply.body);
    assert!(body.contains(&format!("'{host}'")), "{body}");
    assert!(body.contains(&format!("--allowed-host {host}")), "{body}");
    assert!(reply.body.len() < 1024);
}

#[test]
fn a_foreign_host_is_refused_before_any_lookup() {
    let server = Server::start(&["--listing"]);
    for target in ["/httptest/dir2/", "/httptest/missing.html", "/httptest/"] {
        assert_refused(
            &get_as(&server, "evil.example.com", target),
            "evil.example.com",
        );
    }
    let spelled = get_as(&server, "EVIL.Example.com.:8080", "/httptest/dir2/");
    assert_refused(&spelled, "evil.example.com");
    for host in [
        "localhost",
        "LocalHost.:8080",
        "app.localhost",
        "127.0.0.1:1",
        "[::1]",
    ] {
        let reply = get_as(&server, host, "/httptest/dir2/");
        assert_eq!(reply.body, INDEX_BODY, "{host}");
    }
}

#[test]
fn each_request_on_a_kept_alive_or_pipelined_connection_is_checked() {
    let server = Server::start(&[]);
    let mut replies = ReplyReader::new(server.connect());
    for (host, allowed) in [
        ("localhost", true),
        ("evil.test", false),
        ("127.0.0.1", true),
    ] {
        let raw = format!("GET /httptest/dir2/ HTTP/1.1\r\nHost: {host}\r\n\r\n");
        replies.stream.write_all(raw.as_bytes()).unwrap();
        let reply = replies.next(false);
        assert_eq!(
            reply.status == 200,
            allowed,
            "{host}: {}",
            reply.status_line
        );
    }

    let mut pipelined = ReplyReader::new(server.connect());
    pipelined
        .stream
        .write_all(
            b"GET /httptest/dir2/ HTTP/1.1\r\nHost: evil.test\r\n\r\n\
              GET /httptest/dir2/page.html HTTP/1.1\r\nHost: localhost\r\n\r\n\
              GET /httptest/dir2/ HTTP/1.1\r\nHost: other.evil.test\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    assert_refused(&pipelined.next(false), "evil.test");
    assert_eq!(pipelined.next(false).body, PAGE_BODY);
    assert_refused(&pipelined.next(false), "other.evil.test");
    assert!(pipelined.closed());
}

#[test]
fn http_1_0_without_host_passes_and_a_malformed_host_is_a_400() {
    let server = Server::start(&[]);
    let answer = server.exchange(b"GET /httptest/dir2/ HTTP/1.0\r\n\r\n");
    assert!(answer.starts_with(b"HTTP/1.1 200 "));
    for host in ["", "a b", "evil.test:port", "[::1", "b\u{fc}cher.test"] {
        let raw = format!("GET /httptest/dir2/ HTTP/1.1\r\nHost: {host}\r\n\r\n");
        let answer = server.exchange(raw.as_bytes());
        assert!(
            answer.starts_with(b"HTTP/1.1 400 "),
            "{host:?}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
}

#[test]
fn the_live_reload_script_and_stream_are_guarded_too() {
    let server = Server::start(&["--live"]);
    for target in ["/.lanai/live.js", "/.lanai/events"] {
        assert_refused(&get_as(&server, "evil.test", target), "evil.test");
    }
    assert_eq!(get_as(&server, "localhost", "/.lanai/live.js").status, 200);
}

#[test]
fn allowed_host_names_domains_and_anything() {
    let server = Server::start(&[
        "--allowed-host",
        "dev.test",
        "--allowed-host",
        ".example.org",
    ]);
    for (host, allowed) in [
        ("DEV.test:3000", true),
        ("www.dev.test", false),
        ("example.org", true),
        ("a.b.example.org", true),
        ("badexample.org", false),
    ] {
        let reply = get_as(&server, host, "/httptest/dir2/");
        if allowed {
            assert_eq!(reply.status, 200, "{host}");
        } else {
            assert_refused(&reply, host);
        }
    }

    let open = Server::logging(&["--allowed-host", "*"]);
    assert_eq!(
        get_as(&open, "evil.example.com", "/httptest/dir2/").status,
        200
    );
    let log = open.stop();
    assert!(
        log.contains("any web page you visit can now read what lanai serves"),
        "{log}"
    );
}

#[test]
fn a_bad_allowed_host_is_a_usage_error() {
    let output = lanai()
        .args(["--port", "0", "--allowed-host", "http://dev.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("lanai: --allowed-host 'http://dev.test'"),
        "{stderr}"
    );
}

#[test]
fn allowed_host_from_the_config_file() {
    let folder = tempfile::tempdir().unwrap();
    let config = folder.path().join("config");
    write(
        &config,
        b"# a name for a phone on the LAN\n--allowed-host\nstudio.test\n",
    );
    let root = exercise_root();
    let path = root.path().to_str().unwrap().to_string();
    let server = Server::spawn(
        root,
        lanai()
            .env("LANAI_CONFIG", &config)
            .args([path.as_str(), "--port", "0", "--quiet"]),
    );
    assert_eq!(
        get_as(&server, "studio.test", "/httptest/dir2/").status,
        200
    );
    assert_refused(
        &get_as(&server, "other.test", "/httptest/dir2/"),
        "other.test",
    );
}

#[test]
fn serving_the_lan_allows_this_machines_name() {
    let Some(name) = lanai::lan::host_name() else {
        return;
    };
    // Listening everywhere, but the test only ever talks to loopback.
    let server = Server::start(&["--host", "0.0.0.0"]);
    assert_eq!(get_as(&server, &name, "/httptest/dir2/").status, 200);
    let local = format!("{name}.local");
    assert_eq!(get_as(&server, &local, "/httptest/dir2/").status, 200);
    let loopback_only = Server::start(&[]);
    assert_eq!(
        get_as(&loopback_only, &local, "/httptest/dir2/").status,
        403
    );
}

#[test]
fn a_refused_host_is_warned_about_once_and_logged_every_time() {
    let server = Server::logging(&[]);
    for _ in 0..3 {
        assert_eq!(get_as(&server, "evil.test", "/httptest/dir2/").status, 403);
    }
    assert_eq!(get_as(&server, "other.test", "/").status, 403);
    let log = server.stop();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("refused a request for host"))
        .collect();
    assert_eq!(warnings.len(), 2, "{log}");
    assert!(
        warnings[0].contains("'evil.test'") && warnings[0].contains("--allowed-host evil.test")
    );
    let refusals = log
        .lines()
        .filter(|line| line.contains("\"GET /httptest/dir2/ HTTP/1.1\" 403 "))
        .count();
    assert_eq!(refusals, 3, "{log}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_root_lanai_cannot_read_stops_start_up() {
    use std::os::unix::fs::PermissionsExt;
    let outer = tempfile::tempdir().unwrap();
    std::fs::set_permissions(outer.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = outer.path().join("private");
    std::fs::create_dir(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut command = lanai();
    command.arg(&root).args(["--port", "0"]);
    let output = as_unprivileged(&mut command).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "lanai: cannot read the folder '{}'",
            root.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("read access"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
