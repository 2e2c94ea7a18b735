//! Reaching lanai from other devices: the machine's addresses and host name, the URLs a person can open (never
//! `0.0.0.0` or `[::]`), the QR code of the one a phone most likely reaches, and `--open`.

use crate::platform;
use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::process::{Child, Command, Stdio};

/// Set to `always`, a QR code is drawn even when stdout is not a terminal; the tests read it through a pipe.
pub const QR_VARIABLE: &str = "LANAI_QR";

/// An address of one of this machine's network interfaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub interface: String,
    pub ip: IpAddr,
}

/// The addresses other devices may reach this machine at: IPv4 ones other than loopback, and global IPv6 ones.
/// Link-local and unique-local IPv6 addresses are left out: a URL with them rarely works from a phone.
pub fn lan_addresses() -> Vec<Address> {
    let interfaces = if_addrs::get_if_addrs().unwrap_or_default();
    interfaces
        .into_iter()
        .map(|interface| Address {
            ip: interface.ip(),
            interface: interface.name,
        })
        .filter(|address| match address.ip {
            IpAddr::V4(ip) => !ip.is_loopback() && !ip.is_unspecified() && !ip.is_link_local(),
            IpAddr::V6(ip) => is_global_unicast(ip),
        })
        .collect()
}

/// 2000::/3, the only IPv6 range handed out for the whole internet (Ipv6Addr::is_global is not stable).
fn is_global_unicast(ip: Ipv6Addr) -> bool {
    ip.segments()[0] & 0xe000 == 0x2000
}

/// This machine's host name as a DNS label (`laptop` of `laptop.example.org`), when it is one: mDNS answers
/// `NAME.local` for it, and a certificate can name it.
pub fn host_name() -> Option<String> {
    let name = platform::host_name()?;
    let label = name.split('.').next()?.to_ascii_lowercase();
    let valid = !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-');
    valid.then_some(label)
}

/// How lanai can be reached, for the start-up lines.
#[derive(Debug, PartialEq, Eq)]
pub struct Urls {
    /// The URL for this machine's own browser: `localhost` when listening on a wildcard or loopback address.
    pub local: String,
    /// URLs for other devices, the one a phone most likely reaches first.
    pub lan: Vec<String>,
    /// The host of `local`, and the port of them all.
    pub local_host: String,
    pub port: u16,
}

impl Urls {
    /// `host:port` of `local`.
    pub fn local_authority(&self) -> String {
        format!("{}:{}", self.local_host, self.port)
    }

    /// The start-up lines: where lanai serves `root`, every URL, the QR code of the first LAN URL when `qr` says
    /// so, and, with lanai's own CA, its start page at `start_page` (a path): the page other devices open first
    /// (plain HTTP on the same port, so a device that does not trust the CA yet can open it), which the QR code
    /// then leads to. On loopback no other device can reach lanai, so the text speaks of this computer's
    /// browsers only. One string, so it goes out in one write.
    pub fn announcement(
        &self,
        root: &str,
        note: &str,
        start_page: Option<&str>,
        qr: bool,
    ) -> String {
        let mut text = format!(
            "lanai serving {root} at {}{note}
",
            self.local
        );
        for url in &self.lan {
            text.push_str(&format!(
                "  also at {url}
"
            ));
        }
        let mut scanned = self.lan.first().cloned();
        if let Some(path) = start_page {
            match &scanned {
                Some(first) => {
                    let page = plain(first, path);
                    text.push_str(&format!(
                        "  on a phone or another computer, open {page}: it checks that the device trusts lanai's \
                         HTTPS, and shows how to if not\n"
                    ));
                    scanned = Some(page);
                }
                None => text.push_str(&format!(
                    "  to trust its HTTPS in this computer's browsers, open {} once\n",
                    plain(&self.local, path)
                )),
            }
        }
        if let (true, Some(url)) = (qr, scanned) {
            if let Some(code) = qr_code(&url) {
                text.push_str(&format!("  scan to open {url}:\n{code}\n"));
            }
        }
        text
    }
}

/// One of lanai's URLs (`scheme://authority/`) as plain HTTP to `path` on the same authority.
fn plain(url: &str, path: &str) -> String {
    let authority = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .trim_end_matches('/');
    format!("http://{authority}{path}")
}

