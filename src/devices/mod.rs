//! What lanai offers devices that do not trust its local CA yet, on both sides of the --https port (plain HTTP
//! first, since a device must get the CA before it trusts it; HTTPS too, for a device that switched already):
//! the start page the QR code opens (pages.rs), the CA page, the CA as PEM, DER and an iOS profile (profile.rs),
//! and the small answer over https the start page's check asks for. The CA's key is never among them.

mod pages;
mod profile;

use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use crate::http::vocabulary::{Method, StatusCode};

pub const START_PAGE: &str = "/.lanai/start";
pub const CA_PAGE: &str = "/.lanai/ca";
pub const CA_PEM: &str = "/.lanai/lanai-ca.crt";
pub const CA_DER: &str = "/.lanai/lanai-ca.cer";
pub const CA_PROFILE: &str = "/.lanai/lanai-ca.mobileconfig";
/// What the start page asks for over https: any answer there means the device trusts the certificate.
pub const TRUST_CHECK: &str = "/.lanai/trusted";

/// The type that makes browsers offer to install a CA (Firefox its own dialog, Android and Windows their
/// installers).
const CA_TYPE: &str = "application/x-x509-ca-cert";
const PROFILE_TYPE: &str = "application/x-apple-aspen-config";

/// Shown for a CA whose name cannot be read.
const UNNAMED: &str = "lanai local CA";

/// The device pages of the local CA whose certificate is `ca_pem`; none without one (no --https, or
/// --tls-cert).
pub struct Devices {
    pub ca_pem: Option<String>,
}

impl Devices {
    pub fn respond(&self, request: &Request<'_>) -> Option<Response> {
        respond(self.ca_pem.as_deref()?, request)
    }
}

/// The answer to `request` when it asks for a device page of the CA `ca_pem`; `None` for every other path. Each
/// is made when asked for: devices ask a handful of times, and the plain side has nothing to keep them in.
pub fn respond(ca_pem: &str, request: &Request<'_>) -> Option<Response> {
    let path = request.path();
    if ![START_PAGE, CA_PAGE, CA_PEM, CA_DER, CA_PROFILE, TRUST_CHECK].contains(&path) {
        return None;
    }
    if !matches!(request.method, Some(Method::Get | Method::Head)) {
        return Some(
            Response::status_page(StatusCode::MethodNotAllowed).with_header(ALLOW, "GET, HEAD"),
        );
    }
    if path == TRUST_CHECK {
        return Some(
            Response::new(StatusCode::NoContent, Body::Empty)
                .with_header(CACHE_CONTROL, "no-store"),
        );
    }
    let der = profile::der(ca_pem);
    let name = der
        .as_deref()
        .and_then(profile::common_name)
        .unwrap_or_else(|| UNNAMED.to_string());
    // Each download's name is the last segment of its path, which browsers take for the file's name.
    let (content_type, body) = match (path, der) {
        (START_PAGE, _) => (
            "text/html; charset=utf-8",
            pages::start_page(&name).into_bytes(),
        ),
        (CA_PAGE, _) => (
            "text/html; charset=utf-8",
            pages::ca_page(&name).into_bytes(),
        ),
        (CA_PEM, _) => (CA_TYPE, ca_pem.as_bytes().to_vec()),
        (CA_DER, Some(der)) => (CA_TYPE, der),
        (CA_PROFILE, Some(der)) => (
            PROFILE_TYPE,
            profile::mobileconfig(&der, &name).into_bytes(),
        ),
        _ => {
            log::warn!("lanai's CA certificate is not PEM, so it cannot be offered as {path}");
            return Some(Response::status_page(StatusCode::InternalServerError));
        }
    };
    Some(
        Response::new(StatusCode::Ok, Body::Bytes(body))
            .with_header(CONTENT_TYPE, content_type)
            .with_header(CACHE_CONTROL, "no-cache"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::parse;

    #[test]
    fn only_get_and_head() {
        let (request, _) = parse(b"POST /.lanai/start HTTP/1.1\r\nHost: h\r\n\r\n")
            .unwrap()
            .unwrap();
        let response = respond("", &request).unwrap();
        assert_eq!(response.status, StatusCode::MethodNotAllowed);
    }
}
