//! The hosts' own test suites, as lanai's: each row is a case taken from Netlify's or Cloudflare's tests (the file
//! is named on the row), written as a rules file, a request to the real binary and what it must answer. A site is
//! run once for each host it names (`--rules netlify`, `--rules cloudflare`); where the hosts differ, the row is
//! there once for each with its own answer. Rows marked `lanai:` are where lanai differs from the host on
//! purpose (README's "Where lanai differs on purpose" lists them). Every mismatch of a table is reported at once.

mod common;

use common::*;
use tempfile::TempDir;

const NETLIFY: &[&str] = &["netlify"];
const CLOUDFLARE: &[&str] = &["cloudflare"];
const BOTH: &[&str] = &["netlify", "cloudflare"];

/// One rules setup, run for each host in `hosts`.
struct Site {
    /// Where the cases come from, in the hosts' repositories.
    from: &'static str,
    hosts: &'static [&'static str],
    flags: &'static [&'static str],
    redirects: &'static str,
    headers: &'static str,
    checks: &'static [Check],
}

enum Check {
    /// GET the target: this status and Location.
    Redirect(&'static str, u16, &'static str),
    /// GET the target: this status and the body of this file of the site (its body is its name).
    Serves(&'static str, u16, &'static str),
    /// GET the target: this header (any case) has this value, or is absent.
    Header(&'static str, &'static str, Option<&'static str>),
    /// The log reports this line of a rules file as skipped (`_redirects:3`).
    Warns(&'static str),
}

use Check::*;

/// The site every case runs over: each file's body is its own name.
const FILES: &[&str] = &[
    "index.html",
    "404.html",
    "foo.html",
    "not-foo/index.html",
    "page.html",
    "home.html",
    "proxied-file.html",
    "other.html",
    "b.html",
    "admin/panel.html",
    "ping.html",
    "docs/404.html",
];

fn site(redirects: &str, headers: &str) -> TempDir {
    let root = tempfile::tempdir().unwrap();
    for file in FILES {
        write(&root.path().join(file), format!("{file}\n").as_bytes());
    }
    write(&root.path().join("_redirects"), redirects.as_bytes());
    write(&root.path().join("_headers"), headers.as_bytes());
    root
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(field, _)| field.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// Runs every site of `table` for each of its hosts; returns how many checks ran, and fails listing every
/// mismatch.
fn run(table: &[Site]) -> usize {
    let mut failures = Vec::new();
    let mut checks = 0;
    for site_rules in table {
        for host in site_rules.hosts {
            let mut args = vec!["--rules", host];
            args.extend_from_slice(site_rules.flags);
            let server = Server::start_in(site(site_rules.redirects, site_rules.headers), &args);
            for check in site_rules.checks {
                checks += 1;
                if let Err(why) = verify(&server, check) {
                    failures.push(format!("{} --rules {host}: {why}", site_rules.from));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checks} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checks
}

fn verify(server: &Server, check: &Check) -> Result<(), String> {
    match *check {
        Redirect(target, status, location) => {
            let reply = server.get(target);
            let got = (reply.status, header(&reply, "Location"));
            (got == (status, Some(location)))
                .then_some(())
                .ok_or_else(|| format!("GET {target}: wanted {status} to {location}, got {got:?}"))
        }
        Serves(target, status, file) => {
            let reply = server.get(target);
            let body = String::from_utf8_lossy(&reply.body);
            (reply.status == status && body.trim_end() == file)
                .then_some(())
                .ok_or_else(|| {
                    format!(
                        "GET {target}: wanted {status} with {file}, got {} with {body:?} (Location {:?})",
                        reply.status,
                        header(&reply, "Location")
                    )
                })
        }
        Header(target, name, value) => {
            let reply = server.get(target);
            let got = header(&reply, name);
            (got == value)
                .then_some(())
                .ok_or_else(|| format!("GET {target}: wanted {name}: {value:?}, got {got:?}"))
        }
        Warns(line) => {
            let wanted = format!("{line}:");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
            loop {
                if server.log().contains(&wanted) {
                    return Ok(());
                }
                if std::time::Instant::now() > deadline {
                    return Err(format!("no warning for {line} in:\n{}", server.log()));
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }
}

/// Netlify's `_redirects` parser: its fixtures, read by both hosts.
const NETLIFY_REDIRECTS: &[Site] = &[
    Site {
        from: "redirect-parser fixtures/redirects_file/empty_line",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/blog/my-post.php  /blog/my-post\n\n/blog/my-post-two.php  /blog/my-post-two\n",
        headers: "",
        checks: &[
            Redirect("/blog/my-post.php", 301, "/blog/my-post"),
            Redirect("/blog/my-post-two.php", 301, "/blog/my-post-two"),
        ],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/empty_line (Cloudflare's default status)",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/blog/my-post.php  /blog/my-post\n\n/blog/my-post-two.php  /blog/my-post-two\n",
        headers: "",
        checks: &[
            Redirect("/blog/my-post.php", 302, "/blog/my-post"),
            Redirect("/blog/my-post-two.php", 302, "/blog/my-post-two"),
        ],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/multiple_lines",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/10thmagnitude   http://www.10thmagnitude.com/   301\n\
                    /bananastand     http://eepurl.com/Lgde5         301\n",
        headers: "",
        checks: &[
            Redirect("/10thmagnitude", 301, "http://www.10thmagnitude.com/"),
            Redirect("/bananastand", 301, "http://eepurl.com/Lgde5"),
        ],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/multiple_lines (Cloudflare takes https:// only)",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/10thmagnitude   http://www.10thmagnitude.com/   301\n",
        headers: "",
        checks: &[Warns("_redirects:1"), Serves("/10thmagnitude", 404, "404.html")],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/line_trim, from_simple, comment_full, comment_inline, to_anchor",
        hosts: BOTH,
        flags: &[],
        redirects: "  /home              /   301\n\
                    # this is just an old leftover\n\
                    /blog/my-post.php  /blog/my-post 301 # this is just an old leftover\n\
                    /blog/my-post-ads.php  /blog/my-post#ads 301 # this is a valid anchor with a comment\n",
        headers: "",
        checks: &[
            Redirect("/home", 301, "/"),
            Redirect("/blog/my-post.php", 301, "/blog/my-post"),
            Redirect("/blog/my-post-ads.php", 301, "/blog/my-post#ads"),
        ],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/query (forced: / has an index; the query is passed on)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/      page=news      /news 301!\n/blog  post=:post_id  /blog/:post_id\n\
                    /      _escaped_fragment_=/about    /about 301!\n",
        headers: "",
        checks: &[
            Redirect("/?page=news", 301, "/news?page=news"),
            Redirect("/blog?post=7", 301, "/blog/7?post=7"),
            Redirect("/?_escaped_fragment_=/about", 301, "/about?_escaped_fragment_=/about"),
            Serves("/?page=other", 200, "index.html"),
        ],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/query (Cloudflare has no query conditions)",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/      page=news      /news\n/blog  post=:post_id  /blog/:post_id\n",
        headers: "",
        checks: &[Warns("_redirects:1"), Warns("_redirects:2")],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/to_splat_no_force, status",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/test https://www.bitballoon.com/test=hello 301\n/*  https://www.bitballoon.com/:splat 301\n",
        headers: "",
        checks: &[
            Redirect("/test", 301, "https://www.bitballoon.com/test=hello"),
            Redirect("/nowhere/x", 301, "https://www.bitballoon.com/nowhere/x"),
            // A file shadows an unforced rule.
            Serves("/page.html", 200, "page.html"),
        ],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/to_splat_no_force, status (Cloudflare: rules first)",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/test https://www.bitballoon.com/test=hello 301\n/*  https://www.bitballoon.com/:splat 301\n",
        headers: "",
        checks: &[
            Redirect("/test", 301, "https://www.bitballoon.com/test=hello"),
            Redirect("/page.html", 301, "https://www.bitballoon.com/page.html"),
        ],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/to_splat_force, status_force",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/*  https://www.bitballoon.com/:splat 301!\n",
        headers: "",
        checks: &[Redirect("/page.html", 301, "https://www.bitballoon.com/page.html")],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/to_splat_force (Cloudflare has no !)",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/*  https://www.bitballoon.com/:splat 301!\n",
        headers: "",
        checks: &[Warns("_redirects:1"), Serves("/page.html", 200, "page.html")],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/to_path_forward",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/admin/* 200\n/admin/* 200!\n",
        headers: "",
        checks: &[Serves("/admin/panel.html", 200, "admin/panel.html")],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/to_path_forward (Cloudflare wants a TO)",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/admin/* 200\n",
        headers: "",
        checks: &[Warns("_redirects:1")],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/proxy, signed, from_absolute_uri, conditions_* \
               (lanai: no proxying, host rules or conditions)",
        hosts: BOTH,
        flags: &[],
        redirects: "/api/*  https://api.bitballoon.com/*   200\n\
                    /api/*   https://api.example.com/:splat   200!  Sign=API_SECRET\n\
                    http://hello.bitballoon.com/* http://www.hello.com/:splat\n\
                    /  /china 302 Country=ch,tw\n\
                    /admin/*  /admin/:splat 200 Role=admin\n\
                    /donate source=:source email=:email /donate/usa?source=:source&email=:email 302 Country=us\n",
        headers: "",
        checks: &[
            Warns("_redirects:1"),
            Warns("_redirects:2"),
            Warns("_redirects:3"),
            Warns("_redirects:4"),
            Warns("_redirects:5"),
            Warns("_redirects:6"),
            Serves("/", 200, "index.html"),
            Serves("/api/x", 404, "404.html"),
        ],
    },
    Site {
        from: "redirect-parser invalid fixtures: invalid_url, invalid_status, invalid_no_to_no_status, \
               invalid_no_to_status, invalid_no_to_query, invalid_no_slash, invalid_mistaken_headers",
        hosts: BOTH,
        flags: &[],
        redirects: "http:// /to\n/from /to not_a_status\n/m/scge/legal\n/swfobject.html?detectflash=false 301\n\
                    /m/scge/legal source=:source\n/\tindex.html\n/blog\tblog.html\n\
                    # Protect backups with Basic Auth\n/backup/*\n    Basic-Auth: dev@example.com:secret\n",
        headers: "",
        checks: &[
            Warns("_redirects:1"),
            Warns("_redirects:2"),
            Warns("_redirects:3"),
            Warns("_redirects:4"),
            Warns("_redirects:5"),
            Warns("_redirects:6"),
            Warns("_redirects:7"),
            Warns("_redirects:9"),
            Serves("/", 200, "index.html"),
        ],
    },
    Site {
        from: "lanai: a TO of //host or /\\host is refused (Netlify would send the browser to that host)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/cdn //cdn.example.com/x 302\n/back /\\evil.example 302\n",
        headers: "",
        checks: &[Warns("_redirects:1"), Warns("_redirects:2")],
    },
    Site {
        from: "redirect-parser fixtures/redirects_file/invalid_dot_netlify_path",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/.netlify/from /to\n",
        headers: "",
        checks: &[Warns("_redirects:1")],
    },
];

/// Cloudflare's `_redirects` parser tests (parseRedirects.valid.test.ts and .invalid.test.ts).
const CLOUDFLARE_REDIRECTS: &[Site] = &[
    Site {
        from: "parseRedirects.valid: single rule, blank lines, trim, comments, default 302",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "\n  # This is a comment\n  /a /b 301\n  # And one here too.\n/c /d\n",
        headers: "",
        checks: &[Redirect("/a", 301, "/b"), Redirect("/c", 302, "/d")],
    },
    Site {
        from: "parseRedirects.valid: default status (Netlify's is 301)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/c /d\n",
        headers: "",
        checks: &[Redirect("/c", 301, "/d")],
    },
    Site {
        from: "parseRedirects.valid: should preserve querystrings on to, fragments",
        hosts: BOTH,
        flags: &[],
        redirects: "  /a /b?query=string 302\n  /ext https://some.domain:1234/route?q=string#anchor 302\n\
                    /f /b#blah 302\n/g /b##blah-1 302\n/h https://example.com/b##blah-1 302\n",
        headers: "",
        checks: &[
            Redirect("/a?other=1", 302, "/b?query=string"),
            Redirect("/ext", 302, "https://some.domain:1234/route?q=string#anchor"),
            Redirect("/f", 302, "/b#blah"),
            Redirect("/g", 302, "/b##blah-1"),
            Redirect("/h", 302, "https://example.com/b##blah-1"),
        ],
    },
    Site {
        from: "parseRedirects.valid: a query on FROM is dropped",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/c?this=rejected /d 301\n",
        headers: "",
        checks: &[Redirect("/c", 301, "/d")],
    },
    Site {
        from: "parseRedirects.valid: accept 200 (proxying) redirects, relative URLs that don't point to .html",
        hosts: BOTH,
        flags: &["--clean-urls"],
        redirects: "/a /b 200\n",
        headers: "",
        checks: &[Serves("/a", 200, "b.html")],
    },
    Site {
        from: "parseRedirects.valid: absolute URLs with ports, ending with index.html",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/foo https://bar.com:123/index.html 302\n/cat https://cat.com:12345 302\n\
                    /dog https://dog.com:12345\n",
        headers: "",
        checks: &[
            Redirect("/foo", 302, "https://bar.com:123/index.html"),
            Redirect("/cat", 302, "https://cat.com:12345/"),
            Redirect("/dog", 302, "https://dog.com:12345/"),
        ],
    },
    Site {
        from: "parseRedirects.valid: accept relative URLs that don't point to .html files (/* /foo 200)",
        hosts: CLOUDFLARE,
        flags: &["--clean-urls"],
        redirects: "/* /foo 200\n",
        headers: "",
        checks: &[Serves("/page.html", 200, "foo.html"), Serves("/x/y", 200, "foo.html")],
    },
    Site {
        from: "parseRedirects.valid: /* /foo 200 (Netlify: a file shadows the rule)",
        hosts: NETLIFY,
        flags: &["--clean-urls"],
        redirects: "/* /foo 200\n",
        headers: "",
        checks: &[Serves("/page", 200, "page.html"), Serves("/x/y", 200, "foo.html")],
    },
    Site {
        from: "parseRedirects.valid: inline comments (five tests)",
        hosts: BOTH,
        flags: &[],
        redirects: "/a /b 302 # redirect a to b\n/c /d 302 #no space comment\n/e /b#section 302 # to section\n\
                    /x https://x.com/b#c 302 # comment\n/y /b##anchor 302 # comment\n/z /b 302 #\n",
        headers: "",
        checks: &[
            Redirect("/a", 302, "/b"),
            Redirect("/c", 302, "/d"),
            Redirect("/e", 302, "/b#section"),
            Redirect("/x", 302, "https://x.com/b#c"),
            Redirect("/y", 302, "/b##anchor"),
            Redirect("/z", 302, "/b"),
        ],
    },
    Site {
        from: "parseRedirects.invalid: malformed lines, invalid status codes (lanai: 418 on Netlify too)",
        hosts: BOTH,
        flags: &[],
        redirects: "/a /b 301\n/c\n/d /e 302 !important\n/c /d 418\n",
        headers: "",
        checks: &[
            Redirect("/a", 301, "/b"),
            Warns("_redirects:2"),
            Warns("_redirects:3"),
            Warns("_redirects:4"),
        ],
    },
    Site {
        from: "parseRedirects.invalid: duplicate 'from' paths (Netlify: the first wins, silently)",
        hosts: BOTH,
        flags: &[],
        redirects: "/a /b 302\n/b /a 302\n/a /c 302\n",
        headers: "",
        checks: &[Redirect("/a", 302, "/b"), Redirect("/b", 302, "/a")],
    },
    Site {
        from: "parseRedirects.invalid: duplicate 'from' paths",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/a /b\n/b /a\n/a /c\n",
        headers: "",
        checks: &[Warns("_redirects:3")],
    },
    Site {
        from: "parseRedirects.invalid: malformed URLs",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/some page /somewhere else\n/some%20page /somewhere%20else\n\
                    https://yeah.com https://nah.com\n/nah https://yeah.com\nyeah.com https://nah.com\n",
        headers: "",
        checks: &[
            Warns("_redirects:1"),
            Redirect("/some%20page", 302, "/somewhere%20else"),
            Warns("_redirects:3"),
            Redirect("/nah", 302, "https://yeah.com/"),
            Redirect("/yeah.com", 302, "https://nah.com/"),
        ],
    },
    Site {
        from: "parseRedirects.invalid: malformed URLs (Netlify)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/some%20page /somewhere%20else 302\nhttps://yeah.com https://nah.com\n/nah https://yeah.com\n\
                    yeah.com https://nah.com\n",
        headers: "",
        checks: &[
            Redirect("/some%20page", 302, "/somewhere%20else"),
            Warns("_redirects:2"),
            Redirect("/nah", 301, "https://yeah.com"),
            Warns("_redirects:4"),
        ],
    },
    Site {
        from: "parseRedirects.invalid: non-relative URLs for proxying (200) redirects",
        hosts: BOTH,
        flags: &[],
        redirects: "/a https://example.com/b 200\n",
        headers: "",
        checks: &[Warns("_redirects:1"), Serves("/a", 404, "404.html")],
    },
    Site {
        from: "parseRedirects.invalid: wildcard patterns to index (Cloudflare: they would loop)",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/* /index.html 200\n/* /index 200\n/ /index.html\n/ /index\n",
        headers: "",
        checks: &[
            Warns("_redirects:1"),
            Warns("_redirects:2"),
            Warns("_redirects:3"),
            Warns("_redirects:4"),
        ],
    },
    Site {
        from: "parseRedirects.invalid: wildcard patterns to index (Netlify serves them)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/* /index.html 200\n",
        headers: "",
        checks: &[Serves("/any/route", 200, "index.html")],
    },
];

/// Cloudflare's limits, from the same tests (custom limits, rules after the first 100, lines over 2000).
fn limits_site() -> String {
    let mut text = String::from("/a /b\n");
    text.push_str(&format!(
        "/{} /{} 301\n",
        "a".repeat(1001),
        "b".repeat(1001)
    ));
    text.extend((0..2050).map(|i| format!("/s/{i} /t/{i}\n")));
    text.extend((0..150).map(|i| format!("/d/{i}/* /e/{i}/:splat\n")));
    text
}

/// Netlify's `_headers` parser (line-parser.test.ts fixtures, for-regexp.test.ts) and netlify/cli's
/// tests/unit/utils/headers.test.ts.
const NETLIFY_HEADERS: &[Site] = &[
    Site {
        from: "headers-parser fixtures: success, trim_line_values, trim_name, trim_value, comment, empty_line, \
               multiple_values",
        hosts: BOTH,
        flags: &[],
        redirects: "",
        headers: "/path\n  # comment\n\ntest: one\n  test :   two\nOther:   three\n",
        checks: &[
            Header("/path", "test", Some("one, two")),
            Header("/path", "other", Some("three")),
        ],
    },
    Site {
        from: "headers-parser fixtures: invalid_value_name, invalid_value_string, invalid_for_order, no_colon \
               (lanai: warns of the line Netlify ignores silently)",
        hosts: BOTH,
        flags: &[],
        redirects: "",
        headers: "  test: early\n/path\n  : one\n  test:\n  test = one\n  good: yes\n",
        checks: &[
            Warns("_headers:1"),
            Warns("_headers:3"),
            Warns("_headers:4"),
            Warns("_headers:5"),
            Header("/path", "good", Some("yes")),
            Header("/path", "test", None),
        ],
    },
    Site {
        from: "headers-parser all.test.ts: duplicates (Netlify: a later block replaces)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "",
        headers: "/path\n  test: one\n\n/path\n  test: three\n",
        checks: &[Header("/path", "test", Some("three"))],
    },
    Site {
        from: "headers-parser all.test.ts: duplicates (Cloudflare appends)",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "",
        headers: "/path\n  test: one\n\n/path\n  test: three\n",
        checks: &[Header("/path", "test", Some("one, three"))],
    },
    Site {
        from: "headers-parser for-regexp.test.ts",
        hosts: NETLIFY,
        flags: &[],
        redirects: "",
        headers: "/ /\n  x-root: 1\n/a \n  x-trim: 1\n/a/:b\n  x-placeholder: 1\n/*/a\n  x-append: 1\n\
                  /a/*/b\n  x-surround: 1\n/a/b*c\n  x-inside: 1\n/q.\n  x-escape: 1\n//s//t//\n  x-double: 1\n",
        checks: &[
            Header("/", "x-root", Some("1")),
            Header("/a", "x-trim", Some("1")),
            Header("/a/", "x-trim", Some("1")),
            Header("/a/x", "x-placeholder", Some("1")),
            Header("/a/x/y", "x-placeholder", None),
            Header("/x/y/a", "x-append", Some("1")),
            Header("/a", "x-append", Some("1")),
            Header("/a/x/y/b", "x-surround", Some("1")),
            Header("/a/bxyzc", "x-inside", Some("1")),
            Header("/qr", "x-escape", None),
            Header("/q.", "x-escape", Some("1")),
            Header("/s/t", "x-double", Some("1")),
        ],
    },
    Site {
        from: "netlify/cli tests/unit/utils/headers.test.ts: headersForPath",
        hosts: NETLIFY,
        flags: &[],
        redirects: "",
        headers: "/\n  X-Frame-Options: SAMEORIGIN\n/*\n  X-Frame-Thing: SAMEORIGIN\n/static-path/*\n\
                  X-Frame-Options: DENY\n  X-XSS-Protection: 1; mode=block\n  cache-control: max-age=0\n\
                  cache-control: no-cache\n  cache-control: no-store\n  cache-control: must-revalidate\n\
                  /:placeholder/index.html\n  X-Frame-Options: SAMEORIGIN\n/*/_next/static/chunks/*\n\
                  cache-control: public\n  cache-control: max-age=31536000\n  cache-control: immutable\n\
                  /directory/*/test.html\n  X-Frame-Options: test\n/with-colon\n\
                  Custom-header: http://www.example.com\n",
        checks: &[
            Header("/", "X-Frame-Options", Some("SAMEORIGIN")),
            Header("/", "X-Frame-Thing", Some("SAMEORIGIN")),
            Header("/placeholder", "X-Frame-Options", None),
            Header("/static-path/placeholder", "X-Frame-Options", Some("DENY")),
            Header("/static-path/placeholder", "X-XSS-Protection", Some("1; mode=block")),
            Header(
                "/static-path/placeholder",
                "cache-control",
                Some("max-age=0, no-cache, no-store, must-revalidate"),
            ),
            Header("/static-path", "X-Frame-Options", Some("DENY")),
            Header("/placeholder/index.html", "X-Frame-Options", Some("SAMEORIGIN")),
            Header(
                "/placeholder/_next/static/chunks/placeholder",
                "cache-control",
                Some("public, max-age=31536000, immutable"),
            ),
            Header("/directory/placeholder/test.html", "X-Frame-Options", Some("test")),
            Header("/with-colon", "Custom-header", Some("http://www.example.com")),
            // Netlify matches header paths case-insensitively.
            Header("/STATIC-PATH/x", "X-Frame-Options", Some("DENY")),
            // lanai: a `*` segment starts at a `/` (Netlify's expression, `/static-path/?(.*)`, takes this too).
            Header("/static-pathology", "X-Frame-Options", None),
        ],
    },
    Site {
        from: "netlify/cli tests/unit/utils/headers.test.ts: _invalid_headers",
        hosts: NETLIFY,
        flags: &[],
        redirects: "",
        headers: "/\n  # This is valid\n  X-Frame-Options: SAMEORIGIN\n  # This is not valid\n  X-Frame-Thing:\n",
        checks: &[
            Warns("_headers:5"),
            Header("/", "X-Frame-Options", Some("SAMEORIGIN")),
            Header("/", "X-Frame-Thing", None),
        ],
    },
];

/// Cloudflare's `_headers` parser tests and the asset worker's "attaches custom headers".
const CLOUDFLARE_HEADERS: &[Site] = &[
    Site {
        from: "parseHeaders.valid: single rule, exclamation marks, blank lines, trim, comments, combine, unset",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "",
        headers: "\n                /a\n    Name         :           Value\n  !Name: Value\n  # comment\n\n\
                  /b\n    Set-Cookie: test=cookie; expires=never\n    Set-Cookie: another=cookie; magic!\n\
                  ! X-Content-Type-Options\n/blog\n    d:d\n",
        checks: &[
            Header("/a", "Name", Some("Value")),
            Header("/a", "!Name", Some("Value")),
            Header(
                "/b",
                "Set-Cookie",
                Some("test=cookie; expires=never, another=cookie; magic!"),
            ),
            Header("/blog", "d", Some("d")),
        ],
    },
    Site {
        from: "parseHeaders.valid: setting hosts (lanai: paths only; Netlify refuses them too)",
        hosts: BOTH,
        flags: &[],
        redirects: "",
        headers: "https://example.com\n    a: a\n/blog\n    d:d\n",
        checks: &[Warns("_headers:1"), Header("/blog", "d", Some("d"))],
    },
    Site {
        from: "parseHeaders.invalid: malformed initial lines, invalid headers",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "",
        headers: "c\nAccess-Control-Allow-Origin: *\n/a\n  Name:       Value\n/b\n  I'm invalid!\n\
                  !x-content-type\n  But: I'm okay!\n  ! Content-Type: application/json\n",
        checks: &[
            Warns("_headers:1"),
            Warns("_headers:2"),
            Warns("_headers:6"),
            Warns("_headers:7"),
            Warns("_headers:9"),
            Header("/a", "Name", Some("Value")),
            Header("/b", "But", Some("I'm okay!")),
        ],
    },
    Site {
        from: "parseHeaders.invalid: multiple wildcards, wildcard with :splat",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "",
        headers: "/blog/*/posts/*\n  x-custom: value\n/blog/*/:splat\n  x-custom: value\n/blog/*\n  x-one: value\n",
        checks: &[
            Warns("_headers:1"),
            Warns("_headers:3"),
            Header("/blog/x/posts/y", "x-custom", None),
            Header("/blog/x", "x-one", Some("value")),
        ],
    },
    Site {
        from: "parseHeaders.invalid: multiple wildcards (Netlify takes them)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "",
        headers: "/blog/*/posts/*\n  x-custom: value\n",
        checks: &[Header("/blog/x/posts/y", "x-custom", Some("value"))],
    },
    Site {
        from: "parseHeaders.invalid: malformed URLs (http://, ports, standalone words)",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "",
        headers: "http://nah.com/blog\n  invalid: things\n/yeah.com\n  valid: yup\nnah.com\n:\ntest:\n",
        checks: &[
            Warns("_headers:1"),
            Warns("_headers:5"),
            Warns("_headers:6"),
            Warns("_headers:7"),
            Header("/yeah.com", "valid", Some("yup")),
        ],
    },
    Site {
        from: "asset-worker tests/handler.test.ts: attaches custom headers",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "",
        headers: "/\n  X-Custom-Header: Custom-Value\n/foo\n  X-Custom-Foo-Header: Custom-Foo-Value\n\
                  /bang/:placeheld\n  X-Custom-Bang-Header: Custom-Bang-Value :placeheld\n\
                  /art/*\n  X-Custom-Art-Header: Custom-Art-Value :splat\n  Set-Cookie: me\n\
                  /art/nested/attack\n  Set-Cookie: me too\n/system/override\n  ETag: very rogue\n\
                  /system/underride\n  ! ETAg\n/art/nested/unset/attack*\n  ! Set-Cookie\n  Set-Cookie: hijack\n\
                  /art/nested/unset/attack/totalunset\n  ! Set-Cookie\n",
        checks: &[
            Header("/", "X-Custom-Header", Some("Custom-Value")),
            Header("/", "X-Custom-Foo-Header", None),
            Header("/foo", "X-Custom-Foo-Header", Some("Custom-Foo-Value")),
            Header("/foo", "X-Custom-Header", None),
            Header("/bang/baz", "X-Custom-Bang-Header", Some("Custom-Bang-Value baz")),
            Header("/bang/baz/abba", "X-Custom-Bang-Header", None),
            Header(
                "/art/attack/by/Neil/Buchanan",
                "X-Custom-Art-Header",
                Some("Custom-Art-Value attack/by/Neil/Buchanan"),
            ),
            Header("/art/attack/by/Neil/Buchanan", "Set-Cookie", Some("me")),
            Header("/art/nested/attack", "Set-Cookie", Some("me, me too")),
            Header("/system/override", "ETag", Some("very rogue")),
            Header("/system/underride", "ETag", None),
            Header("/art/nested/unset/attack", "Set-Cookie", Some("hijack")),
            Header("/art/nested/unset/attack/totalunset", "Set-Cookie", None),
        ],
    },
    Site {
        from: "asset-worker tests/handler.test.ts: custom headers (Netlify: no placeholders in values, no `!`; \
               lanai: warns of the `!` line Netlify ignores silently)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "",
        headers: "/bang/:placeheld\n  X-Custom-Bang-Header: Custom-Bang-Value :placeheld\n\
                  /art/*\n  Set-Cookie: me\n/art/nested/attack\n  Set-Cookie: me too\n/system/underride\n  ! ETAg\n",
        checks: &[
            Header("/bang/baz", "X-Custom-Bang-Header", Some("Custom-Bang-Value :placeheld")),
            Header("/art/nested/attack", "Set-Cookie", Some("me too")),
            Warns("_headers:8"),
        ],
    },
];

/// Cloudflare's asset server (pages-shared asset-server/handler.test.ts, workers-shared asset-worker
/// handler.test.ts) and Netlify Dev (netlify/cli tests/integration/commands/dev/dev-forms-and-redirects.test.ts,
/// tests/integration/__fixtures__/hugo-site): what a request gets.
const SERVING: &[Site] = &[
    Site {
        from: "pages-shared handler.test.ts: Returns appropriate status codes",
        hosts: BOTH,
        flags: &["--clean-urls"],
        redirects: "/301 /home 301\n/302 /home 302\n/303 /home 303\n/307 /home 307\n/308 /home 308\n\
                    /500 /home 302\n/200 /proxied-file 200\n",
        headers: "",
        checks: &[
            Redirect("/301", 301, "/home"),
            Redirect("/302", 302, "/home"),
            Redirect("/303", 303, "/home"),
            Redirect("/307", 307, "/home"),
            Redirect("/308", 308, "/home"),
            Redirect("/500", 302, "/home"),
            Serves("/200", 200, "proxied-file.html"),
        ],
    },
    Site {
        from: "pages-shared handler.test.ts: Match exact pathnames, before any HTML redirection",
        hosts: CLOUDFLARE,
        flags: &["--clean-urls"],
        redirects: "/ /home 301\n/page.html /elsewhere 301\n/protocol-less-test /%2fwww.example.com/ 308\n",
        headers: "",
        checks: &[
            Redirect("/", 301, "/home"),
            Redirect("/page.html", 301, "/elsewhere"),
            Redirect("/protocol-less-test", 308, "/%2fwww.example.com/"),
            Serves("/page", 200, "page.html"),
            // Cloudflare strips index.html and .html with 308s (lanai: with --clean-urls).
            Redirect("/index.html", 308, "/"),
            Redirect("/foo.html", 308, "/foo"),
        ],
    },
    Site {
        from: "pages-shared handler.test.ts: Match exact pathnames (Netlify: files shadow rules)",
        hosts: NETLIFY,
        flags: &["--clean-urls"],
        redirects: "/ /home 301\n/page.html /elsewhere 301\n",
        headers: "",
        checks: &[
            Serves("/", 200, "index.html"),
            Serves("/page", 200, "page.html"),
            Redirect("/index.html", 301, "/"),
        ],
    },
    Site {
        from: "pages-shared handler.test.ts: it should preserve querystrings unless to rule includes them",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/ /home 301\n/recent /home?sort=updated_at 301\n",
        headers: "",
        checks: &[
            Redirect("/?sort=price", 301, "/home?sort=price"),
            Redirect("/recent", 301, "/home?sort=updated_at"),
            Redirect("/recent?other=query", 301, "/home?sort=updated_at"),
        ],
    },
    Site {
        from: "pages-shared handler.test.ts: it should preserve querystrings (Netlify: forced, / has an index)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/ /home 301!\n/recent /home?sort=updated_at 301\n",
        headers: "",
        checks: &[
            Redirect("/?sort=price", 301, "/home?sort=price"),
            Redirect("/recent", 301, "/home?sort=updated_at"),
            Redirect("/recent?other=query", 301, "/home?sort=updated_at"),
        ],
    },
    Site {
        from: "pages-shared handler.test.ts: splat and placeholder replacements, dynamic and static redirects",
        hosts: BOTH,
        flags: &[],
        redirects: "/home / 301\n/blog/* https://blog.example.com/:splat 301\n\
                    /products/:code/:name/* /products?junk=:splat&name=:name&code=:code 301\n/foo /bar 301\n",
        headers: "",
        checks: &[
            Redirect("/blog/a-blog-posting", 301, "https://blog.example.com/a-blog-posting"),
            Redirect(
                "/products/abba_562/tricycle/123abc@~!",
                301,
                "/products?junk=123abc@~!&name=tricycle&code=abba_562",
            ),
            Redirect("/home", 301, "/"),
            Redirect("/blog/post", 301, "https://blog.example.com/post"),
            Redirect("/foo", 301, "/bar"),
        ],
    },
    Site {
        from: "pages-shared handler.test.ts: 404 and 301 don't skip headers",
        hosts: BOTH,
        flags: &[],
        redirects: "/here /there 301\n",
        headers: "/*\n  x-unwanted-header: foo\n",
        checks: &[
            Header("/404", "x-unwanted-header", Some("foo")),
            Header("/here", "x-unwanted-header", Some("foo")),
        ],
    },
    Site {
        from: "pages-shared handler.test.ts: 404 responses should not cache",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "",
        headers: "/*\n  cache-control: public, max-age=604800\n",
        checks: &[
            Header("/404", "Cache-Control", Some("no-store")),
            Header("/page.html", "Cache-Control", Some("public, max-age=604800")),
        ],
    },
    Site {
        from: "pages-shared handler.test.ts: 404 responses should not cache (Netlify keeps _headers' value)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "",
        headers: "/*\n  cache-control: public, max-age=604800\n",
        checks: &[Header("/404", "Cache-Control", Some("public, max-age=604800"))],
    },
    Site {
        from: "asset-worker handler.test.ts: evaluates custom redirects",
        hosts: CLOUDFLARE,
        flags: &["--clean-urls"],
        redirects: "/foo /bar 301\n/proxy /other 200\n/proxy-explicit /other.html 200\n\
                    /dynamic/:seg /:seg/new-dynamic/?with#params 302\n\
                    /dynamic/:seg1/:seg2/:seg3 https://fakehost/:seg3/:seg1/:seg2/new-dynamic/?with#params 302\n\
                    /splat/* /:splat/new-splat 302\n/splat/foo/* /will-never-fire 302\n/but/this/will/* /too 302\n\
                    /but/this/* /will 302\n/partialSplat* /new-partialSplat:splat 302\n\
                    /partialPlaceholder:placeholder /new-partialPlaceholder:placeholder 302\n",
        headers: "",
        checks: &[
            Redirect("/foo", 301, "/bar"),
            Serves("/proxy", 200, "other.html"),
            Serves("/proxy-explicit", 200, "other.html"),
            Redirect("/dynamic/foo", 302, "/foo/new-dynamic/?with#params"),
            Redirect(
                "/dynamic/bar/baz/qux",
                302,
                "https://fakehost/qux/bar/baz/new-dynamic/?with#params",
            ),
            Serves("/dynamic/bar/baz/qux/too/many/segments", 404, "404.html"),
            Redirect("/splat/foo/bar/baz", 302, "/foo/bar/baz/new-splat"),
            Redirect("/splat/", 302, "/new-splat"),
            Redirect("/splat/foo/nope", 302, "/foo/nope/new-splat"),
            Redirect("/but/this/match", 302, "/will"),
            Redirect("/but/this/will/match", 302, "/too"),
            Redirect("/partialSplatfoo/bar/baz", 302, "/new-partialSplatfoo/bar/baz"),
            Redirect("/partialPlaceholderfoo", 302, "/new-partialPlaceholderfoo"),
            Serves("/partialPlaceholderfoo/", 404, "404.html"),
        ],
    },
    Site {
        from: "asset-worker handler.test.ts: should prevent external redirects via double slash (and lanai's \
               own: placeholders, backslashes)",
        hosts: BOTH,
        flags: &[],
        redirects: "/foo/* /:splat 302\n/to/:where /:where/x 302\n",
        headers: "",
        checks: &[
            Redirect("/foo//google.com", 302, "/google.com"),
            Redirect("/foo/", 302, "/"),
            Redirect("/foo/\\evil.example", 302, "/evil.example"),
            Redirect("/to/\\evil.example", 302, "/evil.example/x"),
        ],
    },
    Site {
        from: "netlify/cli dev-forms-and-redirects.test.ts: local files and rules, force (Netlify's pretty URLs \
               are lanai's --clean-urls)",
        hosts: NETLIFY,
        flags: &["--clean-urls"],
        redirects: "/foo /not-foo 200\n/foo.html /not-foo 301\n/not-foo /foo 200!\n/bar /not-foo 301!\n",
        headers: "",
        checks: &[
            Serves("/foo?ping=pong", 200, "foo.html"),
            Serves("/not-foo", 200, "foo.html"),
            Serves("/not-foo/", 200, "foo.html"),
            Redirect("/bar", 301, "/not-foo"),
        ],
    },
    Site {
        from: "netlify/cli dev-forms-and-redirects.test.ts: rules with a file extension (without --clean-urls)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/foo.html /not-foo 301\n/page.html /not-foo 301!\n",
        headers: "",
        checks: &[
            Serves("/foo.html", 200, "foo.html"),
            Redirect("/page.html", 301, "/not-foo"),
            Serves("/not-foo/index.html", 200, "not-foo/index.html"),
        ],
    },
    Site {
        from: "netlify/cli redirects.test.ts and __fixtures__/hugo-site/static/_redirects: 404 rules",
        hosts: NETLIFY,
        flags: &["--clean-urls"],
        redirects: "/something  /ping 200\n/test-404a /foo 404\n/test-404c /foo 404!\n/* /404.html 404\n",
        headers: "",
        checks: &[
            Serves("/something", 200, "ping.html"),
            Serves("/test-404a", 404, "foo.html"),
            Serves("/test-404c", 404, "foo.html"),
            Serves("/missing/page", 404, "404.html"),
            Serves("/page", 200, "page.html"),
        ],
    },
    Site {
        from: "pages-shared asset-server/handler.ts notFound(): the nearest 404.html up the path",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "",
        headers: "",
        checks: &[
            Serves("/docs/missing", 404, "docs/404.html"),
            Serves("/docs/deeper/missing", 404, "docs/404.html"),
            Serves("/other/missing", 404, "404.html"),
        ],
    },
    Site {
        from: "pages-shared asset-server/handler.ts notFound() (Netlify: the root 404.html only)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "",
        headers: "",
        checks: &[Serves("/docs/missing", 404, "404.html")],
    },
    Site {
        from: "asset-worker rules-engine.ts (`*` is `.*`, the pattern matched whole): /news/* and /news",
        hosts: CLOUDFLARE,
        flags: &[],
        redirects: "/news/* /blog/:splat 302\n/about /team 302\n",
        headers: "",
        checks: &[
            Serves("/news", 404, "404.html"),
            Redirect("/news/", 302, "/blog/"),
            Redirect("/news/a", 302, "/blog/a"),
            Serves("/about/", 404, "404.html"),
        ],
    },
    Site {
        from: "Netlify's /news/* matches /news, a trailing slash does not matter (lanai's own reading of it)",
        hosts: NETLIFY,
        flags: &[],
        redirects: "/news/* /blog/:splat 302\n/about /team 302\n",
        headers: "",
        checks: &[
            Redirect("/news", 302, "/blog/"),
            Redirect("/news/a", 302, "/blog/a"),
            Redirect("/about/", 302, "/team"),
        ],
    },
    Site {
        from: "lanai issue 22: README's SPA example with --clean-urls",
        hosts: NETLIFY,
        flags: &["--clean-urls"],
        redirects: "/app/* /index.html 200\n",
        headers: "",
        checks: &[Serves("/app/settings/profile", 200, "index.html")],
    },
    Site {
        from: "lanai issue 22: README's SPA example on Cloudflare (it refuses /app/* /index.html)",
        hosts: CLOUDFLARE,
        flags: &["--clean-urls"],
        redirects: "/app/* /index.html 200\n",
        headers: "",
        checks: &[Warns("_redirects:1")],
    },
];

#[test]
fn netlify_redirect_parser_cases() {
    run(NETLIFY_REDIRECTS);
}

#[test]
fn cloudflare_redirect_parser_cases() {
    run(CLOUDFLARE_REDIRECTS);
}

#[test]
fn netlify_headers_parser_cases() {
    run(NETLIFY_HEADERS);
}

#[test]
fn cloudflare_headers_parser_cases() {
    run(CLOUDFLARE_HEADERS);
}

#[test]
fn serving_cases() {
    run(SERVING);
}

#[test]
fn cloudflare_limits_apply_on_cloudflare_only() {
    let text = limits_site();
    let cloudflare = Server::start_in(site(&text, ""), &["--rules", "cloudflare"]);
    assert_eq!(cloudflare.get("/a").status, 302);
    // Line 2 is over 2,000 characters; static rules past 2,000 and dynamic ones past 100 are dropped.
    let long_from = format!("/{}", "a".repeat(1001));
    assert_eq!(cloudflare.get(&long_from).status, 404);
    assert_eq!(cloudflare.get("/s/1990").status, 302);
    assert_eq!(cloudflare.get("/s/2040").status, 404);
    assert_eq!(cloudflare.get("/d/99/x").status, 302);
    assert_eq!(cloudflare.get("/d/120/x").status, 404);
    cloudflare.log_line(&["_redirects:2:", "2000 characters"]);
    cloudflare.log_line(&["_redirects:2002:", "2000 static rules", "50 after it"]);
    cloudflare.log_line(&[
        "_redirects:2153:",
        "100 dynamic rules",
        "the rest of the file is skipped",
    ]);
    let netlify = Server::start_in(site(&text, ""), &["--rules", "netlify"]);
    for target in [long_from.as_str(), "/s/2040", "/d/120/x"] {
        assert_eq!(netlify.get(target).status, 301, "{target}");
    }
}

/// pages-shared asset-server/handler.ts: with no 404.html on the way, Pages serves the app's index.html.
#[test]
fn cloudflare_pages_serves_a_single_page_app_without_a_404_page() {
    let without_404 = || {
        let root = site("", "");
        std::fs::remove_file(root.path().join("404.html")).unwrap();
        std::fs::remove_file(root.path().join("docs/404.html")).unwrap();
        root
    };
    let cloudflare = Server::start_in(without_404(), &["--rules", "cloudflare"]);
    let app = cloudflare.get("/some/route");
    assert_eq!(
        (app.status, app.body.as_slice()),
        (200, &b"index.html\n"[..])
    );
    assert_eq!(cloudflare.get("/missing.js").status, 200);
    let netlify = Server::start_in(without_404(), &["--rules", "netlify"]);
    assert_eq!(netlify.get("/some/route").status, 404);
}

#[test]
fn verbose_names_the_rule_that_answered() {
    let root = site(
        "# moved pages\n/old /about 301\n/app/* /index.html 200\n",
        "",
    );
    let path = root.path().to_str().unwrap().to_string();
    let server = Server::spawn(root, lanai().args([path.as_str(), "--port", "0", "-v"]));
    assert_eq!(server.get("/old").status, 301);
    assert_eq!(server.get("/app/x").status, 200);
    server.log_line(&["/old: _redirects:2 answered: 301 to /about"]);
    server.log_line(&["/app/x: _redirects:3 answered: /index.html served with 200"]);
}

/// Over the wire, for both hosts: whatever a splat or placeholder took from the path, no Location lanai builds
/// from a rule to a path starts with `//` or a backslash, or `/\` (which browsers read as `//`).
#[test]
fn no_location_from_a_rule_leads_off_the_site() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    let rules = "/x/* /:splat 302\n/p/:a/:b /:b/:a 302\n/q/:a /:a 302\n/r/* /:splat/:splat 302\n";
    let servers: Vec<Server> = BOTH
        .iter()
        .map(|host| Server::start_in(site(rules, ""), &["--rules", host]))
        .collect();
    let paths = (
        prop::sample::select(vec!["/x/", "/p/", "/q/", "/r/", "/x", "/p//"]),
        "[/\\\\a.:]{0,10}",
        0..servers.len(),
    );
    let mut runner = TestRunner::new(Config::with_cases(300));
    runner
        .run(&paths, |(prefix, rest, which)| {
            let target = format!("{prefix}{rest}");
            let reply = servers[which].get(&target);
            if (300..400).contains(&reply.status) {
                let location = header(&reply, "Location").unwrap_or_default();
                let own_path = location.starts_with('/') && !location[1..].starts_with(['/', '\\']);
                if !own_path {
                    return Err(TestCaseError::fail(format!(
                        "--rules {} GET {target} -> Location {location:?}",
                        BOTH[which]
                    )));
                }
            }
            Ok(())
        })
        .unwrap();
}
