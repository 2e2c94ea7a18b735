//! The path patterns of `_redirects` and `_headers`: literal segments, `:name` placeholders that stand for one
//! segment, and a final `*` (the splat) that stands for the rest of the path, empty included. A trailing slash is
//! not significant, on either side. Pure code.

/// A compiled pattern such as `/blog/:year/*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    segments: Vec<Segment>,
    splat: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Placeholder(String),
}

/// What a match captured: placeholder values by name, and the splat.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Captures<'a> {
    named: Vec<(&'a str, &'a str)>,
    splat: Option<&'a str>,
}

impl Pattern {
    /// Compiles a pattern; it must be a path (start with `/`), with `*` only as its whole last segment.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!(
                "'{text}' is not a path starting with / (host names and full URLs are not supported)"
            ));
        };
        let mut parts: Vec<&str> = segments(rest).collect();
        let splat = parts.last() == Some(&"*");
        if splat {
            parts.pop();
        }
        let segments = parts
            .into_iter()
            .map(|part| {
                if part.contains('*') {
                    Err(format!(
                        "'{text}' has a * that is not its whole last segment"
                    ))
                } else if let Some(name) = part.strip_prefix(':') {
                    Ok(Segment::Placeholder(name.to_string()))
                } else {
                    Ok(Segment::Literal(part.to_string()))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Pattern { segments, splat })
    }

    /// Matches a request path (without its query).
    pub fn matches<'a>(&'a self, path: &'a str) -> Option<Captures<'a>> {
        let rest = path.strip_prefix('/')?;
        let mut captures = Captures::default();
        let trimmed = rest.trim_end_matches('/');
        let mut remaining = trimmed;
        for segment in &self.segments {
            if remaining.is_empty() {
                return None;
            }
            let (part, after) = remaining.split_once('/').unwrap_or((remaining, ""));
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Literal(_) => return None,
                Segment::Placeholder(name) => captures.named.push((name, part)),
            }
            remaining = after;
        }
        if self.splat {
            // The splat keeps the rest as sent, a trailing slash included.
            let start = trimmed.len() - remaining.len();
            captures.splat = Some(if remaining.is_empty() {
                ""
            } else {
                &rest[start..]
            });
        } else if !remaining.is_empty() {
            return None;
        }
        Some(captures)
    }
}

impl Captures<'_> {
    /// `template` with `:splat` and each `:name` replaced by what was captured; unknown names stay as written.
    /// `None` once it would pass `most` bytes: a template that repeats a placeholder would otherwise copy the
    /// request's path as many times, whatever the rules file's author meant.
    pub fn fill(&self, template: &str, most: usize) -> Option<String> {
        let mut filled = String::with_capacity(template.len().min(most));
        let mut rest = template;
        while let Some(colon) = rest.find(':') {
            filled.push_str(&rest[..colon]);
            let after = &rest[colon + 1..];
            let name_len = after
                .find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
                .unwrap_or(after.len());
            let name = &after[..name_len];
            match self.value(name) {
                Some(value) if value.len() > most.saturating_sub(filled.len()) => return None,
                Some(value) => filled.push_str(value),
                None => {
                    filled.push(':');
                    filled.push_str(name);
                }
            }
            rest = &after[name_len..];
        }
        filled.push_str(rest);
        (filled.len() <= most).then_some(filled)
    }

    /// What the placeholder `name` captured (`splat` is the splat's).
    fn value(&self, name: &str) -> Option<&str> {
        if name == "splat" {
            return self.splat;
        }
        self.named
            .iter()
            .find(|(placeholder, _)| !name.is_empty() && *placeholder == name)
            .map(|&(_, value)| value)
    }
}

/// The non-empty segments of a path, so `/a//b/` and `/a/b` compare alike.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> Pattern {
        Pattern::parse(text).unwrap()
    }

    #[test]
    fn literal_paths_ignore_a_trailing_slash() {
        let about = pattern("/about");
        assert!(about.matches("/about").is_some());
        assert!(about.matches("/about/").is_some());
        assert!(about.matches("/about/team").is_none());
        assert!(about.matches("/About").is_none());
        assert!(pattern("/about/").matches("/about").is_some());
        assert!(pattern("/").matches("/").is_some());
        assert!(pattern("/").matches("/x").is_none());
    }

    #[test]
    fn placeholders_take_one_segment_and_fill_a_template() {
        let blog = pattern("/news/:year/:month/:slug");
        let captures = blog.matches("/news/2026/11/lanai").unwrap();
        assert_eq!(
            captures.fill("/blog/:year-:month/:slug.html", 64).unwrap(),
            "/blog/2026-11/lanai.html"
        );
        assert!(blog.matches("/news/2026/11").is_none());
        assert!(blog.matches("/news/2026/11/a/b").is_none());
        assert_eq!(captures.fill("/x/:unknown/:", 64).unwrap(), "/x/:unknown/:");
    }

    #[test]
    fn the_splat_takes_the_rest_or_nothing() {
        let news = pattern("/news/*");
        assert_eq!(
            news.matches("/news/a/b.html")
                .unwrap()
                .fill("/blog/:splat", 64)
                .unwrap(),
            "/blog/a/b.html"
        );
        assert_eq!(
            news.matches("/news/a/")
                .unwrap()
                .fill("/blog/:splat", 64)
                .unwrap(),
            "/blog/a/"
        );
        assert_eq!(
            news.matches("/news")
                .unwrap()
                .fill("/blog/:splat", 64)
                .unwrap(),
            "/blog/"
        );
        assert!(news.matches("/newsroom").is_none());
        let everything = pattern("/*");
        assert_eq!(
            everything
                .matches("/")
                .unwrap()
                .fill("/:splat", 64)
                .unwrap(),
            "/"
        );
        assert_eq!(
            everything
                .matches("/a/b")
                .unwrap()
                .fill("/app/:splat", 64)
                .unwrap(),
            "/app/a/b"
        );
        let mixed = pattern("/shop/:id/*");
        assert_eq!(
            mixed
                .matches("/shop/7/x/y")
                .unwrap()
                .fill("/p/:id/:splat", 64)
                .unwrap(),
            "/p/7/x/y"
        );
    }

    #[test]
    fn a_fill_stops_at_its_bound() {
        let everything = pattern("/*");
        let captures = everything.matches("/abcd").unwrap();
        assert_eq!(
            captures.fill(":splat-:splat", 9).as_deref(),
            Some("abcd-abcd")
        );
        assert_eq!(captures.fill(":splat-:splat", 8), None);
        assert_eq!(captures.fill("0123456789", 9), None);
        let many = ":splat".repeat(100_000);
        let huge = everything.matches("/a").unwrap();
        assert_eq!(huge.fill(&many, 1000), None);
    }

    #[test]
    fn patterns_that_cannot_be_served_are_refused() {
        assert!(Pattern::parse("https://example.com/*").is_err());
        assert!(Pattern::parse("about").is_err());
        assert!(Pattern::parse("/a*/b").is_err());
        assert!(Pattern::parse("/a/*.jpg").is_err());
    }
}
