//! Writes the shell completions and the man page for the command line of src/cli.rs into OUT_DIR, where
//! src/generated.rs embeds them for `lanai --generate`. It writes nowhere else, so `cargo package` verifies.

#[allow(dead_code)] // main's helpers in cli.rs: the build needs only the definition
#[path = "src/cli.rs"]
mod cli;
#[path = "build/man.rs"]
mod man;

use std::path::PathBuf;
use structopt::clap::Shell;
use structopt::StructOpt;

fn main() {
    println!("cargo:rerun-if-changed=src/cli.rs");
    println!("cargo:rerun-if-changed=build/man.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut app = cli::Options::clap();
    for shell in Shell::variants() {
        let shell: Shell = shell.parse().expect("clap names its own shells");
        app.gen_completions("lanai", shell, &out_dir);
    }
    let page = man::page(&cli::Options::clap());
    std::fs::write(out_dir.join("lanai.1"), page).expect("write lanai.1 into OUT_DIR");
}
