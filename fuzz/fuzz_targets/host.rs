//! The Host parser and the Host policy. Input: `--allowed-host` values one a line, a NUL, then a Host value.
//! Properties: the parser never panics and a name it returns is the start of the value; a name passes the policy
//! only when it is localhost or below it, this machine's name when serving the LAN, or what the allow list
//! names, judged here by a plain reading of the README's rules (case, one trailing dot and the port ignored).
#![no_main]

use lanai::guard::host::{HostPolicy, Verdict};
use lanai::http::authority::{self, Host};
use lanai_fuzz::split_at_nul;
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr};

const MACHINE: &str = "Studio-Laptop";

fuzz_target!(|data: &[u8]| {
    let (allowed, value) = split_at_nul(data);
    let allowed: Vec<String> = String::from_utf8_lossy(allowed)
        .lines()
        .map(str::to_string)
        .collect();
    // The Host value's length picks loopback or the LAN, so both settings are explored.
    let on_lan = value.len() % 2 == 1;
    let listening = if on_lan {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    };
    let host = authority::parse(value);
    if let Some(Host::Name(name)) = host {
        assert!(
            value.starts_with(name.as_bytes()),
            "{name:?} is not from the value"
        );
    }
    let Ok(policy) = HostPolicy::new(listening, Some(MACHINE), &allowed) else {
        return;
    };
    let Some(Host::Name(name)) = host else {
        return;
    };
    let compared = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    match policy.judge(host) {
        Verdict::Allowed => assert!(
            may_pass(&compared, &allowed, on_lan),
            "{name:?} passed with {allowed:?} (LAN: {on_lan})"
        ),
        Verdict::Refused(shown) => assert_eq!(shown, compared),
    }
});

/// Whether `name` (lowercase, without its trailing dot) is one the README says passes.
fn may_pass(name: &str, allowed: &[String], on_lan: bool) -> bool {
    let is_or_below = |domain: &str| name == domain || name.ends_with(&format!(".{domain}"));
    let machine = MACHINE.to_ascii_lowercase();
    is_or_below("localhost")
        || (on_lan && (name == machine || name == format!("{machine}.local")))
        || allowed.iter().any(|value| {
            let value = value.to_ascii_lowercase();
            match value.strip_prefix('.') {
                _ if value == "*" => true,
                Some(domain) => is_or_below(domain.strip_suffix('.').unwrap_or(domain)),
                None => name == value.strip_suffix('.').unwrap_or(&value),
            }
        })
}
