//! `_headers`: a path pattern on a line, then `Name: value` lines for the responses it matches. Both hosts trim
//! every line, so indentation does not matter: a line that starts with `/` (or is a URL) is a path, one with a
//! colon is a header, and an empty value (`Name:`) is refused. Every matching block applies, in file order, and
//! replaces lanai's own header of the same name. Where the hosts differ lanai follows the chosen one:
//! - Netlify: paths match case-insensitively, `*` may stand anywhere, `/a/*` matches `/a`; values are taken as
//!   written (`a,b` becomes `a, b`, placeholders are not filled); a name set by a later block replaces what an
//!   earlier one set.
//! - Cloudflare: paths match as written (case, trailing slash; one `*`); `:name` and `:splat` fill values; a
//!   name set again by a later block is appended (`a, b`); `! Name` removes a header, lanai's own included; at
//!   most 100 blocks (Cloudflare keeps the 101st too) and 2,000 characters a line.
//!
//! Pure code.

use super::pattern::Pattern;
use super::Problem;
use crate::cli::RulesHost;
use crate::files::user_field;
use crate::http::vocabulary::HeaderName;
use std::borrow::Cow;

/// The most bytes (names and values) `_headers` may add to one response. A path is up to 8 KiB and every block
/// that matches may copy it into its values several times; past this, the answer is a 500 rather than a head of
/// hundreds of megabytes.
pub const MOST_ADDED: usize = 64 * 1024;

/// Cloudflare's limits (workers-shared's parseHeaders).
const CLOUDFLARE_MOST_LINE: usize = 2000;
const CLOUDFLARE_MOST_BLOCKS: usize = 100;

#[derive(Debug)]
pub struct Block {
    /// Where its pattern is in the file, for the log.
    line: usize,
    pattern: Pattern,
    /// Each name once: values given for it within the block are joined with `, `, as both hosts do.
    set: Vec<(HeaderName, String)>,
    remove: Vec<HeaderName>,
}

/// Parses a whole `_headers` file as `host` does; lines that cannot be used are reported and left out.
pub fn parse(text: &str, host: RulesHost) -> (Vec<Block>, Vec<Problem>) {
    let cloudflare = host == RulesHost::Cloudflare;
    let mut blocks: Vec<Block> = Vec::new();
    let mut problems = Vec::new();
    let mut current: Option<Block> = None;
    // Header lines under a pattern that could not be used are dropped with it, silently.
    let mut in_bad_block = false;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if cloudflare && line.len() > CLOUDFLARE_MOST_LINE {
            problems.push(Problem::line(
                number,
                format!("the line is longer than Cloudflare's {CLOUDFLARE_MOST_LINE} characters"),
            ));
            continue;
        }
        if is_path_line(line) {
            // Cloudflare counts the blocks it has finished, so it keeps one more than its limit.
            if cloudflare && blocks.len() >= CLOUDFLARE_MOST_BLOCKS {
                problems.push(Problem::rest(
                    number,
                    format!("Cloudflare takes at most {CLOUDFLARE_MOST_BLOCKS} paths"),
                ));
                break;
            }
            finish(current.take(), &mut blocks, &mut problems);
            let pattern = if cloudflare {
                Pattern::cloudflare(line)
            } else {
                Pattern::netlify_headers(line)
            };
            match pattern {
                Ok(pattern) => {
                    in_bad_block = false;
                    current = Some(Block {
                        line: number,
                        pattern,
                        set: Vec::new(),
                        remove: Vec::new(),
                    });
                }
                Err(why) => {
                    in_bad_block = true;
                    problems.push(Problem::line(number, why));
                }
            }
            continue;
        }
        if in_bad_block {
            continue;
        }
        if let Err(why) = header_line(line, host, current.as_mut()) {
            problems.push(Problem::line(number, why));
        }
    }
    finish(current, &mut blocks, &mut problems);
    problems.sort_by_key(|problem| problem.line);
    (blocks, problems)
}

/// A path: it starts with `/`, or it is a URL (a path with a host, which lanai refuses), such as
/// `https://example.com/*`; `X-Link:https://a` is a header.
fn is_path_line(line: &str) -> bool {
    let is_scheme = |scheme: &str| {
        scheme.starts_with(|first: char| first.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte))
    };
    line.starts_with('/')
        || line
            .split_once("://")
            .is_some_and(|(scheme, _)| is_scheme(scheme))
}

fn finish(block: Option<Block>, blocks: &mut Vec<Block>, problems: &mut Vec<Problem>) {
    let Some(block) = block else {
        return;
    };
    if block.set.is_empty() && block.remove.is_empty() {
        problems.push(Problem::line(block.line, "no headers follow this path"));
    } else {
        blocks.push(block);
    }
}

