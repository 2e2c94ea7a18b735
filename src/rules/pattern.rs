//! The path patterns of `_redirects` and `_headers`, in the three readings the hosts have (their own code and
//! tests are the reference):
//! - Netlify's `_redirects`: literal segments, `:name` placeholders that stand for one segment, and a final `*`
//!   segment (the splat) that stands for the rest of the path, nothing included (`/news/*` matches `/news`); a
//!   trailing slash is not significant; case is.
//! - Netlify's `_headers`: the same, but `*` may stand anywhere (`/*/_next/static/chunks/*`, `/a/b*c`) and case
//!   is not significant.
//! - Cloudflare's (both files): the pattern is matched whole, as written: `*` stands for any text (once a
//!   pattern), `:name` for text without a `/`, anywhere in it; a trailing slash and case are significant, so
//!   `/foo/*` does not match `/foo`.
//!
//! Pure code.

/// A compiled pattern such as `/blog/:year/*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
    /// Netlify: `/about` and `/about/` are one path.
    trailing_slash_optional: bool,
    /// Netlify's `_headers`: ASCII letters match in either case.
    ignore_case: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Text(String),
    /// `:name`: one or more characters other than `/`.
    Named(String),
    /// `*` inside a segment (Netlify's `_headers`) or anywhere (Cloudflare): any text, empty included.
    Splat,
    /// A whole `*` segment in Netlify's reading: nothing, or `/` and any text (the splat is what follows the `/`).
    Rest,
}

/// At most this many `*` and `:name` in one pattern, which bounds the work of a match whatever the path.
const MOST_WILDCARDS: usize = 8;

/// What a match captured: placeholder values by name, and the splat.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Captures<'a> {
    named: Vec<(&'a str, &'a str)>,
    splat: Option<&'a str>,
}

impl Pattern {
    /// A FROM of Netlify's `_redirects`: a path starting with `/`, with `*` only as its whole last segment.
    pub fn netlify_redirect(text: &str) -> Result<Pattern, String> {
        let parts = netlify_segments(text)?;
        let last = parts.len().saturating_sub(1);
        if let Some(at) = parts.iter().position(|part| part.contains('*')) {
            if at != last || parts[at] != "*" {
                return Err(format!(
                    "'{text}' has a * that is not its whole last segment"
                ));
            }
        }
        Pattern::from_segments(text, &parts, false)
    }

    /// A path of Netlify's `_headers`: segments, each a literal, a `:name`, `*`, or text around `*`s.
    pub fn netlify_headers(text: &str) -> Result<Pattern, String> {
        let parts = netlify_segments(text)?;
        // Netlify trims the end of each segment (`/a /` is `/a`).
        let parts: Vec<&str> = parts
            .iter()
            .map(|part| part.trim_end())
            .filter(|part| !part.is_empty())
            .collect();
        Pattern::from_segments(text, &parts, true)
    }

    fn from_segments(text: &str, parts: &[&str], ignore_case: bool) -> Result<Pattern, String> {
        let mut tokens = Vec::new();
        for part in parts {
            if *part == "*" {
                tokens.push(Token::Rest);
            } else if let Some(name) = part.strip_prefix(':') {
                push_text(&mut tokens, "/");
                tokens.push(Token::Named(name.to_string()));
            } else {
                push_text(&mut tokens, "/");
                for (index, piece) in part.split('*').enumerate() {
                    if index > 0 {
                        tokens.push(Token::Splat);
                    }
                    push_text(&mut tokens, piece);
                }
            }
        }
        Pattern::checked(
            text,
            Pattern {
                tokens,
                trailing_slash_optional: true,
                ignore_case,
            },
        )
    }

