//! What differs between operating systems, kept behind cfg in this one module.

use std::borrow::Cow;
use std::fs::{File, Metadata};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
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

/// Takes a pending connection, already non-blocking: on Linux accept4 sets that itself, sparing the ioctl the
/// reactor would make for each connection. `WouldBlock` when none is pending.
#[cfg(target_os = "linux")]
pub fn accept_nonblocking(listener: &TcpListener) -> io::Result<(TcpStream, SocketAddr)> {
    use rustix::net::{acceptfrom_with, SocketFlags};
    let (socket, peer) = acceptfrom_with(listener, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC)?;
    let peer = peer
        .and_then(|peer| SocketAddr::try_from(peer).ok())
        .ok_or_else(|| io::Error::other("a connection without an IP address"))?;
    Ok((TcpStream::from(socket), peer))
}

#[cfg(not(target_os = "linux"))]
pub fn accept_nonblocking(listener: &TcpListener) -> io::Result<(TcpStream, SocketAddr)> {
    let (socket, peer) = listener.accept()?;
    socket.set_nonblocking(true)?;
    Ok((socket, peer))
}

/// Asks the kernel to hand over a connection only once its first bytes have come (TCP_DEFER_ACCEPT, one second,
/// after which a silent one is handed over all the same): an HTTP client speaks first, so the first read of every
/// connection finds its request, and a connection answered at once never needs the reactor (measured under the
/// exercise's ab: 11.6 system calls a connection before, 6.5 with it). Best effort: a listener without it only
/// waits more.
#[cfg(target_os = "linux")]
pub fn defer_accept(listener: &TcpListener) {
    use std::os::fd::AsRawFd;
    let seconds: libc::c_int = 1;
    // SAFETY: setsockopt reads exactly `size_of::<c_int>()` bytes from a live c_int, on a descriptor the listener
    // owns for the whole call. rustix, socket2 and nix have no safe call for this option.
    unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_DEFER_ACCEPT,
            (&seconds as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(target_os = "linux"))]
pub fn defer_accept(_listener: &TcpListener) {}

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

