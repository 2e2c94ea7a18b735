//! What differs between operating systems, kept behind cfg in this one module.

use std::fs::{File, Metadata};
use std::io;
use std::net::TcpStream;

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

/// Sends up to `count` bytes of `file` from `offset` straight to `socket` (sendfile(2): no copy through user
/// memory) and advances `offset`. `Ok(None)` where the OS has no such call, and the caller copies instead.
#[cfg(target_os = "linux")]
pub fn send_file(
    socket: &TcpStream,
    file: &File,
    offset: &mut u64,
    count: usize,
) -> io::Result<Option<usize>> {
    use std::os::fd::AsFd;
    Ok(Some(rustix::fs::sendfile(
        socket.as_fd(),
        file,
        Some(offset),
        count,
    )?))
}

#[cfg(not(target_os = "linux"))]
pub fn send_file(
    _socket: &TcpStream,
    _file: &File,
    _offset: &mut u64,
    _count: usize,
) -> io::Result<Option<usize>> {
    Ok(None)
}

/// Sends `bytes` with MSG_MORE: the kernel holds them for the data that follows (a file's first bytes), so a
/// response head and its body leave in one segment. `Ok(None)` where the OS has no such flag.
#[cfg(target_os = "linux")]
pub fn send_more(socket: &TcpStream, bytes: &[u8]) -> io::Result<Option<usize>> {
    Ok(Some(rustix::net::send(
        socket,
        bytes,
        rustix::net::SendFlags::MORE,
    )?))
}

#[cfg(not(target_os = "linux"))]
pub fn send_more(_socket: &TcpStream, _bytes: &[u8]) -> io::Result<Option<usize>> {
    Ok(None)
}
