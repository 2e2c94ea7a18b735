//! What an upstream says about its own address, said again about lanai's, so the browser stays on lanai's origin
//! and prefix: Location (nginx's `proxy_redirect default`), Set-Cookie's Domain and Path (`proxy_cookie_domain`,
//! `proxy_cookie_path`), and the other way, the browser's Origin (Vite's `rewriteWsOrigin`). Pure code.

use super::route::Rule;

/// The Origin the upstream gets for the client's `origin`: the upstream's own origin when the client's is
/// lanai's (`own_origin`, as the client addressed lanai), so a back end that compares Origin with its Host
/// (Django's CSRF check, WebSocket servers) takes the page's requests; any other origin passes as sent.
pub fn origin(origin: &[u8], own_origin: Option<&str>, rule: &Rule) -> Vec<u8> {
    match own_origin {
        Some(own) if origin.eq_ignore_ascii_case(own.as_bytes()) => {
            rule.upstream.origin().into_bytes()
        }
        _ => origin.to_vec(),
    }
}

/// A Location that points at the upstream's origin and base path, pointed at lanai's origin and the prefix
/// instead: `http://127.0.0.1:3000/v1/login` → `http://localhost:8080/api/login` under
/// `--proxy /api=http://127.0.0.1:3000/v1`. A path-absolute one under the base path gets the prefix
/// (`/v1/login` → `/api/login`). `None` when it points elsewhere and stays as it is.
pub fn location(value: &[u8], own_origin: Option<&str>, rule: &Rule) -> Option<Vec<u8>> {
    let value = std::str::from_utf8(value).ok()?;
    if value.starts_with('/') && !value.starts_with("//") {
        return to_prefix(value, rule)
            .filter(|path| path != value)
            .map(String::into_bytes);
    }
    let rest = at_upstream(value, rule)?;
    // An origin alone (`http://h:3000`) stands for its root.
    let path = to_prefix(if rest.is_empty() { "/" } else { rest }, rule)?;
    Some(format!("{}{path}", own_origin.unwrap_or_default()).into_bytes())
}

/// What follows the upstream's origin in `url` (`scheme://host[:port]`, the default port written or not, the
/// scheme and host in any case), if `url` starts with it.
fn at_upstream<'u>(url: &'u str, rule: &Rule) -> Option<&'u str> {
    let upstream = &rule.upstream;
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case(upstream.scheme()) {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(end);
    let default_port = if upstream.tls { ":443" } else { ":80" };
    let named = |written: &str| {
        authority.eq_ignore_ascii_case(written)
            || authority.eq_ignore_ascii_case(&format!("{written}{default_port}"))
    };
    (named(&upstream.host_field) || authority.eq_ignore_ascii_case(&upstream.authority))
        .then_some(after)
}

/// `path` (with any query or fragment) with the rule's base replaced by its prefix, if it lies under the base
/// at a segment boundary. A run of slashes at the start becomes one, so the result is never scheme-relative.
fn to_prefix(path: &str, rule: &Rule) -> Option<String> {
    let base = rule.base();
    let rest = path.strip_prefix(base)?;
    if !(rest.is_empty() || rest.starts_with(['/', '?', '#'])) {
        return None;
    }
    let joined = format!("{}{rest}", rule.prefix);
    let trimmed = joined.trim_start_matches('/');
    Some(format!("/{trimmed}"))
}

/// A Set-Cookie whose Domain names the upstream's host (or a domain above it) without that Domain, so the
/// browser keeps it for the host it sees, lanai's; whose Path lies under the upstream's base path with that
/// path under the prefix. `None` when neither applies.
pub fn set_cookie(value: &[u8], rule: &Rule) -> Option<Vec<u8>> {
    let value = std::str::from_utf8(value).ok()?;
    let mut parts = value.split(';');
    let mut cookie = parts.next()?.to_string();
    let mut changed = false;
    for attribute in parts {
        let (name, argument) = attribute.split_once('=').unwrap_or((attribute, ""));
        let name = name.trim();
        let argument = argument.trim();
        if name.eq_ignore_ascii_case("domain") && domain_matches(&rule.upstream.host, argument) {
            changed = true;
            continue;
        }
        if name.eq_ignore_ascii_case("path") && argument.starts_with('/') {
            // Without its trailing slash, so that `Path=/` under a base of `/` covers the prefix itself.
            let mapped = to_prefix(argument.trim_end_matches('/'), rule);
            if let Some(path) = mapped.filter(|path| path != argument) {
                cookie.push_str(&format!("; {name}={path}"));
                changed = true;
                continue;
            }
        }
        cookie.push(';');
        cookie.push_str(attribute);
    }
    changed.then(|| cookie.into_bytes())
}

