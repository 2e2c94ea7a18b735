//! What differs between operating systems, kept behind cfg in this one module.

use std::borrow::Cow;
use std::fs::{File, Metadata};
use std::io;
use std::net::TcpStream;
use std::path::{Path, PathBuf};

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

/// This machine's host name, as other machines on the LAN may know it (plain, or with `.local` by mDNS).
#[cfg(unix)]
pub fn host_name() -> Option<String> {
    let name = rustix::system::uname()
        .nodename()
        .to_str()
        .ok()?
        .to_string();
    (!name.is_empty()).then_some(name)
}

#[cfg(windows)]
pub fn host_name() -> Option<String> {
    std::env::var("COMPUTERNAME")
        .ok()
        .filter(|name| !name.is_empty())
}

#[cfg(not(any(unix, windows)))]
pub fn host_name() -> Option<String> {
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
    let flags = rustix::net::SendFlags::MORE | rustix::net::SendFlags::NOSIGNAL;
    Ok(Some(rustix::net::send(socket, bytes, flags)?))
}

#[cfg(not(target_os = "linux"))]
pub fn send_more(_socket: &TcpStream, _bytes: &[u8]) -> io::Result<Option<usize>> {
    Ok(None)
}

/// Whether a socket bound to `::` also takes IPv4 connections. Linux, macOS and the BSDs make such sockets
/// dual-stack by default; Windows makes them IPv6-only.
#[cfg(not(windows))]
pub const WILDCARD_IPV6_ACCEPTS_IPV4: bool = true;

#[cfg(windows)]
pub const WILDCARD_IPV6_ACCEPTS_IPV4: bool = false;

/// The platform's own way to open a URL in the default browser, as program and arguments.
#[cfg(target_os = "macos")]
pub fn url_opener(url: &str) -> Vec<String> {
    vec!["open".to_string(), url.to_string()]
}

/// `start` is built into cmd; its first quoted argument is a window title, hence the empty one (passed as `""`).
#[cfg(windows)]
pub fn url_opener(url: &str) -> Vec<String> {
    ["cmd", "/c", "start", "", url].map(str::to_string).to_vec()
}

#[cfg(not(any(target_os = "macos", windows)))]
pub fn url_opener(url: &str) -> Vec<String> {
    vec!["xdg-open".to_string(), url.to_string()]
}

/// Writes a file only this user may read (mode 0600), for private keys. The file is created with that mode, so
/// it is never readable by others, not even for a moment.
#[cfg(unix)]
pub fn write_private(path: &std::path::Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(contents)
}

/// On Windows a file in the user's AppData folder is private to the user already (its ACL is inherited).
#[cfg(not(unix))]
pub fn write_private(path: &std::path::Path, contents: &[u8]) -> io::Result<()> {
    std::fs::write(path, contents)
}

/// Makes a folder of private files reachable by this user only (mode 0700).
#[cfg(unix)]
pub fn make_private_folder(path: &std::path::Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
pub fn make_private_folder(_path: &std::path::Path) -> io::Result<()> {
    Ok(())
}

/// The path Windows opens for `path`: every name spelled in full, so an 8.3 short name such as `GIT~1` shows as
/// the `.git` it stands for (std's canonicalize asks the opened handle, GetFinalPathNameByHandleW; Windows' own
/// GetLongPathNameW is no help under wine, which leaves verbatim `\\?\` paths as they are). `None` where a file
/// has no second spelling (every OS but Windows), at no cost.
#[cfg(windows)]
pub fn opened_path(path: &Path) -> io::Result<Option<PathBuf>> {
    std::fs::canonicalize(path).map(Some)
}

#[cfg(not(windows))]
pub fn opened_path(_path: &Path) -> io::Result<Option<PathBuf>> {
    Ok(None)
}

/// `path` as people should read it. Windows' canonical paths start with the verbatim prefix `\\?\`, which turns
/// off Windows' own rewriting of names and so stays on every path lanai opens; printed, it only confuses.
#[cfg(windows)]
pub fn shown(path: &Path) -> Cow<'_, Path> {
    match path.to_str() {
        Some(text) if text.starts_with(r"\\?\UNC\") => {
            Cow::Owned(format!(r"\\{}", &text[8..]).into())
        }
        Some(text) if text.starts_with(r"\\?\") => Cow::Borrowed(Path::new(&text[4..])),
        _ => Cow::Borrowed(path),
    }
}

#[cfg(not(windows))]
pub fn shown(path: &Path) -> Cow<'_, Path> {
    Cow::Borrowed(path)
}
