//! The start-up URL list, the QR code and --open, read from the real binary's output. Nothing here connects to a
//! LAN address: the URLs are only parsed.

mod common;

use common::{exercise_root, lanai, Server};

/// Every URL lanai printed.
fn urls(output: &str) -> Vec<&str> {
    output
        .split_whitespace()
        .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
        .map(|word| word.trim_end_matches(':'))
        .collect()
}

#[test]
fn loopback_lists_its_one_url() {
    let server = Server::start(&[]);
    let output = server.output_with("\n");
    let port = server.addr.port();
    assert_eq!(urls(&output), [format!("http://127.0.0.1:{port}/")]);
}

#[test]
fn wildcard_lists_localhost_and_each_lan_address_never_the_wildcard() {
    let server = Server::start(&["--host", "0.0.0.0"]);
    let output = server.output_with("also at");
    let port = server.addr.port();
    let listed = urls(&output);
    assert_eq!(listed[0], format!("http://localhost:{port}/"), "{output}");
    for url in &listed {
        assert!(url.ends_with(&format!(":{port}/")), "{url}");
        assert!(
            !url.contains("0.0.0.0") && !url.contains("[::]") && !url.contains("127.0.0.1"),
            "{output}"
        );
    }
    for address in lanai::lan::lan_addresses() {
        if address.ip.is_ipv4() {
            let url = format!("http://{}:{port}/", address.ip);
            assert!(
                listed.contains(&url.as_str()),
                "{url} missing from {output}"
            );
        } else {
            // Bound to 0.0.0.0, the IPv6 addresses do not reach it.
            assert!(!output.contains(&address.ip.to_string()), "{output}");
        }
    }
    if let Some(name) = lanai::lan::host_name() {
        let url = format!("http://{name}.local:{port}/");
        assert!(
            listed.contains(&url.as_str()),
            "{url} missing from {output}"
        );
    }
}

#[test]
fn no_qr_code_through_a_pipe() {
    let server = Server::start(&["--host", "0.0.0.0"]);
    let output = server.output_with("also at");
    assert!(!output.contains('\u{2588}'), "{output}");
}

/// The modules of a QR code drawn with half blocks, light ones drawn: one char is one module wide and two tall.
fn decode_qr(drawing: &str) -> String {
    const SCALE: usize = 4;
    let rows: Vec<Vec<char>> = drawing.lines().map(|line| line.chars().collect()).collect();
    let width = rows.iter().map(Vec::len).max().unwrap();
    let light = |x: usize, y: usize| {
        let symbol = rows[y / 2].get(x).copied().unwrap_or(' ');
        let upper = y.is_multiple_of(2);
        symbol == '\u{2588}' || (upper && symbol == '\u{2580}') || (!upper && symbol == '\u{2584}')
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(
        width * SCALE,
        rows.len() * 2 * SCALE,
        |x, y| if light(x / SCALE, y / SCALE) { 255 } else { 0 },
    );
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in:\n{drawing}");
    grids[0].decode().expect("a readable QR code").1
}

/// lanai's output and the URL its QR code names, once the code is known to decode to the URL the text says it
/// opens; `None` on a machine with no LAN address and no host name, which has no QR code.
fn scanned(server: &Server) -> Option<(String, String)> {
    let output = server.output_with("\u{2580}\n");
    let Some((_, after)) = output.split_once("scan to open ") else {
        assert!(
            !output.contains("also at"),
            "LAN URLs but no QR code:\n{output}"
        );
        return None;
    };
    let (url, drawing) = after.split_once(":\n").unwrap();
    assert_eq!(decode_qr(drawing.trim_end_matches('\n')), url);
    let url = url.to_string();
    Some((output, url))
}

#[test]
fn the_qr_code_decodes_to_the_first_lan_url() {
    let root = exercise_root();
    let path = root.path().to_str().unwrap().to_string();
    // The QR code is for a terminal; LANAI_QR=always draws it into the test's pipe.
    let server = Server::spawn(
        root,
        lanai()
            .env("LANAI_QR", "always")
            .args([path.as_str(), "--port", "0", "--host", "0.0.0.0"]),
    );
    let Some((output, url)) = scanned(&server) else {
        return; // a machine with no LAN address and no host name
    };
    assert!(output.contains(&format!("also at {url}\n")), "{output}");
    let quiet = Server::spawn(
        exercise_root(),
        lanai().env("LANAI_QR", "always").args([
            path.as_str(),
            "--port",
            "0",
            "--host",
            "0.0.0.0",
            "--quiet",
        ]),
    );
    assert!(!quiet.output_with("scan").contains("scan"));
}

#[cfg(unix)]
#[test]
fn open_runs_browser_with_the_url_and_a_failure_keeps_serving() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};
    let work = tempfile::tempdir().unwrap();
    let record = work.path().join("opened");
    let fake = work.path().join("fake-browser");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", record.display()),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = exercise_root();
    let path = root.path().to_str().unwrap().to_string();
    let server = Server::spawn(
        root,
        lanai()
            .env("BROWSER", &fake)
            .args([path.as_str(), "--port", "0", "--quiet", "--open"]),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    // The shell creates the file before it writes the line: wait for the whole line.
    let written = || std::fs::read_to_string(&record).is_ok_and(|text| text.ends_with('\n'));
    while !written() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let opened = std::fs::read_to_string(&record).expect("the fake browser ran");
    assert_eq!(
        opened.trim(),
        format!("http://127.0.0.1:{}/", server.addr.port())
    );

    let root = exercise_root();
    let path = root.path().to_str().unwrap().to_string();
    let server = Server::spawn(
        root,
        lanai()
            .env("BROWSER", work.path().join("missing"))
            .env("PATH", work.path())
            .args([path.as_str(), "--port", "0", "--quiet", "--open"]),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log().contains("could not open a browser") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = server.log();
    assert_eq!(log.matches("could not open a browser").count(), 1, "{log}");
    assert_eq!(server.get("/httptest/dir2/").status, 200);
}

#[test]
fn with_https_the_qr_code_decodes_to_the_start_page() {
    let root = exercise_root();
    let data = tempfile::tempdir().unwrap();
    let path = root.path().to_str().unwrap().to_string();
    let server = Server::spawn(
        root,
        lanai()
            .env("LANAI_QR", "always")
            .env("XDG_DATA_HOME", data.path())
            .env("HOME", data.path())
            .args([path.as_str(), "--port", "0", "--host", "0.0.0.0", "--https"]),
    );
    let Some((output, url)) = scanned(&server) else {
        return; // a machine with no LAN address and no host name
    };
    let port = server.addr.port();
    assert!(
        url.starts_with("http://") && url.ends_with(&format!(":{port}/.lanai/start")),
        "{url}"
    );
    assert!(
        output.contains(&format!("open {url}: it checks")),
        "{output}"
    );
}
