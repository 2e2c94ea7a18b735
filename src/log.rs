//! Logging set-up: lanai's own messages and the access log go to stderr through simplelog.

use simplelog::{ConfigBuilder, LevelFilter, WriteLogger};
use std::io::LineWriter;

/// `quiet` keeps warnings and errors only; each `verbose` step adds a level of detail.
pub fn init(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::Warn,
        (false, 0) => LevelFilter::Info,
        (false, 1) => LevelFilter::Debug,
        (false, _) => LevelFilter::Trace,
    };
    let config = ConfigBuilder::new()
        .add_filter_allow_str("lanai")
        .set_target_level(LevelFilter::Off)
        .set_thread_level(LevelFilter::Off)
        .build();
    // One write per line: simplelog writes a record in several pieces.
    let _ = WriteLogger::init(level, config, LineWriter::new(std::io::stderr()));
}
