//! --proxy: requests under a path prefix go to an HTTP upstream. `Proxy::route` (synchronous, in the app's fixed
//! order after the guard) decides and prepares the upstream's request head; the connection then hands its client
//! stream to `exchange`, which does the whole exchange:
//! connect or reuse (pool) → send head and body (body) → read the answer's head (upstream) → relay it and its
//! body (body), or join a WebSocket tunnel (tunnel). Header rules are in headers, prefixes and targets in route.

mod body;
pub mod chunked;
mod client;
mod exchange;
pub mod headers;
mod pool;
mod route;
mod tunnel;
pub mod upstream;

pub use body::{Broken, Upload};
pub use chunked::{Decoder as ChunkedDecoder, Malformed as MalformedChunk, Step as ChunkedStep};
pub use client::{Client, ClientSide};
pub use exchange::{exchange, Exchanged};
pub use headers::{end_to_end, ClientFraming};
pub use upstream::{Connection as UpstreamConnection, Failure, Framing, ResponseHead};

use crate::http::request::{Body as RequestBody, Request};
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::{CONTENT_LENGTH, CONTENT_TYPE};
use crate::http::vocabulary::{Method, StatusCode};
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

/// One rule and what its exchanges share.
struct Gateway {
    rule: Rule,
    /// --proxy-timeout: for connecting, for the answer's head, and between two reads of its body.
    timeout: Duration,
    pool: Pool,
}

impl Proxy {
    /// The rules as given (`PREFIX=URL`); a rule that cannot work is a start-up error of one sentence.
    pub fn new(rules: &[String], timeout: Duration) -> Result<Proxy, String> {
        let gateways = rules
            .iter()
            .map(|text| {
                Ok(Arc::new(Gateway {
                    rule: Rule::parse(text)?,
                    timeout,
                    pool: Pool::default(),
                }))
            })
            .collect::<Result<_, String>>()?;
        Ok(Proxy { gateways })
    }

    /// `/api → http://127.0.0.1:3000/v1` for each rule, for the start-up message.
    pub fn describe(&self) -> impl Iterator<Item = String> + '_ {
        self.gateways
            .iter()
            .map(|gateway| format!("{}/ → {}", gateway.rule.prefix, gateway.rule.upstream.url()))
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
        let target = match route::upstream_target(&gateway.rule.upstream, rest, request.query()) {
            Ok(target) => target,
            Err(why) => return Some(page(StatusCode::BadRequest, why)),
        };
        let websocket = headers::wants_websocket(&request.fields);
        let forwarding = Forwarding {
            authority: &gateway.rule.upstream.authority,
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
    /// The upstream request's head but for X-Forwarded-For (see headers::start_head).
    pub head: Vec<u8>,
    pub forwarded_for: Option<Vec<u8>>,
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
        headers::finish_head(
            self.head.clone(),
            self.forwarded_for.as_deref(),
            client,
            proto,
        )
    }
}
