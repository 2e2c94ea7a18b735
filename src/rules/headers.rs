//! `_headers`, in the syntax Netlify and Cloudflare Pages share: a path pattern on a line of its own, then
//! indented `Name: value` lines for the responses it matches. Every matching block applies: a name set by several
//! of them gets their values joined with `, `, and `! Name` (Cloudflare's syntax) removes a header, lanai's own
//! included. Pure code.

use super::pattern::Pattern;
use super::Problem;
use crate::files::user_field;
use crate::http::vocabulary::HeaderName;
use std::borrow::Cow;

/// The most bytes (names and values) `_headers` may add to one response. A path is up to 8 KiB and every block
/// that matches may copy it into its values several times; past this, the answer is a 500 rather than a head of
/// hundreds of megabytes.
pub const MOST_ADDED: usize = 64 * 1024;

#[derive(Debug)]
pub struct Block {
    /// Where its pattern is in the file, for the log.
    line: usize,
    pattern: Pattern,
    set: Vec<(HeaderName, String)>,
    remove: Vec<HeaderName>,
}

/// Parses a whole `_headers` file; lines that cannot be used are reported and left out.
pub fn parse(text: &str) -> (Vec<Block>, Vec<Problem>) {
    let mut blocks: Vec<Block> = Vec::new();
    let mut problems = Vec::new();
    // Header lines under a pattern that could not be used are dropped with it, silently.
    let mut in_bad_block = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut problem = |why: String| {
            problems.push(Problem {
                line: index + 1,
                why,
            })
        };
        if !line.starts_with([' ', '\t']) {
            match Pattern::parse(trimmed) {
                Ok(pattern) => {
                    in_bad_block = false;
                    blocks.push(Block {
                        line: index + 1,
                        pattern,
                        set: Vec::new(),
                        remove: Vec::new(),
                    });
                }
                Err(why) => {
                    in_bad_block = true;
                    problem(why);
                }
            }
            continue;
        }
        if in_bad_block {
            continue;
        }
        let Some(block) = blocks.last_mut() else {
            problem("a header line comes before any path pattern".into());
            continue;
        };
        match parse_header_line(trimmed) {
            Ok(Change::Set(name, value)) => block.set.push((name, value)),
            Ok(Change::Remove(name)) => block.remove.push(name),
            Err(why) => problem(why),
        }
    }
    (blocks, problems)
}

enum Change {
    Set(HeaderName, String),
    Remove(HeaderName),
}

fn parse_header_line(line: &str) -> Result<Change, String> {
    if let Some(name) = line.strip_prefix('!') {
        let name = user_field(name.trim(), "").map_err(|why| format!("'{line}' {why}"))?;
        return Ok(Change::Remove(name));
    }
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| format!("'{line}' is neither 'Name: value' nor '! Name'"))?;
    let value = value.trim();
    let name = user_field(name.trim(), value).map_err(|why| format!("'{line}' {why}"))?;
    Ok(Change::Set(name, value.to_string()))
}

/// The headers the blocks matching a path would add passed `MOST_ADDED`.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// The line of the block whose value passed it.
    pub line: usize,
}

/// Applies every block that matches `path` to `headers`: a set name replaces lanai's header of that name. If what
/// they add would pass `MOST_ADDED` bytes, `headers` is left as it was: a head with some of the site's headers
/// and not others (a Content-Security-Policy cut short, say) is not an answer to send.
pub fn apply(
    blocks: &[Block],
    path: &str,
    headers: &mut Vec<(HeaderName, Cow<'static, str>)>,
) -> Result<(), TooLarge> {
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
            let value = captures
                .fill(template, room)
                .ok_or(TooLarge { line: block.line })?;
            size += line + value.len();
            match added.iter_mut().find(|(existing, _)| existing == name) {
                Some((_, joined)) => {
                    joined.push_str(", ");
                    joined.push_str(&value);
                }
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

    fn applied(text: &str, path: &str) -> Vec<(String, String)> {
        let (blocks, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let mut headers = vec![
            (HeaderName::from("cache-control"), Cow::Borrowed("no-cache")),
            (HeaderName::from("x-powered-by"), Cow::Borrowed("lanai")),
        ];
        apply(&blocks, path, &mut headers).unwrap();
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

    #[test]
    fn matching_blocks_add_up_and_replace_lanais_own() {
        let text = "/*\n  X-Frame-Options: DENY\n  Link: </a.css>; rel=preload\n\n\
                    /assets/*\n  Cache-Control: public, max-age=31536000\n  Link: </b.js>; rel=preload\n";
        assert_eq!(
            applied(text, "/assets/app.js"),
            pairs(&[
                ("x-powered-by", "lanai"),
                ("x-frame-options", "DENY"),
                ("link", "</a.css>; rel=preload, </b.js>; rel=preload"),
                ("cache-control", "public, max-age=31536000"),
            ])
        );
        assert_eq!(
            applied(text, "/index.html"),
            pairs(&[
                ("cache-control", "no-cache"),
                ("x-powered-by", "lanai"),
                ("x-frame-options", "DENY"),
                ("link", "</a.css>; rel=preload"),
            ])
        );
    }

    #[test]
    fn detach_removes_a_header_and_placeholders_fill_values() {
        let text = "/*\n  X-Robots-Tag: noindex\n/docs/:page\n  ! X-Robots-Tag\n  ! X-Powered-By\n  X-Page: :page\n";
        assert_eq!(
            applied(text, "/docs/intro"),
            pairs(&[("cache-control", "no-cache"), ("x-page", "intro")])
        );
    }

    #[test]
    fn what_the_blocks_add_is_bounded_and_all_or_nothing() {
        // Each block copies the path in twice; 100 of them and an 8 KiB path would add 1.6 MB.
        let block = "/*\n  X-Echo: :splat:splat\n  X-Fixed: 1\n";
        let (blocks, problems) = parse(&block.repeat(100));
        assert!(problems.is_empty());
        let mut headers = vec![(HeaderName::from("cache-control"), Cow::Borrowed("no-cache"))];
        let long = format!("/{}", "a".repeat(8 * 1024));
        let error = apply(&blocks, &long, &mut headers).unwrap_err();
        // Blocks are three lines: the first three fit in 64 KiB (each adds 16 KiB and change), the fourth not.
        assert_eq!(error, TooLarge { line: 10 });
        assert_eq!(headers.len(), 1, "nothing is applied");
        apply(&blocks, "/page", &mut headers).unwrap();
        let added: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + 2 + value.len())
            .sum();
        assert!(added < MOST_ADDED, "{added}");
    }

    #[test]
    fn lines_that_cannot_be_used_are_reported_with_their_number() {
        let (blocks, problems) = parse(
            "  X-Early: 1\n/ok\n  X-Fine: yes\n  no colon here\n  Content-Length: 5\n  Bad Name: x\n\
             https://example.com/*\n  X-Dropped: with its block\n",
        );
        assert_eq!(blocks.len(), 1);
        let lines: Vec<usize> = problems.iter().map(|problem| problem.line).collect();
        assert_eq!(lines, [1, 4, 5, 6, 7]);
    }
}