/// `Name: value` or Cloudflare's `! Name`, added to `block`.
fn header_line(line: &str, host: RulesHost, block: Option<&mut Block>) -> Result<(), String> {
    let cloudflare = host == RulesHost::Cloudflare;
    if let Some((name, value)) = line.split_once(':') {
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() {
            return Err(format!("'{line}' has no header name"));
        }
        if value.is_empty() {
            return Err(format!("'{line}' has no value"));
        }
        let Some(block) = block else {
            return Err(format!("'{line}' comes before any path"));
        };
        let name = user_field(name, value).map_err(|why| format!("'{line}' {why}"))?;
        let value = if cloudflare {
            value.to_string()
        } else {
            // Netlify writes a list as `a, b` whatever the spacing.
            value
                .split(',')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match block.set.iter_mut().find(|(existing, _)| *existing == name) {
            Some((_, joined)) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            None => block.set.push((name, value)),
        }
        return Ok(());
    }
    let Some(name) = line.strip_prefix("! ") else {
        return Err(format!("'{line}' is neither 'Name: value' nor '! Name'"));
    };
    if !cloudflare {
        return Err(format!(
            "'{line}': Netlify has no '! Name' (Cloudflare's way to remove a header); use --rules cloudflare"
        ));
    }
    let Some(block) = block else {
        return Err(format!("'{line}' comes before any path"));
    };
    let name = user_field(name.trim(), "").map_err(|why| format!("'{line}' {why}"))?;
    block.remove.push(name);
    Ok(())
}

/// The headers the blocks matching a path would add passed `MOST_ADDED`.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// The line of the block whose value passed it.
    pub line: usize,
}

