//! What differs between operating systems, kept behind cfg in this one module.

use async_std::net::TcpStream;
use std::borrow::Cow;
use std::fs::{File, Metadata};
use std::io;
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

/// `path` with each 8.3 short name (`GIT~1`) replaced by the long name it stands for: the names Windows actually
/// opens. `None` where a file has no such second spelling (every OS but Windows).
#[cfg(windows)]
pub fn long_name(path: &Path) -> io::Result<Option<PathBuf>> {
    use std::os::windows::ffi::{OsStrExt, OsStringExt};
    use windows_sys::Win32::Storage::FileSystem::GetLongPathNameW;
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    let mut long = vec![0u16; 260];
    loop {
        let capacity = u32::try_from(long.len()).map_err(|_| io::ErrorKind::InvalidFilename)?;
        // SAFETY: `wide` is NUL-terminated and `long` has room for `capacity` UTF-16 units, as the call requires.
        let written =
            unsafe { GetLongPathNameW(wide.as_ptr(), long.as_mut_ptr(), capacity) } as usize;
        match written {
            0 => return Err(io::Error::last_os_error()),
            // Too small: `written` is the size needed, its NUL included.
            needed if needed > long.len() => long.resize(needed, 0),
            length => {
                long.truncate(length);
                return Ok(Some(PathBuf::from(std::ffi::OsString::from_wide(&long))));
            }
        }
    }
}

#[cfg(not(windows))]
pub fn long_name(_path: &Path) -> io::Result<Option<PathBuf>> {
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
