//! Differences between operating systems, kept in one place.

/// True for a file name Windows would not treat as a plain name inside a folder: a drive or stream (`C:`,
/// `a:b`), one that Windows silently alters (trailing dot or space), or a device name (`CON`, `nul.txt`).
/// Elsewhere these are ordinary names. Joining such a segment onto the root could leave it, so the path
/// resolver refuses them.
pub fn is_reserved_name(segment: &str) -> bool {
    cfg!(windows) && reserved_on_windows(segment)
}

fn reserved_on_windows(segment: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_reserved_names() {
        for name in [
            "C:",
            "a:b",
            "file.txt:stream",
            "name.",
            "name ",
            "CON",
            "con.txt",
            "Nul",
            "COM1",
            "lpt9.log",
        ] {
            assert!(reserved_on_windows(name), "{name}");
        }
        for name in [
            "console.txt",
            "com10",
            "index.html",
            "text..txt",
            "space in name.txt",
            "nullable",
            "éé",
        ] {
            assert!(!reserved_on_windows(name), "{name}");
        }
    }

    #[test]
    fn only_windows_refuses_them() {
        assert_eq!(is_reserved_name("C:"), cfg!(windows));
    }
}
