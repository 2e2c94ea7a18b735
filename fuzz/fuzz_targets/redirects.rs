//! The `_redirects` parser and matcher. Input: a rules file, a NUL, then a request target (only what lanai's
//! request parser accepts is matched). Properties: no panic; a redirect has a redirect status and a Location that
//! is an http(s) URL or a path of this site, never a scheme-relative `//host` or `/\host` a browser would take
//! for another site; a rewrite goes to a path of this site.
#![no_main]

use lanai::http::vocabulary::StatusCode;
use lanai::rules::redirects::{self, Found, Outcome};
use lanai::rules::RulesHost;
use lanai_fuzz::{parsed, request_head, split_at_nul};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (rules_file, target) = split_at_nul(data);
    let head = request_head(target, &[]);
    let Some(request) = parsed(&head) else {
        return;
    };
    // As lanai reads the file (rules::text_of), as either host does.
    let text = String::from_utf8_lossy(rules_file);
    for host in [RulesHost::Netlify, RulesHost::Cloudflare] {
        let (rules, _problems) = redirects::parse(&text, host);
        // Whether a file exists at the path decides whether unforced rules apply: try both.
        for exists in [false, true] {
            let found = redirects::find(&rules, host, request.path(), request.query(), || exists);
            if let Some(Found { outcome, .. }) = found {
                check(&outcome);
            }
        }
    }
});

fn check(outcome: &Outcome) {
    match outcome {
        Outcome::Redirect { status, location } => {
            assert!(
                matches!(
                    status,
                    StatusCode::MovedPermanently
                        | StatusCode::Found
                        | StatusCode::SeeOther
                        | StatusCode::TemporaryRedirect
                        | StatusCode::PermanentRedirect
                ),
                "redirect with {status:?}"
            );
            let elsewhere = location.starts_with("http://") || location.starts_with("https://");
            assert!(
                elsewhere || is_own_path(location),
                "Location {location:?} leaves the site"
            );
        }
        Outcome::Rewrite { path, status } => {
            assert!(
                matches!(status, StatusCode::Ok | StatusCode::NotFound),
                "rewrite with {status:?}"
            );
            assert!(path.starts_with('/'), "rewrite to {path:?}");
        }
    }
}

/// A path on this site: it starts with one `/`, not followed by another or by a backslash (browsers read `/\`
/// as `//`).
fn is_own_path(location: &str) -> bool {
    location.starts_with('/') && !location[1..].starts_with(['/', '\\'])
}
