//! Differences between operating systems, kept in one place.

use std::fs::Metadata;

/// A number that tells this file apart from another file of the same size and time: the inode on Unix. Windows'
/// file index is not exposed by stable std, so there its creation time stands in.
pub fn file_identity(metadata: &Metadata) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        metadata.ino()
    }
    #[cfg(not(unix))]
    {
        metadata
            .created()
            .ok()
            .and_then(|created| created.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos() as u64)
    }
}
