//! The command line. This one definition is the source of `--help` and of the completions and the man page that
//! build.rs generates (build.rs includes this file), so it depends on nothing but clap and std.

use clap::{ArgAction, Parser, ValueEnum, ValueHint};
use std::num::NonZeroUsize;
use std::path::PathBuf;

/// The examples of `--help`; the man page's EXAMPLES section is made from the same lines.
pub const EXAMPLES: &str = "Examples:
  lanai                      serve the current folder at http://127.0.0.1:8080/
  lanai site/ --port 0       serve site/ on any free port
  lanai --listing .          serve the current folder with listings of folders that have no index.html
  lanai --host 0.0.0.0 .     serve the current folder to the LAN
  lanai --generate man       print the man page";

// The config file's arguments come before the real ones, so every option lets its later occurrence win
// (args_override_self), and so does each pair of options that say opposite things (overrides_with).
#[derive(Debug, Parser)]
#[command(
    name = "lanai",
    version,
    about = "A fast, safe static file server for previewing sites and sharing folders.",
    args_override_self = true,
    after_help = EXAMPLES
)]
pub struct Options {
    /// Folder to serve (the same as --document-root) [default: the current folder]
    #[arg(value_name = "ROOT", value_hint = ValueHint::DirPath, overrides_with = "document_root")]
    pub root: Option<PathBuf>,

    /// Folder to serve; the later of this and ROOT wins [default: the current folder]
    #[arg(short = 'r', long, value_name = "DIR", value_hint = ValueHint::DirPath, overrides_with = "root")]
    pub document_root: Option<PathBuf>,

    /// Port to listen on; 0 picks a free one (the start-up line names it)
    #[arg(short, long, value_name = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Address to listen on: 127.0.0.1 keeps it on this machine, 0.0.0.0 or :: serves the LAN
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1", value_hint = ValueHint::Hostname)]
    pub host: String,

    /// Also answer requests for this host name (NAME), a domain and its subdomains (.DOMAIN), or any name ('*',
    /// which lets every web page read what lanai serves); repeatable. IP addresses, localhost and *.localhost
    /// are always answered, and this machine's name when serving the LAN
    #[arg(long = "allowed-host", value_name = "NAME", action = ArgAction::Append, value_hint = ValueHint::Hostname)]
    pub allowed_hosts: Vec<String>,

    /// Executor threads [default: the number of CPUs]
    #[arg(short, long, value_name = "N")]
    pub workers: Option<NonZeroUsize>,

