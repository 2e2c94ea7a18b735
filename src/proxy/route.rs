//! `--proxy PREFIX=URL`: what a rule says, which rule a request path falls under (the longest prefix that ends at
//! a segment boundary) and the target the upstream is asked for. Pure code: the upstream a prefix goes to is
//! fixed here, at start-up, and nothing in a request can change it.

use crate::http::percent::percent_decoded;

/// Where one prefix's requests go: which server, over which scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `https://`: lanai speaks TLS to it.
    pub tls: bool,
    /// The host as its certificate must name it: a name, or an address (an IPv6 one without brackets).
    pub host: String,
    /// `host:port` as it is dialled (`[::1]:3000` for an IPv6 literal).
    pub authority: String,
    /// The Host it is asked for, as a browser would send it: `host`, with `:port` unless the scheme's default.
    pub host_field: String,
}

impl Upstream {
    pub fn scheme(&self) -> &'static str {
        if self.tls {
            "https"
        } else {
            "http"
        }
    }

    /// `http://127.0.0.1:3000`, as a browser would write the upstream's origin (the Origin it sends there).
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme(), self.host_field)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The path prefix without a trailing slash; "" for `/`, which takes every path.
    pub prefix: String,
    pub upstream: Upstream,
    /// The URL's path without its trailing slash ("" for `/`), or `None` when the URL has no path: then the
    /// request's path goes as it is, prefix included (nginx's `proxy_pass` rule, and Vite's).
    pub path: Option<String>,
}

