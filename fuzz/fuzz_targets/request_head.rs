//! The request-head parser on arbitrary bytes. Properties: it never asks for more bytes past the head limit; a
//! head it accepts lies within the input, has an origin-form target, is found the same when it arrives in
//! pieces, and re-encoded from what was parsed (method, target, version, fields) reads back as the same request.
#![no_main]

use lanai::http::request::{parse, Request, MAX_HEAD};
use lanai_fuzz::end_head;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        // Waiting for more is only allowed while the head can still fit: otherwise a client makes lanai buffer.
        Ok(None) => assert!(
            data.len() <= MAX_HEAD,
            "waits for more after {} bytes",
            data.len()
        ),
        Err(_) => {}
        Ok(Some((request, length))) => {
            assert!(
                length > 0 && length <= data.len(),
                "consumed {length} of {}",
                data.len()
            );
            check_target(&request);
            check_arrival_in_pieces(data, length);
            check_reencoding(&request);
        }
    }
});

fn check_target(request: &Request<'_>) {
    assert!(
        request.target.starts_with('/'),
        "target {:?}",
        request.target
    );
    assert!(!request.path().contains('?'), "path {:?}", request.path());
    assert_eq!(
        [request.path(), request.query()].concat(),
        request.target,
        "path and query split the target"
    );
}

/// A connection parses whatever has arrived: every proper prefix of an accepted head must mean "wait for more",
/// never a refusal, or the answer would depend on how TCP cut the bytes. The head alone is the same request.
fn check_arrival_in_pieces(data: &[u8], length: usize) {
    for cut in [length - 1, length / 2, usize::from(data[0]) % length] {
        let early = parse(&data[..cut]);
        assert!(
            matches!(early, Ok(None)),
            "the first {cut} of {length} head bytes give {:?}",
            early.map(|found| found.map(|(_, used)| used))
        );
    }
    let alone = parse(&data[..length]);
    assert!(matches!(alone, Ok(Some((_, used))) if used == length));
}

/// The request written back in its plainest form.
fn encode(request: &Request<'_>) -> Vec<u8> {
    let mut head = Vec::new();
    head.extend_from_slice(request.method_text.as_bytes());
    head.push(b' ');
    if let Some(authority) = request.authority {
        head.extend_from_slice(b"http://");
        head.extend_from_slice(authority.as_bytes());
    }
    head.extend_from_slice(request.target.as_bytes());
    head.push(b' ');
    head.extend_from_slice(request.version.as_str().as_bytes());
    head.extend_from_slice(b"\r\n");
    end_head(&mut head, request.fields.iter().copied());
    head
}

fn check_reencoding(request: &Request<'_>) {
    let encoded = encode(request);
    let again = match parse(&encoded) {
        Ok(Some((again, used))) => {
            assert_eq!(
                used,
                encoded.len(),
                "{:?}",
                String::from_utf8_lossy(&encoded)
            );
            again
        }
        other => panic!(
            "{:?} re-encoded gives {:?}",
            String::from_utf8_lossy(&encoded),
            other.map(|found| found.is_some())
        ),
    };
    assert_eq!(again.method, request.method);
    assert_eq!(again.method_text, request.method_text);
    assert_eq!(again.target, request.target);
    assert_eq!(again.authority, request.authority);
    assert_eq!(again.named_host(), request.named_host());
    assert_eq!(again.version, request.version);
    assert_eq!(again.keep_alive, request.keep_alive);
    assert_eq!(again.body, request.body);
    assert_eq!(again.fields, request.fields);
}
