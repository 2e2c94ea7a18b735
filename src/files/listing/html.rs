//! The listing as an HTML page: a table of names, sizes and times whose column heads sort it (plain links with a
//! query, no script). Names are escaped for HTML and percent-encoded in links.

use super::{percent_encode, Entry, Sort, SortKey};
use std::fmt::Write;

/// Renders `entries` (already sorted by `sort`) of the folder shown as `url_path` (decoded, starting and ending
/// with `/`); with `archives`, links that download the folder (files/archive/).
pub fn render(entries: &[Entry], url_path: &str, sort: Sort, archives: bool) -> String {
    let title = format!("Index of {}", escape_html(url_path));
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <style>body{{font-family:system-ui,sans-serif;margin:2em}}td,th{{padding:.1em 2em .1em 0;text-align:left}}\
         td.size{{text-align:right}}</style></head>\n<body><h1>{title}</h1>\n{}<table>\n<tr>{}{}{}</tr>\n",
        if archives {
            "<p>Download this folder as <a href=\"?download=zip\">.zip</a> or \
             <a href=\"?download=tar.gz\">.tar.gz</a></p>\n"
        } else {
            ""
        },
        column_head("Name", SortKey::Name, sort),
        column_head("Size", SortKey::Size, sort),
        column_head("Modified", SortKey::Time, sort),
    );
    if url_path != "/" {
        page.push_str("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
    }
    for entry in entries {
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
    page
}

/// A column head that sorts by `key`: ascending names, largest and newest first, and the other way round when
/// it is the current order.
fn column_head(label: &str, key: SortKey, current: Sort) -> String {
    let (name, first_descending) = match key {
        SortKey::Name => ("name", false),
        SortKey::Size => ("size", true),
        SortKey::Time => ("time", true),
    };
    let descending = if current.key == key {
        !current.descending
    } else {
        first_descending
    };
    let order = if descending { "desc" } else { "asc" };
    let arrow = match (current.key == key, current.descending) {
        (false, _) => "",
        (true, false) => " ↑",
        (true, true) => " ↓",
    };
    format!("<th><a href=\"?sort={name}&amp;order={order}\">{label}</a>{arrow}</th>")
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
    use super::super::read;
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(954_824), "932.4 KiB");
        assert_eq!(human_size(5 << 30), "5.0 GiB");
    }

    fn page(dir: &std::path::Path, url_path: &str, hidden: bool, query: &str) -> String {
        let (mut entries, _) = read(dir, hidden).unwrap();
        let sort = Sort::from_query(query);
        sort.apply(&mut entries);
        render(&entries, url_path, sort, false)
    }

    #[test]
    fn folders_first_hidden_left_out_names_safe() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("<x>.txt"), "x").unwrap();
        std::fs::write(dir.path().join(".env"), "secret").unwrap();
        std::fs::create_dir(dir.path().join("z dir")).unwrap();
        let listed = page(dir.path(), "/sub/", false, "");
        let folder = listed.find("href=\"z%20dir/\"").expect("folder listed");
        let file = listed.find("href=\"b.txt\"").expect("file listed");
        assert!(folder < file, "folders come first");
        assert!(listed.contains(">&lt;x&gt;.txt</a>") && listed.contains("href=\"%3Cx%3E.txt\""));
        assert!(!listed.contains(".env"));
        assert!(listed.contains("href=\"../\""));
        assert!(page(dir.path(), "/", true, "").contains(".env"));
        assert!(!page(dir.path(), "/", false, "").contains("href=\"../\""));
    }

    #[test]
    fn column_heads_sort_and_flip() {
        let dir = tempfile::tempdir().unwrap();
        let by_name = page(dir.path(), "/", false, "");
        assert!(by_name.contains("<a href=\"?sort=name&amp;order=desc\">Name</a> ↑"));
        assert!(by_name.contains("<a href=\"?sort=size&amp;order=desc\">Size</a><"));
        let by_size = page(dir.path(), "/", false, "?sort=size&order=desc");
        assert!(by_size.contains("<a href=\"?sort=size&amp;order=asc\">Size</a> ↓"));
        assert!(by_size.contains("<a href=\"?sort=name&amp;order=asc\">Name</a><"));
    }
}
