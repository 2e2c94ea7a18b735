//! The one place that turns a URL path into a path below the document root. Every request goes through
//! `resolve`; nothing it returns can name a file outside the root.

use crate::platform;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

/// A path relative to the document root, made only of plain names. Every spelling of a URL path that names the
/// same thing (`//a`, `/./a`, `/%61`) resolves to the same one, so it is also the file cache's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SafePath {
    pub relative: PathBuf,
    /// The URL ended in `/`: the client asks for a directory.
    pub trailing_slash: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    /// Not a decodable path: a broken `%` escape, or a name that is not UTF-8 (answer 400).
    BadEncoding,
    /// Decodes, but names something we never serve: `..`, an encoded separator, NUL, or a name Windows would not
    /// treat as plain (answer 404, so nothing is revealed about what exists).
    Refused,
    /// A hidden name (starting with a dot), refused by default: 404, and `-v` logs that --hidden serves it.
    Hidden,
}

/// Decodes `url_path` (the target without its query) segment by segment and checks every segment. Names starting
/// with a dot are refused unless `allow_hidden`; `..` always is.
/// Empty and `.` segments are skipped; `+` stays a plus (form encoding has no place in paths).
pub fn resolve(url_path: &str, allow_hidden: bool) -> Result<SafePath, PathError> {
    let Some(rest) = url_path.strip_prefix('/') else {
        return Err(PathError::BadEncoding);
    };
    let mut relative = PathBuf::new();
    for raw in rest.split('/') {
        let segment = percent_decode(raw)?;
        if segment.is_empty() || segment == "." {
            continue;
        }
        check_name(&segment, allow_hidden)?;
        relative.push(segment);
    }
    Ok(SafePath {
        relative,
        trailing_slash: url_path.ends_with('/'),
    })
}

/// Every Location lanai builds goes through here: a leading run of `/` and `\` becomes one `/`, since a browser
/// reads `//host`, `/\host` and `\\host` as another site. A path that starts with one `/` and a name, and anything
/// that does not start with a slash (an absolute URL a rules file names), is returned as it is.
pub fn same_site_location(location: String) -> String {
    let rest = location.trim_start_matches(['/', '\\']);
    let leading = location.len() - rest.len();
    if leading == 0 || leading == 1 && location.starts_with('/') {
        return location;
    }
    format!("/{rest}")
}

/// The rules for one name of a path: `..`, separators, NUL and names Windows treats specially are refused, and
/// hidden names unless `allow_hidden`. Uploads put the names they are given through it too.
pub fn check_name(name: &str, allow_hidden: bool) -> Result<(), PathError> {
    if name == ".." || name.contains(['/', '\\', '\0']) || is_windows_hazard(name) {
        return Err(PathError::Refused);
    }
    if name.starts_with('.') && !allow_hidden {
        return Err(PathError::Hidden);
    }
    Ok(())
}

/// Windows also opens a file by other spellings of its name, such as the 8.3 short name `GIT~1` for `.git`, which
/// `resolve` cannot tell from a plain name. So the names of `path` (below `root`) as Windows opens them go through
/// the same rules; a refusal is reported as not found. Elsewhere a name has one spelling: no cost.
pub fn check_opened_names(root: &Path, path: &Path, allow_hidden: bool) -> io::Result<()> {
    let not_found = || io::Error::from(io::ErrorKind::NotFound);
    let Some(opened) = platform::opened_path(path)? else {
        return Ok(());
    };
    let names: Vec<OsString> = match opened.strip_prefix(root) {
        Ok(inside) => inside.iter().map(OsStr::to_os_string).collect(),
        // Out of the root through a link (--follow-symlinks): the name each step of the path opens.
        Err(_) => {
            let mut step = root.to_path_buf();
            let relative = path.strip_prefix(root).map_err(|_| not_found())?;
            let mut names = Vec::new();
            for name in relative {
                step.push(name);
                let opened = platform::opened_path(&step)?.unwrap_or_else(|| step.clone());
                names.extend(opened.file_name().map(OsStr::to_os_string));
            }
            names
        }
    };
    for name in names {
        // A name that is not Unicode could never have come from a URL path.
        let checked = name.to_str().map(|name| check_name(name, allow_hidden));
        if checked == Some(Err(PathError::Hidden)) {
            log::debug!(
                "404 for {}: a hidden name (--hidden serves those)",
                platform::shown(path).display()
            );
        }
        if checked != Some(Ok(())) {
            return Err(not_found());
        }
    }
    Ok(())
}

/// True for a name Windows would not treat as a plain name inside a folder: a drive or stream (`C:`, `a:b`), one
/// Windows silently alters (trailing dot or space), or a device (`CON`, `nul.txt`, `COM1`). Joining one onto the
/// root could leave it there, so they are refused on every OS: Windows safety must not rest on code that only
/// Windows compiles, and a site behaves the same wherever it is previewed.
fn is_windows_hazard(segment: &str) -> bool {
    const DEVICES: [&str; 6] = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];
    if segment.contains(':') || segment.ends_with(['.', ' ']) {
        return true;
    }
    let stem = segment.split('.').next().unwrap_or(segment).trim_end();
    let numbered = |prefix: &str| {
        let bytes = stem.as_bytes();
        bytes.len() == 4
            && bytes[..3].eq_ignore_ascii_case(prefix.as_bytes())
            && bytes[3].is_ascii_digit()
    };
    DEVICES
        .iter()
        .any(|device| stem.eq_ignore_ascii_case(device))
        || numbered("COM")
        || numbered("LPT")
}

