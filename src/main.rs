use lanai::cli::Options;
use lanai::files::{self, Site};
use lanai::http::connection::{Limits, WRITE_STALL};
use lanai::http::request::Request;
use lanai::platform;
use lanai::server::{self, Settings};
use lanai::shutdown::{self, Stop};
use std::process::ExitCode;
use std::time::Duration;
use structopt::StructOpt;

/// Start-up problems (bad root, port in use, bad arguments) exit with this status.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let options = match Options::from_iter_safe(std::env::args_os()) {
        Ok(options) => options,
        Err(error) if error.use_stderr() => {
            eprintln!("{}", error.message);
            return ExitCode::from(USAGE_ERROR);
        }
        Err(help_or_version) => {
            println!("{}", help_or_version.message);
            return ExitCode::SUCCESS;
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lanai: {message}");
            ExitCode::from(USAGE_ERROR)
        }
    }
}

fn run(options: Options) -> Result<(), String> {
    let root = options.root();
    let root = match root.canonicalize() {
        Ok(canonical) if canonical.is_dir() => canonical,
        Ok(_) => {
            return Err(format!(
                "'{}' is not a directory; give the folder to serve",
                root.display()
            ))
        }
        Err(error) => return Err(format!("cannot serve '{}': {error}", root.display())),
    };
    let workers = options.workers.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    // async-std reads this once, when its executor first starts; nothing has started it yet.
    std::env::set_var("ASYNC_STD_THREAD_COUNT", workers.to_string());
    lanai::log::init(options.quiet, options.verbose);
    let max_connections = options.max_connections.get();
    if let Some(limit) = platform::raise_descriptor_limit() {
        if let Some(warning) = server::descriptor_warning(max_connections, limit) {
            log::warn!("{warning}");
        }
    }

    let listener = server::bind(&options.host, options.port)?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    println!("lanai serving {} at http://{address}/", root.display());
    let site = Site { root };
    let settings = Settings {
        limits: Limits {
            read_timeout: Duration::from_secs(options.read_timeout),
            keep_alive_timeout: Duration::from_secs(options.keep_alive_timeout),
            write_stall: WRITE_STALL,
        },
        max_connections,
        shutdown_timeout: Duration::from_secs(options.shutdown_timeout),
    };
    let stop = Stop::new();
    shutdown::on_signals(stop.clone())?;
    let handler = move |request: &Request<'_>| files::respond(&site, request);
    async_std::task::block_on(server::run(listener, handler, settings, stop));
    Ok(())
}
