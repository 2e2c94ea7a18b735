//! The command line. This one definition is the source of `--help` and of the completions and the man page that
//! build.rs generates (build.rs includes this file), so it depends on nothing but structopt and std.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::str::FromStr;
use structopt::clap::{AppSettings, Shell};
use structopt::StructOpt;

// The config file's arguments come before the real ones, so every option, and each pair of options that say
// opposite things, lets the later occurrence win instead of failing.
#[derive(Debug, StructOpt)]
#[structopt(
    name = "lanai",
    about = "A fast, safe static file server for previewing sites and sharing folders.",
    setting = AppSettings::AllArgsOverrideSelf,
    after_help = "EXAMPLES:\n    lanai                      serve the current folder at http://127.0.0.1:8080/\n    lanai site/ --port 0       serve site/ on any free port\n    lanai --host 0.0.0.0 .     serve the current folder to the LAN\n    lanai --generate man       print the man page"
)]
pub struct Options {
    /// Folder to serve (the same as --document-root) [default: the current folder]
    #[structopt(name = "ROOT", parse(from_os_str))]
    pub root: Option<PathBuf>,

    /// Folder to serve; the later of this and ROOT wins [default: the current folder]
    #[structopt(
        short = "r",
        long = "document-root",
        value_name = "DIR",
        parse(from_os_str),
        overrides_with = "ROOT"
    )]
    pub document_root: Option<PathBuf>,

    /// Port to listen on; 0 picks a free one (the start-up line names it)
    #[structopt(short, long, value_name = "PORT", default_value = "8080")]
    pub port: u16,

    /// Address to listen on: 127.0.0.1 keeps it on this machine, 0.0.0.0 or :: serves the LAN
    #[structopt(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub host: String,

    /// Also answer requests for this host name (NAME), a domain and its subdomains (.DOMAIN), or any name ('*',
    /// which lets every web page read what lanai serves); repeatable. IP addresses, localhost and *.localhost
    /// are always answered, and this machine's name when serving the LAN
    #[structopt(long = "allowed-host", value_name = "NAME", number_of_values = 1)]
    pub allowed_hosts: Vec<String>,

    /// Executor threads [default: the number of CPUs]
    #[structopt(short, long, value_name = "N")]
    pub workers: Option<NonZeroUsize>,

    /// Seconds a client has to send a whole request head
    #[structopt(long, value_name = "SECONDS", default_value = "10", parse(try_from_str = positive_seconds))]
    pub read_timeout: u64,

    /// Seconds an idle keep-alive connection may wait for its next request before it is closed
    #[structopt(long, value_name = "SECONDS", default_value = "15", parse(try_from_str = positive_seconds))]
    pub keep_alive_timeout: u64,

    /// Most connections open at once; past it new ones are answered 503 and closed
    #[structopt(long, value_name = "N", default_value = "10000")]
    pub max_connections: NonZeroUsize,

    /// Seconds to let responses in flight finish after SIGINT or SIGTERM (Ctrl-C); a second signal exits at once
    #[structopt(long, value_name = "SECONDS", default_value = "10", parse(try_from_str = positive_seconds))]
    pub shutdown_timeout: u64,

    /// Cache-Control sent with every response; the default makes browsers revalidate (cheap 304s) on every load
    #[structopt(long, value_name = "VALUE", default_value = "no-cache")]
    pub cache_control: String,

    /// Show an HTML listing for a folder that has no index.html (otherwise 404)
    #[structopt(long)]
    pub listing: bool,

    /// Single-page app: a missing path without an extension, asked for by a browser, gets the root index.html
    #[structopt(long)]
    pub spa: bool,

    /// Clean URLs: /about serves about.html, and /about.html redirects to /about (folders keep their index)
    #[structopt(long)]
    pub clean_urls: bool,

    /// Serve hidden files and folders (names starting with a dot, such as .env or .git/)
    #[structopt(long)]
    pub hidden: bool,

    /// Follow symbolic links that lead outside the document root (by default only links inside it are followed)
    #[structopt(long)]
    pub follow_symlinks: bool,

    /// Append this charset to textual Content-Types, e.g. --charset utf-8
    #[structopt(long, value_name = "CHARSET")]
    pub charset: Option<String>,

    /// Allow cross-origin requests: Access-Control-Allow-Origin: * and answers to OPTIONS preflights
    #[structopt(long)]
    pub cors: bool,

    /// Add a header to every response, e.g. --header "X-Frame-Options: DENY"; repeatable
    #[structopt(long = "header", value_name = "NAME: VALUE", number_of_values = 1)]
    pub headers: Vec<String>,

    /// Cross-origin isolation (COOP same-origin, COEP require-corp), so pages can use SharedArrayBuffer
    #[structopt(long)]
    pub isolate: bool,

    /// Live reload: watch the folder and update open pages on every save (stylesheets swap in place)
    #[structopt(long)]
    pub live: bool,

    /// Do not compress responses on the fly (precompressed .br/.zst/.gz files are still sent)
    #[structopt(long)]
    pub no_compress: bool,

    /// Memory for compressed responses kept for reuse, e.g. 64M; a body over an eighth of it is compressed as it
    /// is sent instead
    #[structopt(long, value_name = "SIZE", default_value = "64M", parse(try_from_str = byte_size))]
    pub compress_cache: usize,

    /// No access log (warnings and errors are still printed); the later of this and --verbose wins
    #[structopt(short, long)]
    pub quiet: bool,

    /// More detail in the log; repeat for more
    #[structopt(short, long, parse(from_occurrences), overrides_with = "quiet")]
    pub verbose: u8,

    /// Open the site in the default browser once lanai listens ($BROWSER first, then the system's opener)
    #[structopt(long)]
    pub open: bool,

    /// Serve HTTPS with a certificate from lanai's own local CA, made on first use; plain HTTP
    /// on the same port is redirected, except the page that offers the CA to install
    #[structopt(long)]
    pub https: bool,

    /// Serve HTTPS with this PEM certificate chain instead of the local CA's (with --tls-key)
    #[structopt(long, value_name = "FILE", parse(from_os_str), requires = "tls-key")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert
    #[structopt(long, value_name = "FILE", parse(from_os_str), requires = "tls-cert")]
    pub tls_key: Option<PathBuf>,

    /// Print the certificate of lanai's local CA (PEM), making the CA first if needed, then exit
    #[structopt(long)]
    pub print_ca: bool,

    /// Ask for this user name and password (HTTP Basic) before serving anything; repeatable
    #[structopt(long = "auth", value_name = "USER:PASSWORD", number_of_values = 1)]
    pub auth: Vec<String>,

    /// Ask for credentials from this htpasswd file (bcrypt as `htpasswd -nbB` writes, or $argon2id$ hashes)
    #[structopt(long, value_name = "FILE", parse(from_os_str))]
    pub auth_file: Option<PathBuf>,

    /// Also append the log to this file
    #[structopt(long, value_name = "PATH", parse(from_os_str))]
    pub log_file: Option<PathBuf>,

    /// Skip the config file (LANAI_CONFIG, or the per-user one that FILES in lanai(1) names)
    #[structopt(long)]
    pub no_config: bool,

    /// Print the man page or a shell's completion script, then exit
    #[structopt(long, value_name = "WHAT", possible_values = &Artifact::NAMES)]
    pub generate: Option<Artifact>,
}

