//! The symlink policy: unless --follow-symlinks, a path may pass through symbolic links only while where they
//! lead stays inside the document root. Paths are checked component by component with lstat, so the common case
//! (no link at all) costs no more than the stat it replaces.

use std::fs::Metadata;
use std::io;
use std::path::Path;

/// The metadata of `inside.join(rest)`, where `inside` is a folder already known to be within `root`. A path that
/// leaves the root through a link is reported as not found.
pub fn metadata_below(
    root: &Path,
    inside: &Path,
    rest: &Path,
    follow_symlinks: bool,
) -> io::Result<Metadata> {
    let full = inside.join(rest);
    if follow_symlinks {
        return std::fs::metadata(&full);
    }
    let mut walked = inside.to_path_buf();
    let mut last = None;
    for component in rest.components() {
        walked.push(component);
        let metadata = std::fs::symlink_metadata(&walked)?;
        if metadata.file_type().is_symlink() {
            let target = full.canonicalize()?;
            if !target.starts_with(root) {
                log::debug!(
                    "404 for {}: a symbolic link leads outside the root (--follow-symlinks follows it)",
                    crate::platform::shown(&full).display()
                );
                return Err(io::ErrorKind::NotFound.into());
            }
            return std::fs::metadata(&target);
        }
        last = Some(metadata);
    }
    match last {
        Some(metadata) => Ok(metadata),
        None => std::fs::metadata(inside),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_inside_are_followed_links_outside_are_not() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        let root_dir = tempfile::tempdir().unwrap();
        let root = root_dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("real")).unwrap();
        std::fs::write(root.join("real/page.html"), "page").unwrap();
        symlink(root.join("real"), root.join("alias")).unwrap();
        symlink(outside.path(), root.join("escape")).unwrap();
        symlink(
            outside.path().join("secret.txt"),
            root.join("real/secret.txt"),
        )
        .unwrap();

        let below =
            |rest: &str, follow: bool| metadata_below(&root, &root, Path::new(rest), follow);
        assert!(below("real/page.html", false).unwrap().is_file());
        assert!(below("alias/page.html", false).unwrap().is_file());
        assert!(below("alias", false).unwrap().is_dir());
        for escaping in ["escape/secret.txt", "escape", "real/secret.txt"] {
            assert_eq!(
                below(escaping, false).unwrap_err().kind(),
                io::ErrorKind::NotFound,
                "{escaping}"
            );
            assert!(
                below(escaping, true).is_ok(),
                "{escaping} with --follow-symlinks"
            );
        }
        assert!(below("", false).unwrap().is_dir());
        assert_eq!(
            below("missing", false).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }
}
