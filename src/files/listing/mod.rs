//! The listing of a folder without index.html, when --listing is on: an HTML page (html.rs) for browsers and
//! `*/*`, JSON (json.rs) for a client that asks for `application/json`. Both carry Last-Modified (the newest of
//! the folder and its entries) and a weak ETag made from every entry's name, type, size and time, so a poll
//! gets a 304 until a file is added, removed or changed. `?sort=name|size|time` and `&order=asc|desc` order the
//! entries, folders first.

mod html;
mod json;

use super::negotiate;
use super::representation::{Content, Representation};
use super::validators::Validators;
use super::{deliver, io_error_response, Site};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::vocabulary::headers::ACCEPT;
use std::collections::hash_map::DefaultHasher;
use std::fmt::Write;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    File,
    Folder,
    Symlink,
}

#[derive(Debug, Hash)]
struct Entry {
    name: String,
    kind: Kind,
    /// What the entry leads to is a folder (itself, or a symbolic link's target).
    is_dir: bool,
    size: u64,
    modified: Option<SystemTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SortKey {
    Name,
    Size,
    Time,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Sort {
    key: SortKey,
    descending: bool,
}

impl Sort {
    /// From a query such as `?sort=size&order=desc`; anything else sorts by name, A to Z.
    fn from_query(query: &str) -> Sort {
        let mut sort = Sort {
            key: SortKey::Name,
            descending: false,
        };
        for pair in query.trim_start_matches('?').split('&') {
            match pair.split_once('=') {
                Some(("sort", "size")) => sort.key = SortKey::Size,
                Some(("sort", "time")) => sort.key = SortKey::Time,
                Some(("order", "desc")) => sort.descending = true,
                _ => {}
            }
        }
        sort
    }

    /// Folders first, then by the key (names case-insensitively), ties by name.
    fn apply(self, entries: &mut [Entry]) {
        entries.sort_by(|a, b| {
            let by_key = match self.key {
                SortKey::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                SortKey::Size => a.size.cmp(&b.size),
                SortKey::Time => a.modified.cmp(&b.modified),
            };
            let by_key = if self.descending {
                by_key.reverse()
            } else {
                by_key
            };
            b.is_dir
                .cmp(&a.is_dir)
                .then(by_key)
                .then_with(|| a.name.cmp(&b.name))
        });
    }
}

pub fn respond(site: &Site, request: &Request<'_>, dir: &Path, shown_as: &str) -> Response {
    let (mut entries, folder_modified) = match read(dir, site.hidden) {
        Ok(read) => read,
        Err(error) => return io_error_response(error),
    };
    let sort = Sort::from_query(request.query());
    sort.apply(&mut entries);
    let as_json = negotiate::prefers_json(request.list(ACCEPT.as_str()));
    let (page, content_type, format) = if as_json {
        (json::render(&entries, shown_as), "application/json", "json")
    } else {
        let offers = html::Offers {
            upload_limit: site.upload_limit,
            archives: site.archives,
        };
        let page = html::render(&entries, shown_as, sort, offers);
        (page, "text/html; charset=utf-8", "html")
    };
    let mut validators = validators(&entries, folder_modified, sort);
    // The page and the JSON are two representations, each with its own tag.
    validators.etag = validators.tagged(format);
    let vary = if site.encoder.applies_to(content_type, page.len() as u64) {
        "Accept, Accept-Encoding"
    } else {
        "Accept"
    };
    let representation = Representation {
        last_modified: validators.last_modified_text(),
        validators,
        content_type: content_type.into(),
        encoding: None,
        vary: Some(vary),
        len: page.len() as u64,
    };
    let content = Content::Memory(page.into_bytes().into());
    deliver(site, request, &representation, content)
}

/// The entries of `dir` (hidden ones only with `show_hidden`) and the folder's own modification time.
fn read(dir: &Path, show_hidden: bool) -> io::Result<(Vec<Entry>, Option<SystemTime>)> {
    let folder_modified = std::fs::metadata(dir)?.modified().ok();
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // A name that is not UTF-8 could not be requested, so it is not offered.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') && !show_hidden {
            continue;
        }
        let own = entry.metadata()?;
        // Follow links for what they point to; a broken link is still listed, as the link itself.
        let target = std::fs::metadata(entry.path()).unwrap_or_else(|_| own.clone());
        let kind = if own.is_symlink() {
            Kind::Symlink
        } else if own.is_dir() {
            Kind::Folder
        } else {
            Kind::File
        };
        entries.push(Entry {
            name,
            kind,
            is_dir: target.is_dir(),
            size: if target.is_dir() { 0 } else { target.len() },
            modified: target.modified().ok(),
        });
    }
    Ok((entries, folder_modified))
}

