//! The HTML page for a folder without index.html, when --listing is on: folders first, then files, each with its
//! size and modification time. Names are escaped for HTML and percent-encoded in links.

use std::fmt::Write;
use std::io;
use std::path::Path;
use std::time::SystemTime;

struct Entry {
    name: String,
    is_dir: bool,
    size: u64,
    modified: Option<SystemTime>,
}

/// Renders the listing of `dir`, shown as `url_path` (decoded, starting and ending with `/`).
pub fn render(dir: &Path, url_path: &str, show_hidden: bool) -> io::Result<String> {
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
        // Follow links for what they point to; a broken link is still listed, as a file.
        let metadata = std::fs::metadata(entry.path()).or_else(|_| entry.metadata())?;
        entries.push(Entry {
            name,
            is_dir: metadata.is_dir(),
            size: metadata.len(),
            modified: metadata.modified().ok(),
        });
    }
    entries.sort_by(|a, b| {
        b.is_dir
            .cmp(&a.is_dir)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.name.cmp(&b.name))
    });

    let title = format!("Index of {}", escape_html(url_path));
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <style>body{{font-family:system-ui,sans-serif;margin:2em}}td{{padding:.1em 2em .1em 0}}\
         td.size{{text-align:right}}</style></head>\n<body><h1>{title}</h1>\n<table>\n"
    );
    if url_path != "/" {
        page.push_str("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
    }
    for entry in &entries {
        let slash = if entry.is_dir { "/" } else { "" };
        let size = if entry.is_dir {
            "-".to_string()
        } else {
            human_size(entry.size)
        };
        let modified = entry
            .modified
            .map(httpdate::fmt_http_date)
            .unwrap_or_default();
        let _ = writeln!(
            page,
            "<tr><td><a href=\"{}{slash}\">{}{slash}</a></td><td class=\"size\">{size}</td><td>{modified}</td></tr>",
            percent_encode(&entry.name),
            escape_html(&entry.name),
        );
    }
    page.push_str("</table>\n</body></html>\n");
    Ok(page)
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Encodes every byte but the unreserved ones (RFC 3986 §2.3), so any name is one safe path segment.
fn percent_encode(name: &str) -> String {
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

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_encoding() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(percent_encode("space in name.txt"), "space%20in%20name.txt");
        assert_eq!(percent_encode("a\"><script>"), "a%22%3E%3Cscript%3E");
        assert_eq!(percent_encode("файл"), "%D1%84%D0%B0%D0%B9%D0%BB");
        assert_eq!(percent_encode("a+b#c?d"), "a%2Bb%23c%3Fd");
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(954_824), "932.4 KiB");
        assert_eq!(human_size(5 << 30), "5.0 GiB");
    }

    #[test]
    fn folders_first_hidden_left_out_names_safe() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("<x>.txt"), "x").unwrap();
        std::fs::write(dir.path().join(".env"), "secret").unwrap();
        std::fs::create_dir(dir.path().join("z dir")).unwrap();
        let page = render(dir.path(), "/sub/", false).unwrap();
        let folder = page.find("href=\"z%20dir/\"").expect("folder listed");
        let file = page.find("href=\"b.txt\"").expect("file listed");
        assert!(folder < file, "folders come first");
        assert!(page.contains(">&lt;x&gt;.txt</a>") && page.contains("href=\"%3Cx%3E.txt\""));
        assert!(!page.contains(".env"));
        assert!(page.contains("href=\"../\""));
        assert!(render(dir.path(), "/", true).unwrap().contains(".env"));
        assert!(!render(dir.path(), "/", false)
            .unwrap()
            .contains("href=\"../\""));
    }
}
