//! Binding the listening socket and the accept loop: one task per connection, a limit on how many are open,
//! surviving accept errors, and the graceful stop.

mod burst;
mod connections;

use crate::http;
use crate::http::connection::{self, Limits};
use crate::http::handler::Handler;
use crate::http::socket::Socket;
use crate::platform;
use crate::shutdown::Stop;
use crate::tls::Tls;
use async_io::Async;
use async_std::task;
use burst::Burst;
use connections::Connections;
use futures_lite::future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// What the server needs beyond the per-connection limits.
pub struct Settings {
    pub limits: Limits,
    /// Most connections open at once; past it new ones are turned away with a 503.
    pub max_connections: usize,
    /// After a stop, how long responses in flight may take to finish.
    pub shutdown_timeout: Duration,
    /// `--https`: TLS, and the plain-HTTP answers, on the listening port.
    pub tls: Option<Arc<Tls>>,
}

/// Descriptors the process needs besides its connections: standard streams, the listener, the reactor, files
/// being read.
const SPARE_DESCRIPTORS: u64 = 64;

/// A warning when the descriptor limit would run out before `max_connections` is reached.
pub fn descriptor_warning(max_connections: usize, limit: u64) -> Option<String> {
    let usable = limit.saturating_sub(SPARE_DESCRIPTORS);
    (usable < max_connections as u64).then(|| {
        format!(
            "the open-file limit ({limit}) allows only about {usable} connections, fewer than --max-connections \
             {max_connections}; beyond that new clients wait. Raise it (ulimit -n) or lower --max-connections"
        )
    })
}

/// Accepts connections, each served by its own task, until `stop` is raised; then lets the open ones finish for
/// up to the shutdown timeout.
pub async fn run<H>(listener: std::net::TcpListener, handler: H, settings: Settings, stop: Stop)
where
    H: Handler,
{
    platform::defer_accept(&listener);
    let listener = match Async::new(listener) {
        Ok(listener) => listener,
        Err(error) => {
            log::error!("cannot watch the listening socket: {error}");
            return;
        }
    };
    let handler = Arc::new(handler);
    let limits = Arc::new(settings.limits);
    let connections = Connections::new(settings.max_connections);
    let mut accept_failures = Burst::default();
    let mut refusals = Burst::default();
    let mut pause = MIN_ACCEPT_PAUSE;
    loop {
        let accepting = async {
            let accepted = listener.read_with(platform::accept_nonblocking).await;
            Some(accepted)
        };
        let accepted = future::or(accepting, async {
            stop.raised().await;
            None
        });
        match accepted.await {
            None => break,
            Some(Ok((stream, peer))) => {
                pause = MIN_ACCEPT_PAUSE;
                let Some(ticket) = connections.admit() else {
                    if let Some(more) = refusals.record(Instant::now()) {
                        log::warn!(
                            "{} connections open, the --max-connections limit: turning new ones away with 503{}",
                            connections.open(),
                            burst::unlogged(more)
                        );
                    }
                    connection::turn_away(stream, peer);
                    continue;
                };
                // Head and body go out as separate writes; Nagle would hold the second for a delayed ACK.
                let _ = stream.set_nodelay(true);
                let stream = Socket::new(stream);
                let (handler, limits, stop) = (handler.clone(), limits.clone(), stop.clone());
                // The ticket rides beside the connection's future (`zip`) and goes when it ends. An `async` block
                // that awaited the connection would also keep the arguments it was given (-Zprint-type-sizes: 640
                // bytes a task instead of 560); a TLS session's state is boxed so that it weighs on TLS connections only.
                let ticket = future::ready(ticket);
                match settings.tls.clone() {
                    None => {
                        let serving = http::serve(stream, peer, handler, limits, stop);
                        task::spawn(future::zip(serving, ticket));
                    }
                    Some(tls) => {
                        let serving =
                            async move { tls.serve(stream, peer, handler, limits, stop).await };
                        task::spawn(future::zip(Box::pin(serving), ticket));
                    }
                }
            }
            Some(Err(error)) => {
                // Out of descriptors (EMFILE, ENFILE) or a connection gone before we took it: the listener stays
                // ready, so pause rather than spin, longer while it goes on.
                if let Some(more) = accept_failures.record(Instant::now()) {
                    log::warn!(
                        "accept failed: {error}; backing off{}",
                        burst::unlogged(more)
                    );
                }
                task::sleep(pause).await;
                pause = (pause * 2).min(MAX_ACCEPT_PAUSE);
            }
        }
    }
    drop(listener);
    finish(connections, settings.shutdown_timeout).await;
}

const MIN_ACCEPT_PAUSE: Duration = Duration::from_millis(10);
const MAX_ACCEPT_PAUSE: Duration = Duration::from_millis(500);

/// Waits for the open connections: idle ones close at once, ones in flight finish their response.
async fn finish(connections: Connections, timeout: Duration) {
    let open = connections.open();
    if open > 0 {
        log::info!(
            "waiting up to {}s for {open} open connections",
            timeout.as_secs()
        );
    }
    let closed = future::or(
        async {
            connections.all_closed().await;
            true
        },
        async {
            task::sleep(timeout).await;
            false
        },
    );
    if !closed.await {
        log::warn!("shutdown timeout: cutting off the connections still open");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_only_when_the_descriptor_limit_is_too_low() {
        assert_eq!(descriptor_warning(10_000, 1_048_576), None);
        assert_eq!(descriptor_warning(10_000, 10_064), None);
        let warning = descriptor_warning(10_000, 1024).expect("1024 is too low");
        assert!(
            warning.contains("(1024)") && warning.contains("about 960"),
            "{warning}"
        );
        assert!(descriptor_warning(100, 10).is_some());
    }
}