/// A weak tag over everything the page shows (weak: the same entries make an equivalent page, not the same
/// bytes across versions of lanai), and the newest time among the folder and its entries, which moves when an
/// entry is added or removed (the folder's time) or changed (the entry's).
fn validators(entries: &[Entry], folder_modified: Option<SystemTime>, sort: Sort) -> Validators {
    let mut hasher = DefaultHasher::new();
    entries.hash(&mut hasher);
    sort.hash(&mut hasher);
    let newest = entries
        .iter()
        .filter_map(|entry| entry.modified)
        .chain(folder_modified)
        .max()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .unwrap_or_default();
    Validators {
        etag: format!("W/\"{:016x}\"", hasher.finish()),
        last_modified: UNIX_EPOCH + Duration::from_secs(newest.as_secs()),
    }
}

/// Encodes every byte but the unreserved ones (RFC 3986 §2.3), so any name is one safe path segment.
pub(super) fn percent_encode(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(dir: &Path) -> (Vec<Entry>, Option<SystemTime>) {
        read(dir, false).unwrap()
    }

    fn tag(dir: &Path) -> String {
        let (entries, folder) = listed(dir);
        validators(&entries, folder, Sort::from_query("")).etag
    }

    #[test]
    fn the_tag_changes_when_an_entry_is_added_removed_or_grows() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        let first = tag(dir.path());
        assert!(first.starts_with("W/\"") && first.ends_with('"'), "{first}");
        assert_eq!(tag(dir.path()), first, "the same entries, the same tag");
        std::fs::write(dir.path().join("b.txt"), "b").unwrap();
        let added = tag(dir.path());
        assert_ne!(added, first);
        std::fs::write(dir.path().join("b.txt"), "bigger").unwrap();
        let grown = tag(dir.path());
        assert_ne!(grown, added);
        std::fs::remove_file(dir.path().join("b.txt")).unwrap();
        assert_ne!(tag(dir.path()), grown);
    }

    #[test]
    fn last_modified_is_the_newest_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "a").unwrap();
        let later = SystemTime::now() + Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(later)
            .unwrap();
        let (entries, folder) = listed(dir.path());
        let modified = validators(&entries, folder, Sort::from_query("")).last_modified;
        assert_eq!(
            modified.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            later.duration_since(UNIX_EPOCH).unwrap().as_secs()
        );
    }

    #[test]
    fn sorting() {
        let entry = |name: &str, is_dir: bool, size: u64, seconds: u64| Entry {
            name: name.to_string(),
            kind: if is_dir { Kind::Folder } else { Kind::File },
            is_dir,
            size,
            modified: Some(UNIX_EPOCH + Duration::from_secs(seconds)),
        };
        let names = |query: &str| {
            let mut entries = vec![
                entry("b.txt", false, 10, 3),
                entry("A.txt", false, 30, 1),
                entry("z", true, 0, 2),
                entry("c.txt", false, 20, 2),
            ];
            Sort::from_query(query).apply(&mut entries);
            entries
                .iter()
                .map(|entry| entry.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(names(""), "z A.txt b.txt c.txt");
        assert_eq!(names("?sort=name&order=desc"), "z c.txt b.txt A.txt");
        assert_eq!(names("?sort=size"), "z b.txt c.txt A.txt");
        assert_eq!(names("?sort=size&order=desc"), "z A.txt c.txt b.txt");
        assert_eq!(names("?sort=time&order=desc"), "z b.txt c.txt A.txt");
        assert_eq!(names("?sort=nonsense&order=sideways"), names(""));
    }

    #[test]
    fn encoding() {
        assert_eq!(percent_encode("space in name.txt"), "space%20in%20name.txt");
        assert_eq!(percent_encode("a\"><script>"), "a%22%3E%3Cscript%3E");
        assert_eq!(percent_encode("файл"), "%D1%84%D0%B0%D0%B9%D0%BB");
        assert_eq!(percent_encode("a+b#c?d"), "a%2Bb%23c%3Fd");
    }
}
