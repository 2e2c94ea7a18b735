//! The pages for devices of `--https` with lanai's own CA, against the real binary: the start page, the CA page
//! and the CA as PEM, DER and an iOS profile, over plain HTTP and over HTTPS (HTTP/1.1 and HTTP/2), the trust
//! check's answer, and the start-up text that leads there (never about phones on loopback).

mod common;

use common::h2::Https;
use common::{lanai, Reply};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::io::Write;
use std::process::{Command, Stdio};

const PAGES: [&str; 2] = ["/.lanai/start", "/.lanai/ca"];

fn der_of(pem: &str) -> Vec<u8> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

/// The profile read by Python's plistlib: the payload's type, its certificate (hex), and both UUIDs.
fn read_profile(profile: &[u8]) -> Vec<String> {
    let script = "import plistlib, sys\n\
        p = plistlib.loads(sys.stdin.buffer.read())\n\
        c = p['PayloadContent'][0]\n\
        print(p['PayloadType'], c['PayloadType'], c['PayloadContent'].hex(), p['PayloadUUID'], c['PayloadUUID'])\n";
    let mut python = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    python.stdin.take().unwrap().write_all(profile).unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "plistlib could not read the profile"
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Every device page and download as `fetch` answers it, checked against the CA.
fn check_downloads(ca: &str, fetch: impl Fn(&str) -> Reply) -> Vec<String> {
    for page in PAGES {
        let reply = fetch(page);
        assert_eq!(reply.status, 200, "{page}");
        assert_eq!(
            reply.header("Content-Type"),
            Some("text/html; charset=utf-8"),
            "{page}"
        );
        let text = String::from_utf8(reply.body).unwrap();
        for part in [
            "Certificate Trust Settings",
            "Trust this CA to identify websites",
            "lanai local CA",
        ] {
            assert!(text.contains(part), "{page} names {part}");
        }
    }
    let pem = fetch("/.lanai/lanai-ca.crt");
    assert_eq!(pem.status, 200);
    assert_eq!(
        pem.header("Content-Type"),
        Some("application/x-x509-ca-cert")
    );
    assert_eq!(String::from_utf8(pem.body).unwrap(), ca);
    let der = fetch("/.lanai/lanai-ca.cer");
    assert_eq!(
        der.header("Content-Type"),
        Some("application/x-x509-ca-cert")
    );
    assert_eq!(der.body, der_of(ca));
    let profile = fetch("/.lanai/lanai-ca.mobileconfig");
    assert_eq!(profile.status, 200);
    assert_eq!(
        profile.header("Content-Type"),
        Some("application/x-apple-aspen-config")
    );
    let read = read_profile(&profile.body);
    assert_eq!(
        read[..3],
        [
            "Configuration",
            "com.apple.security.root",
            &hex(&der_of(ca))
        ]
    );
    assert_ne!(
        read[3], read[4],
        "the profile and its payload have UUIDs of their own"
    );
    read
}

#[test]
fn the_device_pages_and_downloads_answer_over_plain_http_and_https() {
    let https = Https::start(&["--host", "0.0.0.0"]);
    let plain = check_downloads(&https.ca, |path| https.server.get(path));
    let secure = check_downloads(&https.ca, |path| https.http1("GET", path, &[]));
    assert_eq!(plain, secure, "one profile, whichever way it is fetched");
    let h2 = https.h2();
    let profile = h2.get("GET", "/.lanai/lanai-ca.mobileconfig", &[]);
    assert_eq!(profile.status, 200);
    assert_eq!(
        profile.field("content-type"),
        Some("application/x-apple-aspen-config")
    );
    // The start page's check asks for this over https: any answer there means the device trusts the CA.
    let checked = https.http1("GET", "/.lanai/trusted?123", &[]);
    assert_eq!(checked.status, 204);
    assert_eq!(checked.header("Cache-Control"), Some("no-store"));
    let posted = https.server.request("POST", "/.lanai/start");
    assert_eq!(
        (posted.status, posted.header("Allow")),
        (405, Some("GET, HEAD"))
    );
    let head = https
        .server
        .request("HEAD", "/.lanai/lanai-ca.mobileconfig");
    assert_eq!((head.status, head.body.len()), (200, 0));
    // The keys stay out of reach on both sides.
    for key in ["/.lanai/ca-key.pem", "/.lanai/leaf-key.pem"] {
        assert_eq!(https.server.get(key).status, 307, "{key}");
        assert_eq!(https.http1("GET", key, &[]).status, 404, "{key}");
    }
}

#[test]
fn the_profile_is_the_same_after_a_restart() {
    let first = Https::start(&[]);
    let before = read_profile(&first.server.get("/.lanai/lanai-ca.mobileconfig").body);
    let data = first.data;
    drop(first.server);
    let root = common::exercise_root();
    let path = root.path().to_str().unwrap().to_string();
    let again = common::Server::spawn(
        root,
        lanai()
            .env("XDG_DATA_HOME", data.path())
            .env("HOME", data.path())
            .args([path.as_str(), "--port", "0", "--quiet", "--https"]),
    );
    let after = read_profile(&again.get("/.lanai/lanai-ca.mobileconfig").body);
    assert_eq!(before, after);
}

#[test]
fn over_https_the_device_pages_are_behind_auth_like_everything_else() {
    let https = Https::start(&["--auth", "me:secret"]);
    assert_eq!(https.http1("GET", "/.lanai/ca", &[]).status, 401);
    let authorized = https.http1(
        "GET",
        "/.lanai/ca",
        &[("Authorization", "Basic bWU6c2VjcmV0")],
    );
    assert_eq!(authorized.status, 200);
    // Over plain HTTP no password is asked for (sending one there is what --https avoids): the CA is public.
    assert_eq!(https.server.get("/.lanai/start").status, 200);
}

#[test]
fn without_the_local_ca_there_are_no_device_pages() {
    let server = common::Server::start(&[]);
    for path in PAGES {
        assert_eq!(server.get(path).status, 404, "{path}");
    }
}

#[test]
fn the_start_up_text_leads_devices_to_the_start_page_and_speaks_of_phones_only_on_the_lan() {
    let loopback = Https::start(&[]);
    let port = loopback.server.addr.port();
    let text = loopback.server.output_with("once\n");
    assert!(
        text.contains(&format!(
            "to trust its HTTPS in this computer's browsers, open http://127.0.0.1:{port}/.lanai/start once\n"
        )),
        "{text}"
    );
    assert!(!text.to_lowercase().contains("phone"), "{text}");
    let lan = Https::start(&["--host", "0.0.0.0"]);
    let text = lan.server.output_with("if not\n");
    if text.contains("also at") {
        assert!(
            text.contains("on a phone or another computer, open http://"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                ":{}/.lanai/start: it checks",
                lan.server.addr.port()
            )),
            "{text}"
        );
    }
}
