//! CORS preflight answers for --cors. The Access-Control-Allow-Origin on every response is one of the site's
//! common headers (site.rs); this module answers OPTIONS.

use super::site::Site;
use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ALLOW,
};
use crate::http::vocabulary::{Method, StatusCode};

/// The methods lanai answers, for Allow and Access-Control-Allow-Methods: reading, and writing with --upload.
pub fn allowed_methods(site: &Site) -> &'static str {
    match (site.cors, site.upload_limit.is_some()) {
        (false, false) => "GET, HEAD",
        (true, false) => "GET, HEAD, OPTIONS",
        (false, true) => "GET, HEAD, PUT, POST",
        (true, true) => "GET, HEAD, PUT, POST, OPTIONS",
    }
}

/// With --cors, OPTIONS (a preflight or a plain capability query) gets 204 and what a browser needs to go on.
pub fn preflight(site: &Site, request: &Request<'_>) -> Option<Response> {
    if !site.cors || request.method != Some(Method::Options) {
        return None;
    }
    let mut response = Response::new(StatusCode::NoContent, Body::Empty)
        .with_header(ALLOW, allowed_methods(site))
        .with_header(ACCESS_CONTROL_ALLOW_METHODS, allowed_methods(site))
        .with_header(ACCESS_CONTROL_MAX_AGE, "86400");
    // Echo the asked-for request headers: reading static files cannot be harmed by any of them.
    let asked: Vec<&str> = request
        .list(ACCESS_CONTROL_REQUEST_HEADERS.as_str())
        .filter_map(|name| std::str::from_utf8(name).ok())
        .filter(|name| {
            name.bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        })
        .collect();
    if !asked.is_empty() {
        response = response.with_header(ACCESS_CONTROL_ALLOW_HEADERS, asked.join(", "));
    }
    Some(response)
}
