//! `_redirects`, in Netlify's syntax: one `FROM TO [STATUS][!]` rule a line, `#` comments, the first matching rule
//! wins. 301 (the default), 302, 303, 307 and 308 redirect; 200 serves TO's content at FROM's URL (a rewrite);
//! 404 serves TO's content with status 404. A rule is shadowed by a file that exists at the requested path unless
//! its status carries `!`. Pure code: whether a path exists is asked of the caller.

use super::pattern::Pattern;
use super::Problem;
use crate::files::same_site_location;
use crate::http::vocabulary::StatusCode;

/// The longest target a rule may fill in (a Location, or a path to serve); a request path is at most 8 KiB.
const MOST_TARGET: usize = 16 * 1024;

#[derive(Debug)]
pub struct Redirect {
    from: Pattern,
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

/// Parses a whole `_redirects` file; lines that cannot be used are reported and left out.
pub fn parse(text: &str) -> (Vec<Redirect>, Vec<Problem>) {
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        // Only whole lines are comments: a target may carry a #fragment.
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_rule(line) {
            Ok(rule) => rules.push(rule),
            Err(why) => problems.push(Problem {
                line: index + 1,
                why,
            }),
        }
    }
    (rules, problems)
}

fn parse_rule(line: &str) -> Result<Redirect, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.iter().any(|word| word.contains('=')) {
        return Err("query and condition matches (key=value) are not supported".into());
    }
    let (from, to, status) = match words[..] {
        [from, to] => (from, to, "301"),
        [from, to, status] => (from, to, status),
        _ => return Err("a rule is FROM TO [STATUS]".into()),
    };
    let (status, force) = match status.strip_suffix('!') {
        Some(code) => (code, true),
        None => (status, false),
    };
    let status = match status {
        "200" => StatusCode::Ok,
        "301" => StatusCode::MovedPermanently,
        "302" => StatusCode::Found,
        "303" => StatusCode::SeeOther,
        "307" => StatusCode::TemporaryRedirect,
        "308" => StatusCode::PermanentRedirect,
        "404" => StatusCode::NotFound,
        other => {
            return Err(format!(
                "status '{other}' is not one of 200, 301, 302, 303, 307, 308, 404"
            ))
        }
    };
    let rewrites = matches!(status, StatusCode::Ok | StatusCode::NotFound);
    if to.starts_with("//") || to.starts_with("/\\") {
        return Err(format!(
            "'{to}' names another site without a scheme; write the full https:// URL, or a path with one /"
        ));
    }
    let local = to.starts_with('/');
    if !(local || to.starts_with("http://") || to.starts_with("https://")) {
        return Err(format!("'{to}' is neither a path nor an http(s) URL"));
    }
    if rewrites && !local {
        return Err(format!(
            "a {} rule to another site ('{to}') would proxy it; lanai serves only paths of this site",
            status as u16
        ));
    }
    Ok(Redirect {
        from: Pattern::parse(from)?,
        to: to.to_string(),
        status,
        force,
    })
}