impl Rule {
    /// Parses `PREFIX=URL`; the error is one sentence that says what to write instead.
    pub fn parse(text: &str) -> Result<Rule, String> {
        let Some((prefix, url)) = text.split_once('=') else {
            return Err(format!(
                "--proxy '{text}' needs the form PREFIX=URL, e.g. --proxy /api=http://127.0.0.1:3000"
            ));
        };
        if !prefix.starts_with('/') || prefix.contains(['?', '#']) {
            return Err(format!(
                "--proxy '{text}': the prefix must be a path starting with '/', e.g. /api"
            ));
        }
        let lower = url.to_ascii_lowercase();
        let (tls, rest) = if lower.starts_with("http://") {
            (false, &url[7..])
        } else if lower.starts_with("https://") {
            (true, &url[8..])
        } else {
            return Err(format!(
                "--proxy '{text}': the upstream must be an http:// or https:// URL, e.g. http://127.0.0.1:3000"
            ));
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if path.contains(['?', '#']) || authority.contains(['?', '#']) {
            return Err(format!(
                "--proxy '{text}': the upstream URL may have a path but no query or fragment"
            ));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = host_and_port(authority, default_port).ok_or_else(|| {
            format!("--proxy '{text}': '{authority}' is not a host[:port] lanai can connect to")
        })?;
        let bracketed = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let host_field = if port == default_port {
            bracketed.clone()
        } else {
            format!("{bracketed}:{port}")
        };
        Ok(Rule {
            prefix: prefix.trim_end_matches('/').to_string(),
            upstream: Upstream {
                tls,
                host: host.to_string(),
                authority: format!("{bracketed}:{port}"),
                host_field,
            },
            path: (!path.is_empty()).then(|| path.trim_end_matches('/').to_string()),
        })
    }

    /// What takes the prefix's place in the upstream's path: the URL's path, or the prefix itself.
    pub fn base(&self) -> &str {
        self.path.as_deref().unwrap_or(&self.prefix)
    }

    /// The upstream as the user wrote it, for messages.
    pub fn url(&self) -> String {
        format!(
            "{}{}",
            self.upstream.origin(),
            self.path.as_deref().unwrap_or_default()
        )
    }

    /// `/api/* → http://127.0.0.1:3000/api/*`: where the rule sends what, for the start-up log.
    pub fn describe(&self) -> String {
        format!(
            "{}/* → {}{}/*",
            self.prefix,
            self.upstream.origin(),
            self.base()
        )
    }

    /// What follows the prefix in `path` when the rule covers it: the prefix must end at a segment boundary.
    fn rest<'p>(&self, path: &'p str) -> Option<&'p str> {
        let rest = path.strip_prefix(self.prefix.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }
}

/// The host (IPv6 without brackets) and port (`default` when none is given) of `host[:port]`; `None` for
/// userinfo, an empty host or a port that is not a number.
fn host_and_port(authority: &str, default: u16) -> Option<(&str, u16)> {
    if authority.contains('@') || crate::http::authority::parse(authority.as_bytes()).is_none() {
        return None;
    }
    let port_at = match authority.rfind(']') {
        Some(bracket) => authority[bracket..].find(':').map(|at| bracket + at),
        None => authority.find(':'),
    };
    let (host, port) = match port_at {
        Some(at) => (&authority[..at], authority[at + 1..].parse::<u16>().ok()?),
        None => (authority, default),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (port != 0 && !host.is_empty()).then_some((host, port))
}

/// Of `items`, the one whose rule has the longest prefix that covers `path` (the last of equals: the command line
/// comes after the config file), and the rest of the path after that prefix.
pub fn find<'r, 'p, T>(
    items: &'r [T],
    rule: impl Fn(&'r T) -> &'r Rule,
    path: &'p str,
) -> Option<(&'r T, &'p str)> {
    items
        .iter()
        .filter_map(|item| Some((item, rule(item).rest(path)?)))
        .max_by_key(|(item, _)| rule(item).prefix.len())
}

/// The origin-form target the upstream is asked for: the rule's base (its URL's path, or the prefix itself),
/// then the rest of the request's path and its query, byte for byte. A run of slashes at the start becomes one, so the upstream never reads the target
/// as scheme-relative (`//other.host/…`). Refused (with the sentence for the page) when the rest could mean a
/// place outside the base path to an upstream that decodes more than lanai does (see `ambiguity`).
pub fn upstream_target(rule: &Rule, rest: &str, query: &str) -> Result<String, &'static str> {
    if let Some(why) = ambiguity(rest) {
        return Err(why);
    }
    let path = format!("{}{rest}", rule.base());
    let path = path.trim_start_matches('/');
    Ok(format!("/{path}{query}"))
}

/// Why `path` may not go to an upstream as it is, if it may not. Upstreams differ in what they decode before
/// they split a path into segments: `%2f` and `%5c` as separators, a backslash as one, `%2e` as a dot, `;…` as
/// parameters to drop (`..;`), a NUL or `#` as the end. So the path is read the way the most decoding of them
/// would, and any `..` that reading finds is refused, as are a broken escape, a NUL and a `#`, on which upstreams
/// disagree.
fn ambiguity(path: &str) -> Option<&'static str> {
    let Some(decoded) = percent_decoded(path.as_bytes()) else {
        return Some("a proxied path may not have a broken %-escape");
    };
    if decoded.contains(&0) || decoded.contains(&b'#') {
        return Some("a proxied path may not have a NUL or '#', even %-encoded");
    }
    let climbs = decoded
        .split(|&byte| byte == b'/' || byte == b'\\')
        .map(|segment| {
            segment
                .split(|&byte| byte == b';')
                .next()
                .unwrap_or_default()
        })
        .any(|segment| segment == b"..");
    climbs.then_some(
        "a proxied path may not have a '..' segment, even %-encoded or after a %2f or '\\'",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> Rule {
        Rule::parse(text).unwrap()
    }

    #[test]
    fn parses_prefix_scheme_authority_and_path() {
        let api = rule("/api/=http://127.0.0.1:3000/v1/");
        assert_eq!(api.prefix, "/api");
        assert_eq!(api.upstream.authority, "127.0.0.1:3000");
        assert_eq!(api.upstream.host_field, "127.0.0.1:3000");
        assert_eq!(api.path.as_deref(), Some("/v1"));
        assert_eq!(rule("/=http://localhost").prefix, "");
        let default_port = rule("/=HTTP://localhost").upstream;
        assert_eq!(default_port.authority, "localhost:80");
        assert_eq!(default_port.host_field, "localhost");
        let v6 = rule("/a=http://[::1]:8000").upstream;
        assert_eq!(
            (v6.authority.as_str(), v6.host.as_str()),
            ("[::1]:8000", "::1")
        );
        assert_eq!(rule("/a=http://[::1]").upstream.authority, "[::1]:80");
        let secure = rule("/a=HTTPS://api.example.com/").upstream;
        assert!(secure.tls);
        assert_eq!(secure.authority, "api.example.com:443");
        assert_eq!(secure.origin(), "https://api.example.com");
        assert_eq!(
            rule("/a=https://h:8443").upstream.origin(),
            "https://h:8443"
        );
        assert_eq!(rule("/a=https://h:80").upstream.origin(), "https://h:80");
        assert_eq!(
            rule("/a=http://127.0.0.1:3000").url(),
            "http://127.0.0.1:3000"
        );
    }

    #[test]
    fn a_url_without_a_path_keeps_the_prefix_and_one_with_a_path_replaces_it() {
        let kept = rule("/api=http://127.0.0.1:3000");
        assert_eq!((kept.path.as_deref(), kept.base()), (None, "/api"));
        assert_eq!(kept.describe(), "/api/* → http://127.0.0.1:3000/api/*");
        let root = rule("/api=http://127.0.0.1:3000/");
        assert_eq!((root.path.as_deref(), root.base()), (Some(""), ""));
        assert_eq!(root.describe(), "/api/* → http://127.0.0.1:3000/*");
        let v1 = rule("/api/=https://h/v1/");
        assert_eq!(v1.describe(), "/api/* → https://h/v1/*");
        assert_eq!(rule("/=http://h:1").describe(), "/* → http://h:1/*");
    }

    #[test]
    fn refuses_what_it_cannot_proxy_with_a_sentence() {
        for (text, needle) in [
            ("/api", "PREFIX=URL"),
            ("api=http://h", "starting with '/'"),
            ("/api=ftp://h", "must be an http:// or https:// URL"),
            ("/api=h:3000", "must be an http:// or https:// URL"),
            ("/api=https://", "not a host[:port]"),
            ("/api=http://user@h", "not a host[:port]"),
            ("/api=http://h:port", "not a host[:port]"),
            ("/api=http://h:0", "not a host[:port]"),
            ("/api=http://h:70000", "not a host[:port]"),
            ("/api=http://", "not a host[:port]"),
            ("/api=http://h/?q", "no query"),
        ] {
            let error = Rule::parse(text).unwrap_err();
            assert!(error.contains(needle), "{text}: {error}");
        }
    }

    #[test]
    fn prefixes_match_at_segment_boundaries_and_the_longest_wins() {
        let rules = [
            rule("/api=http://a:1"),
            rule("/api/v2=http://b:2"),
            rule("/=http://c:3"),
        ];
        let found = |path| {
            find(&rules, |rule| rule, path)
                .map(|(rule, rest)| (rule.upstream.authority.as_str(), rest))
        };
        assert_eq!(found("/api"), Some(("a:1", "")));
        assert_eq!(found("/api/x"), Some(("a:1", "/x")));
        assert_eq!(found("/api/v2/x"), Some(("b:2", "/x")));
        assert_eq!(found("/api/v22"), Some(("a:1", "/v22")));
        assert_eq!(found("/apix"), Some(("c:3", "/apix")));
        assert_eq!(found("/api%2Fx"), Some(("c:3", "/api%2Fx")));
        assert_eq!(find(&rules[..2], |rule| rule, "/apix"), None);
        assert_eq!(find(&rules[..2], |rule| rule, "/api@evil/x"), None);
        let same = [
            rule("/api=http://file:1"),
            rule("/api=http://command-line:2"),
        ];
        assert_eq!(
            find(&same, |rule| rule, "/api")
                .unwrap()
                .0
                .upstream
                .authority,
            "command-line:2"
        );
    }

    #[test]
    fn targets_put_the_base_path_first_and_keep_the_rest_byte_for_byte() {
        let v1 = rule("/api=http://h:1/v1");
        let bare = rule("/api=http://h:1/");
        let kept = rule("/api=http://h:1");
        assert_eq!(upstream_target(&v1, "/x", "?q").unwrap(), "/v1/x?q");
        assert_eq!(upstream_target(&v1, "", "").unwrap(), "/v1");
        assert_eq!(upstream_target(&bare, "", "?a=1").unwrap(), "/?a=1");
        assert_eq!(upstream_target(&bare, "/users", "").unwrap(), "/users");
        assert_eq!(
            upstream_target(&kept, "/users", "?a").unwrap(),
            "/api/users?a"
        );
        assert_eq!(upstream_target(&kept, "", "").unwrap(), "/api");
        assert_eq!(
            upstream_target(&bare, "/a%20b/%2F/c", "?x=%41&y").unwrap(),
            "/a%20b/%2F/c?x=%41&y"
        );
    }

    #[test]
    fn targets_never_become_scheme_relative_nor_climb_out() {
        let bare = rule("/api=http://h:1/");
        let v1 = rule("/api=http://h:1/v1");
        assert_eq!(
            upstream_target(&bare, "//evil.example/x", "").unwrap(),
            "/evil.example/x"
        );
        assert_eq!(upstream_target(&bare, "///x", "").unwrap(), "/x");
        for climb in [
            "/../admin",
            "/a/..",
            "/%2e%2E/admin",
            "/.%2e/x",
            "/..%2fsecret.txt",
            "/..%2Fsecret.txt",
            "/a%2f..%2f..%2fsecret",
            "/..%5csecret",
            "/..\\secret",
            "/%2e%2e%5c%2e%2e%5csecret",
            "/..;/secret",
            "/..;jsessionid=1/secret",
            "/..%3b/secret",
        ] {
            assert!(upstream_target(&v1, climb, "").is_err(), "{climb}");
        }
        for ambiguous in [
            "/..%00/x", "/a%00b", "/..#/x", "/..%23/x", "/a%2", "/a%zz", "/%", "/%+1",
        ] {
            assert!(upstream_target(&v1, ambiguous, "").is_err(), "{ambiguous}");
        }
        assert_eq!(upstream_target(&v1, "/..x/.y", "").unwrap(), "/v1/..x/.y");
        assert_eq!(
            upstream_target(&v1, "/a%2fb/%2e/...", "?..").unwrap(),
            "/v1/a%2fb/%2e/...?.."
        );
    }
}
