//! What the endpoint serves and how, fixed at start-up from the command line: the root, the feature switches and
//! the headers that go on every response.

use super::cache::{FileCache, Stamp};
use super::encode::Encoder;
use super::{path, symlinks, RULES_FILES};
use crate::cli::Options;
use crate::http::vocabulary::headers::{HeaderName, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use std::borrow::Cow;
use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};

pub type Header = (HeaderName, Cow<'static, str>);

pub struct Site {
    /// The document root, canonical and absolute.
    pub root: PathBuf,
    pub listing: bool,
    /// With --listing and without --no-archives: `?download=` answers a folder as an archive (archive/).
    pub archives: bool,
    pub spa: bool,
    pub hidden: bool,
    pub follow_symlinks: bool,
    pub cors: bool,
    pub charset: Option<String>,
    /// --live: pages get the reload script.
    pub live: bool,
    /// Cache-Control, CORS, isolation and --header fields, added to every response.
    pub common_headers: Vec<Header>,
    pub cache: FileCache,
    /// Every file body leaves through sendfile, which reads at an offset it is given and never moves the file
    /// position (http/send.rs): Linux, over plain TCP, which is how files are served without --https (with it,
    /// plain HTTP only gets redirects). A file the cache holds open can then be handed out as a duplicated
    /// descriptor, which shares the position; otherwise each response needs a description of its own.
    pub sends_at_offsets: bool,
    /// Compression on the fly and its cache.
    pub encoder: Encoder,
    /// With --upload, --upload-limit: listings offer to upload.
    pub upload_limit: Option<u64>,
}

impl Site {
    pub fn new(root: PathBuf, options: &Options) -> Result<Site, String> {
        let mut common_headers: Vec<Header> = vec![(
            CACHE_CONTROL,
            for_every_response(options.cache_control.clone()),
        )];
        if options.cors {
            common_headers.push((ACCESS_CONTROL_ALLOW_ORIGIN, "*".into()));
        }
        if options.isolate {
            common_headers.push(("cross-origin-opener-policy".into(), "same-origin".into()));
            common_headers.push(("cross-origin-embedder-policy".into(), "require-corp".into()));
        }
        // A --header replaces a built-in field of the same name (e.g. its own Cache-Control).
        for text in &options.headers {
            let (name, value) = parse_header(text)?;
            common_headers.retain(|(existing, _)| *existing != name);
            common_headers.push((name, for_every_response(value)));
        }
        Ok(Site {
            root,
            listing: options.listing,
            archives: options.listing && !options.no_archives,
            spa: options.spa,
            hidden: options.hidden,
            follow_symlinks: options.follow_symlinks,
            cors: options.cors,
            charset: options.charset.clone(),
            live: options.live,
            common_headers,
            cache: FileCache::default(),
            sends_at_offsets: cfg!(target_os = "linux") && !options.https,
            encoder: Encoder::new(!options.no_compress, options.compress_cache),
            upload_limit: options.upload.then_some(options.upload_limit as u64),
        })
    }
}

/// A configured value, made `'static` once (the site lives as long as the process) so that putting it on each
/// response copies a pointer instead of the string.
fn for_every_response(value: String) -> Cow<'static, str> {
    Cow::Borrowed(Box::leak(value.into_boxed_str()))
}

impl Site {
    /// The metadata of `inside.join(rest)` under the site's rules (`Visible::metadata_below`).
    pub fn metadata_below(&self, inside: &Path, rest: &Path) -> io::Result<Metadata> {
        self.visible().metadata_below(inside, rest)
    }

    /// The rules that decide what of the root is served, borrowed.
    pub fn visible(&self) -> Visible<'_> {
        Visible {
            root: &self.root,
            hidden: self.hidden,
            follow_symlinks: self.follow_symlinks,
        }
    }
}

/// What decides whether a path under the root is served: the part of the site that a walk through a folder on
/// another thread needs too (archive/).
#[derive(Clone, Copy)]
pub struct Visible<'a> {
    pub root: &'a Path,
    pub hidden: bool,
    pub follow_symlinks: bool,
}