/// The outcome of the first rule that matches `path` and is not shadowed. `exists` tells whether the site
/// serves something at `path` itself; it is asked at most once. `query` (with its `?`, or "") is kept when
/// the rule's target has none. A redirect's Location starts with `//` or `/\` never: a rule to a path stays on
/// the site whatever its placeholders captured (`/go/* /:splat` sends `/go//evil.com` to `/evil.com`); only a
/// rule whose own target is an absolute URL leads elsewhere.
pub fn find(
    rules: &[Redirect],
    path: &str,
    query: &str,
    exists: impl FnOnce() -> bool,
) -> Option<Outcome> {
    let mut exists = Some(exists);
    let mut shadowed = None;
    for rule in rules {
        let Some(captures) = rule.from.matches(path) else {
            continue;
        };
        if !rule.force && *shadowed.get_or_insert_with(|| exists.take().is_some_and(|ask| ask())) {
            continue;
        }
        // A target that repeats a placeholder could copy the path without end: past the bound, no rule applies.
        let Some(mut target) = captures.fill(&rule.to, MOST_TARGET) else {
            continue;
        };
        if !target.contains('?') {
            let before_fragment = target.find('#').unwrap_or(target.len());
            target.insert_str(before_fragment, query);
        }
        return Some(match rule.status {
            StatusCode::Ok | StatusCode::NotFound => Outcome::Rewrite {
                path: target,
                status: rule.status,
            },
            status => Outcome::Redirect {
                status,
                location: same_site_location(target),
            },
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<Redirect> {
        let (rules, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        rules
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
        let none = || false;
        assert_eq!(
            find(&rules, "/old", "", none),
            redirect(StatusCode::MovedPermanently, "/new")
        );
        assert_eq!(
            find(&rules, "/temp/", "?a=1", none),
            redirect(StatusCode::Found, "/elsewhere?a=1")
        );
        assert_eq!(
            find(&rules, "/see", "?q", none),
            redirect(StatusCode::SeeOther, "/other?q#part")
        );
        assert_eq!(
            find(&rules, "/keep", "", none),
            redirect(StatusCode::TemporaryRedirect, "/kept")
        );
        assert_eq!(
            find(&rules, "/perm", "", none),
            redirect(StatusCode::PermanentRedirect, "https://example.org/perm")
        );
        assert_eq!(find(&rules, "/other", "", none), None);
    }

    #[test]
    fn rewrites_and_404_rules_serve_another_path() {
        let rules = rules("/app/* /index.html 200\n/gone/* /gone.html 404\n");
        assert_eq!(
            find(&rules, "/app/settings", "?tab=2", || false),
            Some(Outcome::Rewrite {
                path: "/index.html?tab=2".into(),
                status: StatusCode::Ok
            })
        );
        assert_eq!(
            find(&rules, "/gone/x", "", || false),
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
            find(&rules, "/news/2026/lanai", "", || false),
            redirect(StatusCode::MovedPermanently, "/blog/2026/lanai")
        );
        assert_eq!(
            find(&rules, "/news/2026/lanai/more", "", || false),
            redirect(StatusCode::Found, "/blog/2026/lanai/more")
        );
    }

    #[test]
    fn what_a_placeholder_captures_never_leads_to_another_site() {
        let rules = rules(
            "/go/* /:splat 301\n/to/:where /:where/x 301\n/out/* https://example.org/:splat\n",
        );
        for (path, location) in [
            ("/go//evil.com", "/evil.com?q"),
            ("/go/\\evil.com", "/evil.com?q"),
            ("/go/\\/evil.com/a", "/evil.com/a?q"),
            ("/go/%2F%2Fevil.com", "/%2F%2Fevil.com?q"),
            ("/go/fine", "/fine?q"),
            ("/to/\\evil.com", "/evil.com/x?q"),
            // The site owner's own absolute target is theirs to choose.
            ("/out//evil.com", "https://example.org//evil.com?q"),
        ] {
            assert_eq!(
                find(&rules, path, "?q", || false),
                redirect(StatusCode::MovedPermanently, location),
                "{path}"
            );
        }
    }

    proptest::proptest! {
        /// Whatever the path, a rule to a path never yields a Location a browser reads as another site.
        #[test]
        fn a_rule_to_a_path_never_redirects_off_the_site(path in "/[/\\\\a.%:]{0,12}") {
            let rules = rules("/* /:splat 301\n/:one/* /:one/:splat 302\n/:a/:b /:b 302\n");
            if let Some(Outcome::Redirect { location, .. }) = find(&rules, &path, "", || false) {
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
            find(&rules, &long, "", || false),
            redirect(StatusCode::MovedPermanently, "/fallback")
        );
        assert!(matches!(
            find(&rules, "/x/a", "", || false),
            Some(Outcome::Redirect { location, .. }) if location.len() < 700
        ));
    }

    #[test]
    fn an_existing_file_shadows_a_rule_unless_it_is_forced() {
        let rules = rules("/page /elsewhere 301\n/* /index.html 200\n/forced /target 302!\n");
        let mut asked = 0;
        assert_eq!(
            find(&rules, "/page", "", || {
                asked += 1;
                true
            }),
            None
        );
        assert_eq!(asked, 1, "existence is asked once");
        // The splat rule comes first and is shadowed; the forced one after it applies.
        assert_eq!(
            find(&rules, "/forced", "", || true),
            redirect(StatusCode::Found, "/target")
        );
        assert_eq!(
            find(&rules, "/elsewhere", "", || false),
            Some(Outcome::Rewrite {
                path: "/index.html".into(),
                status: StatusCode::Ok
            })
        );
    }

    #[test]
    fn lines_that_cannot_be_used_are_reported_with_their_number() {
        let (rules, problems) = parse(
            "/ok /fine\n/only-one\n/bad /x 418\n/store id=:id /blog/:id 301\n/a b\n\
             /proxy https://api.example.com/:splat 200\nhttps://old.example.com/* /new 301\n/a /b 301 extra\n\
             /cdn //cdn.example.com/x 302\n/back /\\evil.com 302\n",
        );
        assert_eq!(rules.len(), 1);
        let lines: Vec<usize> = problems.iter().map(|problem| problem.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert!(problems[1].why.contains("418"), "{:?}", problems[1]);
    }
}
