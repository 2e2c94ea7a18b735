//! --https against the real binary: a rustls client that trusts only lanai's CA, the leaf's names, reuse across
//! restarts, plain HTTP on the same port, and --tls-cert/--tls-key. Traffic goes to loopback only; other names
//! of the leaf are checked by asking for them on a loopback connection.

mod common;

use common::h2::{print_ca, start_with_data as start};
use common::{lanai, INDEX_BODY};
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use tempfile::TempDir;

/// A GET over TLS to `addr`, asking for `name`, trusting only `root_pem`. Returns the head, the body and the
/// certificates the server sent.
fn https_get(
    addr: SocketAddr,
    name: &str,
    root_pem: &str,
    target: &str,
) -> Result<(String, Vec<u8>, Vec<CertificateDer<'static>>), String> {
    let config = common::h2::client_config(root_pem, &[b"http/1.1"]);
    let server_name = ServerName::try_from(name.to_string()).unwrap();
    let client = rustls::ClientConnection::new(config, server_name).unwrap();
    let socket = common::connect_to(addr);
    let mut tls = rustls::StreamOwned::new(client, socket);
    // An IPv6 literal goes in brackets in Host (RFC 3986); a bare one is a 400.
    let host = if name.contains(':') {
        format!("[{name}]")
    } else {
        name.to_string()
    };
    write!(
        tls,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|error| error.to_string())?;
    let mut received = Vec::new();
    match tls.read_to_end(&mut received) {
        Ok(_) => {}
        // lanai closes after its Content-Length-framed answer without close_notify, as HTTP/1.1 allows.
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof && !received.is_empty() => {
        }
        Err(error) => return Err(error.to_string()),
    }
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    let end = received.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(received[..end].to_vec()).unwrap();
    let certs = tls.conn.peer_certificates().unwrap().to_vec();
    Ok((head, received[end + 4..].to_vec(), certs))
}

#[test]
fn a_client_trusting_only_the_ca_fetches_over_localhost_ipv4_and_ipv6() {
    let data = TempDir::new().unwrap();
    let server = start(data.path(), &["--https", "--host", "::"]);
    let ca = print_ca(data.path());
    let port = server.addr.port();
    for (address, name) in [
        (SocketAddr::from(([127, 0, 0, 1], port)), "localhost"),
        (SocketAddr::from(([127, 0, 0, 1], port)), "127.0.0.1"),
        (
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
            "::1",
        ),
    ] {
        let (head, body, _) = https_get(address, name, &ca, "/httptest/dir2/").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{name}: {head}");
        assert_eq!(body, INDEX_BODY, "{name}");
    }
    assert!(server
        .banner
        .contains(&format!("https://localhost:{port}/")));
}

#[test]
fn the_leaf_names_the_host_and_every_lan_address_and_nothing_else() {
    let data = TempDir::new().unwrap();
    let server = start(data.path(), &["--https", "--host", "0.0.0.0"]);
    let ca = print_ca(data.path());
    let mut names: Vec<String> = lanai::lan::lan_addresses()
        .iter()
        .map(|address| address.ip.to_string())
        .collect();
    if let Some(host) = lanai::lan::host_name() {
        names.push(format!("{host}.local"));
        names.push(host);
    }
    for name in &names {
        let fetched = https_get(server.addr, name, &ca, "/httptest/dir2/");
        assert!(fetched.is_ok(), "{name}: {fetched:?}");
    }
    let refused = https_get(server.addr, "example.com", &ca, "/").unwrap_err();
    assert!(refused.contains("not valid for name"), "{refused}");
    // A client that does not trust the CA fails its handshake; lanai serves on.
    let other = TempDir::new().unwrap();
    assert!(https_get(server.addr, "localhost", &print_ca(other.path()), "/").is_err());
    assert!(https_get(server.addr, "localhost", &ca, "/httptest/dir2/").is_ok());
}

#[test]
fn the_ca_and_leaf_are_reused_on_restart() {
    let data = TempDir::new().unwrap();
    let first = start(data.path(), &["--https"]);
    let ca = print_ca(data.path());
    let (_, _, chain) = https_get(first.addr, "localhost", &ca, "/").unwrap();
    drop(first);
    let second = start(data.path(), &["--https"]);
    assert_eq!(print_ca(data.path()), ca);
    let (_, _, again) = https_get(second.addr, "localhost", &ca, "/").unwrap();
    assert_eq!(again[0], chain[0], "the same leaf");
    assert!(!ca.contains("PRIVATE KEY"));
}

#[test]
fn plain_http_on_the_https_port_is_redirected_except_the_ca_page() {
    let data = TempDir::new().unwrap();
    let server = start(data.path(), &["--https", "--host", "0.0.0.0"]);
    let reply = server.get("/httptest/dir2/?a=b");
    assert_eq!(reply.status, 307);
    assert_eq!(
        reply.header("Location"),
        Some("https://localhost/httptest/dir2/?a=b")
    );
    let page = server.get("/.lanai/ca");
    assert_eq!(page.status, 200);
    let text = String::from_utf8(page.body).unwrap();
    for platform in [
        "iPhone",
        "Android",
        "macOS",
        "Windows",
        "Linux",
        "full trust",
    ] {
        assert!(text.contains(platform), "the CA page covers {platform}");
    }
    let cert = server.get("/.lanai/lanai-ca.crt");
    assert_eq!(
        cert.header("Content-Type"),
        Some("application/x-x509-ca-cert")
    );
    assert_eq!(String::from_utf8(cert.body).unwrap(), print_ca(data.path()));
    for key in ["/.lanai/ca-key.pem", "/ca-key.pem", "/.lanai/leaf-key.pem"] {
        assert_eq!(server.get(key).status, 307, "{key}");
    }
    let output = server.output_with("/.lanai/start");
    assert!(output.contains("/.lanai/start"), "{output}");
}

