//! Writes the shell completions and the man page for the command line of src/cli.rs into OUT_DIR, where
//! src/generated.rs embeds them for `lanai --generate`. It writes nowhere else, so `cargo package` verifies.

#[allow(dead_code)] // main's helpers in cli.rs: the build needs only the definition
#[path = "src/cli.rs"]
mod cli;
#[path = "build/elvish.rs"]
mod elvish;
#[path = "build/man.rs"]
mod man;

use clap::{CommandFactory, ValueEnum};
use clap_complete::Shell;
use cli::Artifact;
use std::path::PathBuf;

fn main() {
    for input in ["src/cli.rs", "build/man.rs", "build/elvish.rs"] {
        println!("cargo:rerun-if-changed={input}");
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for &artifact in Artifact::value_variants() {
        let text = generate(artifact);
        std::fs::write(out_dir.join(artifact.file_name()), text).expect("write into OUT_DIR");
    }
}

fn generate(artifact: Artifact) -> String {
    let command = cli::Options::command();
    let shell = match artifact {
        Artifact::Man => return man::page(command),
        Artifact::Bash => Shell::Bash,
        Artifact::Zsh => Shell::Zsh,
        Artifact::Fish => Shell::Fish,
        Artifact::PowerShell => Shell::PowerShell,
        Artifact::Elvish => return elvish::with_file_names(&command, completion(Shell::Elvish)),
    };
    completion(shell)
}

fn completion(shell: Shell) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli::Options::command(), "lanai", &mut script);
    String::from_utf8(script).expect("clap_complete writes UTF-8")
}
