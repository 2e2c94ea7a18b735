//! Content-Type by file extension. A fixed table comes first so the answers that matter (the exercise's types and
//! the modern web types) are the same on every OS and never carry a charset unless `--charset` asks; mime_guess
//! covers the rest. Other text (`text/plain`, `text/markdown`, `text/csv`…) says it is UTF-8, so that a phone
//! does not read `résumé` as Latin-1.

use std::borrow::Cow;
use std::path::Path;

const FALLBACK: &str = "application/octet-stream";

const TABLE: &[(&str, &str)] = &[
    ("html", "text/html"),
    ("htm", "text/html"),
    ("css", "text/css"),
    ("js", "text/javascript"),
    ("mjs", "text/javascript"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("swf", "application/x-shockwave-flash"),
    ("txt", "text/plain"),
    ("json", "application/json"),
    ("map", "application/json"),
    ("wasm", "application/wasm"),
    ("svg", "image/svg+xml"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("ico", "image/x-icon"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
];

pub fn content_type(path: &Path) -> &'static str {
    let Some(extension) = path.extension().and_then(|extension| extension.to_str()) else {
        return FALLBACK;
    };
    TABLE
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(extension))
        .map(|&(_, mime)| mime)
        .or_else(|| mime_guess::from_ext(extension).first_raw())
        .unwrap_or(FALLBACK)
}

/// The types the exercise compares exactly: never a charset unless `--charset` asks for one.
const EXACT_TEXT: &[&str] = &["text/html", "text/css", "text/javascript"];

/// `mime` with `; charset=<charset>` appended when a charset is configured and the type is textual; without one,
/// `text/*` outside the exercise's exact types gets `; charset=utf-8`. JSON is UTF-8 by definition (RFC 8259
/// registers no charset) and XML and SVG declare their own encoding, so they are left as they are.
pub fn with_charset(mime: &'static str, charset: Option<&str>) -> Cow<'static, str> {
    match charset {
        Some(charset) if is_textual(mime) => Cow::Owned(format!("{mime}; charset={charset}")),
        None if mime.starts_with("text/") && !EXACT_TEXT.contains(&mime) => {
            Cow::Owned(format!("{mime}; charset=utf-8"))
        }
        _ => Cow::Borrowed(mime),
    }
}

fn is_textual(mime: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "image/svg+xml"
                | "application/manifest+json"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(name: &str) -> &'static str {
        content_type(Path::new(name))
    }

    #[test]
    fn exercise_types_are_exact() {
        assert_eq!(of("index.html"), "text/html");
        assert_eq!(of("splash.css"), "text/css");
        assert_eq!(of("jquery-1.9.1.js"), "text/javascript");
        assert_eq!(of("160313.jpg"), "image/jpeg");
        assert_eq!(of("ef35c.jpeg"), "image/jpeg");
        assert_eq!(of("logo.v2.png"), "image/png");
        assert_eq!(of("pic_ask.gif"), "image/gif");
        assert_eq!(of("b16261023.swf"), "application/x-shockwave-flash");
        assert_eq!(of("PAGE.HTML"), "text/html");
    }

    #[test]
    fn others_come_from_mime_guess_or_fall_back() {
        assert_eq!(of("archive.zip"), "application/zip");
        assert_eq!(of("module.wasm"), "application/wasm");
        assert_eq!(of("font.woff2"), "font/woff2");
        assert_eq!(of("data.unknownext"), FALLBACK);
        assert_eq!(of("Makefile"), FALLBACK);
    }

    #[test]
    fn other_text_is_utf8_by_default_while_the_exercise_types_stay_exact() {
        for exact in ["text/html", "text/css", "text/javascript"] {
            assert_eq!(with_charset(exact, None), exact);
        }
        for (name, expected) in [
            ("notes.txt", "text/plain; charset=utf-8"),
            ("README.md", "text/markdown; charset=utf-8"),
            ("table.csv", "text/csv; charset=utf-8"),
            ("data.json", "application/json"),
            ("icon.svg", "image/svg+xml"),
            ("photo.jpg", "image/jpeg"),
        ] {
            assert_eq!(with_charset(of(name), None), expected, "{name}");
        }
        assert_eq!(
            with_charset(of("notes.txt"), Some("iso-8859-1")),
            "text/plain; charset=iso-8859-1"
        );
    }

    #[test]
    fn charset_only_on_text() {
        assert_eq!(with_charset("text/html", None), "text/html");
        assert_eq!(
            with_charset("text/html", Some("utf-8")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            with_charset("image/svg+xml", Some("utf-8")),
            "image/svg+xml; charset=utf-8"
        );
        assert_eq!(
            with_charset("application/json", Some("utf-8")),
            "application/json; charset=utf-8"
        );
        assert_eq!(with_charset("image/png", Some("utf-8")), "image/png");
        assert_eq!(
            with_charset("application/wasm", Some("utf-8")),
            "application/wasm"
        );
    }
}
