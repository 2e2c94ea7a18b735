//! The `lanai` command: the command line read, --help, --version and --generate answered, then start-up.

use clap::Parser;
use lanai::cli::Options;
use lanai::{config, generated, startup};
use std::ffi::OsString;
use std::process::ExitCode;

/// Start-up problems (bad root, port in use, bad arguments, a bad config file) exit with this status.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let command_line: Vec<OsString> = std::env::args_os().collect();
    // The command line alone first: --help, --version, --generate and its own mistakes need no config file.
    let options = match Options::try_parse_from(&command_line) {
        Ok(options) => options,
        // The problem on the first line, then clap's hint and usage; --help and --version go to stdout.
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(USAGE_ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Some(artifact) = options.generate {
        print!("{}", generated::text(artifact));
        return ExitCode::SUCCESS;
    }
    match config::apply(options, &command_line).and_then(startup::run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lanai: {message}");
            ExitCode::from(USAGE_ERROR)
        }
    }
}
