//! The page's console forwarded to lanai's log (--live), against the real binary: the device's name and the
//! page's path, escape sequences escaped, the bounds on size and rate, console.log only with -v, --no-console,
//! the guard before it, and HTTP/2. scripts/devices-browser-check sends it from a real page in Chromium.

mod common;

use common::h2::Https;
use common::Server;
use std::time::Instant;

const IPHONE: &str =
    "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

fn post(server: &Server, query: &str) -> u16 {
    server
        .request_with("POST", &format!("/.lanai/console?{query}"), &[IPHONE])
        .status
}

#[test]
fn a_message_is_printed_under_the_device_name_with_escapes_escaped() {
    let server = Server::start(&["--live"]);
    let status = post(
        &server,
        "level=error&page=%2Fshop%2F&text=Uncaught+%1B%5B31mred%1B%5B0m+%22x%22&source=%2Fapp.js%3A3%3A7",
    );
    assert_eq!(status, 204);
    let line = server.log_line(&["console.error"]);
    assert!(
        line.ends_with(
            r#"iPhone Safari /shop/: console.error: Uncaught \x1b[31mred\x1b[0m \"x\" (/app.js:3:7)"#
        ),
        "{line}"
    );
    assert!(
        !server.log().contains('\u{1b}'),
        "no escape byte reaches the terminal"
    );
    assert_eq!(post(&server, "level=warn&page=%2F&text=careful"), 204);
    server.log_line(&["iPhone Safari /: console.warn: careful"]);
}

#[test]
fn console_log_is_printed_only_with_verbose() {
    let server = Server::start(&["--live"]);
    assert_eq!(post(&server, "level=log&page=%2F&text=quietly"), 204);
    assert_eq!(post(&server, "level=warn&page=%2F&text=after"), 204);
    server.log_line(&["console.warn: after"]);
    assert!(!server.log().contains("quietly"));
    assert!(!String::from_utf8_lossy(&server.get("/.lanai/live.js").body).contains("\"log\"]"));
    let verbose = Server::start(&["--live", "-v"]);
    assert!(String::from_utf8_lossy(&verbose.get("/.lanai/live.js").body).contains("\"log\"]"));
    assert_eq!(post(&verbose, "level=log&page=%2F&text=loudly"), 204);
    verbose.log_line(&["iPhone Safari /: console.log: loudly"]);
}

#[test]
fn bad_requests_are_refused_and_print_nothing() {
    let server = Server::start(&["--live"]);
    assert_eq!(server.get("/.lanai/console?level=error&text=x").status, 405);
    assert_eq!(post(&server, "level=shout&text=x"), 400);
    assert_eq!(post(&server, "level=error&text=%zz"), 400);
    let wrong_host = server.exchange(
        b"POST /.lanai/console?level=error&text=from+elsewhere HTTP/1.1\r\nHost: evil.example\r\n\
          Connection: close\r\n\r\n",
    );
    assert!(
        wrong_host.starts_with(b"HTTP/1.1 403 "),
        "the Host check comes first"
    );
    assert!(!server.log().contains("console.error"), "{}", server.log());
}

#[test]
fn long_messages_are_cut() {
    let server = Server::start(&["--live"]);
    let long = "a".repeat(3000);
    assert_eq!(
        post(&server, &format!("level=warn&page=%2F&text={long}")),
        204
    );
    let line = server.log_line(&["console.warn"]);
    let shown = line.rsplit(": ").next().unwrap();
    assert_eq!(shown, format!("{}...", "a".repeat(2048)));
}

#[test]
fn one_device_prints_at_most_twenty_lines_a_second() {
    let server = Server::start(&["--live"]);
    let started = Instant::now();
    let statuses: Vec<u16> = (0..200)
        .map(|n| post(&server, &format!("level=warn&page=%2F&text=n{n}")))
        .collect();
    let seconds = started.elapsed().as_secs() + 1;
    let admitted = statuses.iter().filter(|&&status| status == 204).count() as u64;
    let refused = statuses.iter().filter(|&&status| status == 429).count() as u64;
    assert_eq!(admitted + refused, 200, "{statuses:?}");
    assert!(admitted <= 20 * seconds, "{admitted} in {seconds} s");
    assert!(refused > 0);
    server.log_line(&["iPhone Safari: more than 20 console messages a second"]);
    // Another device has a budget of its own.
    let other = server.request_with(
        "POST",
        "/.lanai/console?level=warn&page=%2F&text=mine",
        &["User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"],
    );
    assert_eq!(other.status, 204);
    server.log_line(&["Firefox Linux /: console.warn: mine"]);
}

#[test]
fn no_console_keeps_it_off() {
    let server = Server::start(&["--live", "--no-console"]);
    assert!(
        !String::from_utf8_lossy(&server.get("/.lanai/live.js").body).contains("/.lanai/console")
    );
    assert_ne!(post(&server, "level=error&page=%2F&text=hidden"), 204);
    let without_live = Server::start(&[]);
    assert_ne!(post(&without_live, "level=error&page=%2F&text=hidden"), 204);
    assert!(!server.log().contains("hidden") && !without_live.log().contains("hidden"));
}

#[test]
fn behind_auth_and_over_http2() {
    let https = Https::start(&["--live", "--auth", "me:secret"]);
    let h2 = https.h2();
    let query = "/.lanai/console?level=error&page=%2F&text=over+h2";
    let refused = h2.get(
        "POST",
        query,
        &[("user-agent", "HeadlessChrome/131.0.0.0 (X11; Linux x86_64)")],
    );
    assert_eq!(refused.status, 401);
    let reply = h2.get(
        "POST",
        query,
        &[
            (
                "user-agent",
                "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0.0.0 Safari/537.36",
            ),
            ("authorization", "Basic bWU6c2VjcmV0"),
        ],
    );
    assert_eq!(reply.status, 204);
    https
        .server
        .log_line(&["Chrome Linux /: console.error: over h2"]);
    assert_eq!(https.server.log().matches("over h2").count(), 1);
}
