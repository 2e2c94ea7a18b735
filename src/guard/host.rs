//! Which host names lanai answers for. Any web page can point a domain of its own at 127.0.0.1 (DNS rebinding)
//! and then read a local server as its own origin; the Host it sends still names that domain, so only names
//! nobody else can point here pass: IP literals, localhost and `*.localhost`, this machine's own names when
//! serving the LAN, and what `--allowed-host` adds. Pure code, tested without sockets.

use crate::http::authority::Host;
use std::net::IpAddr;

/// The names allowed, decided once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPolicy {
    /// `--allowed-host '*'`: the check is off.
    anything: bool,
    /// Names allowed exactly, lowercase and without a trailing dot.
    names: Vec<String>,
    /// Domains allowed with every subdomain (`--allowed-host .example.org`), stored as `example.org`.
    domains: Vec<String>,
}

/// What the policy says of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused, with the name as it is compared (lowercase, no trailing dot).
    Refused(String),
}

impl HostPolicy {
    /// `listening` is the address lanai listens on: beyond loopback, `machine_name` (the host name) and
    /// `machine_name.local` are allowed too. `allowed` holds the `--allowed-host` values.
    pub fn new(
        listening: IpAddr,
        machine_name: Option<&str>,
        allowed: &[String],
    ) -> Result<HostPolicy, String> {
        let mut policy = HostPolicy {
            anything: false,
            names: Vec::new(),
            domains: Vec::new(),
        };
        if !listening.is_loopback() {
            if let Some(name) = machine_name.and_then(|name| normalize(name).ok()) {
                policy.names.push(format!("{name}.local"));
                policy.names.push(name);
            }
        }
        for value in allowed {
            if value == "*" {
                policy.anything = true;
            } else if let Some(domain) = value.strip_prefix('.') {
                policy
                    .domains
                    .push(normalize(domain).map_err(|why| invalid(value, why))?);
            } else {
                policy
                    .names
                    .push(normalize(value).map_err(|why| invalid(value, why))?);
            }
        }
        Ok(policy)
    }

    /// True when `--allowed-host '*'` turned the check off.
    pub fn allows_anything(&self) -> bool {
        self.anything
    }

    /// The verdict on the host a request names; `None` is an HTTP/1.0 request without one (ApacheBench and
    /// older tools send none), which is allowed.
    pub fn judge(&self, host: Option<Host<'_>>) -> Verdict {
        let name = match host {
            None | Some(Host::Ip(_)) => return Verdict::Allowed,
            Some(Host::Name(name)) => name,
        };
        // Compared in place, without lowercasing a copy: this runs for every request.
        let name = name.strip_suffix('.').unwrap_or(name);
        let allowed = self.anything
            || within(name, "localhost")
            || self
                .names
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(name))
            || self.domains.iter().any(|domain| within(name, domain));
        if allowed {
            Verdict::Allowed
        } else {
            Verdict::Refused(name.to_ascii_lowercase())
        }
    }
}

/// `name` (any case, ASCII as the Host syntax demands) is `domain` or one of its subdomains.
fn within(name: &str, domain: &str) -> bool {
    let Some(start) = name.len().checked_sub(domain.len()) else {
        return false;
    };
    let (subdomain, tail) = name.as_bytes().split_at(start);
    tail.eq_ignore_ascii_case(domain.as_bytes())
        && (subdomain.is_empty() || subdomain.ends_with(b"."))
}

/// A name as the policy keeps it: lowercase ASCII, without one trailing dot.
fn normalize(name: &str) -> Result<String, &'static str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if !name.is_ascii() {
        return Err("is not ASCII: give an international name in its xn-- (punycode) form, as browsers send it");
    }
    let valid = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
    if name.is_empty()
        || name
            .split('.')
            .any(|label| label.is_empty() || !label.bytes().all(valid))
    {
        return Err("is not a host name (letters, digits, hyphens and dots; no port, no scheme)");
    }
    Ok(name.to_ascii_lowercase())
}

