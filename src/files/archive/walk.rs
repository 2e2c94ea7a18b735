//! The walk through a folder for its archive, under the same rules as serving: names that are not UTF-8 are left
//! out (no request could name them), dotfiles unless --hidden, links out of the root unless --follow-symlinks,
//! the rules files, and anything that is neither a file nor a folder. Entries come in name order, each folder
//! before what it holds; a folder met again below itself (a link to an ancestor) is not entered twice.

use super::super::{is_rules_file, open, site::Visible};
use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

/// What the walk hands over, named by its path in the archive (`top/sub/name`, `/`-separated).
pub enum Entry<'a> {
    Folder {
        name: &'a str,
        metadata: &'a Metadata,
    },
    /// `file` is open, and `metadata` is read from it: the length and time of what will be read.
    File {
        name: &'a str,
        file: File,
        metadata: &'a Metadata,
    },
}

/// The rules the walk follows, owned, so it can run on a thread of its own.
pub struct Walk {
    pub root: PathBuf,
    pub hidden: bool,
    pub follow_symlinks: bool,
}

impl Walk {
    /// Hands `dir` (within the root) and everything below it to `each`, `dir` itself as `top`. An error from
    /// `each` (the client left) stops the walk; a name that cannot be read is left out and logged.
    pub fn run(
        &self,
        dir: &Path,
        top: &str,
        each: &mut dyn FnMut(Entry<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        let metadata = std::fs::metadata(dir)?;
        let mut ancestors = vec![dir.canonicalize()?];
        each(Entry::Folder {
            name: &format!("{top}/"),
            metadata: &metadata,
        })?;
        self.folder(dir, top, &mut ancestors, each)
    }

    fn visible(&self) -> Visible<'_> {
        Visible {
            root: &self.root,
            hidden: self.hidden,
            follow_symlinks: self.follow_symlinks,
        }
    }

    fn folder(
        &self,
        dir: &Path,
        shown: &str,
        ancestors: &mut Vec<PathBuf>,
        each: &mut dyn FnMut(Entry<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut names = match names(dir, self.hidden) {
            Ok(names) => names,
            Err(error) => {
                log::warn!(
                    "{} is left out of an archive: {error}",
                    crate::platform::shown(dir).display()
                );
                return Ok(());
            }
        };
        names.sort_unstable();
        for name in names {
            let path = dir.join(&name);
            let at_root = dir == self.root;
            if at_root && is_rules_file(Path::new(&name)) {
                continue;
            }
            let Ok(metadata) = self.visible().metadata_below(dir, Path::new(&name)) else {
                // Not served (a link out of the root, a rules file by another name) or gone meanwhile.
                continue;
            };
            let inner = format!("{shown}/{name}");
            if metadata.is_dir() {
                let Ok(real) = path.canonicalize() else {
                    continue;
                };
                if ancestors.iter().any(|ancestor| ancestor.starts_with(&real)) {
                    log::debug!(
                        "{inner} is left out of an archive: it leads back to a folder above it"
                    );
                    continue;
                }
                each(Entry::Folder {
                    name: &format!("{inner}/"),
                    metadata: &metadata,
                })?;
                ancestors.push(real);
                self.folder(&path, &inner, ancestors, each)?;
                ancestors.pop();
            } else if metadata.is_file() {
                let (file, metadata) = match open(&path) {
                    Ok(opened) if opened.1.is_file() => opened,
                    Ok(_) => continue,
                    Err(error) => {
                        log::warn!("{inner} is left out of an archive: {error}");
                        continue;
                    }
                };
                each(Entry::File {
                    name: &inner,
                    file,
                    metadata: &metadata,
                })?;
            }
        }
        Ok(())
    }
}

/// The names in `dir` the walk may take: UTF-8, and no dotfiles unless `hidden`.
fn names(dir: &Path, hidden: bool) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let Ok(name) = entry?.file_name().into_string() else {
            continue;
        };
        if hidden || !name.starts_with('.') {
            names.push(name);
        }
    }
    Ok(names)
}