/// The guard judges an absolute-form target's authority, not the Host field beside it: the redirect names that
/// same authority, so a Host the guard never saw cannot pick where the browser goes.
#[test]
fn the_plain_http_redirect_names_the_authority_the_guard_judged() {
    let data = TempDir::new().unwrap();
    let server = start(data.path(), &["--https"]);
    let ask = |raw: &str| String::from_utf8(server.exchange(raw.as_bytes())).unwrap();
    let answer =
        ask("GET http://localhost/x?y HTTP/1.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 307 "), "{answer}");
    assert!(
        answer.contains("\r\nLocation: https://localhost/x?y\r\n"),
        "{answer}"
    );
    assert!(!answer.contains("evil.com"), "{answer}");
    let answer =
        ask("GET http://evil.com/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
}

#[test]
fn a_given_certificate_and_key_are_served() {
    let work = TempDir::new().unwrap();
    let issued = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (work.path().join("cert.pem"), work.path().join("key.pem"));
    std::fs::write(&cert, issued.cert.pem()).unwrap();
    std::fs::write(&key, issued.signing_key.serialize_pem()).unwrap();
    let server = start(
        work.path(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let (head, body, _) = https_get(
        server.addr,
        "localhost",
        &issued.cert.pem(),
        "/httptest/dir2/",
    )
    .unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert_eq!(body, INDEX_BODY);
    assert_eq!(
        server.get("/.lanai/ca").status,
        307,
        "no CA page for a given certificate"
    );
    assert!(!work.path().join("lanai").exists(), "no local CA made");

    let output = lanai()
        .args([
            "--port",
            "0",
            "--tls-cert",
            key.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8(output.stderr).unwrap();
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn a_client_that_is_not_http_nor_tls_ends_only_its_connection() {
    let data = TempDir::new().unwrap();
    let server = start(data.path(), &["--https"]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(&[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])
        .unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let ca = print_ca(data.path());
    assert!(https_get(server.addr, "localhost", &ca, "/").is_ok());
}

#[test]
fn a_proxied_request_over_tls_tells_the_upstream_it_was_https() {
    let upstream = common::upstream::Upstream::start();
    let data = tempfile::tempdir().unwrap();
    let rule = format!("/api={}", upstream.url());
    let server = start(data.path(), &["--https", "--proxy", &rule]);
    let ca = print_ca(data.path());
    let (head, body, _) = https_get(server.addr, "localhost", &ca, "/api/echo").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("field X-Forwarded-Proto: https\n"), "{body}");
    assert!(
        body.contains("field X-Forwarded-Host: localhost\n"),
        "{body}"
    );
}

/// The DNS names and IP addresses a certificate carries, as lanai writes them.
#[cfg(target_os = "linux")]
fn names_of(cert: &CertificateDer<'_>) -> Vec<String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).unwrap();
    let names = parsed.subject_alternative_name().unwrap().unwrap();
    names
        .value
        .general_names
        .iter()
        .map(|name| match name {
            x509_parser::extensions::GeneralName::DNSName(dns) => dns.to_string(),
            x509_parser::extensions::GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => std::net::IpAddr::from(<[u8; 4]>::try_from(*bytes).unwrap()).to_string(),
                _ => std::net::IpAddr::from(<[u8; 16]>::try_from(*bytes).unwrap()).to_string(),
            },
            other => panic!("an unexpected name {other:?}"),
        })
        .collect()
}

/// A laptop that joined another network: a connection on a local address the leaf does not name (127.0.0.2, which
/// Linux answers on like 127.0.0.1) gets a leaf that names it too, issued by the local CA on the spot and kept for
/// the next connection and the next start.
#[cfg(target_os = "linux")]
#[test]
fn a_connection_on_an_address_the_leaf_does_not_name_gets_a_leaf_that_names_it() {
    let data = TempDir::new().unwrap();
    let server = start(data.path(), &["--https", "--host", "0.0.0.0"]);
    let ca = print_ca(data.path());
    let (_, _, first) = https_get(server.addr, "127.0.0.1", &ca, "/").unwrap();
    let first_names = names_of(&first[0]);
    assert!(!first_names.contains(&"127.0.0.2".to_string()));
    let other = SocketAddr::from(([127, 0, 0, 2], server.addr.port()));
    let (head, body, issued) = https_get(other, "127.0.0.2", &ca, "/httptest/dir2/").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert_eq!(body, INDEX_BODY);
    let mut expected = first_names.clone();
    expected.push("127.0.0.2".to_string());
    assert_eq!(names_of(&issued[0]), expected);
    for (address, name) in [(other, "127.0.0.2"), (server.addr, "localhost")] {
        let (_, _, again) = https_get(address, name, &ca, "/").unwrap();
        assert_eq!(again[0], issued[0], "the new leaf serves every address");
    }
    drop(server);
    let restarted = start(data.path(), &["--https", "--host", "0.0.0.0"]);
    let (_, _, kept) = https_get(restarted.addr, "localhost", &ca, "/").unwrap();
    assert_eq!(kept[0], issued[0], "and the next start");
}