    /// Seconds a client has to send a whole request head
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = positive_seconds)]
    pub read_timeout: u64,

    /// Seconds an idle keep-alive connection may wait for its next request before it is closed
    #[arg(long, value_name = "SECONDS", default_value = "15", value_parser = positive_seconds)]
    pub keep_alive_timeout: u64,

    /// Most connections open at once; past it new ones are answered 503 and closed
    #[arg(long, value_name = "N", default_value = "10000")]
    pub max_connections: NonZeroUsize,

    /// Seconds to let responses in flight finish after SIGINT or SIGTERM (Ctrl-C); a second signal exits at once
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = positive_seconds)]
    pub shutdown_timeout: u64,

    /// Cache-Control sent with every response; the default makes browsers revalidate (cheap 304s) on every load
    #[arg(long, value_name = "VALUE", default_value = "no-cache")]
    pub cache_control: String,

    /// Show an HTML listing for a folder that has no index.html (otherwise 404)
    #[arg(long)]
    pub listing: bool,

    /// With --listing, do not offer folders as archives (GET /folder/?download=zip, tar or tar.gz)
    #[arg(long)]
    pub no_archives: bool,

    /// Single-page app: a missing path without an extension, asked for by a browser, gets the root index.html
    #[arg(long)]
    pub spa: bool,

    /// Clean URLs: /about serves about.html, and /about.html redirects to /about (folders keep their index)
    #[arg(long)]
    pub clean_urls: bool,

    /// Read _redirects and _headers as this host does where Netlify and Cloudflare Pages differ (default
    /// status, files before rules, limits); README's rules section lists each difference
    #[arg(long, value_name = "HOST", value_enum, default_value_t = RulesHost::Netlify)]
    pub rules: RulesHost,

    /// Serve hidden files and folders (names starting with a dot, such as .env or .git/)
    #[arg(long)]
    pub hidden: bool,

    /// Follow symbolic links that lead outside the document root (by default only links inside it are followed)
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Append this charset to textual Content-Types, e.g. --charset utf-8
    #[arg(long, value_name = "CHARSET")]
    pub charset: Option<String>,

    /// Allow cross-origin requests: Access-Control-Allow-Origin: * and answers to OPTIONS preflights
    #[arg(long)]
    pub cors: bool,

    /// Add a header to every response, e.g. --header "X-Frame-Options: DENY"; repeatable
    #[arg(long = "header", value_name = "NAME: VALUE", action = ArgAction::Append)]
    pub headers: Vec<String>,

    /// Cross-origin isolation (COOP same-origin, COEP require-corp), so pages can use SharedArrayBuffer
    #[arg(long)]
    pub isolate: bool,

    /// Send requests whose path starts with PREFIX (at a segment boundary) to an http:// or https:// upstream.
    /// A URL without a path keeps the request's path (--proxy /api=http://127.0.0.1:3000: /api/users goes to
    /// /api/users, as with Vite and nginx); a URL with a path, even /, replaces the prefix with it
    /// (/api=http://127.0.0.1:3000/: /api/users goes to /users). Repeatable: the longest matching prefix wins.
    /// WebSocket upgrades and streamed bodies pass through; redirects and cookies that name the upstream are
    /// made to name lanai
    #[arg(long = "proxy", value_name = "PREFIX=URL", action = ArgAction::Append)]
    pub proxies: Vec<String>,

    /// Seconds a proxied upstream may take to accept the connection and to begin its answer before lanai gives
    /// up with a 504; once the answer has begun, its body may be quiet for as long as the client waits
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = positive_seconds)]
    pub proxy_timeout: u64,

    /// Send the client's own Host and Origin to proxied upstreams, instead of the upstream's Host and, for
    /// lanai's own origin, the upstream's origin
    #[arg(long)]
    pub proxy_keep_host: bool,

    /// Take any certificate from https:// upstreams (for a dev back end with a self-signed one): the connection
    /// is encrypted but not authenticated
    #[arg(long)]
    pub proxy_insecure: bool,

    /// Live reload: watch the folder and update open pages on every save (stylesheets swap in place)
    #[arg(long)]
    pub live: bool,

    /// With --live, keep the pages' console to themselves: by default their errors and warnings (and
    /// console.log with -v) are printed here, under the device's name
    #[arg(long)]
    pub no_console: bool,

    /// Do not compress responses on the fly (precompressed .br/.zst/.gz files are still sent)
    #[arg(long)]
    pub no_compress: bool,

    /// Memory for compressed responses kept for reuse, e.g. 64M; a body over an eighth of it is compressed as it
    /// is sent instead
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = byte_size)]
    pub compress_cache: usize,

    /// No access log (warnings and errors are still printed); the later of this and --verbose wins
    #[arg(short, long, overrides_with = "verbose")]
    pub quiet: bool,

    /// More detail in the log, such as why a path was refused; repeat for more
    #[arg(short, long, action = ArgAction::Count, overrides_with = "quiet")]
    pub verbose: u8,

    /// Open the site in the default browser once lanai listens ($BROWSER first, then the system's opener)
    #[arg(long)]
    pub open: bool,

    /// Serve HTTPS with a certificate from lanai's own local CA, made on first use; plain HTTP
    /// on the same port is redirected, except the pages that help a device trust the CA (/.lanai/start)
    #[arg(long)]
    pub https: bool,

    /// Serve HTTPS with this PEM certificate chain instead of the local CA's (with --tls-key)
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Print the certificate of lanai's local CA (PEM), making the CA first if needed, then exit
    #[arg(long)]
    pub print_ca: bool,

    /// Replace lanai's local CA and its certificate with new ones, then exit; devices that trusted
    /// the old CA must install the new one
    #[arg(long)]
    pub new_ca: bool,

    /// Ask for this user name and password (HTTP Basic) before serving anything; repeatable
    #[arg(long = "auth", value_name = "USER:PASSWORD", action = ArgAction::Append)]
    pub auth: Vec<String>,

    /// Ask for credentials from this htpasswd file (bcrypt as `htpasswd -nbB` writes, or $argon2id$ hashes)
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub auth_file: Option<PathBuf>,

    /// Accept uploads into the served folder: PUT /path/name (curl -T), and files sent from a listing page
    #[arg(long)]
    pub upload: bool,

    /// Let an upload replace a file that exists (otherwise 409 Conflict)
    #[arg(long, requires = "upload")]
    pub upload_overwrite: bool,

    /// Largest file one upload may bring, e.g. 512M or 4G; past it 413
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = byte_size)]
    pub upload_limit: usize,

    /// Only this user name and password (HTTP Basic) may upload, while reading stays as it is; repeatable
    #[arg(long, value_name = "USER:PASSWORD", action = ArgAction::Append, requires = "upload")]
    pub upload_auth: Vec<String>,

    /// Only users of this htpasswd file may upload (as --auth-file reads it)
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, requires = "upload")]
    pub upload_auth_file: Option<PathBuf>,

    /// Also append the log to this file
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub log_file: Option<PathBuf>,

    /// Skip the config file (LANAI_CONFIG, or the per-user one that FILES in lanai(1) names)
    #[arg(long)]
    pub no_config: bool,

    /// Print the man page or a shell's completion script, then exit
    #[arg(long, value_name = "WHAT", value_enum)]
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

