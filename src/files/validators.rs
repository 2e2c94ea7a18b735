//! The validators of a file: a strong ETag and Last-Modified, from its metadata alone (no read of the content).

use crate::platform;
use std::fs::Metadata;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// Quoted, e.g. `"1a2b-5f3c1e2d4a-22"`: identity, modification time in nanoseconds and size, so an edit, a
    /// replacement or a change of length each make a new tag.
    pub etag: String,
    /// Modification time truncated to the second, as HTTP dates carry it.
    pub last_modified: SystemTime,
}

impl Validators {
    pub fn of(metadata: &Metadata) -> Self {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        Validators {
            etag: format!(
                "\"{:x}-{:x}-{:x}\"",
                platform::file_identity(metadata),
                modified.as_nanos(),
                metadata.len()
            ),
            last_modified: UNIX_EPOCH + Duration::from_secs(modified.as_secs()),
        }
    }

    /// The tag with `-suffix` inside its quotes: the tag of another representation of the same file (the page
    /// with the live script, a compression), which changes whenever this one does.
    pub fn tagged(&self, suffix: &str) -> String {
        let mut tag = self.etag.clone();
        tag.insert_str(tag.len().saturating_sub(1), &format!("-{suffix}"));
        tag
    }

    pub fn last_modified_text(&self) -> String {
        httpdate::fmt_http_date(self.last_modified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_changes_the_tag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "one").unwrap();
        let first = Validators::of(&std::fs::metadata(&path).unwrap());
        assert!(first.etag.starts_with('"') && first.etag.ends_with('"'));
        assert_eq!(Validators::of(&std::fs::metadata(&path).unwrap()), first);
        std::fs::write(&path, "three").unwrap();
        assert_ne!(
            Validators::of(&std::fs::metadata(&path).unwrap()).etag,
            first.etag
        );
        assert_eq!(
            Validators {
                etag: "\"1-2-3\"".to_string(),
                last_modified: UNIX_EPOCH
            }
            .tagged("br"),
            "\"1-2-3-br\""
        );
        let since_epoch = first.last_modified.duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(since_epoch.subsec_nanos(), 0);
    }
}
