//! Where an upload may go, decided with the files endpoint's own rules (files/path.rs for names, the site's
//! symlink policy for the folder): an existing folder inside the root, reached as a GET would reach it, and a
//! plain name in it that is not a rules file and not already taken (unless --upload-overwrite, and then only by
//! a file: never a folder, never a link).

use crate::files::path::{self, PathError};
use crate::files::{self, Site};
use crate::http::vocabulary::StatusCode;
use std::path::{Path, PathBuf};

/// A refusal: the status and a sentence for the page.
pub type Refusal = (StatusCode, String);

/// The folder a URL path names (it ends in `/`), as a path on disk.
pub fn folder(site: &Site, url_path: &str) -> Result<PathBuf, Refusal> {
    let safe = resolve(site, url_path)?;
    let found = site.metadata_below(&site.root, &safe.relative);
    if !safe.trailing_slash || !found.is_ok_and(|metadata| metadata.is_dir()) {
        return Err(not_found(url_path));
    }
    Ok(site.root.join(&safe.relative))
}

/// The folder and file name a PUT's URL path names; the folder must exist.
pub fn file(site: &Site, url_path: &str) -> Result<(PathBuf, String), Refusal> {
    let safe = resolve(site, url_path)?;
    let name = match safe.relative.file_name().and_then(|name| name.to_str()) {
        Some(name) if !safe.trailing_slash => name.to_string(),
        _ => {
            let why = "a PUT names the file to write, such as /folder/name.txt";
            return Err((StatusCode::BadRequest, why.into()));
        }
    };
    let parent = safe.relative.parent().unwrap_or(Path::new(""));
    let found = site.metadata_below(&site.root, parent);
    if !found.is_ok_and(|metadata| metadata.is_dir()) {
        return Err(not_found(url_path));
    }
    Ok((site.root.join(parent), name))
}

/// Whether `name` may be written in `folder` (below `root`): a name a request could ask for, not a rules file,
/// and free (or, with `overwrite`, a file). Checked again, atomically, when the file is put in place.
pub fn check_name(
    root: &Path,
    folder: &Path,
    name: &str,
    hidden: bool,
    overwrite: bool,
) -> Result<PathBuf, Refusal> {
    let refused = |why: &str| (StatusCode::Forbidden, format!("'{name}': {why}"));
    match path::check_name(name, hidden) {
        Ok(()) => {}
        Err(PathError::Hidden) => return Err(refused("a hidden name (--hidden allows them)")),
        Err(_) => return Err(refused("not a name lanai would serve")),
    }
    if folder == root && files::is_rules_file(Path::new(name)) {
        return Err(refused("the site's rules files are not uploaded"));
    }
    let target = folder.join(name);
    match std::fs::symlink_metadata(&target) {
        Ok(existing) if !overwrite || !existing.is_file() => Err(taken(name)),
        _ => Ok(target),
    }
}

pub fn taken(name: &str) -> Refusal {
    let why = format!("'{name}' exists already; lanai replaces files only with --upload-overwrite");
    (StatusCode::Conflict, why)
}

fn resolve(site: &Site, url_path: &str) -> Result<path::SafePath, Refusal> {
    path::resolve(url_path, site.hidden).map_err(|error| match error {
        PathError::BadEncoding => (StatusCode::BadRequest, "the path does not decode".into()),
        // As for a GET: nothing is revealed about what exists.
        PathError::Refused | PathError::Hidden => not_found(url_path),
    })
}

fn not_found(url_path: &str) -> Refusal {
    let why = format!("there is no folder to upload into at {url_path}");
    (StatusCode::NotFound, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_request_rules_and_taken_names_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("old.txt"), "old").unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        let check = |name: &str, overwrite: bool| {
            check_name(root, root, name, false, overwrite).map_err(|(status, _)| status)
        };
        assert_eq!(check("new.txt", false), Ok(root.join("new.txt")));
        for refused in [
            "..", ".env", "a/b", "a\\b", "CON", "nul.txt", "a:b", "x.", "_headers",
        ] {
            assert_eq!(
                check(refused, false),
                Err(StatusCode::Forbidden),
                "{refused}"
            );
        }
        assert!(check_name(root, root, ".env", true, false).is_ok());
        assert!(check_name(root, &root.join("sub"), "_headers", false, false).is_ok());
        assert_eq!(check("old.txt", false), Err(StatusCode::Conflict));
        assert_eq!(check("old.txt", true), Ok(root.join("old.txt")));
        assert_eq!(check("sub", true), Err(StatusCode::Conflict));
    }
}
