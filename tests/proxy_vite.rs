//! --proxy as someone leaving Vite's dev server expects it (issue 22): a quiet stream outlives --proxy-timeout,
//! nginx's prefix rule, redirects and cookies that name the upstream are made to name lanai, lanai's own Origin
//! becomes the upstream's, and https:// upstreams, verified or (--proxy-insecure) not. Each against a real
//! upstream the test starts: scripted ones in Rust (common::upstream::ScriptedUpstream) and
//! scripts/test-upstream.py, over https with a certificate made here (rcgen).

mod common;

use common::h2::Https;
use common::upstream::{Parsed, ScriptedUpstream, Upstream};
use common::{
    connect_to, open_websocket, send_text_frame, websocket_handshake, ReplyReader, Server,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// lanai over the exercise root with its log on, these `--proxy` rules and any other arguments.
fn lanai(rules: &[String], extra: &[&str]) -> Server {
    let mut args: Vec<&str> = rules.iter().flat_map(|rule| ["--proxy", rule]).collect();
    args.extend_from_slice(extra);
    Server::logging(&args)
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

fn answer(stream: &mut TcpStream, head: &str, body: &str) -> bool {
    let reply = format!("{head}Content-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(reply.as_bytes()).is_ok()
}

fn value(request: &Parsed, name: &str) -> Option<String> {
    request.values(name).first().map(|value| text(value))
}

// ----- --proxy-timeout bounds the wait for the head, not a quiet body -----

#[test]
fn a_quiet_event_stream_outlives_the_timeout_while_a_missing_head_is_a_504_at_the_timeout() {
    let upstream = ScriptedUpstream::start(|request, stream| {
        if request.target.ends_with("/silent") {
            // Never a head: the connection stays open, quiet, until lanai gives up on it.
            let _ = stream.read(&mut [0u8; 1]);
            return false;
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
        let event = |data: &str| format!("{:x}\r\n{data}\r\n", data.len());
        let _ = stream.write_all(format!("{head}{}", event("data: one\n\n")).as_bytes());
        std::thread::sleep(Duration::from_secs(5));
        let _ = stream.write_all(format!("{}0\r\n\r\n", event("data: two\n\n")).as_bytes());
        false
    });
    let rules = [format!("/events={}", upstream.url())];
    let server = lanai(&rules, &["--proxy-timeout", "2"]);

    let addr = server.addr;
    let silent = std::thread::spawn(move || {
        let mut stream = connect_to(addr);
        let started = Instant::now();
        stream
            .write_all(b"GET /events/silent HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        (ReplyReader::new(stream).next(false), started.elapsed())
    });

    let mut stream = server.connect();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /events/stream HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut received = Vec::new();
    stream
        .read_to_end(&mut received)
        .expect("the stream, to its end");
    let received = text(&received);
    assert!(
        received.starts_with("HTTP/1.1 200 ")
            && received.contains("data: one\n\n")
            && received.contains("data: two\n\n")
            && received.ends_with("0\r\n\r\n"),
        "{received}"
    );
    assert!(started.elapsed() >= Duration::from_secs(5));

    let (timed_out, waited) = silent.join().unwrap();
    assert_eq!(timed_out.status, 504, "{}", text(&timed_out.body));
    assert!(text(&timed_out.body).contains("no answer within 2 s (--proxy-timeout)"));
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(5),
        "the 504 came after {waited:?}"
    );
    let log = server.stop();
    assert!(
        !log.contains("broke off"),
        "the quiet stream was logged as the upstream's fault: {log}"
    );
}

// ----- nginx's prefix rule -----

/// An upstream that answers every request with the target it was asked for.
fn target_echo() -> ScriptedUpstream {
    ScriptedUpstream::start(|request, stream| {
        answer(stream, "HTTP/1.1 200 OK\r\n", &request.target)
    })
}

#[test]
fn a_url_without_a_path_keeps_the_request_path_and_one_with_a_path_replaces_the_prefix() {
    let upstream = target_echo();
    let url = upstream.url();
    let rules = [
        format!("/api={url}"),
        format!("/root={url}/"),
        format!("/v1={url}/version/1/"),
    ];
    let server = lanai(&rules, &[]);
    for (asked, sent) in [
        ("/api/users?page=2", "/api/users?page=2"),
        ("/api", "/api"),
        ("/root/users", "/users"),
        ("/root", "/"),
        ("/v1/users", "/version/1/users"),
    ] {
        let reply = server.get(asked);
        assert_eq!(
            (reply.status, text(&reply.body)),
            (200, sent.to_string()),
            "{asked}"
        );
    }
    let port = upstream.port;
    for described in [
        format!("proxying /api/* → http://127.0.0.1:{port}/api/*"),
        format!("proxying /root/* → http://127.0.0.1:{port}/*"),
        format!("proxying /v1/* → http://127.0.0.1:{port}/version/1/*"),
    ] {
        server.log_line(&[&described]);
    }
}

// ----- Location and Set-Cookie name lanai -----

#[test]
fn redirects_and_cookies_that_name_the_upstream_name_lanai_and_its_prefix() {
    let upstream = ScriptedUpstream::start(|request, stream| {
        // What a back end builds from the Host it saw, as Express or Django do.
        let host = value(request, "host").unwrap_or_default();
        let head = format!(
            "HTTP/1.1 302 Found\r\nLocation: http://{host}/v1/login?next=%2Fme\r\n\
             Set-Cookie: sid=42; Domain=127.0.0.1; Path=/v1; HttpOnly\r\n\
             Set-Cookie: theme=dark; Path=/elsewhere\r\n\
             Set-Cookie: ad=1; Domain=ads.example; Path=/\r\n"
        );
        let away = "HTTP/1.1 302 Found\r\nLocation: https://accounts.example/signin\r\n";
        let relative = "HTTP/1.1 301 Moved Permanently\r\nLocation: /v1/new\r\n";
        match request.target.as_str() {
            "/v1/away" => answer(stream, away, ""),
            "/v1/relative" => answer(stream, relative, ""),
            _ => answer(stream, &head, ""),
        }
    });
    let rules = [format!("/api={}/v1", upstream.url())];
    let server = lanai(&rules, &[]);
    let own = format!("localhost:{}", server.addr.port());
    let get = |target: &str| {
        server.reply_to(format!(
            "GET {target} HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n"
        ))
    };
    let redirected = get("/api/account");
    assert_eq!(redirected.status, 302);
    assert_eq!(
        redirected.header("Location"),
        Some(format!("http://{own}/api/login?next=%2Fme").as_str())
    );
    let cookies: Vec<&str> = redirected
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(
        cookies,
        [
            "sid=42; Path=/api; HttpOnly",
            "theme=dark; Path=/elsewhere",
            "ad=1; Domain=ads.example; Path=/"
        ]
    );
    assert_eq!(
        get("/api/away").header("Location"),
        Some("https://accounts.example/signin"),
        "a Location elsewhere stays"
    );
    assert_eq!(get("/api/relative").header("Location"), Some("/api/new"));
}

// ----- Origin -----

/// An upstream that checks Origin against its own Host, as Django's CSRF check and WebSocket servers do: `403`
/// when they differ; a WebSocket handshake that passes gets its `101`.
fn origin_checker() -> ScriptedUpstream {
    ScriptedUpstream::start(|request, stream| {
        let own = format!("http://{}", value(request, "host").unwrap_or_default());
        if value(request, "origin").as_deref() != Some(own.as_str()) {
            return answer(stream, "HTTP/1.1 403 Forbidden\r\n", "cross-origin");
        }
        if value(request, "upgrade").is_some() {
            let switched =
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
            let _ = stream.write_all(switched.as_bytes());
            return false;
        }
        answer(stream, "HTTP/1.1 200 OK\r\n", "same origin")
    })
}

fn post_from(server: &Server, host: &str, origin: &str) -> common::Reply {
    server.reply_to(format!(
        "POST /api/login HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nContent-Length: 2\r\n\
             Connection: close\r\n\r\nhi"
    ))
}

#[test]
fn lanais_own_origin_reaches_the_upstream_as_its_own_on_posts_and_websocket_handshakes() {
    let upstream = origin_checker();
    let server = lanai(&[format!("/api={}", upstream.url())], &[]);
    let own = format!("localhost:{}", server.addr.port());
    let page = format!("http://{own}");
    let accepted = post_from(&server, &own, &page);
    assert_eq!(
        (accepted.status, text(&accepted.body).as_str()),
        (200, "same origin")
    );
    let sent = upstream.requests().pop().unwrap();
    assert_eq!(value(&sent, "origin"), Some(upstream.url()));
    assert_eq!(
        value(&sent, "host"),
        Some(format!("127.0.0.1:{}", upstream.port))
    );
    assert_eq!(value(&sent, "x-forwarded-host"), Some(own.clone()));

    let (_, switched) = websocket_handshake(&server, &own, Some(&page));
    assert!(switched.starts_with("HTTP/1.1 101 "), "{switched}");
    assert_eq!(
        value(&upstream.requests().pop().unwrap(), "origin"),
        Some(upstream.url())
    );

    // Another site's page stays another site: the upstream's own check refuses it.
    assert_eq!(post_from(&server, &own, "http://evil.example").status, 403);
    assert_eq!(
        value(&upstream.requests().pop().unwrap(), "origin").as_deref(),
        Some("http://evil.example")
    );
    let (_, refused) = websocket_handshake(&server, &own, Some("http://evil.example"));
    assert!(refused.starts_with("HTTP/1.1 403 "), "{refused}");
}

#[test]
fn keep_host_sends_the_clients_host_and_origin_as_they_are() {
    let upstream = origin_checker();
    let server = lanai(
        &[format!("/api={}", upstream.url())],
        &["--proxy-keep-host"],
    );
    let own = format!("localhost:{}", server.addr.port());
    let accepted = post_from(&server, &own, &format!("http://{own}"));
    assert_eq!(accepted.status, 200, "{}", text(&accepted.body));
    let sent = upstream.requests().pop().unwrap();
    assert_eq!(value(&sent, "host"), Some(own.clone()));
    assert_eq!(value(&sent, "origin"), Some(format!("http://{own}")));
}

// ----- https:// upstreams -----

/// Certificates for an https upstream at 127.0.0.1, written as PEM files in a folder of their own.
struct Certificates {
    folder: tempfile::TempDir,
}

impl Certificates {
    /// A CA, a leaf it signs for `names`, and a self-signed leaf for the same names.
    fn make(names: &[&str]) -> Certificates {
        let folder = tempfile::tempdir().unwrap();
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::default();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "lanai test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, &ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let signed = rcgen::CertificateParams::new(names.clone())
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        let own = rcgen::generate_simple_self_signed(names).unwrap();
        let write =
            |name: &str, pem: String| std::fs::write(folder.path().join(name), pem).unwrap();
        write("ca.pem", ca.pem());
        write("signed.pem", signed.pem());
        write("signed.key", key.serialize_pem());
        write("self.pem", own.cert.pem());
        write("self.key", own.signing_key.serialize_pem());
        Certificates { folder }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    fn upstream(&self, kind: &str) -> Upstream {
        let chain = self.path(&format!("{kind}.pem"));
        let key = self.path(&format!("{kind}.key"));
        Upstream::start_tls(&chain, &key)
    }
}

/// lanai with `--proxy /api=URL` and `extra`, trusting the certificates in `roots` only (SSL_CERT_FILE: where
/// the system's roots are read from on Linux, as OpenSSL reads them).
fn lanai_trusting(roots: &Path, url: &str, extra: &[&str]) -> Server {
    let root = common::exercise_root();
    let path = root.path().to_str().unwrap().to_string();
    let rule = format!("/api={url}");
    let mut command = common::lanai();
    command
        .env("SSL_CERT_FILE", roots)
        .env_remove("SSL_CERT_DIR")
        .args([path.as_str(), "--port", "0", "--proxy", &rule])
        .args(extra);
    Server::spawn(root, &mut command)
}

#[test]
fn an_https_upstream_signed_by_a_trusted_authority_is_proxied_websockets_too() {
    let certificates = Certificates::make(&["localhost", "127.0.0.1"]);
    let upstream = certificates.upstream("signed");
    let server = lanai_trusting(&certificates.path("ca.pem"), &upstream.url(), &[]);
    let reply = server.get("/api/echo?x=1");
    assert_eq!(reply.status, 200, "{}", text(&reply.body));
    let again = server.get("/api/echo");
    let connection = reply.header("X-Upstream-Connection");
    assert!(connection.is_some());
    assert_eq!(
        again.header("X-Upstream-Connection"),
        connection,
        "the TLS connection is kept and used again"
    );
    let body = text(&reply.body);
    assert!(body.contains("target /api/echo?x=1\n"), "{body}");
    assert!(
        body.contains(&format!("field Host: 127.0.0.1:{}\n", upstream.port)),
        "{body}"
    );
    let mut socket = open_websocket(&server, Some("http://localhost"));
    send_text_frame(&mut socket, b"over tls");
    let mut frame = [0u8; 10];
    socket.read_exact(&mut frame).unwrap();
    assert_eq!(&frame, b"\x81\x08over tls");
    server.log_line(&[&format!(
        "proxying /api/* → https://127.0.0.1:{}/api/*",
        upstream.port
    )]);
}

#[test]
fn a_self_signed_upstream_is_a_502_naming_the_problem_and_proxy_insecure() {
    let certificates = Certificates::make(&["localhost", "127.0.0.1"]);
    let upstream = certificates.upstream("self");
    let server = lanai_trusting(&certificates.path("ca.pem"), &upstream.url(), &[]);
    let refused = server.get("/api/echo");
    assert_eq!(refused.status, 502);
    let page = text(&refused.body);
    for part in [
        "certificate",
        "not signed by an authority this system trusts",
        "--proxy-insecure",
    ] {
        assert!(page.contains(part), "{part:?} in {page}");
    }
    server.log_line(&[&upstream.url(), "certificate", "--proxy-insecure", "(502)"]);
}

#[test]
fn a_certificate_for_another_name_is_a_502_that_says_so() {
    let certificates = Certificates::make(&["api.example.com"]);
    let upstream = certificates.upstream("signed");
    let server = lanai_trusting(&certificates.path("ca.pem"), &upstream.url(), &[]);
    let refused = server.get("/api/echo");
    assert_eq!(refused.status, 502);
    let page = text(&refused.body);
    assert!(
        page.contains("not valid for the name 127.0.0.1") && page.contains("--proxy-insecure"),
        "{page}"
    );
}

#[test]
fn proxy_insecure_takes_a_self_signed_upstream_with_a_warning() {
    let certificates = Certificates::make(&["localhost"]);
    let upstream = certificates.upstream("self");
    let server = lanai_trusting(
        &certificates.path("ca.pem"),
        &upstream.url(),
        &["--proxy-insecure"],
    );
    server.log_line(&["--proxy-insecure", "any certificate"]);
    let reply = server.get("/api/echo");
    assert_eq!(reply.status, 200, "{}", text(&reply.body));
    assert!(text(&reply.body).contains("target /api/echo\n"));
    let mut socket = open_websocket(&server, Some("http://localhost"));
    send_text_frame(&mut socket, b"insecure");
    let mut frame = [0u8; 10];
    socket.read_exact(&mut frame).unwrap();
    assert_eq!(&frame, b"\x81\x08insecure");
}

#[test]
fn no_roots_to_check_an_https_upstream_with_stops_start_up_in_one_sentence() {
    let folder = tempfile::tempdir().unwrap();
    let empty = folder.path().join("none.pem");
    std::fs::write(&empty, "").unwrap();
    let output = common::lanai()
        .env("SSL_CERT_FILE", &empty)
        .env_remove("SSL_CERT_DIR")
        .args(["--port", "0", "--proxy", "/api=https://127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("no trusted root certificates") && stderr.contains("--proxy-insecure"),
        "{stderr}"
    );
}

#[test]
fn an_http2_client_reaches_an_https_upstream() {
    let certificates = Certificates::make(&["localhost"]);
    let upstream = certificates.upstream("self");
    let rule = format!("/api={}", upstream.url());
    let https = Https::start(&["--proxy", &rule, "--proxy-insecure"]);
    let connection = https.h2();
    let request = connection.request("POST", "/api/echo", &[]);
    let echo = connection.fetch(request, b"hello").unwrap();
    assert_eq!(echo.status, 200, "{}", text(&echo.body));
    let body = text(&echo.body);
    assert!(
        body.contains("method POST\ntarget /api/echo\nbody 5\n"),
        "{body}"
    );
    assert!(body.contains("field X-Forwarded-Proto: https\n"), "{body}");
}
