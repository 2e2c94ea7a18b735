//! Folder downloads against the real binary: `GET /folder/?download=zip|tar|tar.gz` with --listing, each archive
//! unpacked by Python's zipfile/tarfile and by unzip and bsdtar where installed, and compared byte for byte with
//! what the tree holds under the rules of serving (no dotfiles, no links out, no rules files); over HTTP/1 and
//! HTTP/2; the walk stopping when the client leaves; off without --listing and with --no-archives.

mod common;

use common::h2::H2;
use common::{lanai, write, Server};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

const UNICODE_NAME: &str = "ünïcødé 名前.txt";

/// What an unpacked archive holds: each path (`/`-separated, folders ending in `/`) and a file's bytes.
type Contents = BTreeMap<String, Option<Vec<u8>>>;

/// Bytes that do not compress, for a stored entry.
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

fn page() -> Vec<u8> {
    "<p>A page that deflates well.</p>\n"
        .repeat(200)
        .into_bytes()
}

/// A root named `shared-…` holding a small tree with every case the rules decide, and (on Unix) a folder
/// outside it that links lead to. Returns the root and the outside folder.
fn tree() -> (TempDir, TempDir) {
    let root = tempfile::Builder::new()
        .prefix("shared-")
        .tempdir()
        .unwrap();
    let base = root.path();
    write(&base.join("a.txt"), b"hello\n");
    write(&base.join("docs/page.html"), &page());
    write(
        &base.join("docs").join(UNICODE_NAME),
        "unicode ✓\n".as_bytes(),
    );
    // Only the root's rules files configure the site; one in a folder is a file like any other.
    write(&base.join("docs/_headers"), b"/*\n  X-Docs: 1\n");
    write(&base.join("media/photo.png"), &noise(300_000));
    std::fs::create_dir(base.join("empty")).unwrap();
    write(&base.join(".env"), b"SECRET=1\n");
    write(&base.join(".git/config"), b"[core]\n");
    write(&base.join("_redirects"), b"/old /new 301\n");
    write(&base.join("_headers"), b"/*\n  X-Site: 1\n");
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("secret.txt"), b"outside\n");
    write(&outside.path().join("folder/f.txt"), b"outside folder\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(base.join("a.txt"), base.join("link-in.txt")).unwrap();
        symlink(outside.path().join("secret.txt"), base.join("link-out.txt")).unwrap();
        symlink(outside.path().join("folder"), base.join("link-out-dir")).unwrap();
        // A link back up the tree: the walk must not go round it for ever.
        symlink(base, base.join("docs/loop")).unwrap();
    }
    (root, outside)
}

/// What an archive of the whole root must hold, under `top`.
fn expected(top: &str, hidden: bool, follow_symlinks: bool) -> Contents {
    let mut entries: Vec<(&str, Option<Vec<u8>>)> = vec![
        ("", None),
        ("a.txt", Some(b"hello\n".to_vec())),
        ("docs/", None),
        ("docs/page.html", Some(page())),
        ("docs/_headers", Some(b"/*\n  X-Docs: 1\n".to_vec())),
        ("media/", None),
        ("media/photo.png", Some(noise(300_000))),
        ("empty/", None),
    ];
    let unicode = format!("docs/{UNICODE_NAME}");
    entries.push((&unicode, Some("unicode ✓\n".as_bytes().to_vec())));
    if hidden {
        entries.push((".env", Some(b"SECRET=1\n".to_vec())));
        entries.push((".git/", None));
        entries.push((".git/config", Some(b"[core]\n".to_vec())));
    }
    if cfg!(unix) {
        entries.push(("link-in.txt", Some(b"hello\n".to_vec())));
        if follow_symlinks {
            entries.push(("link-out.txt", Some(b"outside\n".to_vec())));
            entries.push(("link-out-dir/", None));
            entries.push(("link-out-dir/f.txt", Some(b"outside folder\n".to_vec())));
        }
    }
    entries
        .into_iter()
        .map(|(path, content)| (format!("{top}/{path}"), content))
        .collect()
}