/// The URLs of a server listening on `bound` over `scheme`, given this machine's `addresses` and `host_name`.
/// A wildcard address lists every way in; one address lists just itself.
pub fn urls(
    scheme: &str,
    bound: SocketAddr,
    addresses: &[Address],
    host_name: Option<&str>,
) -> Urls {
    let port = bound.port();
    let url = |host: &str| format!("{scheme}://{host}:{port}/");
    let ip = bound.ip();
    if !ip.is_unspecified() {
        let host = authority_host(ip);
        return if ip.is_loopback() {
            Urls {
                local: url(&host),
                lan: Vec::new(),
                local_host: host,
                port,
            }
        } else {
            Urls {
                local: url(&host),
                lan: vec![url(&host)],
                local_host: host,
                port,
            }
        };
    }
    let reaches_ipv6 = ip.is_ipv6();
    let reaches_ipv4 = ip.is_ipv4() || platform::WILDCARD_IPV6_ACCEPTS_IPV4;
    let mut reachable: Vec<&Address> = addresses
        .iter()
        .filter(|address| match address.ip {
            IpAddr::V4(_) => reaches_ipv4,
            IpAddr::V6(_) => reaches_ipv6,
        })
        .collect();
    reachable.sort_by_key(|address| reachability_rank(address));
    let mut hosts: Vec<String> = reachable
        .iter()
        .map(|address| authority_host(address.ip))
        .collect();
    hosts.dedup();
    if let Some(name) = host_name {
        hosts.push(format!("{name}.local"));
    }
    Urls {
        local: url("localhost"),
        lan: hosts.iter().map(|host| url(host)).collect(),
        local_host: "localhost".to_string(),
        port,
    }
}

/// An IP address as it stands in a URL: IPv6 in brackets.
pub fn authority_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    }
}

/// Lower is likelier to reach from a phone on the same Wi-Fi: home and office ranges first, IPv4 before IPv6, and
/// the bridges of containers and virtual machines last.
fn reachability_rank(address: &Address) -> (bool, u8) {
    const VIRTUAL: [&str; 7] = [
        "docker", "br-", "veth", "virbr", "vboxnet", "vmnet", "podman",
    ];
    let is_virtual = VIRTUAL
        .iter()
        .any(|prefix| address.interface.starts_with(prefix));
    let range = match address.ip {
        IpAddr::V4(ip) => match ip.octets() {
            [192, 168, ..] => 0,
            [10, ..] => 1,
            [172, second, ..] if (16..32).contains(&second) => 2,
            _ => 3,
        },
        IpAddr::V6(_) => 4,
    };
    (is_virtual, range)
}

/// Whether to draw the QR code: when stdout is a terminal a person can point a phone at, unless --quiet.
pub fn wants_qr_code(quiet: bool, stdout_is_terminal: bool) -> bool {
    let forced = std::env::var_os(QR_VARIABLE).is_some_and(|value| value == "always");
    !quiet && (stdout_is_terminal || forced)
}

/// `text` as a QR code drawn with half blocks, two rows of modules a line, with its quiet zone. Light modules are
/// drawn (in the terminal's text colour), dark ones left blank, as qrencode does: on the usual dark terminal
/// that shows dark-on-light, the way scanners expect.
pub fn qr_code(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// Opens `url` in a browser: `$BROWSER` first (a `:`-separated list of commands, `%s` standing for the URL, as
/// the convention goes), then the platform's opener. Returns the command started, or why none could be.
pub fn open_in_browser(url: &str) -> Result<(String, Child), String> {
    let from_variable = std::env::var("BROWSER").unwrap_or_default();
    let mut candidates: Vec<Vec<String>> = from_variable
        .split(':')
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| browser_command(entry, url))
        .collect();
    candidates.push(platform::url_opener(url));
    let mut failures = Vec::new();
    for words in candidates {
        let Some((program, arguments)) = words.split_first() else {
            continue;
        };
        match Command::new(program)
            .args(arguments)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
        {
            Ok(child) => return Ok((program.clone(), child)),
            Err(error) => failures.push(format!("{program}: {error}")),
        }
    }
    Err(failures.join("; "))
}

/// One `$BROWSER` entry as program and arguments: `%s` replaced by the URL, or the URL appended.
fn browser_command(entry: &str, url: &str) -> Vec<String> {
    let mut words: Vec<String> = entry.split_whitespace().map(str::to_string).collect();
    if words.iter().any(|word| word.contains("%s")) {
        for word in &mut words {
            *word = word.replace("%s", url);
        }
    } else {
        words.push(url.to_string());
    }
    words
}

