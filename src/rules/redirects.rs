//! `_redirects`: one rule a line, `#` comments (a whole line, or from a word that starts with `#` after a rule's
//! fields), the first matching rule wins. Read as the chosen host reads it:
//! - Netlify: `FROM [key=value…] TO [STATUS][!] [conditions]`. 301 is the default; 301, 302, 303, 307 and 308
//!   redirect, 200 serves TO's content at FROM's URL (a rewrite), 404 serves it with status 404. `key=value`
//!   words between FROM and TO match the query (`id=:id` captures the value). A file at the requested path
//!   shadows a rule unless its status carries `!`. `/admin/* 200` rewrites to `/admin/:splat`.
//! - Cloudflare: `FROM TO [STATUS]`, 302 the default, no 404 rules and no `!`: a rule always comes before the
//!   files. Lines over 2,000 characters, static rules past 2,000 and dynamic ones past 100 are dropped, as are a
//!   repeated FROM and rules that would loop (`/* /index.html`).
//!
//! Pure code: whether a path exists is asked of the caller.

use super::pattern::{Captures, Pattern};
use super::Problem;
use crate::cli::RulesHost;
use crate::files::same_site_location;
use crate::http::vocabulary::StatusCode;

/// The longest target a rule may fill in (a Location, or a path to serve); a request path is at most 8 KiB.
const MOST_TARGET: usize = 16 * 1024;

/// Cloudflare's limits (workers-shared's parseRedirects).
const CLOUDFLARE_MOST_LINE: usize = 2000;
const CLOUDFLARE_MOST_STATIC: usize = 2000;
const CLOUDFLARE_MOST_DYNAMIC: usize = 100;

#[derive(Debug)]
pub struct Redirect {
    /// Where it is in the file, for the log.
    pub line: usize,
    from: Pattern,
    /// Netlify's query conditions: each key must be present; a `:name` value captures, another must be equal.
    query: Vec<(String, String)>,
    to: String,
    status: StatusCode,
    force: bool,
}

/// What the first applicable rule says to do with a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answer with this redirect status and Location.
    Redirect {
        status: StatusCode,
        location: String,
    },
    /// Answer with what the site serves at `path` (query included), with `status` (200 or 404).
    Rewrite { path: String, status: StatusCode },
}

/// For the log: `301 to /new`, `/index.html served with 200`.
impl std::fmt::Display for Outcome {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Redirect { status, location } => {
                write!(out, "{} to {location}", status.code())
            }
            Outcome::Rewrite { path, status } => {
                write!(out, "{path} served with {}", status.code())
            }
        }
    }
}

/// Parses a whole `_redirects` file as `host` does; lines that cannot be used are reported and left out.
pub fn parse(text: &str, host: RulesHost) -> (Vec<Redirect>, Vec<Problem>) {
    let mut rules: Vec<Redirect> = Vec::new();
    let mut problems = Vec::new();
    let mut limits = CloudflareLimits::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line
            .split_whitespace()
            .take_while(|word| !word.starts_with('#'))
            .collect();
        let rule = match host {
            RulesHost::Netlify => netlify_rule(&words, number),
            RulesHost::Cloudflare => {
                match limits.check(line, &words, number) {
                    Limit::Within => {}
                    Limit::SkipLine => continue,
                    Limit::SkipLineWhy(why) => {
                        problems.push(Problem::line(number, why));
                        continue;
                    }
                    Limit::EndFile(why) => {
                        problems.push(Problem::rest(number, why));
                        break;
                    }
                }
                cloudflare_rule(&words, number, &rules)
            }
        };
        match rule {
            Ok(rule) => rules.push(rule),
            Err(why) => problems.push(Problem::line(number, why)),
        }
    }
    problems.extend(limits.static_overflow());
    problems.sort_by_key(|problem| problem.line);
    (rules, problems)
}

