//! Percent-decoding (RFC 3986 §2.1), shared by what reads a request's path or query as bytes.

/// `raw` with every `%XX` replaced by its byte; `None` for a `%` not followed by two hex digits.
pub fn percent_decoded(raw: &[u8]) -> Option<Vec<u8>> {
    let mut decoded = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some((&byte, after)) = rest.split_first() {
        if byte != b'%' {
            decoded.push(byte);
            rest = after;
            continue;
        }
        let hex = after
            .get(..2)
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))?;
        let text = std::str::from_utf8(hex).ok()?;
        decoded.push(u8::from_str_radix(text, 16).ok()?);
        rest = &after[2..];
    }
    Some(decoded)
}
