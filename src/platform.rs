//! What differs between operating systems, kept behind cfg in this one module.

use std::fs::Metadata;

/// Raises the soft limit on open descriptors to the hard limit, since every connection needs one, and returns
/// the limit now in force. `None` where no such per-process limit applies to sockets (Windows).
#[cfg(unix)]
pub fn raise_descriptor_limit() -> Option<u64> {
    rlimit::increase_nofile_limit(u64::MAX).ok()
}

#[cfg(not(unix))]
pub fn raise_descriptor_limit() -> Option<u64> {
    None
}

/// A number that tells this file apart from another file of the same size and time: the inode on Unix. Windows'
/// file index is not exposed by stable std, so there its creation time stands in.
#[cfg(unix)]
pub fn file_identity(metadata: &Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    metadata.ino()
}

#[cfg(not(unix))]
pub fn file_identity(metadata: &Metadata) -> u64 {
    metadata
        .created()
        .ok()
        .and_then(|created| created.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos() as u64)
}
