use clap::Parser;
use lanai::app::App;
use lanai::cli::Options;
use lanai::config;
use lanai::files::Site;
use lanai::generated;
use lanai::guard::auth::Auth;
use lanai::guard::host::HostPolicy;
use lanai::guard::Guard;
use lanai::http::connection::{Limits, WRITE_STALL};
use lanai::lan;
use lanai::live::Live;
use lanai::platform;
use lanai::proxy::Proxy;
use lanai::rules::Rules;
use lanai::server::{self, Settings};
use lanai::shutdown::{self, Stop};
use lanai::tls::authority::{self, LocalCa};
use lanai::tls::{self, plain, Tls};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Said once at start-up when the root has no index.html and listings are off, the first surprise of a newcomer.
const NO_INDEX_NOTE: &str =
    "The folder has no index.html, so / answers 404; start lanai with --listing to list its files.\n";

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
    match config::apply(options, &command_line).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lanai: {message}");
            ExitCode::from(USAGE_ERROR)
        }
    }
}

fn run(options: Options) -> Result<(), String> {
    if options.print_ca {
        print!("{}", LocalCa::open(&authority::data_folder()?)?.cert_pem);
        return Ok(());
    }
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
    // A folder lanai may not list would start fine and answer 403 to everything.
    if let Err(error) = std::fs::read_dir(&root) {
        return Err(format!(
            "cannot read the folder '{}': {error}; give lanai's user read access to it, or serve another folder",
            platform::shown(&root).display()
        ));
    }
    let workers = options.workers.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    // async-std reads this once, when its executor first starts; nothing has started it yet.
    std::env::set_var("ASYNC_STD_THREAD_COUNT", workers.to_string());
    lanai::log::init(options.quiet, options.verbose, options.log_file.as_deref())?;
    // From here on a stop signal is a clean stop, even one that comes before the server runs.
    let stop = Stop::new();
    shutdown::on_signals(stop.clone())?;
    let max_connections = options.max_connections.get();
    if let Some(limit) = platform::raise_descriptor_limit() {
        if let Some(warning) = server::descriptor_warning(max_connections, limit) {
            log::warn!("{warning}");
        }
    }

    let site = Site::new(root, &options)?;
    // Read before the start-up line, so that problems in the rules files are reported first.
    let rules = Rules::load(&site.root);
    let auth = Auth::from_options(&options.auth, options.auth_file.as_deref())?;
    let live = options
        .live
        .then(|| Live::start(&site.root, options.hidden))
        .transpose()?;
    let proxy = Proxy::new(&options.proxies, Duration::from_secs(options.proxy_timeout))?;
    let listener = server::bind(&options.host, options.port)?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let lan_addresses = lan::lan_addresses();
    let host_name = lan::host_name();
    let hosts = HostPolicy::new(address.ip(), host_name.as_deref(), &options.allowed_hosts)?;
    if hosts.allows_anything() {
        log::warn!(
            "--allowed-host '*' turns the Host check off: any web page you visit can now read what lanai serves"
        );
    }
    let guard = Arc::new(Guard::new(hosts, auth));
    let live_note = if live.is_some() {
        " with live reload"
    } else {
        ""
    };
    let https = options.https || options.tls_cert.is_some();
    let scheme = if https { "https" } else { "http" };
    let urls = lan::urls(scheme, address, &lan_addresses, host_name.as_deref());
    let local_ca = (https && options.tls_cert.is_none())
        .then(|| LocalCa::open(&authority::data_folder()?))
        .transpose()?;
    let tls = https
        .then(|| {
            let source = match (&local_ca, &options.tls_cert, &options.tls_key) {
                (Some(ca), _, _) => {
                    let ips: Vec<_> = lan_addresses.iter().map(|address| address.ip).collect();
                    tls::Source::LocalCa(ca, tls::leaf_names(&ips, host_name.as_deref()))
                }
                (None, Some(cert), Some(key)) => tls::Source::Files { cert, key },
                _ => return Err("--tls-cert needs --tls-key".to_string()),
            };
            Tls::new(source, urls.local_authority(), guard.clone()).map(Arc::new)
        })
        .transpose()?;
    let ca_page = local_ca.as_ref().map(|_| urls.plain_url(plain::CA_PAGE));
    let qr = lan::wants_qr_code(options.quiet, std::io::stdout().is_terminal());
    let mut announcement = urls.announcement(
        &platform::shown(&site.root).display().to_string(),
        live_note,
        ca_page.as_deref(),
        qr,
    );
    if !options.listing && !site.root.join("index.html").is_file() {
        announcement.push_str(NO_INDEX_NOTE);
    }
    // One write, whose failure is ignored: whoever started lanai may read the first line and close the pipe, and
    // a server must not stop over that (nor may a later line fail for it).
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(announcement.as_bytes())
        .and_then(|()| stdout.flush());
    drop(stdout);
    if guard.asks_for_credentials() && !https && !address.ip().is_loopback() {
        log::warn!(
            "--auth over plain HTTP beyond this machine: anyone on the network can read the passwords; add --https"
        );
    }
    // In the log, not on stdout: whoever reads the start-up line may close stdout after it.
    for rule in proxy.describe() {
        log::info!("proxying {rule}");
    }
    if options.open {
        lan::open(urls.local.clone());
    }
    let settings = Settings {
        limits: Limits {
            read_timeout: Duration::from_secs(options.read_timeout),
            keep_alive_timeout: Duration::from_secs(options.keep_alive_timeout),
            write_stall: WRITE_STALL,
        },
        max_connections,
        shutdown_timeout: Duration::from_secs(options.shutdown_timeout),
        tls,
    };
    let app = App {
        guard,
        live,
        proxy,
        rules,
        clean_urls: options.clean_urls,
        site,
    };
    // The accept loop runs on an executor thread, so a new connection's task usually starts on the thread that
    // accepted it instead of waking another (measured: +15% on the exercise's ab run); main only waits.
    let server = async_std::task::spawn(server::run(listener, app, settings, stop));
    async_std::task::block_on(server);
    Ok(())
}