/// Every file and folder under `dir`, as `Contents`.
fn unpacked(dir: &Path) -> Contents {
    let mut contents = Contents::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(dir)
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/");
            let metadata = std::fs::symlink_metadata(&path).unwrap();
            if metadata.is_dir() {
                contents.insert(format!("{relative}/"), None);
                stack.push(path);
            } else {
                assert!(metadata.is_file(), "{relative} unpacked as a file");
                contents.insert(relative, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    contents
}

/// The archive's body and head fetched over HTTP/1; the body ends with the connection.
fn download(server: &Server, target: &str) -> (String, Vec<u8>) {
    let raw =
        server.exchange(format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes());
    let end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8(raw[..end + 4].to_vec()).unwrap();
    (head, raw[end + 4..].to_vec())
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Zip,
    Tar,
    TarGz,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Zip, Kind::Tar, Kind::TarGz];

    fn query(self) -> &'static str {
        match self {
            Kind::Zip => "zip",
            Kind::Tar => "tar",
            Kind::TarGz => "tar.gz",
        }
    }
}

/// Whether a program runs here; prints a note when it does not, and the test leaves it out.
fn installed(program: &str, version_flag: &str) -> bool {
    let found = Command::new(program)
        .arg(version_flag)
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        println!("note: {program} is not installed; archives are not unpacked with it");
    }
    found
}

