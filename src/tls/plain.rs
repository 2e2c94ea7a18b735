//! What the HTTPS port answers to plain HTTP: a redirect to the same URL over https, except the pages for devices
//! (devices/: the start page, the CA page and the CA's downloads), which must be reachable before a device
//! trusts the CA. The CA's key is never among the answers.

use crate::devices;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::vocabulary::headers::LOCATION;
use crate::http::vocabulary::StatusCode;

/// The plain-HTTP answers of a port that serves HTTPS.
pub struct PlainHttp {
    /// The CA certificate (PEM) to offer, when the leaf is lanai's own.
    pub ca_pem: Option<String>,
    /// `host:port` for redirecting a request that names no usable Host (HTTP/1.0).
    pub fallback_authority: String,
}

impl PlainHttp {
    pub fn respond(&self, request: &Request<'_>) -> Response {
        if let Some(page) = self
            .ca_pem
            .as_deref()
            .and_then(|pem| devices::respond(pem, request))
        {
            return page;
        }
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

/// A Host value that can go into a Location as it is: a name or address and a port, nothing that could end the
/// field or change the URL's meaning.
fn is_plain_authority(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b".-:[]".contains(&byte))
}

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