/// Applies every block that matches `path` to `headers` as `host` does: a set name replaces lanai's header of
/// that name. If what they add would pass `MOST_ADDED` bytes, `headers` is left as it was: a head with some of
/// the site's headers and not others (a Content-Security-Policy cut short, say) is not an answer to send.
pub fn apply(
    blocks: &[Block],
    host: RulesHost,
    path: &str,
    headers: &mut Vec<(HeaderName, Cow<'static, str>)>,
) -> Result<(), TooLarge> {
    let cloudflare = host == RulesHost::Cloudflare;
    let mut removed: Vec<&HeaderName> = Vec::new();
    let mut added: Vec<(HeaderName, String)> = Vec::new();
    let mut size = 0;
    for block in blocks {
        let Some(captures) = block.pattern.matches(path) else {
            continue;
        };
        for name in &block.remove {
            removed.push(name);
            added.retain(|(existing, _)| existing != name);
        }
        for (name, template) in &block.set {
            // Counted as a field line: name, ": ", value and CRLF (a joined value's ", " the same, over).
            let line = name.as_str().len() + 4;
            let room = MOST_ADDED.saturating_sub(size + line);
            let too_large = TooLarge { line: block.line };
            let value = if cloudflare {
                captures.fill(template, room).ok_or(too_large)?
            } else if template.len() <= room {
                template.clone()
            } else {
                return Err(too_large);
            };
            size += line + value.len();
            match added.iter_mut().find(|(existing, _)| existing == name) {
                Some((_, joined)) if cloudflare => {
                    joined.push_str(", ");
                    joined.push_str(&value);
                }
                Some((_, earlier)) => *earlier = value,
                None => added.push((name.clone(), value)),
            }
        }
    }
    headers.retain(|(existing, _)| !removed.contains(&existing));
    for (name, value) in added {
        headers.retain(|(existing, _)| *existing != name);
        headers.push((name, value.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NETLIFY: RulesHost = RulesHost::Netlify;
    const CLOUDFLARE: RulesHost = RulesHost::Cloudflare;

    fn applied(text: &str, host: RulesHost, path: &str) -> Vec<(String, String)> {
        let (blocks, problems) = parse(text, host);
        assert!(problems.is_empty(), "{problems:?}");
        let mut headers = vec![
            (HeaderName::from("cache-control"), Cow::Borrowed("no-cache")),
            (HeaderName::from("x-powered-by"), Cow::Borrowed("lanai")),
        ];
        apply(&blocks, host, path, &mut headers).unwrap();
        headers
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.into_owned()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    const LAYERED: &str = "/*\n  X-Frame-Options: DENY\n  Link: </a.css>; rel=preload\n\n\
                           /assets/*\n  Cache-Control: public, max-age=31536000\n  Link: </b.js>; rel=preload\n";

    #[test]
    fn matching_blocks_replace_lanais_own_and_join_or_replace_as_the_host_does() {
        assert_eq!(
            applied(LAYERED, CLOUDFLARE, "/assets/app.js"),
            pairs(&[
                ("x-powered-by", "lanai"),
                ("x-frame-options", "DENY"),
                ("link", "</a.css>; rel=preload, </b.js>; rel=preload"),
                ("cache-control", "public, max-age=31536000"),
            ])
        );
        assert_eq!(
            applied(LAYERED, NETLIFY, "/assets/app.js"),
            pairs(&[
                ("x-powered-by", "lanai"),
                ("x-frame-options", "DENY"),
                ("link", "</b.js>; rel=preload"),
                ("cache-control", "public, max-age=31536000"),
            ])
        );
        assert_eq!(
            applied(LAYERED, NETLIFY, "/index.html"),
            pairs(&[
                ("cache-control", "no-cache"),
                ("x-powered-by", "lanai"),
                ("x-frame-options", "DENY"),
                ("link", "</a.css>; rel=preload"),
            ])
        );
    }

    #[test]
    fn lines_are_trimmed_whatever_their_indentation() {
        // Netlify's fixtures trim_line_values, trim_name, trim_value, multiple_values; Cloudflare's "trim".
        let text = "   /path\ntest: one\n\t test : two\nOther:   x,y ,z\n";
        for host in [NETLIFY, CLOUDFLARE] {
            let got = applied(text, host, "/path");
            assert!(got.contains(&("test".into(), "one, two".into())), "{got:?}");
        }
        assert!(applied(text, NETLIFY, "/path").contains(&("other".into(), "x, y, z".into())));
        assert!(applied(text, CLOUDFLARE, "/path").contains(&("other".into(), "x,y ,z".into())));
    }

    #[test]
    fn case_and_trailing_slashes_as_the_host_matches_them() {
        let text = "/Docs/*\n  X-Docs: 1\n";
        assert_eq!(applied(text, NETLIFY, "/docs").len(), 3);
        assert_eq!(applied(text, NETLIFY, "/DOCS/a").len(), 3);
        assert_eq!(applied(text, CLOUDFLARE, "/docs/a").len(), 2);
        assert_eq!(applied(text, CLOUDFLARE, "/Docs").len(), 2);
        assert_eq!(applied(text, CLOUDFLARE, "/Docs/a").len(), 3);
    }

    #[test]
    fn cloudflare_removes_and_fills_placeholders_netlify_does_neither() {
        let text = "/*\n  X-Robots-Tag: noindex\n/docs/:page\n  ! X-Robots-Tag\n  ! X-Powered-By\n  X-Page: :page\n";
        assert_eq!(
            applied(text, CLOUDFLARE, "/docs/intro"),
            pairs(&[("cache-control", "no-cache"), ("x-page", "intro")])
        );
        let (_, problems) = parse(text, NETLIFY);
        assert_eq!(
            problems
                .iter()
                .map(|problem| problem.line)
                .collect::<Vec<_>>(),
            [4, 5]
        );
        let netlify = "/docs/:page\n  X-Page: :page\n";
        assert!(
            applied(netlify, NETLIFY, "/docs/intro").contains(&("x-page".into(), ":page".into()))
        );
    }

    #[test]
    fn what_the_blocks_add_is_bounded_and_all_or_nothing() {
        // Each block copies the path in twice; 100 of them and an 8 KiB path would add 1.6 MB.
        let block = "/*\n  X-Echo: :splat:splat\n  X-Fixed: 1\n";
        let (blocks, problems) = parse(&block.repeat(100), CLOUDFLARE);
        assert!(problems.is_empty());
        let mut headers = vec![(HeaderName::from("cache-control"), Cow::Borrowed("no-cache"))];
        let long = format!("/{}", "a".repeat(8 * 1024));
        let error = apply(&blocks, CLOUDFLARE, &long, &mut headers).unwrap_err();
        // Blocks are three lines: the first three fit in 64 KiB (each adds 16 KiB and change), the fourth not.
        assert_eq!(error, TooLarge { line: 10 });
        assert_eq!(headers.len(), 1, "nothing is applied");
        apply(&blocks, CLOUDFLARE, "/page", &mut headers).unwrap();
        let added: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + 2 + value.len())
            .sum();
        assert!(added < MOST_ADDED, "{added}");
    }

    #[test]
    fn lines_that_cannot_be_used_are_reported_with_their_number() {
        let text = "X-Early: 1\n/ok\n  X-Fine: yes\n  no colon here\n  Content-Length: 5\n  Bad Name: x\n\
                    https://example.com/*\n  X-Dropped: with its block\n/next\n  Empty:\n  : no name\n/bare\n";
        for host in [NETLIFY, CLOUDFLARE] {
            let (blocks, problems) = parse(text, host);
            assert_eq!(blocks.len(), 1);
            let lines: Vec<usize> = problems.iter().map(|problem| problem.line).collect();
            assert_eq!(lines, [1, 4, 5, 6, 7, 9, 10, 11, 12], "{host:?}");
        }
    }

    #[test]
    fn a_url_is_a_path_but_a_header_with_a_url_is_a_header() {
        for host in [NETLIFY, CLOUDFLARE] {
            let (blocks, problems) =
                parse("/a\nX-Link:https://a.example\nhttps://b.example/*\n", host);
            assert_eq!(blocks.len(), 1);
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].line, 3);
        }
    }

    #[test]
    fn cloudflare_limits() {
        let blocks: String = (0..150)
            .map(|i| format!("/a/{i}\nx-index: {i}\n"))
            .collect();
        let (kept, problems) = parse(&blocks, CLOUDFLARE);
        assert_eq!(kept.len(), 101, "Cloudflare's own test keeps 101");
        assert!(problems.len() == 1 && problems[0].ends_file);
        assert_eq!(parse(&blocks, NETLIFY).0.len(), 150);
        let long = format!("/a\n  X: {}\n", "b".repeat(2000));
        assert_eq!(
            parse(&long, CLOUDFLARE).1.len(),
            2,
            "the line, then a path with nothing under it"
        );
        assert!(parse(&long, NETLIFY).1.is_empty());
    }
}
