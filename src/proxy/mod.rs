//! --proxy: requests under a path prefix go to an HTTP upstream. `Proxy::route` (synchronous, in the app's fixed
//! order after the guard) decides and prepares the upstream's request head; the connection then hands its client
//! stream to `exchange`, which does the whole exchange:
//! connect or reuse (pool; link for TLS) → send head and body (body) → read the answer's head (upstream) → say
//! its addresses as lanai's (rewrite) → relay it and its body (body), or join a WebSocket tunnel (tunnel). Header
//! rules are in headers, prefixes and targets in route.

mod body;
mod client;
mod exchange;
pub mod headers;
mod link;
mod pool;
mod rewrite;
mod route;
mod tunnel;
pub mod upstream;

pub use body::{Broken, Upload};
pub use client::{Client, ClientSide};
pub use exchange::{exchange, Exchanged};
pub use headers::{end_to_end, ClientFraming};
pub use upstream::{Connection as UpstreamConnection, Failure, Framing, ResponseHead};

use crate::http::request::{Body as RequestBody, Request};
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::{CONTENT_LENGTH, CONTENT_TYPE};
use crate::http::vocabulary::{Method, StatusCode};
use futures_rustls::TlsConnector;
use headers::Forwarding;
use pool::Pool;
use route::Rule;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// The --proxy rules, each with its upstream's connection pool.
#[derive(Default)]
pub struct Proxy {
    gateways: Vec<Arc<Gateway>>,
}

/// How every rule proxies: --proxy-timeout, --proxy-keep-host, --proxy-insecure.
pub struct Settings {
    /// For connecting (with the TLS handshake) and for the answer's head; a body may then be quiet for long.
    pub timeout: Duration,
    /// The client's Host and Origin go to the upstream as they are.
    pub keep_host: bool,
    /// Any certificate is taken from an `https://` upstream.
    pub insecure: bool,
}

/// One rule and what its exchanges share.
struct Gateway {
    rule: Rule,
    timeout: Duration,
    keep_host: bool,
    /// For an `https://` upstream.
    tls: Option<TlsConnector>,
    pool: Pool,
}

impl Proxy {
    /// The rules as given (`PREFIX=URL`); a rule that cannot work is a start-up error of one sentence.
    pub fn new(rules: &[String], settings: &Settings) -> Result<Proxy, String> {
        let rules = rules
            .iter()
            .map(|text| Rule::parse(text))
            .collect::<Result<Vec<_>, String>>()?;
        let tls = rules
            .iter()
            .any(|rule| rule.upstream.tls)
            .then(|| link::connector(settings.insecure))
            .transpose()?;
        let gateways = rules
            .into_iter()
            .map(|rule| {
                Arc::new(Gateway {
                    tls: tls.clone().filter(|_| rule.upstream.tls),
                    rule,
                    timeout: settings.timeout,
                    keep_host: settings.keep_host,
                    pool: Pool::default(),
                })
            })
            .collect();
        Ok(Proxy { gateways })
    }

