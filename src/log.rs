//! Logging set-up: lanai's own messages and the access log go to stderr through simplelog, and also to a file
//! when `--log-file` names one.

use simplelog::{CombinedLogger, Config, ConfigBuilder, LevelFilter, SharedLogger, WriteLogger};
use std::fs::OpenOptions;
use std::io::LineWriter;
use std::path::Path;

/// `quiet` keeps warnings and errors only; each `verbose` step adds a level of detail. A `log_file` is appended
/// to; one that cannot be opened is a start-up error.
pub fn init(quiet: bool, verbose: u8, log_file: Option<&Path>) -> Result<(), String> {
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::Warn,
        (false, 0) => LevelFilter::Info,
        (false, 1) => LevelFilter::Debug,
        (false, _) => LevelFilter::Trace,
    };
    // One write per line: simplelog writes a record in several pieces.
    let mut loggers: Vec<Box<dyn SharedLogger>> = vec![WriteLogger::new(
        level,
        config(),
        LineWriter::new(std::io::stderr()),
    )];
    if let Some(path) = log_file {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|error| {
                format!(
                    "cannot write the log to '{}': {error}; choose another --log-file",
                    path.display()
                )
            })?;
        loggers.push(WriteLogger::new(level, config(), LineWriter::new(file)));
    }
    let _ = CombinedLogger::init(loggers);
    Ok(())
}

fn config() -> Config {
    ConfigBuilder::new()
        .add_filter_allow_str("lanai")
        .set_target_level(LevelFilter::Off)
        .set_thread_level(LevelFilter::Off)
        .build()
}
