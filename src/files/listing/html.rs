//! The listing as an HTML page, one page for phones and desktops: a viewport, a breadcrumb, entries that wrap
//! (on a narrow screen size and date go under the name), sizes in human units with the exact bytes on hover, and
//! sorting by name, size or date through plain links with a query. Inline script (never required) adds a filter
//! box that narrows the entries as you type and, with --upload, sends files dropped on the page or picked; the
//! same upload form works without it. No external resource; names are escaped for HTML and percent-encoded in
//! links. A Content-Security-Policy that forbids inline script (set with --header or `_headers`) leaves the plain
//! list and the form.

use super::json::rfc3339;
use super::{percent_encode, Entry, Sort, SortKey};
use crate::markup::escape;
use std::fmt::Write;

/// What the page offers besides the entries.
#[derive(Clone, Copy, Debug, Default)]
pub struct Offers {
    /// With --upload, the largest file one upload may bring: the page shows its upload form.
    pub upload_limit: Option<u64>,
    /// Links that download the folder as an archive (files/archive/).
    pub archives: bool,
}

const STYLE: &str = "\
:root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.4}\
body{margin:1em auto;max-width:60em;padding:0 1em}\
h1{font-size:1.3em;overflow-wrap:anywhere}\
[hidden]{display:none!important}\
ul{list-style:none;margin:0;padding:0}\
.head,li{display:grid;grid-template-columns:minmax(0,1fr) 7em 12em;gap:0 1em;padding:.35em 0;\
border-bottom:1px solid #8884}\
li a{overflow-wrap:anywhere}\
.size,.head span:nth-child(2){text-align:right}\
time{white-space:nowrap}\
#filter{box-sizing:border-box;width:100%;font:inherit;padding:.4em;margin:.5em 0}\
#drop{border:2px dashed #8888;border-radius:.5em;padding:1em;margin:.5em 0}\
#drop.over{border-color:#48f;background:#48f2}\
@media (max-width:40em){.head,li{display:flex;flex-wrap:wrap;gap:0 1.5em}\
li a{flex-basis:100%}.size,.head span:nth-child(2){text-align:left}}";

const SCRIPT: &str = r##"
(() => {
const filter = document.getElementById("filter");
const rows = [...document.querySelectorAll("#entries li.entry")];
filter.hidden = false;
filter.addEventListener("input", () => {
  const wanted = filter.value.toLowerCase();
  for (const row of rows) row.hidden = !row.firstElementChild.textContent.toLowerCase().includes(wanted);
});
const drop = document.getElementById("drop");
if (!drop) return;
const picker = drop.querySelector("input[type=file]");
const said = document.getElementById("upload-status");
const limit = Number(drop.dataset.limit);
drop.querySelector("button").hidden = true;
const send = (files) => {
  files = [...files];
  if (!files.length) return;
  const large = files.filter((file) => file.size > limit).map((file) => file.name);
  if (large.length) { said.textContent = `Larger than the upload limit: ${large.join(", ")}`; return; }
  const form = new FormData();
  for (const file of files) form.append("file", file, file.name);
  said.textContent = `Uploading ${files.length} file${files.length > 1 ? "s" : ""}…`;
  fetch(location.pathname, { method: "POST", body: form })
    .then((answer) => answer.ok ? location.reload() : answer.text().then((text) => { said.textContent = text; }))
    .catch((error) => { said.textContent = `Upload failed: ${error}`; });
};
picker.addEventListener("change", () => send(picker.files));
document.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
document.addEventListener("dragleave", () => drop.classList.remove("over"));
document.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  send(event.dataTransfer.files);
});
})();
"##;