fn invalid(value: &str, why: &str) -> String {
    format!(
        "--allowed-host '{value}' {why}; write NAME for one name, .DOMAIN for a domain and its subdomains, or '*' \
         for any"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::authority;
    use proptest::prelude::*;

    const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const EVERYWHERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);

    fn policy(listening: IpAddr, allowed: &[&str]) -> HostPolicy {
        let allowed: Vec<String> = allowed.iter().map(|value| value.to_string()).collect();
        HostPolicy::new(listening, Some("Studio-Laptop"), &allowed).unwrap()
    }

    fn judge(policy: &HostPolicy, value: &str) -> Verdict {
        policy.judge(Some(authority::parse(value.as_bytes()).expect(value)))
    }

    fn allowed(policy: &HostPolicy, value: &str) -> bool {
        judge(policy, value) == Verdict::Allowed
    }

    #[test]
    fn loopback_names_and_ip_literals_need_no_configuration() {
        let policy = policy(LOOPBACK, &[]);
        for host in [
            "localhost",
            "LOCALHOST:8080",
            "localhost.",
            "app.localhost",
            "a.b.Localhost.:1",
            "127.0.0.1",
            "192.168.1.20:8080",
            "[::1]:8080",
            "[fe80::1]",
        ] {
            assert!(allowed(&policy, host), "{host}");
        }
        assert_eq!(policy.judge(None), Verdict::Allowed);
    }

    #[test]
    fn foreign_names_are_refused_by_their_normal_form() {
        let policy = policy(LOOPBACK, &[]);
        assert_eq!(
            judge(&policy, "Evil.Example.COM.:8080"),
            Verdict::Refused("evil.example.com".into())
        );
        for host in [
            "localhost..",
            "localhost.evil.com",
            "notlocalhost",
            "xlocalhost",
            "127.0.0.1.evil.com",
            "studio-laptop",
            "studio-laptop.local",
            "%6cocalhost",
        ] {
            assert!(!allowed(&policy, host), "{host}");
        }
    }

    #[test]
    fn the_machine_names_only_when_serving_beyond_loopback() {
        let lan = policy(EVERYWHERE, &[]);
        assert!(allowed(&lan, "studio-laptop:8080"));
        assert!(allowed(&lan, "Studio-Laptop.local."));
        assert!(!allowed(&lan, "x.studio-laptop.local"));
        let lan_address = policy("192.168.1.20".parse().unwrap(), &[]);
        assert!(allowed(&lan_address, "studio-laptop.local"));
        assert!(!allowed(&policy(LOOPBACK, &[]), "studio-laptop.local"));
    }

    #[test]
    fn allowed_host_forms() {
        let policy = policy(LOOPBACK, &["dev.test", ".example.org."]);
        assert!(allowed(&policy, "DEV.test:3000"));
        assert!(!allowed(&policy, "www.dev.test"));
        assert!(allowed(&policy, "example.org"));
        assert!(allowed(&policy, "a.b.example.org."));
        assert!(!allowed(&policy, "badexample.org"));
        assert!(!allowed(&policy, "example.org.evil"));
        let open = HostPolicy::new(LOOPBACK, None, &["*".to_string()]).unwrap();
        assert!(open.allows_anything());
        assert!(allowed(&open, "evil.example.com"));
    }

    #[test]
    fn bad_allowed_host_values_say_what_to_write() {
        for value in [
            "",
            ".",
            "bücher.example",
            "host:8080",
            "http://host",
            "a..b",
            "*.example.org",
        ] {
            let error = HostPolicy::new(LOOPBACK, None, &[value.to_string()]).unwrap_err();
            assert!(error.contains(".DOMAIN"), "{error}");
        }
        assert!(HostPolicy::new(LOOPBACK, None, &["xn--bcher-kva.example".into()]).is_ok());
    }

    /// A label of letters, digits and hyphens, in random case.
    fn label() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9][a-zA-Z0-9-]{0,10}"
    }

    /// The ways a client may spell a name the policy must see through: case is already random, then one
    /// trailing dot or none, and a port or none.
    fn spelled(name: String, dot: bool, port: Option<u16>) -> String {
        let dot = if dot { "." } else { "" };
        match port {
            Some(port) => format!("{name}{dot}:{port}"),
            None => format!("{name}{dot}"),
        }
    }

    proptest! {
        /// Whatever a name's case, trailing dot, port or xn-- (IDNA) form, it passes only when the allow list
        /// names it: here the list allows `dev.test` and `*.example.org`, and the name is built so as not to
        /// be one of those.
        #[test]
        fn no_host_passes_that_is_not_allowed(
            labels in prop::collection::vec(label(), 1..4),
            idna in any::<bool>(),
            dot in any::<bool>(),
            port in prop::option::of(any::<u16>()),
        ) {
            let policy = policy(EVERYWHERE, &["dev.test", ".example.org"]);
            let mut name = labels.join(".");
            if idna {
                name = format!("xn--{name}");
            }
            let lower = name.to_ascii_lowercase();
            let really_allowed = lower == "dev.test"
                || lower == "example.org"
                || lower.ends_with(".example.org")
                || lower == "localhost"
                || lower.ends_with(".localhost")
                || lower == "studio-laptop"
                || lower == "studio-laptop.local";
            let value = spelled(name, dot, port);
            prop_assert_eq!(allowed(&policy, &value), really_allowed, "{}", value);
        }

        /// An allowed name stays allowed however it is spelled; with a second trailing dot it never is.
        #[test]
        fn allowed_names_pass_however_spelled(
            sub in prop::option::of(label()),
            upper in any::<bool>(),
            dot in any::<bool>(),
            port in prop::option::of(any::<u16>()),
        ) {
            let policy = policy(LOOPBACK, &[".example.org"]);
            let mut name = match sub {
                Some(sub) => format!("{sub}.example.org"),
                None => "example.org".to_string(),
            };
            if upper {
                name = name.to_ascii_uppercase();
            }
            let spelling = spelled(name.clone(), dot, port);
            prop_assert!(allowed(&policy, &spelling), "{}", spelling);
            let two_dots = format!("{name}..");
            prop_assert!(!allowed(&policy, &two_dots), "{}", two_dots);
        }
    }
}