/// `--open`: opens `url` once, off the main path; a failure is one line of warning and lanai keeps serving.
pub fn open(url: String) {
    std::thread::spawn(move || {
        let warn = |why: &str| {
            log::warn!("could not open a browser ({why}); open {url} yourself, or set BROWSER")
        };
        match open_in_browser(&url) {
            Ok((program, mut child)) => match child.wait() {
                Ok(status) if !status.success() => warn(&format!("{program} exited with {status}")),
                Ok(_) => {}
                Err(error) => warn(&format!("{program}: {error}")),
            },
            Err(why) => warn(&why),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(interface: &str, ip: &str) -> Address {
        Address {
            interface: interface.to_string(),
            ip: ip.parse().unwrap(),
        }
    }

    fn machine() -> Vec<Address> {
        vec![
            address("docker0", "172.17.0.1"),
            address("wlan0", "192.168.1.20"),
            address("wlan0", "2001:db8::5"),
        ]
    }

    #[test]
    fn loopback_lists_itself_only() {
        let urls = urls(
            "http",
            "127.0.0.1:8080".parse().unwrap(),
            &machine(),
            Some("box"),
        );
        assert_eq!(urls.local, "http://127.0.0.1:8080/");
        assert!(urls.lan.is_empty());
        let urls = urls_of("[::1]:8080");
        assert_eq!(urls.local, "http://[::1]:8080/");
    }

    fn urls_of(bound: &str) -> Urls {
        urls("http", bound.parse().unwrap(), &machine(), Some("box"))
    }

    #[test]
    fn ipv4_wildcard_lists_localhost_each_ipv4_address_and_the_mdns_name() {
        let urls = urls_of("0.0.0.0:8080");
        assert_eq!(urls.local, "http://localhost:8080/");
        assert_eq!(
            urls.lan,
            [
                "http://192.168.1.20:8080/",
                "http://172.17.0.1:8080/",
                "http://box.local:8080/"
            ]
        );
    }

    #[test]
    fn ipv6_wildcard_adds_global_ipv6_in_brackets() {
        let urls = urls("https", "[::]:8443".parse().unwrap(), &machine(), None);
        assert!(urls
            .lan
            .contains(&"https://[2001:db8::5]:8443/".to_string()));
        assert!(urls
            .lan
            .iter()
            .all(|url| !url.contains("[::]") && !url.contains("0.0.0.0")));
        assert_eq!(
            urls.lan.contains(&"https://192.168.1.20:8443/".to_string()),
            platform::WILDCARD_IPV6_ACCEPTS_IPV4
        );
    }

    #[test]
    fn with_the_local_ca_the_qr_code_and_text_lead_to_the_start_page() {
        let urls = urls("https", "0.0.0.0:8443".parse().unwrap(), &machine(), None);
        let text = urls.announcement("/site", "", Some("/.lanai/start"), true);
        let page = "http://192.168.1.20:8443/.lanai/start";
        assert!(
            text.contains(&format!("on a phone or another computer, open {page}:")),
            "{text}"
        );
        assert!(text.contains(&format!("scan to open {page}:\n")), "{text}");
        let given = urls.announcement("/site", "", None, true);
        assert!(given.contains("scan to open https://192.168.1.20:8443/:\n"));
        assert!(!given.contains("/.lanai/"), "{given}");
    }

    #[test]
    fn on_loopback_the_text_speaks_of_this_computer_only() {
        let urls = urls("https", "127.0.0.1:8443".parse().unwrap(), &machine(), None);
        let text = urls.announcement("/site", "", Some("/.lanai/start"), true);
        assert_eq!(
            text,
            "lanai serving /site at https://127.0.0.1:8443/\n  to trust its HTTPS in this computer's browsers, \
             open http://127.0.0.1:8443/.lanai/start once\n"
        );
        assert!(!text.to_lowercase().contains("phone"));
    }

    #[test]
    fn plain_urls_keep_the_authority() {
        assert_eq!(
            plain("https://[2001:db8::5]:8443/", "/p"),
            "http://[2001:db8::5]:8443/p"
        );
        assert_eq!(plain("https://box.local:1/", "/p"), "http://box.local:1/p");
    }

    #[test]
    fn one_lan_address_lists_itself() {
        let urls = urls_of("192.168.1.20:8080");
        assert_eq!(urls.lan, ["http://192.168.1.20:8080/"]);
    }

    #[test]
    fn only_global_ipv6_counts() {
        assert!(is_global_unicast("2001:db8::1".parse().unwrap()));
        assert!(!is_global_unicast("fe80::1".parse().unwrap()));
        assert!(!is_global_unicast("fd00::1".parse().unwrap()));
        assert!(!is_global_unicast("::1".parse().unwrap()));
    }

    #[test]
    fn browser_entries_take_the_url_in_place_of_percent_s_or_at_the_end() {
        assert_eq!(browser_command("firefox", "u"), ["firefox", "u"]);
        assert_eq!(
            browser_command("chromium --new-window %s", "u"),
            ["chromium", "--new-window", "u"]
        );
    }

    #[test]
    fn qr_codes_use_half_blocks() {
        let code = qr_code("http://192.168.1.20:8080/").unwrap();
        assert!(code
            .chars()
            .all(|c| " \u{2580}\u{2584}\u{2588}\n".contains(c)));
        assert!(code.lines().count() < 25, "fits a terminal:\n{code}");
    }
}
