//! The proxy's reader of an upstream's response head, and the head lanai relays to its client. Properties: no
//! panic; it never waits for more past the head limit; a head it reads lies within the input and, re-encoded,
//! reads back the same with the same framing; and the head lanai sends its (HTTP/1.1) client reads back (httparse)
//! as one response whose own framing is the one lanai then uses for the body: the upstream's Content-Length
//! when lanai relays the body as sent, `Transfer-Encoding: chunked` alone when it re-chunks it.
#![no_main]

use lanai::http::request::MAX_HEAD;
use lanai::proxy::headers::{client_head, ClientFraming};
use lanai::proxy::upstream::{Framing, ResponseHead};
use lanai_fuzz::{end_head, lengths_say, values};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (head, length) = match ResponseHead::parse(data) {
        Ok(Some(found)) => found,
        Ok(None) => {
            assert!(
                data.len() <= MAX_HEAD,
                "waits for more after {} bytes",
                data.len()
            );
            return;
        }
        Err(_) => return,
    };
    assert!(length > 0 && length <= data.len());
    check_reencoding(&head);
    // Only a final answer is relayed (read_head skips the others as interim), and the 101 of a WebSocket goes
    // on as a tunnel, not as a framed body.
    if head.status >= 200 {
        for head_request in [false, true] {
            check_client_head(&head, head.framing(head_request));
        }
    }
});

fn encode(head: &ResponseHead) -> Vec<u8> {
    // Only an HTTP/1.1 answer keeps the connection; one that does not is written as 1.0, which means the same.
    let version = if head.keeps_alive { "1.1" } else { "1.0" };
    let mut bytes = format!("HTTP/{version} {:03} {}\r\n", head.status, head.reason).into_bytes();
    let fields = head.fields.iter();
    end_head(
        &mut bytes,
        fields.map(|(name, value)| (name.as_str(), value.as_slice())),
    );
    bytes
}

fn check_reencoding(head: &ResponseHead) {
    let encoded = encode(head);
    let Ok(Some((again, length))) = ResponseHead::parse(&encoded) else {
        panic!("{:?} does not read back", String::from_utf8_lossy(&encoded));
    };
    assert_eq!(length, encoded.len());
    assert_eq!(
        (
            again.status,
            &again.reason,
            &again.fields,
            again.keeps_alive
        ),
        (head.status, &head.reason, &head.fields, head.keeps_alive)
    );
    for head_request in [false, true] {
        assert_eq!(again.framing(head_request), head.framing(head_request));
    }
}

/// The client head for an HTTP/1.1 client, as the exchange builds it for `framing`, must say that framing.
fn check_client_head(head: &ResponseHead, framing: Framing) {
    let to_client = match framing {
        Framing::None | Framing::Length(_) => ClientFraming::Sized(head.advertised_length()),
        Framing::Chunked | Framing::UntilClose => ClientFraming::Chunked,
    };
    let written = client_head(head.status, &head.reason, &head.fields, to_client, true);
    let shown = String::from_utf8_lossy(&written);
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut read = httparse::Response::new(&mut fields);
    match read.parse(&written) {
        Ok(httparse::Status::Complete(length)) => assert_eq!(length, written.len(), "{shown}"),
        other => panic!("{other:?} for {shown}"),
    }
    let lengths = values(read.headers, "content-length");
    let codings = values(read.headers, "transfer-encoding");
    match framing {
        Framing::Length(length) => {
            assert!(
                lengths_say(&lengths, length),
                "a {length}-byte body relayed as sent under {shown}"
            );
            assert!(codings.is_empty(), "{shown}");
        }
        Framing::Chunked | Framing::UntilClose => {
            assert_eq!(codings, [b"chunked"], "a re-chunked body under {shown}");
            assert!(lengths.is_empty(), "{shown}");
        }
        Framing::None => assert!(codings.is_empty(), "{shown}"),
    }
}