/// `archive` unpacked by each tool that reads its kind, each into a folder of its own: (tool, what it unpacked).
fn unpack_everywhere(archive: &[u8], kind: Kind) -> Vec<(&'static str, Contents)> {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join(format!("archive.{}", kind.query()));
    std::fs::write(&file, archive).unwrap();
    let python = match kind {
        Kind::Zip => "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        Kind::Tar | Kind::TarGz => {
            "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter='data')"
        }
    };
    let mut tools: Vec<(&'static str, Command)> = Vec::new();
    let mut command = Command::new("python3");
    command.args(["-c", python]);
    tools.push(("python", command));
    if kind == Kind::Zip && installed("unzip", "-v") {
        let mut command = Command::new("unzip");
        command.args(["-q"]);
        tools.push(("unzip", command));
    }
    if installed("bsdtar", "--version") {
        tools.push(("bsdtar", Command::new("bsdtar")));
    }
    let mut results = Vec::new();
    for (tool, mut command) in tools {
        let into = work.path().join(tool);
        std::fs::create_dir(&into).unwrap();
        match tool {
            "python" => command.arg(&file).arg(&into),
            "unzip" => command.arg(&file).arg("-d").arg(&into),
            _ => command.arg("-xf").arg(&file).arg("-C").arg(&into),
        };
        let output = command.env("LC_ALL", "C.UTF-8").output().unwrap();
        assert!(
            output.status.success(),
            "{tool} could not unpack the {kind:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        results.push((tool, unpacked(&into)));
    }
    results
}

/// Asserts that every tool unpacks `archive` to exactly `want`.
fn assert_unpacks_to(archive: &[u8], kind: Kind, want: &Contents) {
    for (tool, got) in unpack_everywhere(archive, kind) {
        let names = |contents: &Contents| contents.keys().cloned().collect::<Vec<_>>();
        assert_eq!(
            names(&got),
            names(want),
            "{tool} on the {kind:?}: the names"
        );
        assert!(got == *want, "{tool} on the {kind:?}: the bytes differ");
    }
}

fn top_of(root: &TempDir) -> String {
    root.path()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

fn archive_server(extra: &[&str]) -> (Server, TempDir, String) {
    let (root, outside) = tree();
    let top = top_of(&root);
    let mut args = vec!["--listing"];
    args.extend_from_slice(extra);
    (Server::start_in(root, &args), outside, top)
}

#[test]
fn every_format_unpacks_to_what_is_served() {
    let (server, _outside, top) = archive_server(&[]);
    let want = expected(&top, false, false);
    for kind in Kind::ALL {
        let (head, body) = download(&server, &format!("/?download={}", kind.query()));
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        let content_type = match kind {
            Kind::Zip => "application/zip",
            Kind::Tar => "application/x-tar",
            Kind::TarGz => "application/gzip",
        };
        assert!(
            head.contains(&format!("\r\nContent-Type: {content_type}\r\n")),
            "{head}"
        );
        let name = format!("{top}.{}", kind.query());
        assert!(
            head.contains(&format!(
                "\r\nContent-Disposition: attachment; filename=\"{name}\"; filename*=UTF-8''{name}\r\n"
            )),
            "{head}"
        );
        assert!(
            !head.contains("Content-Length"),
            "made as it is sent: {head}"
        );
        assert_unpacks_to(&body, kind, &want);
    }
}

#[test]
fn zip_entries_stored_or_deflated_by_type_with_descriptors_and_utf8_names() {
    let (server, _outside, top) = archive_server(&[]);
    let (_, body) = download(&server, "/?download=zip");
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("a.zip");
    std::fs::write(&file, &body).unwrap();
    let script = "import sys, zipfile\n\
        for info in zipfile.ZipFile(sys.argv[1]).infolist():\n\
        \x20   print(info.compress_type, info.flag_bits, info.filename, sep='\\t')";
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(&file)
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = String::from_utf8(output.stdout).unwrap();
    let entry = |name: &str| -> (u32, u32) {
        let line = listed
            .lines()
            .find(|line| line.ends_with(&format!("\t{top}/{name}")))
            .unwrap_or_else(|| panic!("{name} in\n{listed}"));
        let mut fields = line.split('\t');
        let method = fields.next().unwrap().parse().unwrap();
        let flags = fields.next().unwrap().parse().unwrap();
        (method, flags)
    };
    const STORED: u32 = 0;
    const DEFLATED: u32 = 8;
    const DATA_DESCRIPTOR: u32 = 0x08;
    const UTF8: u32 = 0x800;
    let (method, flags) = entry("docs/page.html");
    assert_eq!(method, DEFLATED, "text is deflated");
    assert_eq!(flags & DATA_DESCRIPTOR, DATA_DESCRIPTOR);
    let (method, flags) = entry("media/photo.png");
    assert_eq!(method, STORED, "an image is stored");
    assert_eq!(flags & DATA_DESCRIPTOR, DATA_DESCRIPTOR);
    let (_, flags) = entry(&format!("docs/{UNICODE_NAME}"));
    assert_eq!(flags & UTF8, UTF8, "a UTF-8 name is flagged");
}

#[test]
fn hidden_files_and_outside_links_with_their_switches() {
    let (server, _outside, top) = archive_server(&["--hidden", "--follow-symlinks"]);
    let want = expected(&top, true, true);
    for kind in [Kind::Zip, Kind::TarGz] {
        let (_, body) = download(&server, &format!("/?download={}", kind.query()));
        assert_unpacks_to(&body, kind, &want);
    }
}

#[test]
fn a_folder_is_named_after_itself_and_an_empty_one_is_a_valid_archive() {
    let (root, _outside) = tree();
    write(&root.path().join("fotos 共有/x.txt"), b"x");
    let server = Server::start_in(root, &["--listing"]);
    let (head, body) = download(&server, "/fotos%20%E5%85%B1%E6%9C%89/?download=tar.gz");
    assert!(
        head.contains(
            "filename=\"fotos __.tar.gz\"; filename*=UTF-8''fotos%20%E5%85%B1%E6%9C%89.tar.gz\r\n"
        ),
        "{head}"
    );
    let want: Contents = [
        ("fotos 共有/".to_string(), None),
        ("fotos 共有/x.txt".to_string(), Some(b"x".to_vec())),
    ]
    .into();
    assert_unpacks_to(&body, Kind::TarGz, &want);
    for kind in Kind::ALL {
        let (head, body) = download(&server, &format!("/empty/?download={}", kind.query()));
        assert!(head.contains("filename=\"empty."), "{head}");
        let want: Contents = [("empty/".to_string(), None)].into();
        assert_unpacks_to(&body, kind, &want);
    }
}

#[test]
fn over_http2() {
    let (server, _outside, top) = archive_server(&[]);
    let connection = H2::h2c(server.addr);
    let reply = connection.get("GET", "/?download=zip", &[]);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.field("content-type"), Some("application/zip"));
    assert_unpacks_to(&reply.body, Kind::Zip, &expected(&top, false, false));
    let head = connection.get("HEAD", "/?download=tar", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.field("content-type"), Some("application/x-tar"));
}

/// lanai with its access log on, over `root`.
fn logging_server(root: TempDir, extra: &[&str]) -> Server {
    let path = root.path().to_str().unwrap().to_string();
    Server::spawn(
        root,
        lanai()
            .args([path.as_str(), "--port", "0", "--listing"])
            .args(extra),
    )
}

#[test]
fn the_access_log_shows_the_size_sent() {
    let (root, _outside) = tree();
    let server = logging_server(root, &[]);
    let (_, body) = download(&server, "/?download=zip");
    assert!(body.len() > 300_000, "{}", body.len());
    server.log_line(&[
        "\"GET /?download=zip HTTP/1.1\" 200 ",
        &format!(" 200 {} ", body.len()),
    ]);
}

#[test]
fn a_client_that_leaves_stops_the_walk() {
    const FILES: usize = 4;
    let root = tempfile::tempdir().unwrap();
    for index in 0..FILES {
        // 64 MiB each, sparse: reading it costs no disk, and the socket's buffers hold far less.
        let file = std::fs::File::create(root.path().join(format!("big{index}.bin"))).unwrap();
        file.set_len(64 << 20).unwrap();
    }
    let server = logging_server(root, &[]);
    let mut stream = server.connect();
    write!(
        stream,
        "GET /?download=zip HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .unwrap();
    let mut first = vec![0; 64 * 1024];
    stream.read_exact(&mut first).unwrap();
    assert!(first.starts_with(b"HTTP/1.1 200 OK\r\n"));
    drop(stream);
    let line = server.log_line(&["the archive of / stopped after", "the client went away"]);
    let files: usize = line
        .split("stopped after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("a count in {line}"));
    assert!(files < FILES, "the walk went on to the end: {line}");
    assert!(
        !server.log().contains("archived / as zip"),
        "{}",
        server.log()
    );
}

#[test]
fn off_without_listing_and_with_no_archives() {
    let (root, _outside) = tree();
    let server = Server::start_in(root, &[]);
    let reply = server.get("/?download=zip");
    assert_eq!(reply.status, 404, "no index.html and no --listing");

    let (root, _outside) = tree();
    let server = Server::start_in(root, &["--listing", "--no-archives"]);
    let reply = server.get("/?download=zip");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(!String::from_utf8_lossy(&reply.body).contains("?download="));
}

#[test]
fn the_listing_links_the_archives_and_a_folder_with_an_index_downloads_too() {
    let (root, _outside) = tree();
    write(&root.path().join("site/index.html"), b"<p>index</p>");
    let server = Server::start_in(root, &["--listing"]);
    let listing = String::from_utf8(server.get("/docs/").body).unwrap();
    assert!(listing.contains("href=\"?download=zip\""), "{listing}");
    assert!(listing.contains("href=\"?download=tar.gz\""), "{listing}");
    assert_eq!(server.get("/site/").body, b"<p>index</p>");
    // The cache holds /site/'s index now; the archive is asked for by the query, which it does not key.
    let (head, body) = download(&server, "/site/?download=tar");
    assert!(head.contains("application/x-tar"), "{head}");
    let want: Contents = [
        ("site/".to_string(), None),
        (
            "site/index.html".to_string(),
            Some(b"<p>index</p>".to_vec()),
        ),
    ]
    .into();
    assert_unpacks_to(&body, Kind::Tar, &want);
    assert_eq!(server.get("/?download=rar").status, 400);
    let redirect = server.get("/docs?download=zip");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location"), Some("/docs/?download=zip"));
}
