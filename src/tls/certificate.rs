//! What lanai reads back from a stored certificate before trusting it: that it parses, its public key, the names
//! it carries, the names it may sign for, its end, and who signed it.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::net::IpAddr;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;

pub struct Certificate {
    pub der: CertificateDer<'static>,
    /// The subject's public key (the bits of its SubjectPublicKeyInfo).
    pub public_key: Vec<u8>,
    /// Its subject alternative names: DNS names, and IP addresses as Rust prints them.
    pub names: Vec<String>,
    /// The DNS subtrees its name constraints permit; `None` when it has none, and may sign for any name.
    pub permitted: Option<Vec<String>>,
    /// Its notAfter, in seconds since the Unix epoch.
    pub not_after: i64,
}

impl Certificate {
    /// Every certificate of a PEM text, in order; an error says what is wrong with the first bad one.
    pub fn chain_from_pem(pem: &str) -> Result<Vec<Certificate>, String> {
        let chain = CertificateDer::pem_slice_iter(pem.as_bytes())
            .map(|der| {
                der.map_err(|error| format!("it is not PEM: {error}"))
                    .and_then(Certificate::from_der)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if chain.is_empty() {
            return Err("it holds no certificate".to_string());
        }
        Ok(chain)
    }

    fn from_der(der: CertificateDer<'static>) -> Result<Certificate, String> {
        let parsed = parse(&der)?;
        let unreadable = |error| format!("its extensions cannot be read: {error}");
        let names = parsed
            .subject_alternative_name()
            .map_err(unreadable)?
            .map(|extension| names(&extension.value.general_names))
            .unwrap_or_default();
        let permitted = parsed
            .name_constraints()
            .map_err(unreadable)?
            .map(|extension| {
                let subtrees = extension.value.permitted_subtrees.as_deref().unwrap_or(&[]);
                subtrees
                    .iter()
                    .filter_map(|subtree| match subtree.base {
                        GeneralName::DNSName(name) => Some(name.to_ascii_lowercase()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            // RFC 5280: a constraint binds only names of its own form; without DNS subtrees any DNS name goes.
            .filter(|subtrees| !subtrees.is_empty());
        Ok(Certificate {
            public_key: parsed.public_key().subject_public_key.data.to_vec(),
            names,
            permitted,
            not_after: parsed.validity().not_after.timestamp(),
            der: der.clone(),
        })
    }

    /// Whether `issuer`'s key signed this certificate.
    pub fn signed_by(&self, issuer: &Certificate) -> bool {
        match (parse(&self.der), parse(&issuer.der)) {
            (Ok(subject), Ok(issuer)) => {
                subject.verify_signature(Some(issuer.public_key())).is_ok()
            }
            _ => false,
        }
    }

    /// Whether this CA may sign for `name`: always for an IP address, which lanai's constraints leave free; for a
    /// DNS name, when it is a permitted subtree or under one (RFC 5280, 4.2.1.10).
    pub fn permits(&self, name: &str) -> bool {
        if name.parse::<IpAddr>().is_ok() {
            return true;
        }
        let name = name.to_ascii_lowercase();
        self.permitted.as_ref().is_none_or(|subtrees| {
            subtrees.iter().any(|subtree| {
                name == *subtree
                    || name
                        .strip_suffix(subtree.as_str())
                        .is_some_and(|head| head.ends_with('.'))
            })
        })
    }
}

fn parse<'a>(der: &'a CertificateDer<'_>) -> Result<X509Certificate<'a>, String> {
    match x509_parser::parse_x509_certificate(der) {
        Ok(([], parsed)) => Ok(parsed),
        Ok(_) => Err("it has bytes after the certificate".to_string()),
        Err(error) => Err(format!("it is not an X.509 certificate: {error}")),
    }
}

fn names(general_names: &[GeneralName<'_>]) -> Vec<String> {
    general_names
        .iter()
        .filter_map(|name| match *name {
            GeneralName::DNSName(dns) => Some(dns.to_string()),
            GeneralName::IPAddress(bytes) => ip_address(bytes).map(|ip| ip.to_string()),
            _ => None,
        })
        .collect()
}

fn ip_address(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constrained_to(subtrees: &[&str]) -> Certificate {
        Certificate {
            der: CertificateDer::from(Vec::new()),
            public_key: Vec::new(),
            names: Vec::new(),
            permitted: Some(subtrees.iter().map(|name| name.to_string()).collect()),
            not_after: 0,
        }
    }

    #[test]
    fn a_subtree_permits_itself_and_names_under_it_only() {
        let ca = constrained_to(&["local", "home.arpa"]);
        for name in [
            "local",
            "box.local",
            "a.b.LOCAL",
            "home.arpa",
            "nas.home.arpa",
            "10.0.0.1",
            "::1",
        ] {
            assert!(ca.permits(name), "{name}");
        }
        for name in [
            "www.example.com",
            "notlocal",
            "local.com",
            "xhome.arpa",
            "arpa",
        ] {
            assert!(!ca.permits(name), "{name}");
        }
    }

    #[test]
    fn a_ca_without_constraints_permits_anything() {
        let mut ca = constrained_to(&[]);
        ca.permitted = None;
        assert!(ca.permits("www.example.com"));
    }
}