    /// A path of Cloudflare's `_redirects` or `_headers`: matched whole; `*` (at most once) is any text and
    /// `:name` (a letter, then letters, digits and `_`) any text without `/`.
    pub fn cloudflare(text: &str) -> Result<Pattern, String> {
        if !text.starts_with('/') {
            return Err(format!(
                "'{text}' is not a path starting with / (host names and full URLs are not supported)"
            ));
        }
        if text.matches('*').count() > 1 {
            return Err(format!(
                "'{text}' has more than one *; Cloudflare takes one a rule (use :name placeholders)"
            ));
        }
        let mut tokens = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find(['*', ':']) {
            push_text(&mut tokens, &rest[..at]);
            let after = &rest[at + 1..];
            if rest[at..].starts_with('*') {
                tokens.push(Token::Splat);
                rest = after;
                continue;
            }
            let name_len = placeholder_len(after);
            if name_len == 0 {
                push_text(&mut tokens, ":");
            } else {
                tokens.push(Token::Named(after[..name_len].to_string()));
            }
            rest = &after[name_len..];
        }
        push_text(&mut tokens, rest);
        let pattern = Pattern {
            tokens,
            trailing_slash_optional: false,
            ignore_case: false,
        };
        if text.contains('*') && pattern.has_placeholder("splat") {
            return Err(format!(
                "'{text}' has both * and :splat; Cloudflare turns * into :splat, so take one"
            ));
        }
        Pattern::checked(text, pattern)
    }

    fn checked(text: &str, pattern: Pattern) -> Result<Pattern, String> {
        let wildcards = pattern
            .tokens
            .iter()
            .filter(|token| !matches!(token, Token::Text(_)))
            .count();
        if wildcards > MOST_WILDCARDS {
            return Err(format!(
                "'{text}' has more than {MOST_WILDCARDS} * and :name placeholders"
            ));
        }
        Ok(pattern)
    }

    fn has_placeholder(&self, name: &str) -> bool {
        self.tokens
            .iter()
            .any(|token| matches!(token, Token::Named(named) if named == name))
    }

    /// Whether the pattern has no `*` and no `:name` (Cloudflare's "static" rules).
    pub fn is_static(&self) -> bool {
        self.tokens
            .iter()
            .all(|token| matches!(token, Token::Text(_)))
    }

    /// Matches a request path (without its query).
    pub fn matches<'a>(&'a self, path: &'a str) -> Option<Captures<'a>> {
        if let Some(captures) = self.matches_exactly(path) {
            return Some(captures);
        }
        let trimmed = path.strip_suffix('/')?;
        self.trailing_slash_optional
            .then(|| self.matches_exactly(trimmed))
            .flatten()
    }

    fn matches_exactly<'a>(&'a self, path: &'a str) -> Option<Captures<'a>> {
        // Most patterns start with text that most paths lack: refused before anything is allocated.
        if let Some(Token::Text(text)) = self.tokens.first() {
            if !self.text_at(path, text) {
                return None;
            }
        }
        let mut spans = vec![(0, 0); self.tokens.len()];
        let mut failed = Failed::default();
        if !self.walk(0, 0, path, &mut spans, &mut failed) {
            return None;
        }
        let mut captures = Captures::default();
        for (token, &(start, end)) in self.tokens.iter().zip(&spans) {
            let value = &path[start..end];
            match token {
                Token::Text(_) => {}
                Token::Named(name) => captures.named.push((name, value)),
                Token::Splat | Token::Rest => captures.splat = Some(value),
            }
        }
        Some(captures)
    }

