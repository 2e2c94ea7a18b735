//! Binding the listening socket and the accept loop: one task per connection.

use crate::files::{self, Site};
use crate::http::connection::{self, Limits};
use crate::http::request::Request;
use crate::live::Live;
use async_std::net::TcpListener;
use async_std::task;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// Binds `host:port`, turning the usual failures into one sentence that says what to do.
pub fn bind(host: &str, port: u16) -> Result<std::net::TcpListener, String> {
    let addresses: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|error| format!("cannot use host '{host}': {error}"))?
        .collect();
    let mut last_error = None;
    for address in &addresses {
        match std::net::TcpListener::bind(address) {
            Ok(listener) => return Ok(listener),
            Err(error) => last_error = Some((address, error)),
        }
    }
    let Some((address, error)) = last_error else {
        return Err(format!("host '{host}' has no address to listen on"));
    };
    Err(match error.kind() {
        io::ErrorKind::AddrInUse => {
            format!("port {port} on {} is already in use; choose another with --port, or --port 0 for any free port", address.ip())
        }
        io::ErrorKind::PermissionDenied => {
            format!("no permission to listen on {address} (ports below 1024 need privileges); try --port 8080")
        }
        io::ErrorKind::AddrNotAvailable => {
            format!(
                "{} is not an address of this machine; use 127.0.0.1, 0.0.0.0 or ::",
                address.ip()
            )
        }
        _ => format!("cannot listen on {address}: {error}"),
    })
}

/// Accepts connections for ever, each served by its own task. With `live`, its reserved paths come first.
pub async fn run(listener: std::net::TcpListener, site: Site, live: Option<Live>, limits: Limits) {
    let listener = TcpListener::from(listener);
    let handler = Arc::new(move |request: &Request<'_>| {
        live.as_ref()
            .and_then(|live| live.respond(request))
            .unwrap_or_else(|| files::respond(&site, request))
    });
    let limits = Arc::new(limits);
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                // Head and body go out as separate writes; Nagle would hold the second for a delayed ACK.
                let _ = stream.set_nodelay(true);
                task::spawn(connection::serve(
                    stream,
                    peer,
                    handler.clone(),
                    limits.clone(),
                ));
            }
            Err(error) => {
                // Out of descriptors or a connection reset before we took it: wait a moment rather than spin.
                log::warn!("accept failed: {error}");
                task::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
