//! The access log: one line for every answer lanai gives, refusals included, whichever protocol carried it.

use super::request::Request;
use std::fmt;
use std::net::SocketAddr;
use std::time::Instant;

/// One access-log line for every answer lanai gives, refusals included: who, the request line, the status, the
/// body bytes that reached the client (fewer than the length when it broke off) and the time taken.
pub fn log_access(
    peer: SocketAddr,
    request_line: impl fmt::Display,
    status: impl Into<u16>,
    body_bytes: u64,
    started: Instant,
) {
    let status: u16 = status.into();
    log::info!(
        target: "lanai::access",
        "{} \"{}\" {} {} {:.3}ms",
        peer.ip(),
        request_line,
        status,
        body_bytes,
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// `GET /path HTTP/1.1`, as the access log and panic reports show a request.
pub struct RequestLine<'a>(pub &'a Request<'a>);

impl fmt::Display for RequestLine<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let request = self.0;
        // The method and target are the client's bytes: escaped, so a `"` cannot end the log's field.
        write_escaped(out, request.method_text.as_bytes())?;
        out.write_str(" ")?;
        write_escaped(out, request.target.as_bytes())?;
        write!(out, " {}", request.version.as_str())
    }
}

/// The request line of a head that could not be parsed, as far as it arrived: its first line, cut at
/// `SHOWN_LINE` bytes, with anything unprintable escaped so the log stays one line of text. `-` when nothing came.
pub struct PartialLine<'a>(pub &'a [u8]);

const SHOWN_LINE: usize = 256;

impl fmt::Display for PartialLine<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = self
            .0
            .split(|&byte| byte == b'\n')
            .next()
            .unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return out.write_str("-");
        }
        write_escaped(out, &line[..line.len().min(SHOWN_LINE)])?;
        if line.len() > SHOWN_LINE {
            out.write_str("...")?;
        }
        Ok(())
    }
}

/// A client's bytes as `write_escaped` writes them, for other lines that show them (the forwarded console).
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(out, self.0)
    }
}

/// Writes a client's bytes as one field of the log's line: printable ASCII as it is, `"` and `\` escaped with a
/// backslash, anything else as `\xNN`.
fn write_escaped(out: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for &byte in bytes {
        match byte {
            b'"' | b'\\' => write!(out, "\\{}", byte as char)?,
            b' '..=b'~' => write!(out, "{}", byte as char)?,
            _ => write!(out, "\\x{byte:02x}")?,
        }
    }
    Ok(())
}