    /// Whether tokens `index..` match `path[at..]`, each wildcard taking as much as it can first (as the hosts'
    /// regular expressions do); `spans` gets what each token took. What failed once is remembered (`Failed`), so
    /// a match costs about tokens × path length steps, however the wildcards could be arranged.
    fn walk(
        &self,
        index: usize,
        at: usize,
        path: &str,
        spans: &mut [(usize, usize)],
        failed: &mut Failed,
    ) -> bool {
        let Some(token) = self.tokens.get(index) else {
            return at == path.len();
        };
        if failed.has(index, at, path.len()) {
            return false;
        }
        let rest = &path[at..];
        let matched = match token {
            Token::Text(text) => {
                self.text_at(rest, text)
                    && self.take(index, at, at + text.len(), path, spans, failed)
            }
            Token::Named(_) => {
                let end = at + rest.find('/').unwrap_or(rest.len());
                (at + 1..=end)
                    .rev()
                    .filter(|&stop| path.is_char_boundary(stop))
                    .any(|stop| self.take(index, at, stop, path, spans, failed))
            }
            Token::Splat => self.stretch(index, at, path, spans, failed),
            Token::Rest => {
                (rest.starts_with('/') && self.stretch(index, at + 1, path, spans, failed))
                    || self.take(index, at, at, path, spans, failed)
            }
        };
        if !matched {
            failed.mark(index, at, path.len());
        }
        matched
    }

    /// Whether `rest` starts with `text` (in either case, for Netlify's `_headers`).
    fn text_at(&self, rest: &str, text: &str) -> bool {
        rest.len() >= text.len()
            && if self.ignore_case {
                rest.as_bytes()[..text.len()].eq_ignore_ascii_case(text.as_bytes())
            } else {
                rest.starts_with(text)
            }
    }

    /// Token `index` takes `path[start..end]`, and the tokens after it must match from `end`.
    fn take(
        &self,
        index: usize,
        start: usize,
        end: usize,
        path: &str,
        spans: &mut [(usize, usize)],
        failed: &mut Failed,
    ) -> bool {
        spans[index] = (start, end);
        self.walk(index + 1, end, path, spans, failed)
    }

    /// A splat from `start`: the longest text after which the rest matches. Once every end from some position on
    /// has failed, a later start tries only the ends before it, so all starts together try each end once.
    fn stretch(
        &self,
        index: usize,
        start: usize,
        path: &str,
        spans: &mut [(usize, usize)],
        failed: &mut Failed,
    ) -> bool {
        let top = match failed.ends_failing_from(index) {
            Some(from) if from <= start => return false,
            Some(from) => from - 1,
            None => path.len(),
        };
        let found = (start..=top)
            .rev()
            .filter(|&stop| path.is_char_boundary(stop))
            .any(|stop| self.take(index, start, stop, path, spans, failed));
        if !found {
            failed.set_ends_failing_from(index, start, self.tokens.len());
        }
        found
    }
}

/// What is known to fail: (token, position) pairs, and for each splat the position from which every end failed.
/// Nothing is allocated until something fails.
#[derive(Default)]
struct Failed {
    bits: Vec<u64>,
    ends_from: Vec<usize>,
}

impl Failed {
    fn slot(index: usize, at: usize, len: usize) -> (usize, u64) {
        let bit = index * (len + 1) + at;
        (bit / 64, 1 << (bit % 64))
    }

    fn has(&self, index: usize, at: usize, len: usize) -> bool {
        let (word, mask) = Failed::slot(index, at, len);
        self.bits.get(word).is_some_and(|bits| bits & mask != 0)
    }

    fn mark(&mut self, index: usize, at: usize, len: usize) {
        let (word, mask) = Failed::slot(index, at, len);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= mask;
    }

    fn ends_failing_from(&self, index: usize) -> Option<usize> {
        self.ends_from
            .get(index)
            .copied()
            .filter(|&from| from != usize::MAX)
    }

    fn set_ends_failing_from(&mut self, index: usize, from: usize, tokens: usize) {
        if self.ends_from.is_empty() {
            self.ends_from = vec![usize::MAX; tokens];
        }
        self.ends_from[index] = self.ends_from[index].min(from);
    }
}

/// Netlify's segments of a path pattern (empty ones dropped, so `//a//b/` is `/a/b`).
fn netlify_segments(text: &str) -> Result<Vec<&str>, String> {
    let Some(rest) = text.strip_prefix('/') else {
        return Err(format!(
            "'{text}' is not a path starting with / (host names and full URLs are not supported)"
        ));
    };
    Ok(rest.split('/').filter(|part| !part.is_empty()).collect())
}

