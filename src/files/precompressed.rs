//! Precompressed sidecars: `page.html.br` or `page.html.gz` next to `page.html`, sent with Content-Encoding to a
//! client that accepts the coding. A sidecar older than its original is ignored, so an edit is never hidden
//! behind a stale compressed copy.

use crate::http::request::Request;
use crate::http::vocabulary::headers::ACCEPT_ENCODING;
use std::ffi::OsString;
use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};

/// Sidecar extension and content coding, in order of preference when the client likes both equally.
const SIDECARS: [(&str, &str); 2] = [("br", "br"), ("gz", "gzip")];

#[derive(Debug, PartialEq, Eq)]
pub struct Variant {
    pub path: PathBuf,
    /// The Content-Encoding to announce, or `None` for the original file.
    pub encoding: Option<&'static str>,
    /// The file has usable sidecars, so the answer depends on Accept-Encoding.
    pub vary: bool,
    /// A sidecar exists, usable or stale; such a file is not cached, as its sidecars can change under it.
    pub any_sidecar: bool,
}

impl Variant {
    /// The file itself, sidecars not considered.
    pub fn original(path: &Path) -> Self {
        Variant {
            path: path.to_path_buf(),
            encoding: None,
            vary: false,
            any_sidecar: false,
        }
    }
}

/// Picks what to send for `original`; `stat` looks a sidecar up (under the site's symlink policy).
pub fn choose(
    request: &Request<'_>,
    original: &Path,
    original_metadata: &Metadata,
    stat: impl Fn(&Path) -> io::Result<Metadata>,
) -> Variant {
    let original_time = original_metadata.modified().ok();
    let mut any_sidecar = false;
    let mut fresh: Vec<(PathBuf, &'static str)> = Vec::new();
    for &(extension, coding) in &SIDECARS {
        let path = with_extra_extension(original, extension);
        if let Ok(sidecar) = stat(&path) {
            any_sidecar = true;
            if sidecar.is_file() && sidecar.modified().ok() >= original_time {
                fresh.push((path, coding));
            }
        }
    }
    let vary = !fresh.is_empty();
    let mut best: Option<(PathBuf, &'static str, f32)> = None;
    for (path, coding) in fresh {
        let weight = acceptance(request, coding);
        if weight > 0.0
            && best
                .as_ref()
                .is_none_or(|(_, _, best_weight)| weight > *best_weight)
        {
            best = Some((path, coding, weight));
        }
    }
    match best {
        Some((path, coding, _)) => Variant {
            path,
            encoding: Some(coding),
            vary,
            any_sidecar,
        },
        None => Variant {
            path: original.to_path_buf(),
            encoding: None,
            vary,
            any_sidecar,
        },
    }
}

fn with_extra_extension(path: &Path, extension: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// The q-value the client gives `coding` in Accept-Encoding: its own entry, else `*`'s, else 0. No field at all
/// means the client asked for nothing special, and gets the original.
fn acceptance(request: &Request<'_>, coding: &str) -> f32 {
    let mut wildcard = 0.0;
    for item in request.list(ACCEPT_ENCODING.as_str()) {
        let Ok(item) = std::str::from_utf8(item) else {
            continue;
        };
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let weight = parts
            .filter_map(|parameter| parameter.trim().split_once('='))
            .find(|(key, _)| key.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, value)| quality(value.trim()))
            .unwrap_or(0.0);
        if name.eq_ignore_ascii_case(coding) {
            return weight;
        }
        if name == "*" {
            wildcard = weight;
        }
    }
    wildcard
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`; anything else is invalid.
fn quality(text: &str) -> Option<f32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let valid = matches!(whole, "0" | "1")
        && fraction.len() <= 3
        && fraction.bytes().all(|byte| byte.is_ascii_digit())
        && (whole == "0" || fraction.bytes().all(|byte| byte == b'0'));
    valid.then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request;

    fn weight(accept_encoding: &str, coding: &str) -> f32 {
        let raw =
            format!("GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: {accept_encoding}\r\n\r\n");
        let (request, _) = request::parse(raw.as_bytes()).unwrap().unwrap();
        acceptance(&request, coding)
    }

    #[test]
    fn q_values() {
        assert_eq!(weight("gzip, deflate, br", "br"), 1.0);
        assert_eq!(weight("gzip;q=0.5, br;q=0.8", "gzip"), 0.5);
        assert_eq!(weight("GZIP; Q=0.5", "gzip"), 0.5);
        assert_eq!(weight("br;q=0", "br"), 0.0);
        assert_eq!(weight("*", "br"), 1.0);
        assert_eq!(weight("*;q=0.3, gzip", "br"), 0.3);
        assert_eq!(weight("gzip;q=0, *", "gzip"), 0.0);
        assert_eq!(weight("deflate", "gzip"), 0.0);
        assert_eq!(weight("gzip;q=2", "gzip"), 0.0);
        assert_eq!(weight("gzip;q=0.1234", "gzip"), 0.0);
    }

    #[test]
    fn choice_prefers_br_respects_q_and_ignores_stale_sidecars() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("app.js");
        std::fs::write(&original, "original").unwrap();
        let choose_for = |accept_encoding: &str| {
            let raw =
                format!("GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: {accept_encoding}\r\n\r\n");
            let (request, _) = request::parse(raw.as_bytes()).unwrap().unwrap();
            let variant = choose(
                &request,
                &original,
                &std::fs::metadata(&original).unwrap(),
                |path: &Path| std::fs::metadata(path),
            );
            (variant.encoding, variant.vary)
        };
        assert_eq!(choose_for("gzip, br"), (None, false));
        std::fs::write(dir.path().join("app.js.gz"), "gz").unwrap();
        std::fs::write(dir.path().join("app.js.br"), "br").unwrap();
        assert_eq!(choose_for("gzip, br"), (Some("br"), true));
        assert_eq!(choose_for("gzip;q=1, br;q=0.5"), (Some("gzip"), true));
        assert_eq!(choose_for("gzip, br;q=0"), (Some("gzip"), true));
        assert_eq!(choose_for("identity"), (None, true));
        // An edit to the original makes both sidecars stale.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&original)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(choose_for("gzip, br"), (None, false));
    }
}