impl Visible<'_> {
    /// The metadata of `inside.join(rest)` under the site's symlink policy and, where a file has other spellings
    /// (Windows' short names), with the path rules applied to the names it opens; `inside` is a folder already
    /// known to be within the root.
    /// A rules file is reported as not found, whatever name reached it.
    pub fn metadata_below(&self, inside: &Path, rest: &Path) -> io::Result<Metadata> {
        let metadata = symlinks::metadata_below(self.root, inside, rest, self.follow_symlinks)?;
        path::check_opened_names(self.root, &inside.join(rest), self.hidden)?;
        if metadata.is_file() && self.is_rules_file(&metadata) {
            log::debug!(
                "404 for {}: it is a rules file of the site under another name",
                crate::platform::shown(&inside.join(rest)).display()
            );
            return Err(io::ErrorKind::NotFound.into());
        }
        Ok(metadata)
    }

    /// Whether `metadata` is that of `_redirects` or `_headers` at the root, reached by any name: a symbolic link
    /// to it or to a folder above it, a hard link, another case or a short name. Compared by the file's identity,
    /// size and time, not its path, so that no spelling of a path can get around it; two stat calls, paid only
    /// when the cache misses.
    fn is_rules_file(&self, metadata: &Metadata) -> bool {
        let served = Stamp::of(metadata);
        RULES_FILES.iter().any(|name| {
            std::fs::metadata(self.root.join(name)).is_ok_and(|rules| Stamp::of(&rules) == served)
        })
    }
}

/// Fields the connection layer owns: a user value would break framing or contradict it.
const RESERVED: [&str; 6] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "date",
    "server",
    "keep-alive",
];

/// Parses `Name: value` as given to --header.
fn parse_header(text: &str) -> Result<(HeaderName, String), String> {
    let invalid =
        |why: &str| format!("--header '{text}' {why}; write it as --header \"Name: value\"");
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| invalid("has no colon"))?;
    let value = value.trim();
    let name = user_field(name, value).map_err(|why| invalid(&why))?;
    Ok((name, value.to_string()))
}

/// Checks a header field a user wants on responses (--header, `_headers`): a token for a name, no control
/// characters in the value, and not one of the fields lanai manages itself. Returns the name.
pub fn user_field(name: &str, value: &str) -> Result<HeaderName, String> {
    let is_token = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    if name.is_empty() || !name.bytes().all(is_token) {
        return Err("has an invalid field name".into());
    }
    if value
        .bytes()
        .any(|byte| byte.is_ascii_control() && byte != b'\t')
    {
        return Err("has a control character in its value".into());
    }
    let name: HeaderName = name.into();
    if RESERVED.contains(&name.as_str()) {
        return Err(format!("sets {name}, which lanai manages itself"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn headers(args: &[&str]) -> Result<Vec<(String, String)>, String> {
        let options =
            Options::try_parse_from(std::iter::once("lanai").chain(args.iter().copied())).unwrap();
        let site = Site::new(PathBuf::from("/"), &options)?;
        Ok(site
            .common_headers
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), value.to_string()))
            .collect())
    }

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    #[test]
    fn defaults_and_switches() {
        assert_eq!(headers(&[]).unwrap(), [pair("cache-control", "no-cache")]);
        assert_eq!(
            headers(&["--cors", "--isolate", "--cache-control", "max-age=60"]).unwrap(),
            [
                pair("cache-control", "max-age=60"),
                pair("access-control-allow-origin", "*"),
                pair("cross-origin-opener-policy", "same-origin"),
                pair("cross-origin-embedder-policy", "require-corp"),
            ]
        );
    }

    #[test]
    fn custom_headers_add_or_replace() {
        assert_eq!(
            headers(&[
                "--header",
                "X-Frame-Options: DENY",
                "--header",
                "Cache-Control:  max-age=5 "
            ])
            .unwrap(),
            [
                pair("x-frame-options", "DENY"),
                pair("cache-control", "max-age=5")
            ]
        );
    }

    #[test]
    fn malformed_custom_headers_are_refused() {
        for bad in [
            "NoColon",
            ": value",
            "Bad Name: v",
            "X-Ctl: a\u{1}b",
            "Content-Length: 5",
            "connection: close",
        ] {
            assert!(headers(&["--header", bad]).is_err(), "{bad}");
        }
    }
}