    /// `/api/* → http://127.0.0.1:3000/api/*` for each rule, for the start-up log.
    pub fn describe(&self) -> impl Iterator<Item = String> + '_ {
        self.gateways.iter().map(|gateway| gateway.rule.describe())
    }

    /// `None` when no prefix covers the request; otherwise a refusal, or the answer that tells the connection to
    /// proxy it. Which upstream serves a prefix is fixed at start-up: the request's Host, authority or path can
    /// change the path asked for, never the upstream.
    pub fn route(&self, request: &Request<'_>) -> Option<Response> {
        let (gateway, rest) = route::find(&self.gateways, |gateway| &gateway.rule, request.path())?;
        if request.authority.is_some() {
            return Some(page(
                StatusCode::Forbidden,
                "lanai is not a forward proxy: ask for proxied paths in origin form (GET /path), not as a full URL",
            ));
        }
        if request.method == Some(Method::Connect) {
            return Some(page(
                StatusCode::MethodNotAllowed,
                "lanai does not proxy CONNECT",
            ));
        }
        if let Some(field) = headers::framing_named_by_connection(&request.fields) {
            let why = format!(
                "the Connection field may not name {field}: lanai would drop the field that frames the request"
            );
            return Some(page(StatusCode::BadRequest, &why));
        }
        let target = match route::upstream_target(&gateway.rule, rest, request.query()) {
            Ok(target) => target,
            Err(why) => return Some(page(StatusCode::BadRequest, why)),
        };
        let websocket = headers::wants_websocket(&request.fields);
        let upstream_host = gateway.rule.upstream.host_field.as_bytes();
        let forwarding = Forwarding {
            host: match request.host() {
                Some(host) if gateway.keep_host => host,
                _ => upstream_host,
            },
            client_host: request.host(),
            body: request.body,
            declared_length: request.header(CONTENT_LENGTH.as_str()).is_some(),
            websocket,
        };
        let (head, forwarded_for) =
            headers::start_head(request.method_text, &target, &request.fields, &forwarding);
        let forward = Forward {
            gateway: gateway.clone(),
            head,
            forwarded_for,
            client_host: request
                .host()
                .map(|host| String::from_utf8_lossy(host).into_owned()),
            origin: request.header("origin").map(<[u8]>::to_vec),
            body: request.body,
            head_only: request.method == Some(Method::Head),
            websocket,
            expects_continue: request.body != RequestBody::None
                && request
                    .list("expect")
                    .any(|value| value.eq_ignore_ascii_case(b"100-continue")),
            keep_alive: request.keep_alive,
        };
        Some(Response::new(
            StatusCode::Ok,
            Body::Proxied(Box::new(forward)),
        ))
    }
}

/// A short plain-text answer: the status, then why.
fn page(status: StatusCode, why: &str) -> Response {
    let page = format!("{} {}\n\n{why}\n", status.code(), status.reason());
    Response::new(status, Body::Bytes(page.into_bytes()))
        .with_header(CONTENT_TYPE, "text/plain; charset=utf-8")
}

/// A request the connection is to proxy: everything `exchange` needs, owned, so the client's input buffer is
/// free for reading the body.
pub struct Forward {
    gateway: Arc<Gateway>,
    /// The upstream request's head but for Origin and X-Forwarded-Proto and -For (see headers::start_head).
    pub head: Vec<u8>,
    pub forwarded_for: Option<Vec<u8>>,
    /// The Host the client asked for.
    client_host: Option<String>,
    /// The client's Origin, which `upstream_head` writes (for the upstream's own, when it is lanai's).
    origin: Option<Vec<u8>>,
    body: RequestBody,
    head_only: bool,
    websocket: bool,
    expects_continue: bool,
    /// Whether the client's connection may carry another request after this one.
    keep_alive: bool,
}

impl Forward {
    /// The whole head lanai sends the upstream for a client at `client`, who came over `proto` (`http` or
    /// `https`). Pure: a fuzz target reaches it through `Proxy::route` and `Body::Proxied`.
    pub fn upstream_head(&self, client: IpAddr, proto: &str) -> Vec<u8> {
        let mut head = self.head.clone();
        if let Some(origin) = &self.origin {
            let own_origin = self.own_origin(proto).filter(|_| !self.gateway.keep_host);
            let origin = rewrite::origin(origin, own_origin.as_deref(), &self.gateway.rule);
            headers::append_field(&mut head, b"Origin", &origin);
        }
        headers::finish_head(head, self.forwarded_for.as_deref(), client, proto)
    }

    /// Says the addresses in the upstream's answer (Location, Set-Cookie) as lanai's, for a client that came
    /// over `proto`.
    pub fn rewrite_answer(&self, fields: &mut [(String, Vec<u8>)], proto: &str) {
        let rule = &self.gateway.rule;
        let own_origin = self.own_origin(proto);
        for (name, value) in fields {
            let rewritten = if name.eq_ignore_ascii_case("location") {
                rewrite::location(value, own_origin.as_deref(), rule)
            } else if name.eq_ignore_ascii_case("set-cookie") {
                rewrite::set_cookie(value, rule)
            } else {
                None
            };
            if let Some(rewritten) = rewritten {
                *value = rewritten;
            }
        }
    }

    /// lanai's origin as the client addressed it: `http://localhost:8080`.
    fn own_origin(&self, proto: &str) -> Option<String> {
        let host = self.client_host.as_deref()?;
        Some(format!("{proto}://{host}"))
    }
}
