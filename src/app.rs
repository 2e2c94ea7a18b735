//! The order every request takes once its head is read, written once:
//! guard (may answer at once) → the pages for devices (--https with the local CA: start page, CA page and
//! downloads, over HTTPS as over plain HTTP) → live reload's reserved paths → --proxy prefixes (the connection then
//! relays the upstream's answer as it is: the rules files do not apply to it) → --upload's PUT and POST →
//! `_redirects` (redirect, or rewrite to another path) → --clean-urls → the files endpoint → the site's 404.html in
//! place of lanai's own 404 page (on Cloudflare the nearest one, or the app's index.html) → `_headers`.
//! A new stage or endpoint is one line here.

use crate::devices::Devices;
use crate::files::{self, Site};
use crate::guard::Guard;
use crate::http::handler::Handler;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::vocabulary::headers::{
    ACCEPT_RANGES, CACHE_CONTROL, ETAG, LAST_MODIFIED, LOCATION,
};
use crate::http::vocabulary::StatusCode;
use crate::live::Live;
use crate::proxy::Proxy;
use crate::rules::redirects::{self, Found, Outcome};
use crate::rules::{headers, RuleSet, Rules, RulesHost, HEADERS_FILE, REDIRECTS_FILE};
use crate::upload::Uploads;
use std::future::Future;
use std::sync::Arc;

/// The page a site may provide for its 404s.
const NOT_FOUND_PAGE: &str = "/404.html";
/// The page a single-page app answers every path with (Cloudflare Pages' default when there is no 404.html).
const INDEX_PAGE: &str = "/index.html";

pub struct App {
    pub guard: Arc<Guard>,
    pub devices: Devices,
    pub live: Option<Live>,
    pub proxy: Proxy,
    pub uploads: Option<Uploads>,
    pub rules: Rules,
    pub clean_urls: bool,
    pub site: Site,
}

impl Handler for App {
    fn respond<'a>(
        &'a self,
        request: &'a Request<'a>,
    ) -> impl Future<Output = Response> + Send + 'a {
        self.answer(request)
    }
}

impl App {
    async fn answer(&self, request: &Request<'_>) -> Response {
        if let Some(refusal) = self.guard.check(request).await {
            return refusal;
        }
        if let Some(answer) = self.devices.respond(request) {
            return answer;
        }
        if let Some(answer) = self.live.as_ref().and_then(|live| live.respond(request)) {
            return answer;
        }
        if let Some(proxied) = self.proxy.route(request) {
            return proxied;
        }
        if let Some(uploads) = &self.uploads {
            if let Some(answer) = uploads.respond(&self.guard, &self.site, request).await {
                return answer;
            }
        }
        let rules = self.rules.current();
        let exists = || self.serves(request.path());
        let found = redirects::find(
            &rules.redirects,
            rules.host,
            request.path(),
            request.query(),
            exists,
        );
        let mut response = match found {
            Some(Found { outcome, line }) => {
                log::debug!(
                    "{}: {REDIRECTS_FILE}:{line} answered: {outcome}",
                    request.path()
                );
                self.follow(request, outcome)
            }
            None => self.files(request, true),
        };
        self.apply_site_headers(&rules, request.path(), &mut response);
        response
    }

    /// What a `_redirects` rule says to answer.
    fn follow(&self, request: &Request<'_>, outcome: Outcome) -> Response {
        match outcome {
            Outcome::Redirect { status, location } => self.redirect(status, location),
            Outcome::Rewrite {
                path,
                status: StatusCode::NotFound,
            } => self
                .as_not_found(&request.unconditional(&path))
                .unwrap_or_else(|| Response::status_page(StatusCode::NotFound)),
            Outcome::Rewrite { path, .. } => self.files(&request.retargeted(&path), false),
        }
    }

    /// The files endpoint, through --clean-urls and with the site's 404 page. `asked`: `request` is what the
    /// client asked for, not a rule's rewrite (whose `.html` target is served, not redirected to its clean URL).
    fn files(&self, request: &Request<'_>, asked: bool) -> Response {
        let response = self.page(request, asked);
        if response.status != StatusCode::NotFound {
            return response;
        }
        self.site_not_found(request).unwrap_or(response)
    }

