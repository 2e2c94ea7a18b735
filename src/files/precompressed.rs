//! Precompressed sidecars: `page.html.br`, `.zst` or `.gz` next to `page.html`, sent with Content-Encoding to a
//! client that accepts the coding. A sidecar older than its original is ignored, so an edit is never hidden
//! behind a stale compressed copy.

use super::negotiate::{self, Coding};
use crate::http::request::Request;
use crate::http::vocabulary::headers::ACCEPT_ENCODING;
use std::ffi::OsString;
use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};

/// Sidecar extensions and their content codings, in lanai's order of preference.
const SIDECARS: [(&str, Coding); 3] = [
    ("br", Coding::Brotli),
    ("zst", Coding::Zstd),
    ("gz", Coding::Gzip),
];

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
    let (fresh, any_sidecar) = sidecars(original, original_metadata, stat);
    let offered: Vec<Coding> = fresh.iter().map(|&(_, coding)| coding).collect();
    let chosen = negotiate::coding(request.list(ACCEPT_ENCODING.as_str()), &offered);
    let vary = !fresh.is_empty();
    match fresh
        .into_iter()
        .find(|&(_, coding)| Some(coding) == chosen)
    {
        Some((path, coding)) => Variant {
            path,
            encoding: Some(coding.name()),
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

/// The usable sidecars of `original`, in lanai's order of preference, and whether any sidecar exists (usable or
/// stale); `stat` looks a sidecar up.
pub fn sidecars(
    original: &Path,
    original_metadata: &Metadata,
    stat: impl Fn(&Path) -> io::Result<Metadata>,
) -> (Vec<(PathBuf, Coding)>, bool) {
    let mut any_sidecar = false;
    let mut fresh: Vec<(PathBuf, Coding)> = Vec::new();
    for &(extension, coding) in &SIDECARS {
        let path = with_extra_extension(original, extension);
        if let Ok(sidecar) = stat(&path) {
            any_sidecar = true;
            if is_fresh(&sidecar, original_metadata) {
                fresh.push((path, coding));
            }
        }
    }
    (fresh, any_sidecar)
}

/// A sidecar is usable when it is a file no older than its original.
pub fn is_fresh(sidecar: &Metadata, original: &Metadata) -> bool {
    sidecar.is_file() && sidecar.modified().ok() >= original.modified().ok()
}

fn with_extra_extension(path: &Path, extension: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request;

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
        assert_eq!(choose_for("zstd"), (None, true), "no .zst sidecar");
        std::fs::write(dir.path().join("app.js.zst"), "zst").unwrap();
        assert_eq!(choose_for("zstd, gzip"), (Some("zstd"), true));
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