fn netlify_rule(words: &[&str], line: usize) -> Result<Redirect, String> {
    let Some((&from, parts)) = words.split_first().filter(|(_, parts)| !parts.is_empty()) else {
        return Err("a rule is FROM [key=value…] TO [STATUS]".into());
    };
    if from.starts_with("http://") || from.starts_with("https://") {
        return Err(format!(
            "'{from}' names a host; rules for other host names are not supported (lanai serves one site)"
        ));
    }
    if from.starts_with("/.netlify") {
        return Err("Netlify refuses a FROM under /.netlify".into());
    }
    // `/admin/* 200`: a status right after FROM rewrites to the same path (Netlify's forward rule).
    let (query, to, rest) = if parts[0].starts_with(|first: char| first.is_ascii_digit()) {
        let Some(stem) = from
            .strip_suffix("/*")
            .filter(|_| parts[0].starts_with('2'))
        else {
            return Err(format!(
                "'{from} {}' has no TO; only FROM/* with a 2xx status may leave it out",
                parts[0]
            ));
        };
        (&[][..], format!("{stem}/:splat"), parts)
    } else {
        let Some(at) = parts.iter().position(|part| is_target(part)) else {
            return Err("TO must start with /, http:// or https://".into());
        };
        (&parts[..at], parts[at].to_string(), &parts[at + 1..])
    };
    let query = query
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .ok_or_else(|| {
                    format!("'{pair}' between FROM and TO is not a query condition (key=value)")
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (status, force) = match rest.first() {
        None => (StatusCode::MovedPermanently, false),
        Some(status) => {
            let (code, force) = match status.strip_suffix('!') {
                Some(code) => (code, true),
                None => (*status, false),
            };
            (status_of(code, NETLIFY_STATUSES)?, force)
        }
    };
    if let Some(condition) = rest.get(1) {
        return Err(format!(
            "conditions such as '{condition}' (Country, Language, Role, Cookie, Sign) are not supported: lanai \
             cannot tell a visitor's country, language or role"
        ));
    }
    if to.starts_with("//") || to.starts_with("/\\") {
        return Err(format!(
            "'{to}' names another site without a scheme; write the full https:// URL, or a path with one /"
        ));
    }
    Ok(Redirect {
        line,
        from: Pattern::netlify_redirect(from)?,
        query,
        to: checked_target(to, status)?,
        status,
        force,
    })
}

fn cloudflare_rule(words: &[&str], line: usize, earlier: &[Redirect]) -> Result<Redirect, String> {
    let (from, to, status) = match words {
        [from, to] => (*from, *to, "302"),
        [from, to, status] => (*from, *to, *status),
        _ => {
            return Err(format!(
                "a rule is FROM TO [STATUS] (Cloudflare takes exactly 2 or 3 words; this has {})",
                words.len()
            ))
        }
    };
    let status = status_of(status, CLOUDFLARE_STATUSES)?;
    let from = cloudflare_from(from)?;
    let to = if to.starts_with("http://") {
        return Err(format!(
            "'{to}': Cloudflare takes a path or an https:// URL, not http://"
        ));
    } else if to.starts_with("https://") {
        with_root_path(to)
    } else {
        to.to_string()
    };
    let local = to.starts_with('/');
    let to_index = to.ends_with("/index") || to.ends_with("/index.html");
    if local && to_index && (from.ends_with("/*") || from.ends_with('/')) {
        return Err(
            "this rule would loop (Cloudflare strips /index and .html and ends up here again), and Cloudflare \
             ignores it"
                .into(),
        );
    }
    let pattern = Pattern::cloudflare(&from)?;
    if earlier.iter().any(|rule| rule.from == pattern) {
        return Err(format!(
            "Cloudflare ignores a second rule for {from}; the first one applies"
        ));
    }
    Ok(Redirect {
        line,
        from: pattern,
        query: Vec::new(),
        to: checked_target(to, status)?,
        status,
        force: true,
    })
}

/// Cloudflare's FROM: a path (a leading `/` is added), its query and fragment dropped.
fn cloudflare_from(from: &str) -> Result<String, String> {
    if from.starts_with("https://") || from.starts_with("http://") {
        return Err(format!(
            "'{from}' names a host; rules for other host names are not supported (lanai serves one site)"
        ));
    }
    let path = from.split(['?', '#']).next().unwrap_or_default();
    Ok(if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    })
}

/// `https://host` as Cloudflare keeps it: with the root path when it has none.
fn with_root_path(url: &str) -> String {
    let authority_end = url["https://".len()..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |at| at + "https://".len());
    if url[authority_end..].starts_with('/') {
        url.to_string()
    } else {
        format!("{}/{}", &url[..authority_end], &url[authority_end..])
    }
}

/// A TO that lanai can serve: a path, or an http(s) URL for a redirect (a rewrite to a URL would be a proxy).
fn checked_target(to: String, status: StatusCode) -> Result<String, String> {
    let local = to.starts_with('/');
    if !(local || to.starts_with("http://") || to.starts_with("https://")) {
        return Err(format!("'{to}' is neither a path nor an http(s) URL"));
    }
    if is_rewrite(status) && !local {
        return Err(format!(
            "a {} rule to another site ('{to}') would proxy it; lanai serves only paths of this site",
            status.code()
        ));
    }
    Ok(to)
}

fn is_target(word: &str) -> bool {
    word.starts_with('/') || word.starts_with("http://") || word.starts_with("https://")
}

fn is_rewrite(status: StatusCode) -> bool {
    matches!(status, StatusCode::Ok | StatusCode::NotFound)
}

const NETLIFY_STATUSES: &[StatusCode] = &[
    StatusCode::Ok,
    StatusCode::MovedPermanently,
    StatusCode::Found,
    StatusCode::SeeOther,
    StatusCode::TemporaryRedirect,
    StatusCode::PermanentRedirect,
    StatusCode::NotFound,
];
const CLOUDFLARE_STATUSES: &[StatusCode] = NETLIFY_STATUSES.split_at(6).0;

fn status_of(code: &str, allowed: &[StatusCode]) -> Result<StatusCode, String> {
    allowed
        .iter()
        .copied()
        .find(|status| status.code().to_string() == code)
        .ok_or_else(|| {
            let names: Vec<String> = allowed
                .iter()
                .map(|status| status.code().to_string())
                .collect();
            format!("status '{code}' is not one of {}", names.join(", "))
        })
}

/// Cloudflare's counts: static rules (no `*` or `:name`) up to the first dynamic one, then dynamic ones.
#[derive(Default)]
struct CloudflareLimits {
    statics: usize,
    dynamics: usize,
    after_dynamic: bool,
    /// The first static rule past the limit, and how many were.
    static_over: Option<(usize, usize)>,
}

enum Limit {
    Within,
    SkipLine,
    SkipLineWhy(String),
    EndFile(String),
}

impl CloudflareLimits {
    fn check(&mut self, line: &str, words: &[&str], number: usize) -> Limit {
        if line.len() > CLOUDFLARE_MOST_LINE {
            return Limit::SkipLineWhy(format!(
                "the line is longer than Cloudflare's {CLOUDFLARE_MOST_LINE} characters"
            ));
        }
        // Cloudflare counts a rule once its words and FROM are right, before it looks at TO.
        let from = match words {
            [from, _] | [from, _, _] => {
                cloudflare_from(from).and_then(|from| Pattern::cloudflare(&from))
            }
            _ => return Limit::Within,
        };
        let Ok(from) = from else {
            return Limit::Within;
        };
        if !self.after_dynamic && from.is_static() {
            self.statics += 1;
            if self.statics > CLOUDFLARE_MOST_STATIC {
                self.static_over.get_or_insert((number, 0)).1 += 1;
                return Limit::SkipLine;
            }
            return Limit::Within;
        }
        self.after_dynamic = true;
        self.dynamics += 1;
        if self.dynamics > CLOUDFLARE_MOST_DYNAMIC {
            return Limit::EndFile(format!(
                "Cloudflare takes at most {CLOUDFLARE_MOST_DYNAMIC} dynamic rules (with * or :name, and every \
                 rule after the first of them)"
            ));
        }
        Limit::Within
    }

    fn static_overflow(&self) -> Option<Problem> {
        let (first, count) = self.static_over?;
        Some(Problem::line(
            first,
            format!(
                "Cloudflare takes at most {CLOUDFLARE_MOST_STATIC} static rules (no * or :name): it drops this \
                 one and the {} after it",
                count - 1
            ),
        ))
    }
}

/// The rule that answered, and what it says.
#[derive(Debug, PartialEq, Eq)]
pub struct Found {
    pub outcome: Outcome,
    /// Its line in `_redirects`.
    pub line: usize,
}

/// The outcome of the first rule that matches `path` and `query` and is not shadowed. `exists` tells whether the
/// site serves something at `path` itself; it is asked at most once, and only for Netlify (on Cloudflare a rule
/// comes before the files). `query` (with its `?`, or "") is kept when the rule's target has none. A redirect's
/// Location starts with `//` or `/\` never: a rule to a path stays on the site whatever its placeholders
/// captured (`/go/* /:splat` sends `/go//evil.com` to `/evil.com`); only a rule whose own target is an absolute
/// URL leads elsewhere.
pub fn find(
    rules: &[Redirect],
    host: RulesHost,
    path: &str,
    query: &str,
    exists: impl FnOnce() -> bool,
) -> Option<Found> {
    let mut exists = Some(exists);
    let mut shadowed = None;
    for rule in rules {
        let Some(mut captures) = rule.from.matches(path) else {
            continue;
        };
        if !rule.query_matches(query, &mut captures) {
            continue;
        }
        if !rule.force && *shadowed.get_or_insert_with(|| exists.take().is_some_and(|ask| ask())) {
            continue;
        }
        // A target that repeats a placeholder could copy the path without end: past the bound, no rule applies.
        let Some(mut target) = captures.fill(&rule.to, MOST_TARGET) else {
            continue;
        };
        if host == RulesHost::Cloudflare && target.starts_with('/') {
            target = collapse_slashes(&target);
        }
        if !target.contains('?') {
            let before_fragment = target.find('#').unwrap_or(target.len());
            target.insert_str(before_fragment, query);
        }
        let outcome = match rule.status {
            StatusCode::Ok | StatusCode::NotFound => Outcome::Rewrite {
                path: target,
                status: rule.status,
            },
            status => Outcome::Redirect {
                status,
                location: same_site_location(target),
            },
        };
        return Some(Found {
            outcome,
            line: rule.line,
        });
    }
    None
}

impl Redirect {
    /// Netlify's query conditions against the request's query (`?a=1&b=2`); `:name` values become captures.
    fn query_matches<'a>(&'a self, query: &'a str, captures: &mut Captures<'a>) -> bool {
        self.query.iter().all(|(key, wanted)| {
            let value = query
                .trim_start_matches('?')
                .split('&')
                .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
                .find(|(name, _)| name == key)
                .map(|(_, value)| value);
            match (value, wanted.strip_prefix(':')) {
                (Some(value), Some(name)) => {
                    captures.add(name, value);
                    true
                }
                (Some(value), None) => value == wanted,
                (None, _) => false,
            }
        })
    }
}