    /// The site's answer for a path it does not serve: its /404.html with status 404; on Cloudflare Pages the
    /// nearest 404.html up the path's folders, or, when there is none on the way, the root index.html with 200
    /// (Pages' default for a single-page app). `None`: lanai's own 404 page.
    fn site_not_found(&self, request: &Request<'_>) -> Option<Response> {
        if self.rules.host() != RulesHost::Cloudflare {
            return self.as_not_found(&request.unconditional(NOT_FOUND_PAGE));
        }
        let mut folder = request.path();
        while let Some(slash) = folder.rfind('/') {
            folder = &folder[..slash];
            let page = format!("{folder}{NOT_FOUND_PAGE}");
            if let Some(found) = self.as_not_found(&request.unconditional(&page)) {
                return Some(found);
            }
        }
        let app = self.page(&request.unconditional(INDEX_PAGE), false);
        (app.status == StatusCode::Ok).then_some(app)
    }

    /// What the site serves at `request`'s target; with --clean-urls `/about` finds about.html, and `/about.html`
    /// redirects to `/about` when the client `asked` for it.
    fn page(&self, request: &Request<'_>, asked: bool) -> Response {
        if self.clean_urls {
            if let Some(answer) = self.clean_url(request, asked) {
                return answer;
            }
        }
        files::respond(&self.site, request)
    }

    /// `_headers` applied to the answer; a 500 when what they would add passes their bound (logged with the line
    /// of the block that passed it), since a partial set of the site's headers is not an answer to send. On
    /// Cloudflare a 404 is never to be cached: `Cache-Control: no-store`, whatever `_headers` said.
    fn apply_site_headers(&self, rules: &RuleSet, path: &str, response: &mut Response) {
        if let Err(too_large) =
            headers::apply(&rules.headers, rules.host, path, &mut response.headers)
        {
            log::warn!(
                "{HEADERS_FILE}:{}: the headers for a path of {} bytes would pass {} KiB; answered 500",
                too_large.line,
                path.len(),
                headers::MOST_ADDED / 1024
            );
            *response = Response::status_page(StatusCode::InternalServerError);
            response
                .headers
                .extend(self.site.common_headers.iter().cloned());
        }
        if rules.host == RulesHost::Cloudflare && response.status == StatusCode::NotFound {
            response.headers.retain(|(name, _)| *name != CACHE_CONTROL);
            response.headers.push((CACHE_CONTROL, "no-store".into()));
        }
    }

    /// What the site serves at `request`'s target, given with status 404; `None` when it serves nothing there.
    fn as_not_found(&self, request: &Request<'_>) -> Option<Response> {
        let mut page = self.page(request, false);
        if page.status != StatusCode::Ok {
            return None;
        }
        page.status = StatusCode::NotFound;
        // It stands in for another URL: its validators and ranges describe that page, not what was asked for.
        page.headers
            .retain(|(name, _)| ![ETAG, LAST_MODIFIED, ACCEPT_RANGES].contains(name));
        Some(page)
    }

    /// A redirect, with the headers every answer of the site carries (Cache-Control keeps browsers from
    /// remembering a 301 that a rules file may change). Its Location never names another site by `//host`.
    fn redirect(&self, status: StatusCode, location: String) -> Response {
        let location = files::same_site_location(location);
        let mut redirect = Response::status_page(status).with_header(LOCATION, location);
        redirect
            .headers
            .extend(self.site.common_headers.iter().cloned());
        redirect
    }

    /// --clean-urls: `/about.html` redirects to `/about` (when the client `asked` for it), and `/about` serves
    /// `about.html` when nothing else is there. `None` when neither applies.
    fn clean_url(&self, request: &Request<'_>, asked: bool) -> Option<Response> {
        let path = request.path();
        if let Some(stem) = path.strip_suffix(".html").filter(|_| asked) {
            if !files::serves(&self.site, path) {
                return None;
            }
            let clean = stem
                .strip_suffix("index")
                .filter(|folder| folder.ends_with('/'));
            let location = format!("{}{}", clean.unwrap_or(stem), request.query());
            // Cloudflare strips `.html` with a 308, Netlify with a 301.
            let status = match self.rules.host() {
                RulesHost::Netlify => StatusCode::MovedPermanently,
                RulesHost::Cloudflare => StatusCode::PermanentRedirect,
            };
            return Some(self.redirect(status, location));
        }
        let last = path.rsplit('/').next().unwrap_or_default();
        if last.is_empty() || last.contains('.') || files::serves(&self.site, path) {
            return None;
        }
        let page = format!("{path}.html{}", request.query());
        files::serves(&self.site, &format!("{path}.html"))
            .then(|| files::respond(&self.site, &request.retargeted(&page)))
    }

    /// Whether a rule for `path` is shadowed: the site serves something there (with --clean-urls, `path.html`
    /// counts).
    fn serves(&self, path: &str) -> bool {
        files::serves(&self.site, path)
            || self.clean_urls && files::serves(&self.site, &format!("{path}.html"))
    }
}