fn percent_decode(raw: &str) -> Result<String, PathError> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let high = bytes.get(index + 1).and_then(|&digit| hex_value(digit));
            let low = bytes.get(index + 2).and_then(|&digit| hex_value(digit));
            let (Some(high), Some(low)) = (high, low) else {
                return Err(PathError::BadEncoding);
            };
            decoded.push(high << 4 | low);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| PathError::BadEncoding)
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|value| value as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(url_path: &str) -> (String, bool) {
        let safe = resolve(url_path, false).unwrap();
        (
            safe.relative.to_string_lossy().replace('\\', "/"),
            safe.trailing_slash,
        )
    }

    #[test]
    fn plain_paths() {
        assert_eq!(resolved("/"), (String::new(), true));
        assert_eq!(resolved("/httptest/dir2/"), ("httptest/dir2".into(), true));
        assert_eq!(
            resolved("/httptest/dir2/page.html"),
            ("httptest/dir2/page.html".into(), false)
        );
        assert_eq!(
            resolved("/httptest/text..txt"),
            ("httptest/text..txt".into(), false)
        );
    }

    #[test]
    fn percent_decoding_per_segment() {
        assert_eq!(resolved("/space%20in%20name.txt").0, "space in name.txt");
        assert_eq!(
            resolved("/dir2/%70%61%67%65%2e%68%74%6d%6c").0,
            "dir2/page.html"
        );
        assert_eq!(resolved("/%D1%84%D0%B0%D0%B9%D0%BB.txt").0, "файл.txt");
        assert_eq!(resolved("/файл.txt").0, "файл.txt");
        assert_eq!(resolved("/a+b.txt").0, "a+b.txt");
        assert_eq!(resolved("/100%25.txt").0, "100%.txt");
    }

    #[test]
    fn empty_and_dot_segments_are_skipped() {
        assert_eq!(resolved("//a//b/./c"), ("a/b/c".into(), false));
        assert_eq!(resolved("/a/%2e/b"), ("a/b".into(), false));
    }

    #[test]
    fn every_spelling_of_a_path_resolves_alike() {
        let plain = resolve("/a/index.html", false).unwrap();
        for spelling in [
            "//a/index.html",
            "/./a/./index.html",
            "/a//index.html",
            "/%61/index%2Ehtml",
            "/%2e/a/index.html",
        ] {
            assert_eq!(resolve(spelling, false).unwrap(), plain, "{spelling}");
        }
        assert_ne!(resolve("/a/index.html/", false).unwrap(), plain);
    }

    #[test]
    fn hidden_names_only_when_allowed() {
        assert_eq!(
            resolve("/.well-known/x", true).unwrap().relative,
            PathBuf::from(".well-known/x")
        );
        assert_eq!(resolve("/.well-known/x", false), Err(PathError::Hidden));
        assert_eq!(resolve("/a/.git/config", false), Err(PathError::Hidden));
        assert_eq!(resolve("/a/..", true), Err(PathError::Refused));
        assert_eq!(resolve("/a/%2e%2e", true), Err(PathError::Refused));
    }

    #[test]
    fn names_like_devices_but_not_devices_are_plain() {
        for name in [
            "console.txt",
            "com10",
            "index.html",
            "text..txt",
            "space in name.txt",
            "nullable",
            "éé",
        ] {
            assert_eq!(resolved(&format!("/{name}")).0, name);
        }
    }

    #[test]
    fn locations_never_name_another_site() {
        for (built, sent) in [
            ("//evil.com", "/evil.com"),
            ("/\\evil.com", "/evil.com"),
            ("\\\\evil.com", "/evil.com"),
            ("\\evil.com/x?q", "/evil.com/x?q"),
            ("/\\/\\//evil.com/", "/evil.com/"),
            ("///", "/"),
            ("/about?x=1", "/about?x=1"),
            ("/", "/"),
            ("https://example.org/a//b", "https://example.org/a//b"),
            ("/a//b", "/a//b"),
        ] {
            assert_eq!(same_site_location(built.to_string()), sent, "{built}");
        }
    }

    #[test]
    fn broken_encoding_is_bad() {
        for path in [
            "/%",
            "/%2",
            "/%zz",
            "/a%g0",
            "/%ff.txt",
            "/%c0%ae%c0%ae/etc",
            "relative",
            "",
        ] {
            assert_eq!(resolve(path, false), Err(PathError::BadEncoding), "{path}");
        }
    }

    #[test]
    fn escapes_are_refused() {
        for path in [
            "/..",
            "/../etc/passwd",
            "/httptest/../../../../etc/passwd",
            "/a/../b",
            "/%2e%2e/etc/passwd",
            "/%2E%2e/etc/passwd",
            "/.%2e/etc/passwd",
            "/a%2f..%2f..%2fetc",
            "/a%2F..%2F..%2Fetc",
            "/..%5c..%5cetc",
            "/a%5cb",
            "/a%00.txt",
            "/C:/Windows/win.ini",
            "/c%3a/x",
            "/a:b",
            "/file.txt::$DATA",
            "/name.",
            "/name%20",
            "/CON",
            "/con.txt",
            "/dir/Nul",
            "/COM1",
            "/lpt9.log",
        ] {
            assert_eq!(resolve(path, false), Err(PathError::Refused), "{path}");
        }
        for path in [
            "/.env",
            "/.git/config",
            "/a/.hidden/b",
            "/%2eenv",
            "/..;/etc/passwd",
        ] {
            assert_eq!(resolve(path, false), Err(PathError::Hidden), "{path}");
        }
    }
}
