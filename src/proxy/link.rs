//! The connection to an upstream: a TCP socket for `http://`, a TLS session on one for `https://`. The session's
//! certificate is verified as the operating system would (rustls-platform-verifier: the system's roots, or its
//! own verifier on macOS and Windows), or not at all under --proxy-insecure; a certificate that fails says why.

use super::upstream::Failure;
use crate::http::socket::Socket;
use crate::http::stream::Stream;
use futures_lite::{AsyncRead, AsyncWrite};
use futures_rustls::client::TlsStream;
use futures_rustls::TlsConnector;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::io;
use std::net::TcpStream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub enum Link {
    Plain(Socket),
    Tls(Box<TlsStream<Socket>>),
}

impl Link {
    /// The TCP socket underneath.
    pub fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Link::Plain(socket) => socket.tcp(),
            Link::Tls(session) => session.get_ref().0.tcp(),
        }
    }
}

/// How lanai speaks TLS to `https://` upstreams: HTTP/1.1 only (ALPN), and a verifier chosen at start-up.
pub fn connector(insecure: bool) -> Result<TlsConnector, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = if insecure {
        Arc::new(AnyCertificate(provider.clone()))
    } else {
        Arc::new(
            rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|error| {
                format!(
                    "no trusted root certificates to check https:// upstreams with ({error}): install the system's \
                     CA certificates (the ca-certificates package) or point SSL_CERT_FILE at them, or give \
                     --proxy-insecure for a dev back end"
                )
            })?,
        )
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The TLS handshake with the upstream `host` (a name or an address) on `socket`.
pub async fn handshake(
    connector: &TlsConnector,
    host: &str,
    socket: Socket,
) -> Result<Link, Failure> {
    let name = ServerName::try_from(host.to_string()).map_err(|_| {
        Failure::Handshake(format!(
            "'{host}' is not a name a certificate can be checked for"
        ))
    })?;
    match connector.connect(name, socket).await {
        Ok(session) => Ok(Link::Tls(Box::new(session))),
        Err(error) => Err(handshake_failure(&error, host)),
    }
}

/// What a failed handshake means, in words: the certificate's fault (and what about it), or the connection's.
fn handshake_failure(error: &io::Error, host: &str) -> Failure {
    let tls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let Some(rustls::Error::InvalidCertificate(certificate)) = tls else {
        return Failure::Handshake(error.to_string());
    };
    let what = match certificate {
        CertificateError::UnknownIssuer => {
            "it is not signed by an authority this system trusts (self-signed, or from a private CA)".to_string()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("it is not valid for the name {host}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "it has expired".to_string(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet (is the clock right?)".to_string()
        }
        CertificateError::Revoked => "it has been revoked".to_string(),
        _ => "it cannot be verified".to_string(),
    };
    Failure::Certificate(format!("{what} ({certificate})"))
}

/// --proxy-insecure: any certificate is taken, for a dev back end with a self-signed one. The handshake's own
/// signatures are still checked, so the session is encrypted to whoever holds the certificate's key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        verify_tls12_signature(message, certificate, signature, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        verify_tls13_signature(message, certificate, signature, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl Stream for Link {
    /// For TLS, ready when the socket has bytes: a hint only (they may be part of a record), which is all the
    /// proxy needs, since it never waits for readiness on an upstream connection.
    fn poll_readable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Link::Plain(socket) => socket.poll_readable(context),
            Link::Tls(session) => session.get_mut().0.poll_readable(context),
        }
    }

    /// For TLS, ready once the session's encrypted output has reached the socket.
    fn poll_writable(&mut self, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Link::Plain(socket) => socket.poll_writable(context),
            Link::Tls(session) => Pin::new(session).poll_flush(context),
        }
    }

    fn plain_socket(&self) -> Option<&TcpStream> {
        match self {
            Link::Plain(socket) => socket.plain_socket(),
            Link::Tls(_) => None,
        }
    }
}

impl AsyncRead for Link {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Link::Plain(socket) => Pin::new(socket).poll_read(context, buffer),
            Link::Tls(session) => Pin::new(session).poll_read(context, buffer),
        }
    }
}

impl AsyncWrite for Link {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Link::Plain(socket) => Pin::new(socket).poll_write(context, bytes),
            Link::Tls(session) => Pin::new(session).poll_write(context, bytes),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Link::Plain(socket) => Pin::new(socket).poll_flush(context),
            Link::Tls(session) => Pin::new(session).poll_flush(context),
        }
    }

    fn poll_close(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Link::Plain(socket) => Pin::new(socket).poll_close(context),
            Link::Tls(session) => Pin::new(session).poll_close(context),
        }
    }
}