/// Whether a cookie with `Domain=domain` would be sent to `host` (RFC 6265 §5.1.3): the same name, or a name
/// below it; an address only as itself.
fn domain_matches(host: &str, domain: &str) -> bool {
    let domain = domain.strip_prefix('.').unwrap_or(domain);
    if domain.is_empty() {
        return false;
    }
    let host = host.to_ascii_lowercase();
    let domain = domain.to_ascii_lowercase();
    host == domain
        || (host.parse::<std::net::IpAddr>().is_err() && host.ends_with(&format!(".{domain}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> Rule {
        Rule::parse(text).unwrap()
    }

    fn text(bytes: Option<Vec<u8>>) -> Option<String> {
        bytes.map(|bytes| String::from_utf8(bytes).unwrap())
    }

    const OWN: Option<&str> = Some("http://localhost:8080");

    #[test]
    fn locations_at_the_upstream_come_back_to_lanai_under_the_prefix() {
        let kept = rule("/api=http://127.0.0.1:3000");
        let moved = |value: &str, rule: &Rule| text(location(value.as_bytes(), OWN, rule));
        assert_eq!(
            moved("http://127.0.0.1:3000/api/login?next=/x", &kept).as_deref(),
            Some("http://localhost:8080/api/login?next=/x")
        );
        assert_eq!(
            moved("HTTP://127.0.0.1:3000/api", &kept).as_deref(),
            Some("http://localhost:8080/api")
        );
        assert_eq!(
            moved("http://127.0.0.1:3000/other", &kept),
            None,
            "outside the prefix's base"
        );
        assert_eq!(moved("http://127.0.0.1:3000/apix", &kept), None);
        assert_eq!(
            moved("http://127.0.0.1:3001/api/x", &kept),
            None,
            "another port"
        );
        assert_eq!(
            moved("https://127.0.0.1:3000/api/x", &kept),
            None,
            "another scheme"
        );
        assert_eq!(moved("http://evil.example/api/x", &kept), None);
        assert_eq!(moved("/api/login", &kept), None, "it stays as it is");
        assert_eq!(moved("//127.0.0.1:3000/api", &kept), None);

        let v1 = rule("/api=http://localhost/v1/");
        assert_eq!(
            moved("http://LOCALHOST/v1/a#f", &v1).as_deref(),
            Some("http://localhost:8080/api/a#f")
        );
        assert_eq!(
            moved("http://localhost:80/v1", &v1).as_deref(),
            Some("http://localhost:8080/api")
        );
        assert_eq!(
            moved("http://localhost/v1?q", &v1).as_deref(),
            Some("http://localhost:8080/api?q")
        );
        assert_eq!(moved("/v1/login", &v1).as_deref(), Some("/api/login"));
        assert_eq!(moved("/v2/login", &v1), None);

        let root = rule("/api=https://api.example.com/");
        assert_eq!(
            moved("https://api.example.com", &root).as_deref(),
            Some("http://localhost:8080/api/")
        );
        assert_eq!(
            moved("https://api.example.com:443/me", &root).as_deref(),
            Some("http://localhost:8080/api/me")
        );
        assert_eq!(
            text(location(b"https://api.example.com/me", None, &root)).as_deref(),
            Some("/api/me"),
            "without a Host, a path on lanai"
        );
    }

    #[test]
    fn a_rewritten_location_is_never_scheme_relative() {
        let everything = rule("/=http://h:1/app");
        assert_eq!(
            text(location(
                b"http://h:1/app//evil.example/x",
                None,
                &everything
            ))
            .as_deref(),
            Some("/evil.example/x")
        );
        assert_eq!(
            text(location(b"/app", None, &everything)).as_deref(),
            Some("/")
        );
    }

    #[test]
    fn cookie_domains_of_the_upstream_go_and_paths_move_under_the_prefix() {
        let v1 = rule("/api=https://staging.example.com/v1");
        let cookie = |value: &str| text(set_cookie(value.as_bytes(), &v1));
        assert_eq!(
            cookie("sid=1; Domain=staging.example.com; Path=/v1; HttpOnly").as_deref(),
            Some("sid=1; Path=/api; HttpOnly")
        );
        assert_eq!(
            cookie("sid=1; domain=.Example.com; path=/v1/admin").as_deref(),
            Some("sid=1; path=/api/admin")
        );
        assert_eq!(cookie("sid=1; Path=/other; Domain=other.example"), None);
        assert_eq!(cookie("sid=1; Path=/v1x"), None);
        assert_eq!(cookie("sid=1; Secure"), None);
        let kept = rule("/api=http://127.0.0.1:3000");
        assert_eq!(
            text(set_cookie(b"a=b; Domain=127.0.0.1; Path=/api", &kept)).as_deref(),
            Some("a=b; Path=/api"),
            "the path maps to itself and stays"
        );
        assert_eq!(text(set_cookie(b"a=b; Domain=0.0.1", &kept)), None);
        let root = rule("/api=http://h:1/");
        assert_eq!(
            text(set_cookie(b"a=b; Path=/", &root)).as_deref(),
            Some("a=b; Path=/api")
        );
    }

    #[test]
    fn only_lanais_own_origin_becomes_the_upstreams() {
        let kept = rule("/api=http://127.0.0.1:3000");
        assert_eq!(
            origin(b"http://LOCALHOST:8080", OWN, &kept),
            b"http://127.0.0.1:3000"
        );
        assert_eq!(
            origin(b"http://evil.example", OWN, &kept),
            b"http://evil.example"
        );
        assert_eq!(origin(b"null", OWN, &kept), b"null");
        assert_eq!(
            origin(b"http://localhost:8080", None, &kept),
            b"http://localhost:8080"
        );
        let secure = rule("/api=https://api.example.com/v1");
        assert_eq!(
            origin(b"http://localhost:8080", OWN, &secure),
            b"https://api.example.com"
        );
    }
}