/// Renders `entries` (already sorted by `sort`) of the folder shown as `url_path` (decoded, starting and ending
/// with `/`).
pub fn render(entries: &[Entry], url_path: &str, sort: Sort, offers: Offers) -> String {
    let title = format!("Index of {}", escape(url_path));
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style></head>\n<body>\n<h1>Index of {}</h1>\n",
        breadcrumb(url_path)
    );
    // The line under the breadcrumb: what the folder holds, and links that act on the whole folder.
    let folders = entries.iter().filter(|entry| entry.is_dir).count();
    let downloads = if offers.archives {
        " · download as <a href=\"?download=zip\">.zip</a> or <a href=\"?download=tar.gz\">.tar.gz</a>"
    } else {
        ""
    };
    let _ = writeln!(
        page,
        "<p class=\"line\">{}, {}{downloads}</p>",
        counted(folders, "folder"),
        counted(entries.len() - folders, "file")
    );
    if let Some(limit) = offers.upload_limit {
        let _ = writeln!(
            page,
            "<form id=\"drop\" method=\"post\" enctype=\"multipart/form-data\" data-limit=\"{limit}\">\
             <label>Drop files here, or choose them: <input type=\"file\" name=\"file\" multiple></label> \
             <button>Upload</button> <output id=\"upload-status\"></output></form>"
        );
    }
    let _ = writeln!(
        page,
        "<input id=\"filter\" type=\"search\" placeholder=\"Filter\" aria-label=\"Filter the entries\" \
         autocomplete=\"off\" hidden>\n<div class=\"head\">{}{}{}</div>\n<ul id=\"entries\">",
        column_head("Name", SortKey::Name, sort),
        column_head("Size", SortKey::Size, sort),
        column_head("Modified", SortKey::Time, sort),
    );
    if url_path != "/" {
        page.push_str("<li><a href=\"../\">../</a></li>\n");
    }
    for entry in entries {
        let slash = if entry.is_dir { "/" } else { "" };
        let size = if entry.is_dir {
            "<span class=\"size\">-</span>".to_string()
        } else {
            format!(
                "<span class=\"size\" title=\"{} bytes\">{}</span>",
                entry.size,
                human_size(entry.size)
            )
        };
        let modified = entry
            .modified
            .and_then(rfc3339)
            .map(|time| format!("<time datetime=\"{time}\">{}</time>", shown_time(&time)))
            .unwrap_or_default();
        let _ = writeln!(
            page,
            "<li class=\"entry\"><a href=\"{}{slash}\">{}{slash}</a>{size}{modified}</li>",
            percent_encode(&entry.name),
            escape(&entry.name),
        );
    }
    let _ = write!(page, "</ul>\n<script>{SCRIPT}</script>\n</body></html>\n");
    page
}

/// `/`, then each folder of the path, each a link to itself.
fn breadcrumb(url_path: &str) -> String {
    let mut crumbs = String::from("<a href=\"/\">/</a>");
    let mut href = String::from("/");
    for name in url_path.split('/').filter(|name| !name.is_empty()) {
        href.push_str(&percent_encode(name));
        href.push('/');
        let _ = write!(crumbs, "<a href=\"{href}\">{}</a>/", escape(name));
    }
    crumbs
}

fn counted(count: usize, what: &str) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {what}{plural}")
}

/// `2026-11-25 17:03 UTC` from `2026-11-25T17:03:10Z`: short enough to sit beside the size on a phone.
fn shown_time(rfc3339: &str) -> String {
    format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16])
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
    format!("<span><a href=\"?sort={name}&amp;order={order}\">{label}</a>{arrow}</span>")
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
        render(&entries, url_path, sort, Offers::default())
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
    fn breadcrumb_links_each_folder_and_escapes_names() {
        assert_eq!(breadcrumb("/"), "<a href=\"/\">/</a>");
        assert_eq!(
            breadcrumb("/a b/<x>/"),
            "<a href=\"/\">/</a><a href=\"/a%20b/\">a b</a>/<a href=\"/a%20b/%3Cx%3E/\">&lt;x&gt;</a>/"
        );
        assert_eq!(shown_time("2026-11-25T17:03:10Z"), "2026-11-25 17:03 UTC");
    }

    #[test]
    fn the_upload_form_only_when_offered() {
        let dir = tempfile::tempdir().unwrap();
        let (entries, _) = read(dir.path(), false).unwrap();
        let sort = Sort::from_query("");
        let plain = render(&entries, "/", sort, Offers::default());
        assert!(!plain.contains("<form"));
        let offers = Offers {
            upload_limit: Some(1024),
            ..Offers::default()
        };
        let uploading = render(&entries, "/", sort, offers);
        assert!(uploading.contains("data-limit=\"1024\""), "{uploading}");
        assert!(
            !uploading.contains("?download="),
            "archives were not offered"
        );
        assert!(
            plain.contains("<meta name=\"viewport\"")
                && uploading.contains("<meta name=\"viewport\"")
        );
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
