//! `_headers`, in the syntax Netlify and Cloudflare Pages share: a path pattern on a line of its own, then
//! indented `Name: value` lines for the responses it matches. Every matching block applies: a name set by several
//! of them gets their values joined with `, `, and `! Name` (Cloudflare's syntax) removes a header, lanai's own
//! included. Pure code.

use super::pattern::Pattern;
use super::Problem;
use crate::files::user_field;
use crate::http::vocabulary::HeaderName;
use std::borrow::Cow;

#[derive(Debug)]
pub struct Block {
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

/// Applies every block that matches `path` to `headers`: a set name replaces lanai's header of that name.
pub fn apply(blocks: &[Block], path: &str, headers: &mut Vec<(HeaderName, Cow<'static, str>)>) {
    let mut added: Vec<(HeaderName, String)> = Vec::new();
    for block in blocks {
        let Some(captures) = block.pattern.matches(path) else {
            continue;
        };
        for name in &block.remove {
            headers.retain(|(existing, _)| existing != name);
            added.retain(|(existing, _)| existing != name);
        }
        for (name, value) in &block.set {
            let value = captures.fill(value);
            match added.iter_mut().find(|(existing, _)| existing == name) {
                Some((_, joined)) => {
                    joined.push_str(", ");
                    joined.push_str(&value);
                }
                None => added.push((name.clone(), value)),
            }
        }
    }
    for (name, value) in added {
        headers.retain(|(existing, _)| *existing != name);
        headers.push((name, value.into()));
    }
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
        apply(&blocks, path, &mut headers);
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
