//! The CA certificate in the forms devices install: DER (Windows and Android take it as well as PEM), and an iOS
//! configuration profile (`.mobileconfig`), the install path iOS itself prompts for.

use crate::markup::escape;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::digest::{digest, SHA256};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// The certificate's DER, or `None` when `pem` holds no certificate.
pub fn der(pem: &str) -> Option<Vec<u8>> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .ok()
        .map(|der| der.to_vec())
}

/// The certificate's first common name, as Settings and Keychain Access list the CA.
pub fn common_name(der: &[u8]) -> Option<String> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    let name = certificate.subject().iter_common_name().next()?;
    name.as_str().ok().map(str::to_owned)
}

/// A UUID (RFC 9562 version 8, "custom") made from the certificate and a label: the same certificate always
/// gives the same profile, so installing it again replaces it instead of adding a twin, and two machines' CAs
/// never share one.
fn stable_uuid(der: &[u8], label: &str) -> String {
    let mut input = label.as_bytes().to_vec();
    input.extend_from_slice(der);
    let hash = digest(&SHA256, &input);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash.as_ref()[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// An iOS configuration profile carrying the certificate as a `com.apple.security.root` payload.
pub fn mobileconfig(der: &[u8], name: &str) -> String {
    let profile = stable_uuid(der, "profile");
    let payload = stable_uuid(der, "certificate");
    let name = escape(name);
    let data = STANDARD.encode(der);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>PayloadCertificateFileName</key>
			<string>lanai-ca.cer</string>
			<key>PayloadContent</key>
			<data>{data}</data>
			<key>PayloadDescription</key>
			<string>Adds the certificate authority of lanai, the development server, on your computer.</string>
			<key>PayloadDisplayName</key>
			<string>{name}</string>
			<key>PayloadIdentifier</key>
			<string>dev.lanai.ca.{payload}</string>
			<key>PayloadType</key>
			<string>com.apple.security.root</string>
			<key>PayloadUUID</key>
			<string>{payload}</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
		</dict>
	</array>
	<key>PayloadDescription</key>
	<string>Lets this device trust the pages lanai serves over HTTPS. After installing it, turn on full trust for it in Settings › General › About › Certificate Trust Settings.</string>
	<key>PayloadDisplayName</key>
	<string>{name}</string>
	<key>PayloadIdentifier</key>
	<string>dev.lanai.profile.{profile}</string>
	<key>PayloadRemovalDisallowed</key>
	<false/>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>{profile}</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
</dict>
</plist>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca() -> (String, Vec<u8>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::default();
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "lanai");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "lanai local CA 0a1b2c3d");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        (cert.pem(), cert.der().to_vec())
    }

    #[test]
    fn der_and_common_name_come_from_the_pem() {
        let (pem, expected) = ca();
        let read = der(&pem).unwrap();
        assert_eq!(read, expected);
        assert_eq!(
            common_name(&read).as_deref(),
            Some("lanai local CA 0a1b2c3d")
        );
        assert_eq!(der("not a certificate"), None);
        assert_eq!(common_name(b"\x06\x03\x55\x04\x03\x0c\xff"), None);
        assert_eq!(common_name(b""), None);
    }

    #[test]
    fn uuids_are_stable_distinct_and_well_formed() {
        let (_, der) = ca();
        let (_, other) = ca();
        let uuid = stable_uuid(&der, "profile");
        assert_eq!(uuid, stable_uuid(&der, "profile"));
        assert_ne!(uuid, stable_uuid(&der, "certificate"));
        assert_ne!(uuid, stable_uuid(&other, "profile"));
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{uuid}");
        assert_eq!(&uuid[14..15], "8", "version 8: {uuid}");
        assert!("89AB".contains(&uuid[19..20]), "RFC variant: {uuid}");
    }

    #[test]
    fn the_profile_carries_the_der_as_a_root_payload() {
        let (_, der) = ca();
        let profile = mobileconfig(&der, "a <CA> & co");
        assert!(profile.contains(&format!("<data>{}</data>", STANDARD.encode(&der))));
        assert!(profile.contains("<string>com.apple.security.root</string>"));
        assert!(profile.contains("<string>a &lt;CA&gt; &amp; co</string>"));
        assert_eq!(profile, mobileconfig(&der, "a <CA> & co"));
    }
}
