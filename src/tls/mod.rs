//! `--https`: TLS on the listening port with a certificate from lanai's local CA (authority) or a given one,
//! and the plain-HTTP answers on the same port (plain). A connection's first byte tells them apart: 0x16 opens
//! every TLS handshake, and no HTTP method starts with it.

pub mod authority;
mod certificate;
mod folder;
mod leaves;
pub mod plain;
mod session;

use crate::guard::Guard;
use crate::http;
use crate::http::connection::Limits;
use crate::http::handler::Handler;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::socket::Socket;
use crate::shutdown::Stop;
use authority::{Identity, LocalCa};
use leaves::Leaves;
use plain::PlainHttp;
use session::TlsSession;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The first byte of a TLS record that carries a handshake.
const TLS_HANDSHAKE: u8 = 0x16;

type PlainHandler = Box<dyn Fn(&Request<'_>) -> Response + Send + Sync>;

pub struct Tls {
    leaves: Leaves,
    plain: Arc<PlainHandler>,
}

/// Where the certificate comes from.
pub enum Source<'a> {
    /// lanai's local CA, naming these DNS names and addresses (those it may sign for).
    LocalCa(Box<LocalCa>, Vec<String>),
    /// `--tls-cert` and `--tls-key`.
    Files { cert: &'a Path, key: &'a Path },
}

impl Tls {
    /// TLS with the certificate of `source`; `fallback_authority` (`host:port`) is where plain requests without a
    /// usable Host are redirected.
    /// The Host check of `guard` applies to the plain answers too; credentials are not asked for there, since
    /// sending them over plain HTTP is what --https is for.
    pub fn new(
        source: Source<'_>,
        fallback_authority: String,
        guard: Arc<Guard>,
    ) -> Result<Tls, String> {
        let (leaves, ca_pem) = match source {
            Source::LocalCa(ca, names) => {
                let ca_pem = ca.cert_pem.clone();
                (Leaves::local(*ca, &names)?, Some(ca_pem))
            }
            Source::Files { cert, key } => (Leaves::given(&read_identity(cert, key)?)?, None),
        };
        let plain = PlainHttp {
            ca_pem,
            fallback_authority,
        };
        Ok(Tls {
            leaves,
            plain: Arc::new(Box::new(move |request: &Request<'_>| {
                guard
                    .check_host(request)
                    .unwrap_or_else(|| plain.respond(request))
            })),
        })
    }

    /// Serves one accepted connection: TLS when it opens with a handshake, the plain answers otherwise. A failed
    /// handshake is one debug line and the end of that connection only.
    pub async fn serve<H>(
        &self,
        mut stream: Socket,
        peer: SocketAddr,
        handler: Arc<H>,
        limits: Arc<Limits>,
        stop: Stop,
    ) where
        H: Handler,
    {
        let mut first = [0u8; 1];
        let peeked = async_std::io::timeout(limits.read_timeout, stream.peek(&mut first)).await;
        match peeked {
            Ok(1) if first[0] == TLS_HANDSHAKE => {
                let local = stream.tcp().and_then(|tcp| tcp.local_addr().ok());
                let acceptor = self.leaves.acceptor_for(local.map(|address| address.ip()));
                let accepted =
                    async_std::io::timeout(limits.read_timeout, acceptor.accept(stream)).await;
                match accepted {
                    Ok(session) => {
                        let session = TlsSession::new(session);
                        if session.negotiated_http2() {
                            http::h2::serve(session, Vec::new(), peer, handler, limits, stop).await
                        } else {
                            http::serve(session, peer, handler, limits, stop).await
                        }
                    }
                    Err(error) => log::debug!("{peer}: TLS handshake failed: {error}"),
                }
            }
            Ok(1) => http::serve(stream, peer, self.plain.clone(), limits, stop).await,
            _ => {}
        }
    }
}

fn read_identity(cert: &Path, key: &Path) -> Result<Identity, String> {
    let read = |path: &Path, what: &str| {
        std::fs::read_to_string(path).map_err(|error| {
            format!(
                "cannot read the {what} '{}': {error}; give a PEM file",
                path.display()
            )
        })
    };
    Ok(Identity {
        chain_pem: read(cert, "--tls-cert")?,
        key_pem: read(key, "--tls-key")?,
    })
}

/// What lanai's leaf names: every way this machine may be reached, so one certificate serves them all (of them,
/// the local CA signs for those its name constraints permit).
pub fn leaf_names(lan_addresses: &[std::net::IpAddr], host_name: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1"]
        .map(str::to_string)
        .to_vec();
    names.extend(lan_addresses.iter().map(|ip| ip.to_string()));
    if let Some(name) = host_name {
        names.push(name.to_string());
        names.push(format!("{name}.local"));
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|name| seen.insert(name.clone()));
    names
}
