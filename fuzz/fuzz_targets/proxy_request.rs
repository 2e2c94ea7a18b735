//! What lanai sends upstream for a client request, through `--proxy /=http://127.0.0.1:3000/v1`. Input: the
//! client's request head; only heads lanai's parser accepts go on. Property: the head lanai writes for the
//! upstream reads back (httparse) as exactly one request head, with one Host (the upstream's), the client's
//! method, an origin-form target that is not scheme-relative, and framing that says what lanai will send after
//! it: no body, a Content-Length of the client's length, or `Transfer-Encoding: chunked` alone. Anything else
//! lets the upstream read the body, or part of it, as another request (smuggling).
#![no_main]

use lanai::http::request::{parse, Body as RequestBody};
use lanai::http::response::Body;
use lanai::proxy::headers::finish_head;
use lanai::proxy::{Proxy, Settings};
use lanai_fuzz::{lengths_say, values};
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::LazyLock;
use std::time::Duration;

const UPSTREAM: &str = "127.0.0.1:3000";

static PROXY: LazyLock<Proxy> = LazyLock::new(|| {
    let settings = Settings {
        timeout: Duration::from_secs(60),
        keep_host: false,
        insecure: false,
    };
    Proxy::new(&[format!("/=http://{UPSTREAM}/v1")], &settings).expect("a valid rule")
});

fuzz_target!(|data: &[u8]| {
    let Ok(Some((request, _))) = parse(data) else {
        return;
    };
    let Some(response) = PROXY.route(&request) else {
        panic!("/ covers every path, {:?} too", request.path());
    };
    // A refusal (403 for a full URL, 405 for CONNECT, 400 for `..`) sends nothing upstream.
    let Body::Proxied(forward) = response.body else {
        return;
    };
    let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let sent = finish_head(
        forward.head.clone(),
        forward.forwarded_for.as_deref(),
        client,
        "http",
    );
    check_upstream_head(&sent, request.method_text, request.body);
});

fn check_upstream_head(sent: &[u8], method: &str, body: RequestBody) {
    let shown = String::from_utf8_lossy(sent);
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut read = httparse::Request::new(&mut fields);
    match read.parse(sent) {
        Ok(httparse::Status::Complete(length)) => {
            assert_eq!(length, sent.len(), "more than one head in {shown}")
        }
        other => panic!("{other:?} for {shown}"),
    }
    assert_eq!(read.method, Some(method), "{shown}");
    let target = read.path.unwrap_or_default();
    assert!(
        target.starts_with('/') && !target.starts_with("//"),
        "target {target:?} in {shown}"
    );
    assert_eq!(
        values(read.headers, "host"),
        [UPSTREAM.as_bytes()],
        "{shown}"
    );
    let lengths = values(read.headers, "content-length");
    let codings = values(read.headers, "transfer-encoding");
    let says_length = |length| lengths_say(&lengths, length);
    match body {
        RequestBody::None => assert!(
            codings.is_empty() && (lengths.is_empty() || says_length(0)),
            "a bodiless request framed as {shown}"
        ),
        RequestBody::Length(length) => assert!(
            codings.is_empty() && says_length(length),
            "a {length}-byte body framed as {shown}"
        ),
        RequestBody::Chunked => assert!(
            codings == [b"chunked"] && lengths.is_empty(),
            "a chunked body framed as {shown}"
        ),
    }
}
