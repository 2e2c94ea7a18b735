//! `--https`: TLS on the listening port with a certificate from lanai's local CA (authority) or a given one,
//! and the plain-HTTP answers on the same port (plain). A connection's first byte tells them apart: 0x16 opens
//! every TLS handshake, and no HTTP method starts with it.

pub mod authority;
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
use futures_rustls::TlsAcceptor;
use plain::PlainHttp;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use session::TlsSession;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The first byte of a TLS record that carries a handshake.
const TLS_HANDSHAKE: u8 = 0x16;

type PlainHandler = Box<dyn Fn(&Request<'_>) -> Response + Send + Sync>;

pub struct Tls {
    acceptor: TlsAcceptor,
    plain: Arc<PlainHandler>,
}

/// Where the certificate comes from.
pub enum Source<'a> {
    /// lanai's local CA, naming these DNS names and addresses.
    LocalCa(&'a LocalCa, Vec<String>),
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
        let (identity, ca_pem) = match source {
            Source::LocalCa(ca, names) => (ca.leaf(&names)?, Some(ca.cert_pem.clone())),
            Source::Files { cert, key } => (read_identity(cert, key)?, None),
        };
        let chain = CertificateDer::pem_slice_iter(identity.chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("the certificate chain is not PEM: {error}"))?;
        let key = PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes())
            .map_err(|error| format!("the private key is not PEM: {error}"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| error.to_string())?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|error| {
                format!("cannot serve that certificate and key: {error}; check that they belong together")
            })?;
        // HTTP/2 first, for the clients that speak it; HTTP/1.1 for the rest.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let plain = PlainHttp {
            ca_pem,
            fallback_authority,
        };
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
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
                let accepted =
                    async_std::io::timeout(limits.read_timeout, self.acceptor.accept(stream)).await;
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

/// What lanai's leaf names: every way this machine may be reached, so one certificate serves them all.
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
