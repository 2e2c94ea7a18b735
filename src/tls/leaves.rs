//! The certificate each TLS connection is served with. A given one (`--tls-cert`) serves every connection; with
//! lanai's local CA, a connection that arrived on a local address the current leaf does not name (a laptop that
//! joined another network since start-up) gets a leaf issued on the spot that names it too, kept for the
//! connections after it and for the next start. Only the address the connection arrived on is ever added, never
//! a name the client asks for: those are this machine's own addresses.

use super::authority::{Identity, LocalCa};
use futures_rustls::TlsAcceptor;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// The most names a leaf is given on the spot: past it (a machine answering on a whole range of addresses) the
/// current leaf serves on, so no client can make lanai issue without end.
const MOST_NAMES: usize = 32;

pub struct Leaves {
    current: Mutex<Current>,
    /// Who issues new leaves; `None` for a given certificate.
    ca: Option<LocalCa>,
}

struct Current {
    names: Vec<String>,
    acceptor: TlsAcceptor,
}

impl Leaves {
    /// Always `identity` (`--tls-cert`).
    pub fn given(identity: &Identity) -> Result<Leaves, String> {
        Ok(Leaves {
            current: Mutex::new(Current {
                names: Vec::new(),
                acceptor: acceptor(identity)?,
            }),
            ca: None,
        })
    }

    /// Leaves of `ca`, the first naming `names`.
    pub fn local(ca: LocalCa, names: &[String]) -> Result<Leaves, String> {
        let leaf = ca.leaf(names)?;
        Ok(Leaves {
            current: Mutex::new(Current {
                acceptor: acceptor(&leaf.identity)?,
                names: leaf.names,
            }),
            ca: Some(ca),
        })
    }

    /// The acceptor for a connection that arrived on `local`.
    pub fn acceptor_for(&self, local: Option<IpAddr>) -> TlsAcceptor {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let (Some(ca), Some(local)) = (&self.ca, local) else {
            return current.acceptor.clone();
        };
        // An IPv4 connection to a dual-stack socket shows as ::ffff:a.b.c.d; the client asked for a.b.c.d.
        let address = local.to_canonical().to_string();
        if current.names.contains(&address) || current.names.len() >= MOST_NAMES {
            return current.acceptor.clone();
        }
        let mut names = current.names.clone();
        names.push(address.clone());
        let issued = ca
            .issue(&names)
            .and_then(|leaf| Ok((acceptor(&leaf.identity)?, leaf.names)));
        match issued {
            Ok((acceptor, names)) => {
                log::info!(
                    "issued a certificate that also names {address}, where a connection arrived"
                );
                *current = Current { names, acceptor };
            }
            Err(problem) => log::warn!("{problem}"),
        }
        current.acceptor.clone()
    }
}

/// A TLS acceptor serving `identity`, offering HTTP/2 and HTTP/1.1.
fn acceptor(identity: &Identity) -> Result<TlsAcceptor, String> {
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
            format!(
                "cannot serve that certificate and key: {error}; check that they belong together"
            )
        })?;
    // HTTP/2 first, for the clients that speak it; HTTP/1.1 for the rest.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