/// Writes a file only this user may read (mode 0600), for private keys, and flushes it to disk (it is renamed into
/// place next). The file is created with that mode, so it is never readable by others, not even for a moment.
#[cfg(unix)]
pub fn write_private(path: &std::path::Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// On Windows a file in the user's AppData folder is private to the user already (its ACL is inherited).
#[cfg(not(unix))]
pub fn write_private(path: &std::path::Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = File::create(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Whether users other than the owner may read or change the file (its group or other mode bits).
#[cfg(unix)]
pub fn open_to_others(metadata: &Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o077 != 0
}

/// Windows files carry ACLs, not modes; one in the user's AppData inherits the user's own.
#[cfg(not(unix))]
pub fn open_to_others(_metadata: &Metadata) -> bool {
    false
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

/// What changed at a watched path, as `ChangeQueue` reports it. A watch is the number `ChangeQueue::watch` gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// An entry of a watched folder was written, created, deleted, renamed or had its attributes changed.
    Entry(i32, &'a std::ffi::OsStr),
    /// The watched file or folder itself was written or had its attributes (permissions) changed.
    Itself(i32),
    /// The watched file or folder was moved or deleted, or its watch ended: its path no longer names it.
    Gone(i32),
    /// Changes were lost (the queue overflowed): anything may have changed.
    Overflow,
}

/// A queue of changes at watched paths, read without blocking: inotify on Linux. The kernel queues a change
/// inside the system call that makes it (write, rename, unlink, chmod, ...), before that call returns, so a
/// change a client made before sending a request is in the queue when the request is handled. Where the OS has
/// no such queue, `new` fails and callers keep checking with stat.
#[cfg(target_os = "linux")]
pub struct ChangeQueue(std::os::fd::OwnedFd);

#[cfg(target_os = "linux")]
impl ChangeQueue {
    pub fn new() -> io::Result<ChangeQueue> {
        use rustix::fs::inotify::{init, CreateFlags};
        Ok(ChangeQueue(init(
            CreateFlags::NONBLOCK | CreateFlags::CLOEXEC,
        )?))
    }

    /// Watches the folder or file at `path` (its last component not followed if a symlink), returning the watch.
    pub fn watch(&self, path: &Path, folder: bool) -> io::Result<i32> {
        use rustix::fs::inotify::{add_watch, WatchFlags};
        let mut flags = WatchFlags::MODIFY
            | WatchFlags::ATTRIB
            | WatchFlags::CLOSE_WRITE
            | WatchFlags::DELETE_SELF
            | WatchFlags::MOVE_SELF
            | WatchFlags::DONT_FOLLOW;
        if folder {
            flags |= WatchFlags::MOVED_FROM
                | WatchFlags::MOVED_TO
                | WatchFlags::CREATE
                | WatchFlags::DELETE
                | WatchFlags::ONLYDIR;
        }
        Ok(add_watch(&self.0, path, flags)?)
    }

    pub fn unwatch(&self, watch: i32) {
        // The kernel may have ended the watch already (the path was deleted): nothing left to do then.
        let _ = rustix::fs::inotify::remove_watch(&self.0, watch);
    }

    /// Calls `each` for every change queued before this call (and perhaps some queued since). Changes that keep
    /// coming while it reads (a log written in a watched folder) are left for the next call, so it always ends.
    pub fn read(&self, mut each: impl FnMut(Change<'_>)) -> io::Result<()> {
        use rustix::fs::inotify::{ReadFlags, Reader};
        use std::os::unix::ffi::OsStrExt;
        // Room for several events with names up to NAME_MAX; a smaller buffer makes read fail with EINVAL.
        const BUFFER: u64 = 4096;
        const LARGEST_EVENT: u64 = 16 + 256;
        let queued = rustix::io::ioctl_fionread(&self.0)?;
        if queued == 0 {
            return Ok(());
        }
        // A read takes whole events, at least the buffer less one largest event when that many are queued.
        let reads = queued.div_ceil(BUFFER - LARGEST_EVENT);
        let mut buffer = [std::mem::MaybeUninit::uninit(); BUFFER as usize];
        let mut reader = Reader::new(&self.0, &mut buffer);
        let mut reads_begun = 0;
        loop {
            if reader.is_buffer_empty() {
                if reads_begun == reads {
                    return Ok(());
                }
                reads_begun += 1;
            }
            let event = match reader.next() {
                Ok(event) => event,
                Err(rustix::io::Errno::AGAIN) => return Ok(()),
                Err(error) => return Err(error.into()),
            };
            let flags = event.events();
            let watch = event.wd();
            let name = event
                .file_name()
                .map(|name| std::ffi::OsStr::from_bytes(name.to_bytes()))
                .filter(|name| !name.is_empty());
            each(if flags.contains(ReadFlags::QUEUE_OVERFLOW) {
                Change::Overflow
            } else if flags.intersects(
                ReadFlags::IGNORED
                    | ReadFlags::DELETE_SELF
                    | ReadFlags::MOVE_SELF
                    | ReadFlags::UNMOUNT,
            ) {
                Change::Gone(watch)
            } else if let Some(name) = name {
                Change::Entry(watch, name)
            } else {
                Change::Itself(watch)
            });
        }
    }

    /// Whether changes under `path` reach the queue: a local file system, whose changes all go through this
    /// kernel. A network file system (NFS, SMB, 9p as WSL mounts Windows drives) or FUSE (Docker Desktop's
    /// shares) is changed by other machines or processes the kernel does not hear from, so it is not.
    pub fn sees_changes_under(path: &Path) -> bool {
        const LOCAL: [u32; 12] = [
            0xEF53,      // ext2, ext3, ext4
            0x5846_5342, // xfs
            0x9123_683E, // btrfs
            0x0102_1994, // tmpfs
            0x8584_58F6, // ramfs
            0xF2F5_2010, // f2fs
            0xCA45_1A4E, // bcachefs
            0x2FC1_2FC1, // zfs
            0x794C_7630, // overlayfs (containers: changes made through the overlay)
            0x5265_4973, // reiserfs
            0x3153_464A, // jfs
            0x3434,      // nilfs2
        ];
        // f_type is a long on most targets, a u32 on some: the magic numbers all fit in 32 bits.
        #[allow(clippy::unnecessary_cast)]
        rustix::fs::statfs(path).is_ok_and(|stat| LOCAL.contains(&(stat.f_type as u32)))
    }
}

#[cfg(not(target_os = "linux"))]
pub struct ChangeQueue(());

#[cfg(not(target_os = "linux"))]
impl ChangeQueue {
    pub fn new() -> io::Result<ChangeQueue> {
        Err(io::ErrorKind::Unsupported.into())
    }

    pub fn watch(&self, _path: &Path, _folder: bool) -> io::Result<i32> {
        Err(io::ErrorKind::Unsupported.into())
    }

    pub fn unwatch(&self, _watch: i32) {}

    pub fn read(&self, _each: impl FnMut(Change<'_>)) -> io::Result<()> {
        Ok(())
    }

    pub fn sees_changes_under(_path: &Path) -> bool {
        false
    }
}

/// Opens `file`, found at `path`, again: a description of its own, whose file position no other response moves
/// (a duplicated descriptor would share it, and a copy that seeks and reads, over TLS or without sendfile, would
/// race). On Linux through /proc/self/fd, which names the very file held open, without walking `path`;
/// elsewhere, or without /proc, by `path`, which callers check before they come here.
pub fn reopen(file: &File, path: &Path) -> io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        match File::open(format!("/proc/self/fd/{}", file.as_raw_fd())) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            opened => return opened,
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
    File::open(path)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reading_the_change_queue_ends_while_changes_keep_coming() {
        let dir = tempfile::tempdir().unwrap();
        let queue = ChangeQueue::new().unwrap();
        queue.watch(dir.path(), true).unwrap();
        let mut log = std::fs::File::create(dir.path().join("busy.log")).unwrap();
        log.write_all(b"x").unwrap();
        // Every change read makes another, as a tracer logging lanai's calls into a watched folder does: a read
        // that waits for an empty queue would go on (here until the bound of 10,000).
        let mut heard = 0;
        queue
            .read(|_| {
                heard += 1;
                if heard < 10_000 {
                    log.write_all(b"x").unwrap();
                }
            })
            .unwrap();
        assert!((1..10).contains(&heard), "{heard} changes read");
    }
}

/// Reads from `file` at `offset` without depending on its position, which a duplicated descriptor shares with
/// every other response of that file. (Windows' positional read moves the position too; there a response never
/// shares its descriptor.)
pub fn read_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::read_at(file, buffer, offset);
    #[cfg(windows)]
    return std::os::windows::fs::FileExt::seek_read(file, buffer, offset);
}
