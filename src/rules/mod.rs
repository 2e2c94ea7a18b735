//! The static hosts' rules files at the root of the site, `_redirects` and `_headers` (redirects.rs, headers.rs,
//! sharing pattern.rs), read as the host chosen with `--rules` reads them, at start-up and again within a second of
//! a change, without a restart. A line that cannot be used, or that the host would drop at one of its limits, is
//! skipped and reported once in the log, with its file and line number; the rest still apply.

pub mod headers;
pub mod pattern;
pub mod redirects;

pub use crate::cli::RulesHost;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

pub const REDIRECTS_FILE: &str = "_redirects";
pub const HEADERS_FILE: &str = "_headers";

/// A line of a rules file that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub why: String,
    /// The host stops reading the file there (a limit), so lanai does too.
    pub ends_file: bool,
}

impl Problem {
    /// That line is skipped.
    pub fn line(line: usize, why: impl Into<String>) -> Problem {
        Problem {
            line,
            why: why.into(),
            ends_file: false,
        }
    }

    /// The rest of the file from that line is skipped.
    pub fn rest(line: usize, why: impl Into<String>) -> Problem {
        Problem {
            ends_file: true,
            ..Problem::line(line, why)
        }
    }
}

/// The rules in force, and the host whose reading of them lanai follows.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub host: RulesHost,
    pub redirects: Vec<redirects::Redirect>,
    pub headers: Vec<headers::Block>,
}

impl RuleSet {
    pub fn is_empty(&self) -> bool {
        self.redirects.is_empty() && self.headers.is_empty()
    }
}

/// How often the files are looked at for a change: the cost is two stat calls a second, not one a request.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The rules of one site, re-read when their files change.
pub struct Rules {
    root: PathBuf,
    host: RulesHost,
    loaded: RwLock<Loaded>,
}

struct Loaded {
    rules: Arc<RuleSet>,
    stamps: [Option<Stamp>; 2],
    checked: Instant,
}

/// What tells a changed rules file from the one already read.
type Stamp = (SystemTime, u64);

impl Rules {
    /// Reads the rules of the site at `root` as `host` does, reporting unusable lines.
    pub fn load(root: &Path, host: RulesHost) -> Rules {
        let stamps = stamps(root);
        Rules {
            root: root.to_path_buf(),
            host,
            loaded: RwLock::new(Loaded {
                rules: Arc::new(read(root, host)),
                stamps,
                checked: Instant::now(),
            }),
        }
    }

    /// The host whose reading of the rules lanai follows.
    pub fn host(&self) -> RulesHost {
        self.host
    }

    /// The rules in force now; at most once a second this looks whether a file changed and re-reads them.
    pub fn current(&self) -> Arc<RuleSet> {
        if let Ok(loaded) = self.loaded.read() {
            if loaded.checked.elapsed() < CHECK_EVERY {
                return loaded.rules.clone();
            }
        }
        let Ok(mut loaded) = self.loaded.write() else {
            return Arc::default();
        };
        if loaded.checked.elapsed() >= CHECK_EVERY {
            loaded.checked = Instant::now();
            let now = stamps(&self.root);
            if now != loaded.stamps {
                loaded.stamps = now;
                loaded.rules = Arc::new(read(&self.root, self.host));
                log::info!("rules files changed: re-read {REDIRECTS_FILE} and {HEADERS_FILE}");
            }
        }
        loaded.rules.clone()
    }
}

fn stamps(root: &Path) -> [Option<Stamp>; 2] {
    [REDIRECTS_FILE, HEADERS_FILE].map(|name| {
        let metadata = fs::metadata(root.join(name)).ok()?;
        Some((metadata.modified().ok()?, metadata.len()))
    })
}

fn read(root: &Path, host: RulesHost) -> RuleSet {
    let (redirects, problems) = redirects::parse(&text_of(root, REDIRECTS_FILE), host);
    report(REDIRECTS_FILE, &problems);
    let (headers, problems) = headers::parse(&text_of(root, HEADERS_FILE), host);
    report(HEADERS_FILE, &problems);
    RuleSet {
        host,
        redirects,
        headers,
    }
}

/// The file's text; a missing file has no rules, and one that cannot be read is said so.
fn text_of(root: &Path, name: &str) -> String {
    match fs::read(root.join(name)) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            log::warn!("{name}: cannot read it ({error}); its rules do not apply");
            String::new()
        }
    }
}

fn report(name: &str, problems: &[Problem]) {
    for problem in problems {
        let skipped = if problem.ends_file {
            "the rest of the file is skipped"
        } else {
            "that line is skipped"
        };
        log::warn!("{name}:{}: {}; {skipped}", problem.line, problem.why);
    }
}
