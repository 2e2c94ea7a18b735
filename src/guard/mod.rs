//! The guard: what every request must pass before anything is looked up or routed, in this order:
//! the Host check (host.rs), then credentials when --auth or --auth-file asks for them (auth.rs). A refusal is
//! answered here, the same for files, listings, live reload and every endpoint that comes after.
//! Uploads have credentials of their own (--upload-auth, --upload-auth-file): the upload endpoint asks
//! `check_upload`, so reading can stay open while writing needs a password. Whoever may upload may also read.

pub mod auth;
pub mod host;

use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::CONTENT_TYPE;
use crate::http::vocabulary::StatusCode;
use auth::Auth;
use host::{HostPolicy, Verdict};
use std::collections::HashSet;
use std::sync::Mutex;

pub struct Guard {
    hosts: HostPolicy,
    warned: WarnedHosts,
    auth: Option<Auth>,
    upload_auth: Option<Auth>,
}

impl Guard {
    pub fn new(hosts: HostPolicy, auth: Option<Auth>) -> Guard {
        Guard {
            hosts,
            warned: WarnedHosts::default(),
            auth,
            upload_auth: None,
        }
    }

    /// The guard with credentials that uploads need (--upload-auth, --upload-auth-file).
    pub fn with_upload_auth(self, upload_auth: Option<Auth>) -> Guard {
        Guard {
            upload_auth,
            ..self
        }
    }

    /// The answer for a request that may not pass, or `None` to let it through.
    pub async fn check(&self, request: &Request<'_>) -> Option<Response> {
        if let Some(refusal) = self.check_host(request) {
            return Some(refusal);
        }
        let refusal = match &self.auth {
            Some(auth) => auth.check(request).await?,
            None => return None,
        };
        match self.check_upload(request).await {
            // An uploader's credentials: whoever may write may read.
            None if self.upload_auth.is_some() => None,
            _ => Some(refusal),
        }
    }

    /// For an upload, after `check`: the refusal when uploads need credentials the request does not carry.
    pub async fn check_upload(&self, request: &Request<'_>) -> Option<Response> {
        match &self.upload_auth {
            Some(upload_auth) => upload_auth.check(request).await,
            None => None,
        }
    }

    /// True when --auth, --auth-file or an upload's credentials ask for a password.
    pub fn asks_for_credentials(&self) -> bool {
        self.auth.is_some() || self.upload_auth.is_some()
    }

    /// The Host check alone: for what lanai answers before credentials can be asked for (the plain-HTTP
    /// answers on the HTTPS port, which must not invite a password over plain HTTP).
    pub fn check_host(&self, request: &Request<'_>) -> Option<Response> {
        // The parser has already turned away a Host that is no valid authority.
        match self.hosts.judge(request.named_host()) {
            Verdict::Allowed => None,
            Verdict::Refused(name) => {
                self.warned.warn_once(&name);
                Some(refusal(&name))
            }
        }
    }
}

/// Longest host name shown in a refusal (DNS allows 253): the page stays under 1 KiB.
const SHOWN_NAME: usize = 253;

fn refusal(name: &str) -> Response {
    let name = shown(name);
    let page = format!(
        "403 Forbidden\n\nlanai does not answer for the host name '{name}', so that web pages cannot read this \
         server through a domain pointed at it.\nIf you meant to reach lanai under that name, start it with \
         --allowed-host {name}\n"
    );
    Response::new(StatusCode::Forbidden, Body::Bytes(page.into_bytes()))
        .with_header(CONTENT_TYPE, "text/plain; charset=utf-8")
}

fn shown(name: &str) -> &str {
    // Host names are ASCII (the parser checked), so any byte is a character boundary.
    &name[..name.len().min(SHOWN_NAME)]
}

/// How many refused names get their own warning; a page that loops through made-up names must not flood the
/// terminal, nor grow this memory.
const MOST_WARNED: usize = 64;

/// The refused names already warned about, so each gets one warning a run.
#[derive(Default)]
struct WarnedHosts(Mutex<HashSet<String>>);

impl WarnedHosts {
    fn warn_once(&self, name: &str) {
        let Ok(mut warned) = self.0.lock() else {
            return;
        };
        if warned.len() > MOST_WARNED || warned.contains(name) {
            return;
        }
        if warned.len() == MOST_WARNED {
            log::warn!(
                "refused requests for {MOST_WARNED} different host names; further ones are only in the access log"
            );
            // One entry beyond the limit marks that this was said.
            warned.insert(String::new());
            return;
        }
        warned.insert(name.to_string());
        let name = shown(name);
        log::warn!(
            "refused a request for host '{name}' (403): to serve it under that name, start lanai with \
             --allowed-host {name}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_names_the_host_and_the_option_and_stays_small() {
        let response = refusal("evil.example.com");
        assert_eq!(response.status, StatusCode::Forbidden);
        let Body::Bytes(page) = &response.body else {
            panic!("a page");
        };
        let page = String::from_utf8(page.clone()).unwrap();
        assert!(page.contains("'evil.example.com'"), "{page}");
        assert!(page.contains("--allowed-host evil.example.com"), "{page}");
        let Body::Bytes(long) = refusal(&"a".repeat(8000)).body else {
            panic!("a page");
        };
        assert!(long.len() < 1024, "{}", long.len());
    }

    #[test]
    fn warned_names_are_bounded() {
        let warned = WarnedHosts::default();
        for index in 0..1000 {
            warned.warn_once(&format!("host{index}.example"));
            warned.warn_once(&format!("host{index}.example"));
        }
        assert_eq!(warned.0.lock().unwrap().len(), MOST_WARNED + 1);
    }
}