fn push_text(tokens: &mut Vec<Token>, text: &str) {
    if text.is_empty() {
        return;
    }
    match tokens.last_mut() {
        Some(Token::Text(existing)) => existing.push_str(text),
        _ => tokens.push(Token::Text(text.to_string())),
    }
}

/// The length of a placeholder's name at the start of `text`: a letter, then letters, digits and `_`.
fn placeholder_len(text: &str) -> usize {
    if !text.starts_with(|character: char| character.is_ascii_alphabetic()) {
        return 0;
    }
    text.find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
        .unwrap_or(text.len())
}

impl<'a> Captures<'a> {
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
            if let Some(splat) = self.splat {
                return Some(splat);
            }
        }
        self.named
            .iter()
            .find(|(placeholder, _)| !name.is_empty() && *placeholder == name)
            .map(|&(_, value)| value)
    }

    /// Adds a value captured elsewhere (a query parameter's).
    pub fn add(&mut self, name: &'a str, value: &'a str) {
        self.named.push((name, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect(text: &str) -> Pattern {
        Pattern::netlify_redirect(text).unwrap()
    }

    fn filled(pattern: &Pattern, path: &str, template: &str) -> Option<String> {
        pattern
            .matches(path)
            .map(|captures| captures.fill(template, 1024).unwrap())
    }

    #[test]
    fn literal_paths_ignore_a_trailing_slash() {
        let about = redirect("/about");
        assert!(about.matches("/about").is_some());
        assert!(about.matches("/about/").is_some());
        assert!(about.matches("/about/team").is_none());
        assert!(about.matches("/About").is_none());
        assert!(redirect("/about/").matches("/about").is_some());
        assert!(redirect("/").matches("/").is_some());
        assert!(redirect("/").matches("/x").is_none());
        assert!(redirect("//a//b//").matches("/a/b").is_some());
    }

    #[test]
    fn placeholders_take_one_segment_and_fill_a_template() {
        let blog = redirect("/news/:year/:month/:slug");
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
        let news = redirect("/news/*");
        assert_eq!(
            filled(&news, "/news/a/b.html", "/blog/:splat").unwrap(),
            "/blog/a/b.html"
        );
        assert_eq!(
            filled(&news, "/news/a/", "/blog/:splat").unwrap(),
            "/blog/a/"
        );
        assert_eq!(filled(&news, "/news", "/blog/:splat").unwrap(), "/blog/");
        assert_eq!(filled(&news, "/news/", "/blog/:splat").unwrap(), "/blog/");
        assert!(news.matches("/newsroom").is_none());
        let everything = redirect("/*");
        assert_eq!(filled(&everything, "/", "/:splat").unwrap(), "/");
        assert_eq!(
            filled(&everything, "/a/b", "/app/:splat").unwrap(),
            "/app/a/b"
        );
        let mixed = redirect("/shop/:id/*");
        assert_eq!(
            filled(&mixed, "/shop/7/x/y", "/p/:id/:splat").unwrap(),
            "/p/7/x/y"
        );
    }

    #[test]
    fn netlify_headers_take_a_star_anywhere_and_ignore_case() {
        // Netlify CLI's own cases (tests/unit/utils/headers.test.ts) and the headers parser's (for-regexp).
        let chunks = Pattern::netlify_headers("/*/_next/static/chunks/*").unwrap();
        assert!(chunks
            .matches("/placeholder/_next/static/chunks/placeholder")
            .is_some());
        assert!(chunks.matches("/_next/static/chunks/a.js").is_some());
        assert!(chunks.matches("/x/_next/static/other/a.js").is_none());
        let inside = Pattern::netlify_headers("/directory/*/test.html").unwrap();
        assert!(inside.matches("/directory/placeholder/test.html").is_some());
        let within = Pattern::netlify_headers("/a/b*c").unwrap();
        assert!(within.matches("/a/bxyzc").is_some());
        assert!(within.matches("/a/bxyz").is_none());
        let static_path = Pattern::netlify_headers("/static-path/*").unwrap();
        assert!(static_path.matches("/static-path").is_some());
        assert!(static_path.matches("/Static-Path/x").is_some());
        let placeholder = Pattern::netlify_headers("/:placeholder/index.html").unwrap();
        assert!(placeholder.matches("/placeholder/index.html").is_some());
        assert!(placeholder.matches("/placeholder").is_none());
        // Spaces: `/ /` is the root, `/ a` keeps its inner space, `/a ` loses the trailing one.
        assert!(Pattern::netlify_headers("/ /")
            .unwrap()
            .matches("/")
            .is_some());
        assert!(Pattern::netlify_headers("/a ")
            .unwrap()
            .matches("/a")
            .is_some());
        assert!(Pattern::netlify_headers("/ a")
            .unwrap()
            .matches("/ a")
            .is_some());
        assert!(Pattern::netlify_headers("/a.")
            .unwrap()
            .matches("/ab")
            .is_none());
    }

    #[test]
    fn cloudflare_matches_the_pattern_whole() {
        // Cloudflare's asset-worker cases (tests/handler.test.ts, "evaluates custom redirects").
        let splat = Pattern::cloudflare("/splat/*").unwrap();
        assert_eq!(
            filled(&splat, "/splat/foo/bar/baz", "/:splat/new").unwrap(),
            "/foo/bar/baz/new"
        );
        assert_eq!(filled(&splat, "/splat/", "/:splat/new").unwrap(), "//new");
        assert!(
            splat.matches("/splat").is_none(),
            "/foo/* does not match /foo"
        );
        let partial = Pattern::cloudflare("/partialSplat*").unwrap();
        assert_eq!(
            filled(&partial, "/partialSplatfoo/bar", "/n:splat").unwrap(),
            "/nfoo/bar"
        );
        let named = Pattern::cloudflare("/partialPlaceholder:placeholder").unwrap();
        assert_eq!(
            filled(&named, "/partialPlaceholderfoo", "/n:placeholder").unwrap(),
            "/nfoo"
        );
        assert!(named.matches("/partialPlaceholderfoo/").is_none());
        let three = Pattern::cloudflare("/dynamic/:seg1/:seg2/:seg3").unwrap();
        assert!(three.matches("/dynamic/bar/baz/qux/too/many").is_none());
        assert!(Pattern::cloudflare("/about")
            .unwrap()
            .matches("/about/")
            .is_none());
        assert!(Pattern::cloudflare("/About")
            .unwrap()
            .matches("/about")
            .is_none());
        assert!(Pattern::cloudflare("/blog/*/posts/*").is_err());
        assert!(Pattern::cloudflare("/blog/*/:splat").is_err());
        assert!(Pattern::cloudflare("/blog/:splat").is_ok());
        assert!(Pattern::cloudflare("/a:1b")
            .unwrap()
            .matches("/a:1b")
            .is_some());
    }

    #[test]
    fn a_match_is_bounded_whatever_the_path() {
        // Four wildcards against a path of 4,000 repeats: without the record of failed positions this is
        // thousands of times more work; with it, a few million steps at most.
        let pattern = Pattern::netlify_headers("/*/a/*/a/*/b").unwrap();
        let path = "/a".repeat(4000);
        assert!(pattern.matches(&path).is_none());
    }

    #[test]
    fn a_fill_stops_at_its_bound() {
        let everything = redirect("/*");
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
        assert!(Pattern::netlify_redirect("https://example.com/*").is_err());
        assert!(Pattern::netlify_redirect("about").is_err());
        assert!(Pattern::netlify_redirect("/a*/b").is_err());
        assert!(Pattern::netlify_redirect("/a/*.jpg").is_err());
        assert!(Pattern::netlify_headers(&"/*".repeat(9)).is_err());
        assert!(Pattern::cloudflare("https://example.com/").is_err());
    }
}
