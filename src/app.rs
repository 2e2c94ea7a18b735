//! The order every request takes once its head is read, written once:
//! guard (may answer at once) → the pages for devices (--https with the local CA: start page, CA page and
//! downloads, over HTTPS as over plain HTTP) → live reload's reserved paths → --proxy prefixes (the connection then relays the
//! upstream's answer as it is: the rules files do not apply to it) → --upload's PUT and POST → `_redirects` (redirect, or rewrite to another
//! path) → --clean-urls → the files endpoint → the site's 404.html in place of lanai's own 404 page → `_headers`.
//! A new stage or endpoint is one line here.

use crate::devices::Devices;
use crate::files::{self, Site};
use crate::guard::Guard;
use crate::http::handler::Handler;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::vocabulary::headers::{ACCEPT_RANGES, ETAG, LAST_MODIFIED, LOCATION};
use crate::http::vocabulary::StatusCode;
use crate::live::Live;
use crate::proxy::Proxy;
use crate::rules::redirects::{self, Outcome};
use crate::rules::{headers, Rules};
use crate::upload::Uploads;
use std::future::Future;
use std::sync::Arc;

/// The page a site may provide for its 404s.
const NOT_FOUND_PAGE: &str = "/404.html";

pub struct App {
    pub guard: Arc<Guard>,
    pub devices: Option<Devices>,
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
        if let Some(page) = self
            .devices
            .as_ref()
            .and_then(|pages| pages.respond(request))
        {
            return page;
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
        let mut response =
            match redirects::find(&rules.redirects, request.path(), request.query(), exists) {
                Some(Outcome::Redirect { status, location }) => self.redirect(status, location),
                Some(Outcome::Rewrite {
                    path,
                    status: StatusCode::NotFound,
                }) => self
                    .as_not_found(&request.unconditional(&path))
                    .unwrap_or_else(|| Response::status_page(StatusCode::NotFound)),
                Some(Outcome::Rewrite { path, .. }) => self.files(&request.retargeted(&path)),
                None => self.files(request),
            };
        self.apply_site_headers(&rules.headers, request.path(), &mut response);
        response
    }

    /// The files endpoint, through --clean-urls and with the site's 404 page.
    fn files(&self, request: &Request<'_>) -> Response {
        if self.clean_urls {
            if let Some(answer) = self.clean_url(request) {
                return answer;
            }
        }
        let response = files::respond(&self.site, request);
        if response.status != StatusCode::NotFound {
            return response;
        }
        self.as_not_found(&request.unconditional(NOT_FOUND_PAGE))
            .unwrap_or(response)
    }

    /// `_headers` applied to the answer; a 500 when what they would add passes their bound (logged with the line
    /// of the block that passed it), since a partial set of the site's headers is not an answer to send.
    fn apply_site_headers(&self, blocks: &[headers::Block], path: &str, response: &mut Response) {
        let Err(too_large) = headers::apply(blocks, path, &mut response.headers) else {
            return;
        };
        log::warn!(
            "_headers:{}: the headers for a path of {} bytes would pass {} KiB; answered 500",
            too_large.line,
            path.len(),
            headers::MOST_ADDED / 1024
        );
        *response = Response::status_page(StatusCode::InternalServerError);
        response
            .headers
            .extend(self.site.common_headers.iter().cloned());
    }

    /// What the site serves at `request`'s target, given with status 404; `None` when it serves nothing there.
    fn as_not_found(&self, request: &Request<'_>) -> Option<Response> {
        let mut page = files::respond(&self.site, request);
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

    /// --clean-urls: `/about.html` redirects to `/about`, and `/about` serves `about.html` when nothing else is
    /// there. `None` when neither applies.
    fn clean_url(&self, request: &Request<'_>) -> Option<Response> {
        let path = request.path();
        if let Some(stem) = path.strip_suffix(".html") {
            if !files::serves(&self.site, path) {
                return None;
            }
            let clean = stem
                .strip_suffix("index")
                .filter(|folder| folder.ends_with('/'));
            let location = format!("{}{}", clean.unwrap_or(stem), request.query());
            return Some(self.redirect(StatusCode::MovedPermanently, location));
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
