//! The man page and shell completions that build.rs generated from the command line, embedded for `--generate`
//! so a package or a `cargo install` user can install them without a source tree.

use crate::cli::Artifact;

/// The text of `artifact`, as build.rs wrote it (under the name `Artifact::file_name` gives).
pub fn text(artifact: Artifact) -> &'static str {
    match artifact {
        Artifact::Man => include_str!(concat!(env!("OUT_DIR"), "/lanai.1")),
        Artifact::Bash => include_str!(concat!(env!("OUT_DIR"), "/lanai.bash")),
        Artifact::Zsh => include_str!(concat!(env!("OUT_DIR"), "/_lanai")),
        Artifact::Fish => include_str!(concat!(env!("OUT_DIR"), "/lanai.fish")),
        Artifact::PowerShell => include_str!(concat!(env!("OUT_DIR"), "/_lanai.ps1")),
        Artifact::Elvish => include_str!(concat!(env!("OUT_DIR"), "/lanai.elv")),
    }
}
