//! The man page and shell completions that build.rs generated from the command line, embedded for `--generate`
//! so a package or a `cargo install` user can install them without a source tree.

use crate::cli::Artifact;
use structopt::clap::Shell;

/// The text of `artifact`, as build.rs wrote it.
pub fn text(artifact: Artifact) -> &'static str {
    match artifact {
        Artifact::ManPage => include_str!(concat!(env!("OUT_DIR"), "/lanai.1")),
        Artifact::Completion(Shell::Bash) => include_str!(concat!(env!("OUT_DIR"), "/lanai.bash")),
        Artifact::Completion(Shell::Zsh) => include_str!(concat!(env!("OUT_DIR"), "/_lanai")),
        Artifact::Completion(Shell::Fish) => include_str!(concat!(env!("OUT_DIR"), "/lanai.fish")),
        Artifact::Completion(Shell::PowerShell) => {
            include_str!(concat!(env!("OUT_DIR"), "/_lanai.ps1"))
        }
        Artifact::Completion(Shell::Elvish) => include_str!(concat!(env!("OUT_DIR"), "/lanai.elv")),
    }
}
