//! The command line. This one definition is the source of `--help` (and of the completions and the man page that
//! build.rs generates), so it depends on nothing but structopt and std.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use structopt::StructOpt;

#[derive(Debug, StructOpt)]
#[structopt(
    name = "lanai",
    about = "A fast, safe static file server for previewing sites and sharing folders.",
    after_help = "EXAMPLES:\n    lanai                      serve the current folder at http://127.0.0.1:8080/\n    lanai site/ --port 0       serve site/ on any free port\n    lanai --host 0.0.0.0 .     serve the current folder to the LAN"
)]
pub struct Options {
    /// Folder to serve (the same as --document-root) [default: .]
    #[structopt(name = "ROOT", parse(from_os_str))]
    pub root: Option<PathBuf>,

    /// Folder to serve [default: .]
    #[structopt(
        short = "r",
        long = "document-root",
        value_name = "DIR",
        parse(from_os_str),
        conflicts_with = "ROOT"
    )]
    pub document_root: Option<PathBuf>,

    /// Port to listen on; 0 picks a free one (the start-up line names it)
    #[structopt(short, long, default_value = "8080")]
    pub port: u16,

    /// Address to listen on: 127.0.0.1 keeps it on this machine, 0.0.0.0 or :: serves the LAN
    #[structopt(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub host: String,

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

    /// No access log (warnings and errors are still printed)
    #[structopt(short, long)]
    pub quiet: bool,

    /// More detail in the log; repeat for more
    #[structopt(short, long, parse(from_occurrences), conflicts_with = "quiet")]
    pub verbose: u8,
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

fn positive_seconds(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("must be at least 1 second".to_string()),
        Ok(seconds) => Ok(seconds),
        Err(_) => Err(format!("'{text}' is not a whole number of seconds")),
    }
}
