//! What the HTTPS port answers to plain HTTP: a redirect to the same URL over https, except the page that offers
//! lanai's CA, which must be reachable before a device trusts it. The CA's key is never among the answers.

use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use crate::http::vocabulary::StatusCode;

/// The page that explains how to trust the CA, and the certificate it links.
pub const CA_PAGE: &str = "/.lanai/ca";
pub const CA_CERTIFICATE: &str = "/.lanai/lanai-ca.crt";

/// The plain-HTTP answers of a port that serves HTTPS.
pub struct PlainHttp {
    /// The CA certificate (PEM) to offer, when the leaf is lanai's own.
    pub ca_pem: Option<String>,
    /// `host:port` for redirecting a request that names no usable Host (HTTP/1.0).
    pub fallback_authority: String,
}

impl PlainHttp {
    pub fn respond(&self, request: &Request<'_>) -> Response {
        match (&self.ca_pem, request.path()) {
            (Some(_), CA_PAGE) => page(StatusCode::Ok, "text/html; charset=utf-8", CA_PAGE_HTML),
            (Some(pem), CA_CERTIFICATE) => page(StatusCode::Ok, "application/x-x509-ca-cert", pem),
            _ => {
                // The authority the guard judged: an absolute-form target's stands for the Host field's.
                let authority = request
                    .host()
                    .and_then(|host| std::str::from_utf8(host).ok())
                    .filter(|host| is_plain_authority(host))
                    .unwrap_or(&self.fallback_authority);
                Response::status_page(StatusCode::TemporaryRedirect)
                    .with_header(LOCATION, format!("https://{authority}{}", request.target))
            }
        }
    }
}

fn page(status: StatusCode, content_type: &'static str, text: &str) -> Response {
    Response::new(status, Body::Bytes(text.as_bytes().to_vec()))
        .with_header(CONTENT_TYPE, content_type)
        .with_header(CACHE_CONTROL, "no-cache")
}

/// A Host value that can go into a Location as it is: a name or address and a port, nothing that could end the
/// field or change the URL's meaning.
fn is_plain_authority(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b".-:[]".contains(&byte))
}

const CA_PAGE_HTML: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trust lanai's local CA</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}a.get{font-size:1.2em}</style>
</head><body>
<h1>Trust lanai's local CA</h1>
<p>lanai serves HTTPS with certificates from a CA made on the computer it runs on. Install that CA once on each
device, and every page lanai serves there is trusted, with no warning. Only do this for a computer you own: a
device that trusts the CA trusts every certificate it signs.</p>
<p><a class="get" href="/.lanai/lanai-ca.crt">Download the CA certificate</a></p>
<dl>
<dt>iPhone and iPad</dt>
<dd>Open this page in Safari and download the certificate, then Settings › General › VPN &amp; Device Management ›
the lanai profile › Install. Then Settings › General › About › Certificate Trust Settings: turn on full trust
for it.</dd>
<dt>Android</dt>
<dd>Download it, then Settings › Security › More security settings › Encryption &amp; credentials › Install a
certificate › CA certificate, and pick the file.</dd>
<dt>macOS</dt>
<dd>Open the file: Keychain Access adds it. Double-click it there, and under Trust choose Always Trust.</dd>
<dt>Windows</dt>
<dd>Open the file › Install Certificate › Current User › Place all certificates in: Trusted Root Certification
Authorities.</dd>
<dt>Linux</dt>
<dd>Firefox and Chromium: Settings › Certificates › Authorities › Import. System-wide (Debian, Ubuntu): copy it to
<code>/usr/local/share/ca-certificates/lanai.crt</code> and run <code>sudo update-ca-certificates</code>.</dd>
</dl>
<p>Then open the <code>https://</code> address lanai printed when it started.</p>
</body></html>
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::parse;

    fn answer(plain: &PlainHttp, head: &str) -> Response {
        let (request, _) = parse(head.as_bytes()).unwrap().unwrap();
        plain.respond(&request)
    }

    fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
        response
            .headers
            .iter()
            .find(|(field, _)| field.as_str() == name)
            .map(|(_, value)| value.as_ref())
    }

    fn lanai_ca() -> PlainHttp {
        PlainHttp {
            ca_pem: Some("-----BEGIN CERTIFICATE-----\n".to_string()),
            fallback_authority: "localhost:8443".to_string(),
        }
    }

    #[test]
    fn plain_requests_go_to_the_same_url_over_https() {
        let response = answer(
            &lanai_ca(),
            "GET /a/b?c=d HTTP/1.1\r\nHost: 192.168.1.20:8443\r\n\r\n",
        );
        assert_eq!(response.status, StatusCode::TemporaryRedirect);
        assert_eq!(
            header(&response, "location"),
            Some("https://192.168.1.20:8443/a/b?c=d")
        );
        let response = answer(&lanai_ca(), "GET / HTTP/1.0\r\n\r\n");
        assert_eq!(
            header(&response, "location"),
            Some("https://localhost:8443/")
        );
        // The absolute-form target's authority is what the guard judged, so it is what the Location names.
        let response = answer(
            &lanai_ca(),
            "GET http://localhost:8443/x?y HTTP/1.1\r\nHost: evil.com\r\n\r\n",
        );
        assert_eq!(
            header(&response, "location"),
            Some("https://localhost:8443/x?y")
        );
        // A Host that could change the URL's meaning ("evil/x?") is a 400 at the parser already.
        assert!(parse(b"GET / HTTP/1.1\r\nHost: evil/x?\r\n\r\n").is_err());
    }

    #[test]
    fn the_ca_page_and_certificate_are_served_over_plain_http() {
        let response = answer(&lanai_ca(), "GET /.lanai/ca HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(response.status, StatusCode::Ok);
        let response = answer(
            &lanai_ca(),
            "GET /.lanai/lanai-ca.crt HTTP/1.1\r\nHost: h\r\n\r\n",
        );
        assert_eq!(
            header(&response, "content-type"),
            Some("application/x-x509-ca-cert")
        );
        let given = PlainHttp {
            ca_pem: None,
            ..lanai_ca()
        };
        let response = answer(&given, "GET /.lanai/ca HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(response.status, StatusCode::TemporaryRedirect);
    }
}
