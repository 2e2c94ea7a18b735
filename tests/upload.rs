//! --upload against the real binary: PUT and multipart forms (one file and several) over HTTP/1.1 and HTTP/2,
//! nothing left by an upload that breaks off, overwriting refused and allowed, path attacks refused, the limit
//! (from Content-Length at once, and a chunked body cut off past it), the split between reading and uploading
//! credentials, and no uploads without the flag.

mod common;

use base64::Engine;
use common::h2::H2;
use common::{Reply, ReplyReader, Server};
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use tempfile::TempDir;

/// An empty root with a folder `sub/` in it.
fn root() -> TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("sub")).unwrap();
    root
}

fn uploading(extra: &[&str]) -> Server {
    let mut args = vec!["--upload"];
    args.extend_from_slice(extra);
    Server::start_in(root(), &args)
}

/// Sends a request with `fields` and `body` (framed by Content-Length unless a field frames it) and reads the
/// answer.
fn send(server: &Server, method: &str, target: &str, fields: &[&str], body: &[u8]) -> Reply {
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if !fields
        .iter()
        .any(|field| field.starts_with("Transfer-Encoding"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for field in fields {
        head.push_str(field);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let mut stream = server.connect();
    stream.write_all(head.as_bytes()).unwrap();
    // The answer may come before the whole body was taken (a refusal): a write that fails then is no failure.
    let _ = stream.write_all(body);
    ReplyReader::new(stream).next(false)
}

fn put(server: &Server, target: &str, body: &[u8]) -> Reply {
    send(server, "PUT", target, &[], body)
}

/// A multipart/form-data body with one part per `(file name, content)`, plus a plain field, as a browser sends.
fn form(files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----lanaiTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n")
            .as_bytes(),
    );
    for (name, content) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (
        format!("Content-Type: multipart/form-data; boundary={boundary}"),
        body,
    )
}

fn post_form(server: &Server, target: &str, files: &[(&str, &[u8])]) -> Reply {
    let (content_type, body) = form(files);
    send(server, "POST", target, &[&content_type], &body)
}

/// The names in `folder`, sorted: what an upload left there, temporary files included.
fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Bytes that are not text, so a changed byte anywhere shows.
fn binary(length: usize) -> Vec<u8> {
    (0..length as u32)
        .map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn basic(pair: &str) -> String {
    format!(
        "Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[test]
fn without_the_flag_nothing_is_written() {
    let server = Server::start_in(root(), &["--listing"]);
    assert_eq!(put(&server, "/new.txt", b"data").status, 405);
    assert_eq!(post_form(&server, "/", &[("new.txt", b"data")]).status, 405);
    assert_eq!(names(server.root.path()), ["sub"]);
}

/// Allow (on a 405) and a CORS preflight name the methods lanai answers: PUT and POST only with --upload.
#[test]
fn allow_names_put_and_post_only_with_the_flag() {
    let reading = Server::start_in(root(), &["--cors"]);
    let refused = reading.request("DELETE", "/sub/");
    assert_eq!(refused.status, 405);
    assert_eq!(refused.header("Allow"), Some("GET, HEAD, OPTIONS"));
    let writing = uploading(&["--cors"]);
    let refused = writing.request("DELETE", "/sub/");
    assert_eq!(refused.status, 405);
    assert_eq!(
        refused.header("Allow"),
        Some("GET, HEAD, PUT, POST, OPTIONS")
    );
    let preflight = writing.request_with(
        "OPTIONS",
        "/sub/new.txt",
        &[
            "Origin: http://app.localhost:5173",
            "Access-Control-Request-Method: PUT",
        ],
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("Access-Control-Allow-Methods"),
        Some("GET, HEAD, PUT, POST, OPTIONS")
    );
}

/// lanai with --upload and `extra`, its access log and upload lines on.
fn uploading_logged(extra: &[&str]) -> Server {
    let root = root();
    let path = root.path().to_str().unwrap().to_string();
    let mut command = common::lanai();
    command
        .args([path.as_str(), "--port", "0", "--upload"])
        .args(extra);
    Server::spawn(root, &mut command)
}

/// Waits (boundedly) until `folder` holds exactly `expected`; returns what it held last.
fn settles_to(folder: &Path, expected: &[&str]) -> Vec<String> {
    for _ in 0..250 {
        if names(folder) == expected {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    names(folder)
}

/// Waits (boundedly) until an upload's temporary file shows in `folder`: the body is being written.
fn part_appears(folder: &Path) {
    for _ in 0..250 {
        if names(folder)
            .iter()
            .any(|name| name.starts_with(".lanai-upload-"))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "no temporary file in {}: {:?}",
        folder.display(),
        names(folder)
    );
}

#[test]
fn put_writes_the_file_answers_201_with_its_location_and_logs_its_size() {
    let server = uploading_logged(&[]);
    let content = binary(300_000);
    let created = put(&server, "/sub/r%C3%A9sum%C3%A9.bin", &content);
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(
        created.header("Location"),
        Some("/sub/r%C3%A9sum%C3%A9.bin")
    );
    let written = std::fs::read(server.root.path().join("sub/résumé.bin")).unwrap();
    assert!(written == content, "the file holds the bytes sent");
    assert_eq!(names(&server.root.path().join("sub")), ["résumé.bin"]);
    assert!(server.get("/sub/r%C3%A9sum%C3%A9.bin").body == content);
    server.log_line(&["uploaded", "résumé.bin", "(300000 bytes)"]);
    server.log_line(&["\"PUT /sub/r%C3%A9sum%C3%A9.bin HTTP/1.1\" 201"]);

    assert_eq!(put(&server, "/empty.txt", b"").status, 201);
    assert_eq!(
        std::fs::read(server.root.path().join("empty.txt")).unwrap(),
        b""
    );
}

#[test]
fn a_chunked_put_and_one_that_waits_for_100_continue() {
    let server = uploading(&[]);
    let chunked = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    let reply = send(
        &server,
        "PUT",
        "/chunked.txt",
        &["Transfer-Encoding: chunked"],
        chunked,
    );
    assert_eq!(reply.status, 201);
    assert_eq!(
        std::fs::read(server.root.path().join("chunked.txt")).unwrap(),
        b"hello world"
    );

    let mut stream = server.connect();
    stream
        .write_all(b"PUT /expects.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let mut reader = ReplyReader::new(stream.try_clone().unwrap());
    let go_ahead = reader.next(true);
    assert_eq!(go_ahead.status, 100, "the go-ahead before the body");
    stream.write_all(b"data").unwrap();
    assert_eq!(reader.next(false).status, 201);
    assert_eq!(
        std::fs::read(server.root.path().join("expects.txt")).unwrap(),
        b"data"
    );
}

#[test]
fn a_form_with_one_file_and_with_several_goes_into_the_folder_shown() {
    let server = uploading_logged(&["--listing"]);
    let one = post_form(&server, "/sub/", &[("one.txt", b"first")]);
    assert_eq!(one.status, 303, "{}", String::from_utf8_lossy(&one.body));
    assert_eq!(one.header("Location"), Some("/sub/"));
    let big = binary(200_000);
    let several = post_form(
        &server,
        "/",
        &[("a b.txt", b"A"), ("big.bin", &big), ("ünï.txt", b"")],
    );
    assert_eq!(several.status, 303);
    assert_eq!(several.header("Location"), Some("/"));
    let listed = String::from_utf8(several.body).unwrap();
    assert!(listed.contains("big.bin: 200000 bytes"), "{listed}");
    let root = server.root.path();
    assert_eq!(std::fs::read(root.join("sub/one.txt")).unwrap(), b"first");
    assert_eq!(std::fs::read(root.join("a b.txt")).unwrap(), b"A");
    assert!(std::fs::read(root.join("big.bin")).unwrap() == big);
    assert_eq!(names(root), ["a b.txt", "big.bin", "sub", "ünï.txt"]);
    server.log_line(&["uploaded", "big.bin", "(200000 bytes)"]);
    // The listing the browser is sent back to shows them.
    let page = String::from_utf8(server.get("/").body).unwrap();
    assert!(
        page.contains("big.bin") && page.contains("a b.txt"),
        "{page}"
    );

    let not_a_form = send(&server, "POST", "/", &["Content-Type: text/plain"], b"x");
    assert_eq!(not_a_form.status, 415);
    assert_eq!(
        post_form(&server, "/missing/", &[("x.txt", b"x")]).status,
        404
    );
    assert_eq!(
        post_form(&server, "/sub", &[("x.txt", b"x")]).status,
        404,
        "a folder's URL ends in /"
    );
    assert_eq!(
        post_form(&server, "/", &[]).status,
        400,
        "a form without a file"
    );

    // A part's head that never ends is refused once it passes 1 MiB, not kept whatever its size.
    let head =
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\nX-Pad: ";
    let endless_head = [head.as_bytes(), &vec![b'a'; 3 << 20]].concat();
    let form_type = "Content-Type: multipart/form-data; boundary=b";
    let refused = send(&server, "POST", "/", &[form_type], &endless_head);
    assert_eq!(refused.status, 400);
    assert!(String::from_utf8_lossy(&refused.body).contains("does not end"));
}

#[test]
fn uploads_over_http2() {
    let server = uploading(&[]);
    let connection = H2::h2c(server.addr);
    let content = binary(700_000);
    let put = connection
        .fetch(connection.request("PUT", "/sub/h2.bin", &[]), &content)
        .unwrap();
    assert_eq!(put.status, 201);
    assert_eq!(put.field("location"), Some("/sub/h2.bin"));
    assert!(std::fs::read(server.root.path().join("sub/h2.bin")).unwrap() == content);

    let (content_type, body) = form(&[("one.txt", b"1"), ("two.txt", b"22")]);
    let content_type = content_type.trim_start_matches("Content-Type: ");
    let posted = connection
        .fetch(
            connection.request("POST", "/", &[("content-type", content_type)]),
            &body,
        )
        .unwrap();
    assert_eq!(posted.status, 303);
    assert_eq!(
        std::fs::read(server.root.path().join("two.txt")).unwrap(),
        b"22"
    );
    // Refused from the head alone, so sent without a body: one would race the refusal's reset of the stream.
    let again = connection
        .fetch(connection.request("PUT", "/sub/h2.bin", &[]), b"")
        .unwrap();
    assert_eq!(again.status, 409);
}

#[test]
fn an_upload_that_breaks_off_leaves_nothing() {
    let server = uploading(&[]);
    let folder = server.root.path().join("sub");

    // A PUT whose client goes away halfway.
    let mut stream = server.connect();
    stream
        .write_all(
            b"PUT /sub/half.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n",
        )
        .unwrap();
    stream.write_all(&binary(400_000)).unwrap();
    part_appears(&folder);
    drop(stream);
    assert_eq!(settles_to(&folder, &[]), Vec::<String>::new());

    // A form whose second file never ends.
    let (content_type, body) = form(&[("whole.txt", b"whole"), ("cut.bin", &binary(400_000))]);
    let mut stream = server.connect();
    let head = format!(
        "POST /sub/ HTTP/1.1\r\nHost: localhost\r\n{content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..body.len() - 100_000]).unwrap();
    part_appears(&folder);
    drop(stream);
    assert_eq!(
        settles_to(&folder, &["whole.txt"]),
        ["whole.txt"],
        "the whole file stays, the cut one goes"
    );

    // An HTTP/2 stream whose connection goes away halfway.
    let mut connection = H2::h2c(server.addr);
    let request = connection.request("PUT", "/sub/h2-half.bin", &[("content-length", "1000000")]);
    let send = connection.send.clone();
    // The stream's handles are kept until the connection goes: dropping them would reset the stream at once.
    let _stream = common::h2::bounded(Duration::from_secs(10), async move {
        let mut send = send.ready().await.unwrap();
        let (answer, mut outgoing) = send.send_request(request, false).unwrap();
        outgoing.reserve_capacity(300_000);
        let mut sent = 0;
        while sent < 300_000 {
            let room = futures_lite::future::poll_fn(|context| outgoing.poll_capacity(context))
                .await
                .unwrap()
                .unwrap();
            outgoing
                .send_data(bytes::Bytes::from(vec![7u8; room]), false)
                .unwrap();
            sent += room;
        }
        (answer, outgoing)
    });
    part_appears(&folder);
    // The connection's task owns the socket: cancelled, it closes it.
    let driver = connection.driver.take().unwrap();
    common::h2::bounded(Duration::from_secs(10), driver.cancel());
    assert_eq!(settles_to(&folder, &["whole.txt"]), ["whole.txt"]);
}

#[test]
fn an_existing_file_is_replaced_only_with_upload_overwrite() {
    let server = uploading(&[]);
    let target = server.root.path().join("sub/kept.txt");
    std::fs::write(&target, "original").unwrap();
    let refused = put(&server, "/sub/kept.txt", b"replacement");
    assert_eq!(refused.status, 409);
    assert!(String::from_utf8_lossy(&refused.body).contains("--upload-overwrite"));
    assert_eq!(
        post_form(&server, "/sub/", &[("kept.txt", b"replacement")]).status,
        409
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"original");
    assert_eq!(put(&server, "/sub", b"onto a folder").status, 409);
    assert_eq!(names(&server.root.path().join("sub")), ["kept.txt"]);

    let server = uploading(&["--upload-overwrite"]);
    let target = server.root.path().join("sub/kept.txt");
    std::fs::write(&target, "original").unwrap();
    assert_eq!(put(&server, "/sub/kept.txt", b"replacement").status, 204);
    assert_eq!(std::fs::read(&target).unwrap(), b"replacement");
    assert_eq!(
        post_form(&server, "/sub/", &[("kept.txt", b"third")]).status,
        303
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"third");
    assert_eq!(
        put(&server, "/sub", b"onto a folder").status,
        409,
        "never a folder"
    );
    assert!(server.root.path().join("sub").is_dir());
}

#[test]
fn path_attacks_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let server = uploading(&[]);
    let root = server.root.path();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), root.join("out")).unwrap();
    for target in [
        "/../escape.txt",
        "/sub/../../escape.txt",
        "/%2e%2e/escape.txt",
        "/sub/%2F..%2F..%2Fescape.txt",
        "/sub/..%5C..%5Cescape.txt",
        "/.env",
        "/sub/.hidden",
        "/.git/config",
        "/CON",
        "/sub/nul.txt",
        "/a:b",
        "/trailing.",
        "/out/escape.txt",
        "/missing/x.txt",
    ] {
        let reply = put(&server, target, b"attack");
        assert_eq!(reply.status, 404, "{target}");
    }
    assert_eq!(put(&server, "/sub/%zz", b"x").status, 400);
    assert_eq!(
        put(&server, "/_redirects", b"/ https://evil.example 302").status,
        403
    );
    assert_eq!(
        put(&server, "/sub/", b"x").status,
        400,
        "a PUT names a file"
    );
    for name in [
        "../escape.txt",
        "..",
        ".env",
        "a/b.txt",
        "..\\escape.txt",
        "CON",
        "aux.js",
        "_headers",
        "x ",
    ] {
        let reply = post_form(&server, "/", &[(name, b"attack")]);
        assert_eq!(reply.status, 403, "{name}");
    }
    #[cfg(unix)]
    assert_eq!(
        post_form(&server, "/out/", &[("escape.txt", b"attack")]).status,
        404
    );
    assert_eq!(names(outside.path()), Vec::<String>::new());
    assert_eq!(names(&root.join("sub")), Vec::<String>::new());
    let mut expected = vec!["sub"];
    if cfg!(unix) {
        expected.insert(0, "out");
    }
    assert_eq!(names(root), expected);

    let hidden = uploading(&["--hidden"]);
    assert_eq!(put(&hidden, "/.env", b"allowed").status, 201);
    assert_eq!(
        post_form(&hidden, "/sub/", &[(".hidden", b"allowed")]).status,
        303
    );
}

#[test]
fn the_limit_is_answered_413_from_content_length_and_when_a_body_passes_it() {
    let server = uploading(&["--upload-limit", "1K"]);
    let folder = server.root.path().join("sub");
    // The head alone is enough: no byte of the body is sent.
    let mut stream = server.connect();
    stream
        .write_all(b"PUT /sub/big.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1025\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let refused = ReplyReader::new(stream).next(false);
    assert_eq!(refused.status, 413);
    assert!(String::from_utf8_lossy(&refused.body).contains("--upload-limit"));

    let mut chunked = Vec::new();
    for _ in 0..3 {
        chunked.extend_from_slice(b"200\r\n");
        chunked.extend_from_slice(&[b'x'; 0x200]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let cut = send(
        &server,
        "PUT",
        "/sub/chunked.bin",
        &["Transfer-Encoding: chunked"],
        &chunked,
    );
    assert_eq!(cut.status, 413);
    assert_eq!(
        post_form(&server, "/sub/", &[("form.bin", &[b'y'; 1025])]).status,
        413
    );
    assert_eq!(settles_to(&folder, &[]), Vec::<String>::new());

    assert_eq!(put(&server, "/sub/exact.bin", &[b'z'; 1024]).status, 201);
    assert_eq!(
        post_form(
            &server,
            "/sub/",
            &[("a.bin", &[b'a'; 1024]), ("b.bin", &[b'b'; 1024])]
        )
        .status,
        303,
        "the limit is per file"
    );
}

#[test]
fn upload_credentials_guard_writing_while_reading_stays_open() {
    let server = uploading(&["--listing", "--upload-auth", "up:secret"]);
    assert_eq!(server.get("/").status, 200, "reading needs nothing");
    let anonymous = put(&server, "/sub/a.txt", b"data");
    assert_eq!(anonymous.status, 401);
    assert!(anonymous
        .header("WWW-Authenticate")
        .unwrap()
        .starts_with("Basic"));
    assert_eq!(
        post_form(&server, "/sub/", &[("a.txt", b"data")]).status,
        401
    );
    let wrong = send(&server, "PUT", "/sub/a.txt", &[&basic("up:wrong")], b"data");
    assert_eq!(wrong.status, 401);
    assert_eq!(names(&server.root.path().join("sub")), Vec::<String>::new());
    let right = send(
        &server,
        "PUT",
        "/sub/a.txt",
        &[&basic("up:secret")],
        b"data",
    );
    assert_eq!(right.status, 201);

    // With --auth too: readers read, only uploaders write, and uploaders may read.
    let server = uploading(&[
        "--listing",
        "--auth",
        "reader:r",
        "--upload-auth",
        "up:secret",
    ]);
    assert_eq!(server.get("/").status, 401);
    assert_eq!(server.get_with("/", &[&basic("reader:r")]).status, 200);
    assert_eq!(server.get_with("/", &[&basic("up:secret")]).status, 200);
    assert_eq!(
        send(&server, "PUT", "/sub/b.txt", &[&basic("reader:r")], b"x").status,
        401
    );
    assert_eq!(
        send(&server, "PUT", "/sub/b.txt", &[&basic("up:secret")], b"x").status,
        201
    );
}

#[test]
fn uploading_beyond_this_machine_without_credentials_warns_at_start_up() {
    let warned = Server::start_in(root(), &["--upload", "--host", "0.0.0.0"]);
    warned.log_line(&["--upload beyond this machine without --auth"]);
    let quiet = Server::start_in(root(), &["--upload"]);
    assert_eq!(put(&quiet, "/x.txt", b"x").status, 201);
    assert!(!quiet.log().contains("--upload beyond"), "{}", quiet.log());
}

#[test]
fn over_http2_the_limit_is_answered_while_the_client_still_sends() {
    let server = uploading(&["--upload-limit", "100K"]);
    let connection = H2::h2c(server.addr);
    // No content-length: the body passes the limit as it comes, and the answer comes before its end.
    let request = connection.request("PUT", "/sub/large.bin", &[]);
    let send = connection.send.clone();
    let status = common::h2::bounded(Duration::from_secs(10), async move {
        let mut send = send.ready().await.unwrap();
        let (answer, mut outgoing) = send.send_request(request, false).unwrap();
        let sending = async_std::task::spawn(async move {
            // Refused part of the way: the stream's reset ends the sending (no capacity, or an error).
            let mut body = bytes::Bytes::from(binary(2_000_000));
            while !body.is_empty() {
                outgoing.reserve_capacity(body.len());
                let room = futures_lite::future::poll_fn(|context| outgoing.poll_capacity(context));
                let Some(Ok(room)) = room.await else {
                    return;
                };
                if outgoing
                    .send_data(body.split_to(room.min(body.len())), false)
                    .is_err()
                {
                    return;
                }
            }
        });
        let answer = answer.await.expect("an answer, not a reset");
        sending.cancel().await;
        answer.status().as_u16()
    });
    assert_eq!(status, 413);
    assert_eq!(
        settles_to(&server.root.path().join("sub"), &[]),
        Vec::<String>::new()
    );
}