/// Cloudflare's runs of `/` in a target to a path made one.
fn collapse_slashes(target: &str) -> String {
    let mut collapsed = String::with_capacity(target.len());
    for character in target.chars() {
        if !(character == '/' && collapsed.ends_with('/')) {
            collapsed.push(character);
        }
    }
    collapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    const NETLIFY: RulesHost = RulesHost::Netlify;
    const CLOUDFLARE: RulesHost = RulesHost::Cloudflare;

    fn rules_of(text: &str, host: RulesHost) -> Vec<Redirect> {
        let (rules, problems) = parse(text, host);
        assert!(problems.is_empty(), "{problems:?}");
        rules
    }

    fn rules(text: &str) -> Vec<Redirect> {
        rules_of(text, NETLIFY)
    }

    fn outcome(rules: &[Redirect], host: RulesHost, path: &str, query: &str) -> Option<Outcome> {
        find(rules, host, path, query, || false).map(|found| found.outcome)
    }

    fn redirect(status: StatusCode, location: &str) -> Option<Outcome> {
        Some(Outcome::Redirect {
            status,
            location: location.into(),
        })
    }

    #[test]
    fn statuses_default_and_force() {
        let rules = rules(
            "# moved pages\n/old /new\n/temp /elsewhere 302\n/see /other#part 303\n\n\
             /keep /kept 307\n/perm https://example.org/perm 308\n",
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/old", ""),
            redirect(StatusCode::MovedPermanently, "/new")
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/temp/", "?a=1"),
            redirect(StatusCode::Found, "/elsewhere?a=1")
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/see", "?q"),
            redirect(StatusCode::SeeOther, "/other?q#part")
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/keep", ""),
            redirect(StatusCode::TemporaryRedirect, "/kept")
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/perm", ""),
            redirect(StatusCode::PermanentRedirect, "https://example.org/perm")
        );
        assert_eq!(outcome(&rules, NETLIFY, "/other", ""), None);
        let cloudflare = rules_of("/old /new\n", CLOUDFLARE);
        assert_eq!(
            outcome(&cloudflare, CLOUDFLARE, "/old", ""),
            redirect(StatusCode::Found, "/new")
        );
    }

    #[test]
    fn the_line_that_answered_is_given() {
        let rules = rules("# a comment\n\n/a /b\n/c /d 302\n");
        let found = find(&rules, NETLIFY, "/c", "", || false).unwrap();
        assert_eq!(found.line, 4);
    }

    #[test]
    fn comments_after_the_fields_and_fragments() {
        // Netlify's fixtures comment_inline and to_anchor; Cloudflare's inline comment tests.
        for host in [NETLIFY, CLOUDFLARE] {
            let rules = rules_of(
                "/blog/my-post.php  /blog/my-post # this is just an old leftover\n\
                 /ads /blog/my-post#ads # a valid anchor with a comment\n/a /b##blah-1 302 #no space\n/c /d #\n",
                host,
            );
            assert_eq!(rules.len(), 4);
            let found = outcome(&rules, host, "/ads", "");
            assert!(
                matches!(&found, Some(Outcome::Redirect { location, .. }) if location == "/blog/my-post#ads"),
                "{found:?}"
            );
            assert_eq!(
                outcome(&rules, host, "/a", ""),
                redirect(StatusCode::Found, "/b##blah-1")
            );
        }
    }

    #[test]
    fn only_key_value_words_between_from_and_to_are_query_conditions() {
        let rules = rules(
            "/recent /home?sort=updated_at 301\n/test https://www.example.com/test=hello 301\n\
             /store id=:id /blog/:id 301\n/ page=news /news\n",
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/recent", "?other=query"),
            redirect(StatusCode::MovedPermanently, "/home?sort=updated_at")
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/test", ""),
            redirect(
                StatusCode::MovedPermanently,
                "https://www.example.com/test=hello"
            )
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/store", "?id=42"),
            redirect(StatusCode::MovedPermanently, "/blog/42?id=42")
        );
        assert_eq!(outcome(&rules, NETLIFY, "/store", "?other=1"), None);
        assert_eq!(
            outcome(&rules, NETLIFY, "/", "?page=news"),
            redirect(StatusCode::MovedPermanently, "/news?page=news")
        );
        assert_eq!(outcome(&rules, NETLIFY, "/", "?page=other"), None);
    }

    #[test]
    fn a_forward_rule_rewrites_to_its_own_path() {
        let rules = rules("/admin/* 200\n");
        assert_eq!(
            outcome(&rules, NETLIFY, "/admin/users", ""),
            Some(Outcome::Rewrite {
                path: "/admin/users".into(),
                status: StatusCode::Ok
            })
        );
    }

    #[test]
    fn rewrites_and_404_rules_serve_another_path() {
        let rules = rules("/app/* /index.html 200\n/gone/* /gone.html 404\n");
        assert_eq!(
            outcome(&rules, NETLIFY, "/app/settings", "?tab=2"),
            Some(Outcome::Rewrite {
                path: "/index.html?tab=2".into(),
                status: StatusCode::Ok
            })
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/gone/x", ""),
            Some(Outcome::Rewrite {
                path: "/gone.html".into(),
                status: StatusCode::NotFound
            })
        );
    }

    #[test]
    fn the_first_match_wins_and_splats_and_placeholders_fill_the_target() {
        let rules = rules("/news/:year/:slug /blog/:year/:slug 301\n/news/* /blog/:splat 302\n");
        assert_eq!(
            outcome(&rules, NETLIFY, "/news/2026/lanai", ""),
            redirect(StatusCode::MovedPermanently, "/blog/2026/lanai")
        );
        assert_eq!(
            outcome(&rules, NETLIFY, "/news/2026/lanai/more", ""),
            redirect(StatusCode::Found, "/blog/2026/lanai/more")
        );
    }

    #[test]
    fn what_a_placeholder_captures_never_leads_to_another_site() {
        let text =
            "/go/* /:splat 301\n/to/:where /:where/x 301\n/out/* https://example.org/:splat 301\n";
        for host in [NETLIFY, CLOUDFLARE] {
            let rules = rules_of(text, host);
            for (path, location) in [
                ("/go//evil.com", "/evil.com?q"),
                ("/go/\\evil.com", "/evil.com?q"),
                ("/go/%2F%2Fevil.com", "/%2F%2Fevil.com?q"),
                ("/go/fine", "/fine?q"),
                ("/to/\\evil.com", "/evil.com/x?q"),
                // The site owner's own absolute target is theirs to choose.
                ("/out//evil.com", "https://example.org//evil.com?q"),
            ] {
                assert_eq!(
                    outcome(&rules, host, path, "?q"),
                    redirect(StatusCode::MovedPermanently, location),
                    "{host:?} {path}"
                );
            }
        }
    }

    proptest::proptest! {
        /// Whatever the path and whichever host, a rule to a path never yields a Location a browser reads as
        /// another site: none starts with `//` or a backslash (or `/\`), whatever a splat or placeholder took.
        #[test]
        fn a_rule_to_a_path_never_redirects_off_the_site(
            path in "/[/\\\\a.%:]{0,12}",
            query in "(\\?[a=/\\\\]{0,6})?",
            cloudflare in proptest::bool::ANY,
        ) {
            let host = if cloudflare { CLOUDFLARE } else { NETLIFY };
            let mut text = String::from(
                "/:a/:b/:c /:c/:b 302\n/x/* /:splat 301\n/:one/* /:one/:splat 302\n/:a/:b /:b 302\n\
                 /* /:splat 301\n/:lone /:lone 307\n/p:glued /:glued 308\n",
            );
            if host == NETLIFY {
                // Query conditions and glued placeholders are Netlify's and Cloudflare's own.
                text = text.replace("/p:glued /:glued 308\n", "/q id=:id /:id 302\n");
            }
            let rules = rules_of(&text, host);
            if let Some(Found { outcome: Outcome::Redirect { location, .. }, .. }) =
                find(&rules, host, &path, &query, || false)
            {
                proptest::prop_assert!(location.starts_with('/'), "{location}");
                proptest::prop_assert!(
                    !location.starts_with("//") && !location.starts_with("/\\"),
                    "{path} -> {location}"
                );
            }
        }
    }

    #[test]
    fn a_target_that_would_pass_its_bound_does_not_apply() {
        let echo = format!("/{} 302", ":splat/".repeat(100));
        let rules = rules(&format!("/* {echo}\n/x/* /fallback 301\n"));
        let long = format!("/x/{}", "a".repeat(1000));
        assert_eq!(
            outcome(&rules, NETLIFY, &long, ""),
            redirect(StatusCode::MovedPermanently, "/fallback")
        );
        assert!(matches!(
            outcome(&rules, NETLIFY, "/x/a", ""),
            Some(Outcome::Redirect { location, .. }) if location.len() < 700
        ));
    }

    #[test]
    fn an_existing_file_shadows_a_rule_unless_it_is_forced_or_on_cloudflare() {
        let rules = rules("/page /elsewhere 301\n/* /index.html 200\n/forced /target 302!\n");
        let mut asked = 0;
        assert_eq!(
            find(&rules, NETLIFY, "/page", "", || {
                asked += 1;
                true
            }),
            None
        );
        assert_eq!(asked, 1, "existence is asked once");
        // The splat rule comes first and is shadowed; the forced one after it applies.
        assert_eq!(
            find(&rules, NETLIFY, "/forced", "", || true).map(|found| found.outcome),
            redirect(StatusCode::Found, "/target")
        );
        let cloudflare = rules_of("/page /elsewhere 301\n", CLOUDFLARE);
        assert_eq!(
            find(&cloudflare, CLOUDFLARE, "/page", "", || panic!("not asked"))
                .map(|found| found.outcome),
            redirect(StatusCode::MovedPermanently, "/elsewhere")
        );
    }

    #[test]
    fn lines_that_cannot_be_used_are_reported_with_their_number() {
        let (rules, problems) = parse(
            "/ok /fine\n/only-one\n/bad /x 418\n/store id=:id /blog/:id 301 Country=us\n/a b\n\
             /proxy https://api.example.com/:splat 200\nhttps://old.example.com/* /new 301\n/a /b 301 extra\n\
             /cdn //cdn.example.com/x 302\n/back /\\evil.com 302\n/x /y 302 Role=admin\n/n 301\n",
            NETLIFY,
        );
        assert_eq!(rules.len(), 1);
        let lines: Vec<usize> = problems.iter().map(|problem| problem.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert!(problems[1].why.contains("418"), "{:?}", problems[1]);
    }

    #[test]
    fn cloudflare_refuses_what_cloudflare_refuses() {
        // workers-shared's parseRedirects.invalid tests.
        let (rules, problems) = parse(
            "/c\n/d /e 302 !important\n/f /g 418\n/h /i 404\n/j /k 301!\n/a /b\n/a /c\n\
             /* /index.html 200\n/ /index\n/l https://example.com/b 200\n/m http://example.com/\n\
             https://yeah.com https://nah.com\n",
            CLOUDFLARE,
        );
        assert_eq!(rules.len(), 1);
        let lines: Vec<usize> = problems.iter().map(|problem| problem.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]);
    }

    #[test]
    fn cloudflare_limits() {
        let long = format!("/{} /b", "a".repeat(2000));
        let (rules, problems) = parse(&format!("/a /b\n{long}\n"), CLOUDFLARE);
        assert_eq!((rules.len(), problems[0].line), (1, 2));
        let dynamic: String = (0..150)
            .map(|i| format!("/a/{i}/* /b/{i}/:splat\n"))
            .collect();
        let (rules, problems) = parse(&dynamic, CLOUDFLARE);
        assert_eq!(rules.len(), 100);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].ends_file && problems[0].line == 101,
            "{problems:?}"
        );
        let statics: String = (0..2050).map(|i| format!("/a/{i} /b/{i}\n")).collect();
        let (rules, problems) = parse(&format!("{statics}{dynamic}"), CLOUDFLARE);
        assert_eq!(rules.len(), 2100);
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0].line == 2001 && problems[0].why.contains("49 after"),
            "{problems:?}"
        );
        // Netlify has no such limits.
        assert_eq!(parse(&dynamic, NETLIFY).0.len(), 150);
    }
}
