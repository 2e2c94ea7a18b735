//! What several fuzz targets share: splitting one input into the parts a target needs, and turning fuzzed bytes
//! into a request the way the server would see it (through lanai's own parser), so a property is checked only
//! on what can really arrive.

use lanai::http::request::{self, Request};

/// The bytes before the first NUL and those after it (empty when there is none). Targets that take two inputs
/// (a rules file and a request path, say) read them this way, so a seed is a readable text file.
pub fn split_at_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&byte| byte == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// The head of a GET for `target` with a Host lanai answers for and `fields` after it.
pub fn request_head(target: &[u8], fields: &[(&str, &[u8])]) -> Vec<u8> {
    let mut head = b"GET ".to_vec();
    head.extend_from_slice(target);
    head.extend_from_slice(b" HTTP/1.1\r\nHost: localhost\r\n");
    end_head(&mut head, fields.iter().map(|&(name, value)| (name, value)));
    head
}

/// Appends `fields`, a line each, and the blank line that ends a head.
pub fn end_head<'a>(head: &mut Vec<u8>, fields: impl IntoIterator<Item = (&'a str, &'a [u8])>) {
    for (name, value) in fields {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
}

/// The request lanai reads from `head`, when it reads a whole one.
pub fn parsed(head: &[u8]) -> Option<Request<'_>> {
    match request::parse(head) {
        Ok(Some((request, _))) => Some(request),
        _ => None,
    }
}

/// Whether `bytes` may stand in a header field's value (RFC 9110 §5.5): no control character but HTAB.
pub fn is_field_value(bytes: &[u8]) -> bool {
    !bytes
        .iter()
        .any(|&byte| byte.is_ascii_control() && byte != b'\t')
}

/// The values of every field called `name` (any case) among fields httparse read.
pub fn values<'a>(fields: &[httparse::Header<'a>], name: &str) -> Vec<&'a [u8]> {
    fields
        .iter()
        .filter(|field| field.name.eq_ignore_ascii_case(name))
        .map(|field| field.value)
        .collect()
}

/// Whether Content-Length `values` (perhaps several fields, perhaps lists of equal numbers) all say `length`.
pub fn lengths_say(values: &[&[u8]], length: u64) -> bool {
    let says = |member: &[u8]| {
        let digits = member.trim_ascii();
        !digits.is_empty()
            && digits.iter().all(u8::is_ascii_digit)
            && std::str::from_utf8(digits)
                .ok()
                .and_then(|text| text.parse().ok())
                == Some(length)
    };
    !values.is_empty()
        && values
            .iter()
            .all(|value| value.split(|&byte| byte == b',').all(says))
}
