//! What differs between operating systems, kept behind cfg in this one module.

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
