//! The listing as JSON, for programs (README, "Folders", shows the shape). Written by hand: two string escapes
//! and a date format do not need a serialisation framework in the tree.

use super::{percent_encode, Entry, Kind};
use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// `{"path": …, "entries": [{"name", "type", "size", "mtime", "url"}, …]}` for `entries` of the folder shown as
/// `url_path` (decoded, starting and ending with `/`).
pub fn render(entries: &[Entry], url_path: &str) -> String {
    let folder_url: String = url_path
        .split('/')
        .map(percent_encode)
        .collect::<Vec<_>>()
        .join("/");
    let mut json = format!("{{\"path\":{},\"entries\":[", string(url_path));
    for (index, entry) in entries.iter().enumerate() {
        let kind = match entry.kind {
            Kind::File => "file",
            Kind::Folder => "folder",
            Kind::Symlink => "symlink",
        };
        let size = if entry.is_dir {
            "null".to_string()
        } else {
            entry.size.to_string()
        };
        let mtime = entry
            .modified
            .and_then(rfc3339)
            .map_or("null".to_string(), |time| string(&time));
        let slash = if entry.is_dir { "/" } else { "" };
        let url = format!("{folder_url}{}{slash}", percent_encode(&entry.name));
        let _ = write!(
            json,
            "{}\n{{\"name\":{},\"type\":\"{kind}\",\"size\":{size},\"mtime\":{mtime},\"url\":{}}}",
            if index == 0 { "" } else { "," },
            string(&entry.name),
            string(&url),
        );
    }
    json.push_str("\n]}\n");
    json
}

/// A JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped, the rest as UTF-8.
fn string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            control if control < ' ' => {
                let _ = write!(quoted, "\\u{:04x}", control as u32);
            }
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// `2024-05-01T10:20:30Z` (RFC 3339, UTC, whole seconds); `None` before 1970.
pub(super) fn rfc3339(time: SystemTime) -> Option<String> {
    let seconds = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    ))
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(at(0)).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(784_111_777)).unwrap(), "1994-11-06T08:49:37Z");
        assert_eq!(rfc3339(at(951_782_400)).unwrap(), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(at(1_709_251_199)).unwrap(), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339(at(4_102_444_800)).unwrap(), "2100-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH - Duration::from_secs(1)), None);
    }

    #[test]
    fn strings() {
        assert_eq!(string("plain"), "\"plain\"");
        assert_eq!(string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(string("line\nnext\u{1}"), "\"line\\nnext\\u0001\"");
        assert_eq!(string("файл"), "\"файл\"");
    }

    #[test]
    fn entries_with_type_size_time_and_url() {
        let entries = [
            Entry {
                name: "sub dir".to_string(),
                kind: Kind::Folder,
                is_dir: true,
                size: 0,
                modified: Some(at(0)),
            },
            Entry {
                name: "a\"b.txt".to_string(),
                kind: Kind::File,
                is_dir: false,
                size: 12,
                modified: Some(at(784_111_777)),
            },
            Entry {
                name: "link".to_string(),
                kind: Kind::Symlink,
                is_dir: false,
                size: 3,
                modified: None,
            },
        ];
        assert_eq!(
            render(&entries, "/docs/ä/"),
            "{\"path\":\"/docs/ä/\",\"entries\":[\n\
             {\"name\":\"sub dir\",\"type\":\"folder\",\"size\":null,\"mtime\":\"1970-01-01T00:00:00Z\",\"url\":\"/docs/%C3%A4/sub%20dir/\"},\n\
             {\"name\":\"a\\\"b.txt\",\"type\":\"file\",\"size\":12,\"mtime\":\"1994-11-06T08:49:37Z\",\"url\":\"/docs/%C3%A4/a%22b.txt\"},\n\
             {\"name\":\"link\",\"type\":\"symlink\",\"size\":3,\"mtime\":null,\"url\":\"/docs/%C3%A4/link\"}\n\
             ]}\n"
        );
        assert_eq!(render(&[], "/"), "{\"path\":\"/\",\"entries\":[\n]}\n");
    }
}