/// The host whose reading of `_redirects` and `_headers` lanai follows (`--rules`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum RulesHost {
    #[default]
    Netlify,
    Cloudflare,
}

/// What `--generate` prints: the man page or one shell's completion script, as build.rs wrote them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Artifact {
    Man,
    Bash,
    Zsh,
    Fish,
    #[value(name = "powershell")]
    PowerShell,
    Elvish,
}

impl Artifact {
    /// The name build.rs writes the artifact under in OUT_DIR, and the committed copy's name in man/ or
    /// completions/ (clap_complete's names for the shells).
    pub fn file_name(self) -> &'static str {
        match self {
            Artifact::Man => "lanai.1",
            Artifact::Bash => "lanai.bash",
            Artifact::Zsh => "_lanai",
            Artifact::Fish => "lanai.fish",
            Artifact::PowerShell => "_lanai.ps1",
            Artifact::Elvish => "lanai.elv",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Options {
        Options::try_parse_from(std::iter::once("lanai").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn the_later_occurrence_wins() {
        assert_eq!(parse(&["-p", "1", "--port", "2"]).port, 2);
        assert!(parse(&["--listing", "--listing"]).listing);
        assert_eq!(parse(&["a", "-r", "b"]).root(), PathBuf::from("b"));
        assert_eq!(parse(&["-r", "b", "a"]).root(), PathBuf::from("a"));
        let quiet_last = parse(&["-v", "-v", "-q"]);
        assert!(quiet_last.quiet && quiet_last.verbose == 0);
        let verbose_last = parse(&["-q", "-vv"]);
        assert!(!verbose_last.quiet && verbose_last.verbose == 2);
        assert_eq!(
            parse(&["--header", "A: 1", "--header", "B: 2"])
                .headers
                .len(),
            2
        );
    }

    #[test]
    fn definition_is_consistent() {
        use clap::CommandFactory;
        Options::command().debug_assert();
    }
}
