//! The host a request names (its Host field, or an absolute-form target's authority): `host[:port]` as RFC 3986
//! §3.2.2 spells it. A value that is not such an authority makes the request a 400 (RFC 9112 §3.2).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a valid authority names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    /// An IPv4 literal, or an IPv6 literal from between brackets.
    Ip(IpAddr),
    /// A registered name as sent: not yet lowercased, perhaps with a trailing dot.
    Name(&'a str),
}

/// Splits `host[:port]` and checks its syntax; the port, if any, is ignored (a name means the same on any port).
pub fn parse(value: &[u8]) -> Option<Host<'_>> {
    let value = std::str::from_utf8(value).ok()?;
    let (host, port) = match value.strip_prefix('[') {
        Some(bracketed) => {
            let (literal, after) = bracketed.split_once(']')?;
            let port = match after {
                "" => "",
                _ => after.strip_prefix(':')?,
            };
            (
                Host::Ip(IpAddr::V6(literal.parse::<Ipv6Addr>().ok()?)),
                port,
            )
        }
        None => {
            let (host, port) = value.split_once(':').unwrap_or((value, ""));
            let host = match host.parse::<Ipv4Addr>() {
                Ok(ip) => Host::Ip(IpAddr::V4(ip)),
                Err(_) if is_reg_name(host) => Host::Name(host),
                Err(_) => return None,
            };
            (host, port)
        }
    };
    // An empty port is allowed by the grammar; a port has at most five digits.
    (port.len() <= 5 && port.bytes().all(|byte| byte.is_ascii_digit())).then_some(host)
}

/// RFC 3986's reg-name: unreserved characters, percent escapes and sub-delimiters; never empty here.
fn is_reg_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_literals_with_or_without_a_port() {
        assert_eq!(parse(b"localhost"), Some(Host::Name("localhost")));
        assert_eq!(
            parse(b"Example.ORG.:8080"),
            Some(Host::Name("Example.ORG."))
        );
        assert_eq!(
            parse(b"127.0.0.1:80"),
            Some(Host::Ip("127.0.0.1".parse().unwrap()))
        );
        assert_eq!(parse(b"[::1]"), Some(Host::Ip("::1".parse().unwrap())));
        assert_eq!(
            parse(b"[fe80::1]:8080"),
            Some(Host::Ip("fe80::1".parse().unwrap()))
        );
        assert_eq!(parse(b"localhost:"), Some(Host::Name("localhost")));
    }

    #[test]
    fn refuses_what_is_no_authority() {
        for bad in [
            &b""[..],
            b":8080",
            b"[::1",
            b"[::1]x",
            b"[localhost]",
            b"::1",
            b"host:port",
            b"host:123456",
            b"a b",
            b"a/b",
            b"user@host",
            b"b\xc3\xbccher.example",
            b"host:80:80",
        ] {
            assert_eq!(parse(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
