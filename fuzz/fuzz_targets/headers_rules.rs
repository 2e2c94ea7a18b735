//! The `_headers` parser and `apply`, then the response head lanai writes. Input: a rules file, a NUL, then a
//! request target (only what lanai's request parser accepts is used). Properties: no panic; the head written
//! reads back (httparse) as one response head with lanai's own Content-Length and no Transfer-Encoding, so no
//! rule can change the framing; and it grows by at most `MOST_ADDED` whatever the rules and path (inputs are a few
//! KiB, so only amplification, such as `:splat` repeated in a value, could reach it).
#![no_main]

use lanai::http::response::{encode_head, Body, Response};
use lanai::http::vocabulary::headers::{CACHE_CONTROL, CONTENT_TYPE};
use lanai::http::vocabulary::StatusCode;
use lanai::rules::{headers, RulesHost};
use lanai_fuzz::{lengths_say, parsed, request_head, split_at_nul, values};
use libfuzzer_sys::fuzz_target;

/// Inputs larger than this are skipped: the bound on what `_headers` adds (64 KiB) is only meaningful against
/// inputs well below it. Browsers refuse heads far smaller than a megabyte (Chromium: 256 KiB), and a head is
/// built in memory for every request, so rules must not be able to multiply it.
const HEAD_LIMIT: usize = 64 * 1024;
const BODY: &[u8] = b"<p>hello</p>\n";

fuzz_target!(|data: &[u8]| {
    let (rules_file, target) = split_at_nul(data);
    // The limit is only meaningful against inputs well below it.
    if data.len() > HEAD_LIMIT / 4 {
        return;
    }
    let head = request_head(target, &[]);
    let Some(request) = parsed(&head) else {
        return;
    };
    let text = String::from_utf8_lossy(rules_file);
    for host in [RulesHost::Netlify, RulesHost::Cloudflare] {
        let (blocks, _problems) = headers::parse(&text, host);
        let written = answer(&blocks, host, request.path(), rules_file.len());
        check_framing(&written);
    }
});

/// lanai's head for a page with the blocks applied to it, checked against the bound on what they add.
fn answer(blocks: &[headers::Block], host: RulesHost, path: &str, rules_len: usize) -> Vec<u8> {
    let mut response = Response::new(StatusCode::Ok, Body::Bytes(BODY.to_vec()))
        .with_header(CONTENT_TYPE, "text/html")
        .with_header(CACHE_CONTROL, "no-cache");
    let mut own_head = Vec::new();
    encode_head(&response, true, &mut own_head);
    let before = response.headers.len();
    if headers::apply(blocks, host, path, &mut response.headers).is_err() {
        // Too much to add: nothing of it is added (the app answers 500 instead).
        assert_eq!(
            response.headers.len(),
            before,
            "a refused set of headers was applied in part"
        );
    }
    let mut written = Vec::new();
    encode_head(&response, true, &mut written);
    assert!(
        written.len() <= own_head.len() + headers::MOST_ADDED,
        "a {}-byte rules file and a {}-byte path made a {}-byte head",
        rules_len,
        path.len(),
        written.len()
    );
    written
}

/// The head reads back whole, as one head, with exactly lanai's Content-Length and no transfer coding.
fn check_framing(written: &[u8]) {
    let mut fields = vec![httparse::EMPTY_HEADER; HEAD_LIMIT / 4];
    let mut read = httparse::Response::new(&mut fields);
    let shown = || String::from_utf8_lossy(written).into_owned();
    match read.parse(written) {
        Ok(httparse::Status::Complete(length)) => {
            assert_eq!(length, written.len(), "{}", shown())
        }
        other => panic!("{other:?} for {}", shown()),
    }
    let lengths = values(read.headers, "content-length");
    assert!(
        lengths.len() == 1 && lengths_say(&lengths, BODY.len() as u64),
        "{}",
        shown()
    );
    assert!(
        values(read.headers, "transfer-encoding").is_empty(),
        "{}",
        shown()
    );
}
