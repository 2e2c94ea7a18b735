//! Start-up: from the options to a running server, in the order a user sees it — the root checked, the executor
//! sized, logging and signals set up, every part built (site, rules, credentials, live reload, proxy, Host
//! check, TLS), the start-up lines printed, and the server run until it stops. Every problem here is one
//! sentence for the user, returned as `Err`.

use crate::app::App;
use crate::cli::Options;
use crate::devices::{self, Devices};
use crate::files::Site;
use crate::guard::auth::Auth;
use crate::guard::host::HostPolicy;
use crate::guard::Guard;
use crate::http::connection::{Limits, WRITE_STALL};
use crate::lan::{self, Urls};
use crate::live::console::Console;
use crate::live::Live;
use crate::platform;
use crate::proxy::{self, Proxy};
use crate::rules::Rules;
use crate::server::{self, Settings};
use crate::shutdown::{self, Stop};
use crate::tls::authority::{self, LocalCa};
use crate::tls::{self, Tls};
use crate::upload::Uploads;
use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Said once at start-up when the root has no index.html and listings are off, the first surprise of a newcomer.
const NO_INDEX_NOTE: &str =
    "The folder has no index.html, so / answers 404; start lanai with --listing to list its files.\n";

/// Runs lanai as `options` say until it is stopped.
pub fn run(options: Options) -> Result<(), String> {
    if options.print_ca || options.new_ca {
        return print_ca(&options);
    }
    let root = document_root(&options)?;
    size_executor(&options);
    crate::log::init(options.quiet, options.verbose, options.log_file.as_deref())?;
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
    let rules = Rules::load(&site.root, options.rules);
    let auth = Auth::from_options(&options.auth, options.auth_file.as_deref())?;
    let live = options
        .live
        .then(|| {
            let console = (!options.no_console).then(|| Console::new(options.verbose > 0));
            Live::start(&site.root, options.hidden, console)
        })
        .transpose()?;
    let proxy_settings = proxy::Settings {
        timeout: Duration::from_secs(options.proxy_timeout),
        keep_host: options.proxy_keep_host,
        insecure: options.proxy_insecure,
    };
    let proxy = Proxy::new(&options.proxies, &proxy_settings)?;
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
    let upload_auth = Auth::from_flag(
        "--upload-auth",
        &options.upload_auth,
        options.upload_auth_file.as_deref(),
    )?;
    let guard = Arc::new(Guard::new(hosts, auth).with_upload_auth(upload_auth));
    let https = options.https || options.tls_cert.is_some();
    let scheme = if https { "https" } else { "http" };
    let urls = lan::urls(scheme, address, &lan_addresses, host_name.as_deref());
    let local_ca = (https && options.tls_cert.is_none())
        .then(|| LocalCa::open(&authority::data_folder()?, host_name.as_deref()))
        .transpose()?;
    if let Some(warning) = local_ca.as_ref().and_then(LocalCa::warning) {
        log::warn!("{warning}");
    }
    let devices = Devices {
        ca_pem: local_ca.as_ref().map(|ca| ca.cert_pem.clone()),
    };
    let ips: Vec<IpAddr> = lan_addresses.iter().map(|address| address.ip).collect();
    let tls = https
        .then(|| {
            tls_for(
                &options,
                local_ca,
                &ips,
                host_name.as_deref(),
                &urls,
                &guard,
            )
        })
        .transpose()?;
    announce(
        &options,
        &site,
        &urls,
        live.is_some(),
        devices.ca_pem.is_some(),
    );
    if guard.asks_for_credentials() && !https && !address.ip().is_loopback() {
        log::warn!(
            "--auth over plain HTTP beyond this machine: anyone on the network can read the passwords; add --https"
        );
    }
    if options.upload && !guard.asks_for_credentials() && !address.ip().is_loopback() {
        log::warn!(
            "--upload beyond this machine without --auth or --auth-file: anyone on the network can write files \
             here; add --auth (or --upload-auth for uploads only)"
        );
    }
    // In the log, not on stdout: whoever reads the start-up line may close stdout after it.
    for rule in proxy.describe() {
        log::info!("proxying {rule}");
    }
    if options.proxy_insecure {
        log::warn!(
            "--proxy-insecure: lanai takes any certificate from https:// upstreams, so anyone on the way can \
             pose as them; use it only for your own dev back end"
        );
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
        devices,
        live,
        proxy,
        uploads: options.upload.then_some(Uploads {
            overwrite: options.upload_overwrite,
            limit: options.upload_limit as u64,
            hidden: options.hidden,
        }),
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

/// The folder to serve, made absolute, once it is known to be a folder lanai may read.
fn document_root(options: &Options) -> Result<PathBuf, String> {
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
    Ok(root)
}

/// --print-ca and --new-ca: the local CA's certificate on stdout (made first if there is none, or new with
/// --new-ca), and what the user should know about it on stderr.
fn print_ca(options: &Options) -> Result<(), String> {
    let folder = authority::data_folder()?;
    let host_name = lan::host_name();
    let ca = if options.new_ca {
        let ca = LocalCa::replace(&folder, host_name.as_deref())?;
        eprintln!(
            "lanai made a new local CA in '{}'; devices that trusted the old one must install this one (start lanai with --https and open the CA page it names)",
            folder.display()
        );
        ca
    } else {
        LocalCa::open(&folder, host_name.as_deref())?
    };
    if let Some(warning) = ca.warning() {
        eprintln!("warning: {warning}");
    }
    if options.print_ca {
        print!("{}", ca.cert_pem);
    }
    Ok(())
}

/// --workers, or one thread per CPU.
fn size_executor(options: &Options) {
    let workers = options.workers.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    // async-std reads this once, when its executor first starts; nothing has started it yet.
    std::env::set_var("ASYNC_STD_THREAD_COUNT", workers.to_string());
}

/// TLS with the local CA's leaf for every name this machine answers to, or with --tls-cert and --tls-key.
fn tls_for(
    options: &Options,
    local_ca: Option<LocalCa>,
    ips: &[IpAddr],
    host_name: Option<&str>,
    urls: &Urls,
    guard: &Arc<Guard>,
) -> Result<Arc<Tls>, String> {
    let source = match (local_ca, &options.tls_cert, &options.tls_key) {
        (Some(ca), _, _) => tls::Source::LocalCa(Box::new(ca), tls::leaf_names(ips, host_name)),
        (None, Some(cert), Some(key)) => tls::Source::Files { cert, key },
        _ => return Err("--tls-cert needs --tls-key".to_string()),
    };
    Tls::new(source, urls.local_authority(), guard.clone()).map(Arc::new)
}

/// The start-up lines on stdout: where lanai serves, the LAN URLs and QR code, the start page for devices, and
/// the note for a root without index.html.
fn announce(options: &Options, site: &Site, urls: &Urls, live: bool, local_ca: bool) {
    let live_note = if live { " with live reload" } else { "" };
    let start_page = local_ca.then_some(devices::START_PAGE);
    let qr = lan::wants_qr_code(options.quiet, std::io::stdout().is_terminal());
    let mut announcement = urls.announcement(
        &platform::shown(&site.root).display().to_string(),
        live_note,
        start_page,
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
}
