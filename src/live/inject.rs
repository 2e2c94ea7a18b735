//! Putting the live-reload script into an HTML page: first thing in its `<head>`, so that it hears the errors of
//! the page's own scripts (the console, console.rs), else before the last `</body>`, else at the end.

pub const SCRIPT_PATH: &str = "/.lanai/live.js";
const TAG: &[u8] = b"<script src=\"/.lanai/live.js\"></script>";

pub fn into_html(page: &[u8]) -> Vec<u8> {
    let at = after_head_tag(page)
        .or_else(|| rfind_ignore_case(page, b"</body"))
        .unwrap_or(page.len());
    let mut injected = Vec::with_capacity(page.len() + TAG.len());
    injected.extend_from_slice(&page[..at]);
    injected.extend_from_slice(TAG);
    injected.extend_from_slice(&page[at..]);
    injected
}

/// Just after the first `<head>` tag (`<head` then `>` or a space, so not `<header>`).
fn after_head_tag(page: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = find_ignore_case(&page[from..], b"<head") {
        let name_end = from + found + b"<head".len();
        match page.get(name_end) {
            Some(b'>' | b' ' | b'\t' | b'\r' | b'\n') => {
                let close = page[name_end..].iter().position(|&byte| byte == b'>')?;
                return Some(name_end + close + 1);
            }
            _ => from = name_end,
        }
    }
    None
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

fn rfind_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=haystack.len().checked_sub(needle.len())?)
        .rev()
        .find(|&at| haystack[at..at + needle.len()].eq_ignore_ascii_case(needle))
}

/// The script the pages load: follow the change stream, swap stylesheets, reload for anything else, and reload
/// after the server comes back, since files may have changed while it was away.
pub const SCRIPT: &str = r#"(() => {
  const source = new EventSource("/.lanai/events");
  let lost = false;
  source.addEventListener("open", () => { if (lost) location.reload(); });
  source.addEventListener("error", () => { lost = true; });
  source.addEventListener("reload", () => location.reload());
  source.addEventListener("css", (event) => {
    const sheets = [...document.querySelectorAll('link[rel~="stylesheet"]')].filter((link) =>
      decodeURIComponent(new URL(link.href, location.href).pathname) === event.data);
    if (sheets.length === 0) { location.reload(); return; }
    for (const link of sheets) {
      const url = new URL(link.href, location.href);
      url.searchParams.set("lanai", Date.now());
      const fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.addEventListener("load", () => link.remove());
      fresh.addEventListener("error", () => link.remove());
      link.after(fresh);
    }
  });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn injected(page: &str) -> String {
        String::from_utf8(into_html(page.as_bytes())).unwrap()
    }

    #[test]
    fn before_the_last_closing_body() {
        let tag = std::str::from_utf8(TAG).unwrap();
        assert_eq!(
            injected("<p>a</p></body></html>"),
            format!("<p>a</p>{tag}</body></html>")
        );
        assert_eq!(
            injected("<p>a</p></BODY ></HTML>"),
            format!("<p>a</p>{tag}</BODY ></HTML>")
        );
        assert_eq!(
            injected("<p>&lt;/body&gt;</p></body>"),
            format!("<p>&lt;/body&gt;</p>{tag}</body>")
        );
        assert_eq!(
            injected("x</body>y</body>"),
            format!("x</body>y{tag}</body>")
        );
    }

    #[test]
    fn first_thing_in_the_head() {
        let tag = std::str::from_utf8(TAG).unwrap();
        assert_eq!(
            injected("<html><HEAD lang=x><title>t</title></head><body></body>"),
            format!("<html><HEAD lang=x>{tag}<title>t</title></head><body></body>")
        );
        assert_eq!(
            injected("<header>a</header><head>b</body>"),
            format!("<header>a</header><head>{tag}b</body>")
        );
        assert_eq!(
            injected("<header>a</header></body>"),
            format!("<header>a</header>{tag}</body>")
        );
        assert_eq!(injected("<head"), format!("<head{tag}"));
    }

    #[test]
    fn at_the_end_without_body() {
        let tag = std::str::from_utf8(TAG).unwrap();
        assert_eq!(
            injected("<html>Directory index file</html>\n"),
            format!("<html>Directory index file</html>\n{tag}")
        );
        assert_eq!(injected(""), tag);
        assert!(tag.contains(SCRIPT_PATH));
    }
}