impl Options {
    /// The folder to serve, from whichever of the two spellings was given.
    pub fn root(&self) -> PathBuf {
        self.document_root
            .clone()
            .or_else(|| self.root.clone())
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// What `--generate` prints: the man page or one shell's completion script, as build.rs wrote them.
#[derive(Clone, Copy, Debug)]
pub enum Artifact {
    ManPage,
    Completion(Shell),
}

impl Artifact {
    /// `man` and the shell names clap's completion generator knows.
    pub const NAMES: [&'static str; 6] = ["man", "bash", "zsh", "fish", "powershell", "elvish"];
}

impl FromStr for Artifact {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "man" => Ok(Artifact::ManPage),
            shell => shell.parse().map(Artifact::Completion),
        }
    }
}

/// A size in bytes: a whole number with an optional K, M or G (powers of 1024), such as `64M`.
fn byte_size(text: &str) -> Result<usize, String> {
    let invalid =
        || format!("'{text}' is not a size; write bytes or a number with K, M or G, such as 64M");
    let digits = text.trim_end_matches(|character: char| character.is_ascii_alphabetic());
    let shift = match text[digits.len()..].to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(invalid()),
    };
    let number: usize = digits.parse().map_err(|_| invalid())?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("'{text}' is more memory than this machine can address"))
}

fn positive_seconds(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("must be at least 1 second".to_string()),
        Ok(seconds) => Ok(seconds),
        Err(_) => Err(format!("'{text}' is not a whole number of seconds")),
    }
}
