//! lanai's per-user local CA and the leaf certificate it signs: made on first use, kept in the data folder, and
//! reused. The leaf is issued again only when the names it must carry change or it nears its end.
//!
//! The leaf lives 90 days and is renewed in its last 30. Browsers cap a certificate from a public CA at 398 days
//! and Apple caps one from a user-installed CA at 825; a short life keeps lanai far inside both and any limit
//! still to come, and limits what a copied leaf key is worth. Renewal costs the user nothing: devices trust the
//! CA, which lives 10 years, not the leaf.

use crate::platform;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use ring::digest::{digest, SHA256};
use std::fs;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca-key.pem";
const LEAF_CERT: &str = "leaf.pem";
const LEAF_KEY: &str = "leaf-key.pem";
/// What the leaf was issued for: the CA's fingerprint, its end and its names, so that reuse needs no X.509 parser.
const LEAF_RECORD: &str = "leaf.names";

const CA_LIFE: Duration = Duration::days(3650);
const LEAF_LIFE: Duration = Duration::days(90);
const RENEW_BEFORE: Duration = Duration::days(30);
/// Validity starts this long before now, for devices whose clocks run a little behind.
const CLOCK_SKEW: Duration = Duration::days(1);

/// The data folder: `$XDG_DATA_HOME/lanai` on Linux, Application Support on macOS, AppData on Windows.
pub fn data_folder() -> Result<PathBuf, String> {
    directories::ProjectDirs::from("", "", "lanai")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| {
            "cannot find a home folder to keep lanai's local CA in; set HOME, or use --tls-cert and --tls-key"
                .to_string()
        })
}

pub struct LocalCa {
    pub cert_pem: String,
    key: KeyPair,
    folder: PathBuf,
}

/// A certificate chain and its key, in PEM.
pub struct Identity {
    pub chain_pem: String,
    pub key_pem: String,
}

impl LocalCa {
    /// The CA kept in `folder`, made there first if there is none.
    pub fn open(folder: &Path) -> Result<LocalCa, String> {
        let problem = |what: &str, error: &dyn std::fmt::Display| {
            format!(
                "cannot {what} lanai's local CA in '{}': {error}; fix the folder's permissions, or remove it to start afresh",
                folder.display()
            )
        };
        let (cert_path, key_path) = (folder.join(CA_CERT), folder.join(CA_KEY));
        if key_path.exists() {
            let key_pem = fs::read_to_string(&key_path).map_err(|error| problem("read", &error))?;
            let cert_pem =
                fs::read_to_string(&cert_path).map_err(|error| problem("read", &error))?;
            let key = KeyPair::from_pem(&key_pem).map_err(|error| problem("read", &error))?;
            return Ok(LocalCa {
                cert_pem,
                key,
                folder: folder.to_path_buf(),
            });
        }
        create_private_folder(folder).map_err(|error| problem("create", &error))?;
        let key = KeyPair::generate().map_err(|error| problem("create", &error))?;
        let mut params = ca_params(&key);
        let now = OffsetDateTime::now_utc();
        params.not_before = now - CLOCK_SKEW;
        params.not_after = now + CA_LIFE;
        let cert_pem = params
            .self_signed(&key)
            .map_err(|error| problem("create", &error))?
            .pem();
        // The certificate first: a key without it would be taken for a complete CA on the next start.
        fs::write(&cert_path, &cert_pem).map_err(|error| problem("store", &error))?;
        platform::write_private(&key_path, key.serialize_pem().as_bytes())
            .map_err(|error| problem("store", &error))?;
        Ok(LocalCa {
            cert_pem,
            key,
            folder: folder.to_path_buf(),
        })
    }

    /// A leaf naming `names` (DNS names and IP addresses), the one kept from an earlier run when it names the same
    /// and is not near its end, else a new one, stored for next time.
    pub fn leaf(&self, names: &[String]) -> Result<Identity, String> {
        let now = OffsetDateTime::now_utc();
        let record = LeafRecord {
            ca: self.fingerprint(),
            not_after: now + LEAF_LIFE,
            names: names.to_vec(),
        };
        if let Some(kept) = self.kept_leaf(&record, now) {
            return Ok(kept);
        }
        let problem = |error: &dyn std::fmt::Display| {
            format!(
                "cannot issue a certificate for {}: {error}",
                names.join(", ")
            )
        };
        let key = KeyPair::generate().map_err(|error| problem(&error))?;
        let mut params = CertificateParams::new(names.to_vec()).map_err(|error| problem(&error))?;
        params
            .distinguished_name
            .push(DnType::CommonName, "lanai development server");
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = now - CLOCK_SKEW;
        params.not_after = record.not_after;
        let issuer = Issuer::new(ca_params(&self.key), &self.key);
        let leaf_pem = params
            .signed_by(&key, &issuer)
            .map_err(|error| problem(&error))?
            .pem();
        let identity = Identity {
            chain_pem: format!("{leaf_pem}{}", self.cert_pem),
            key_pem: key.serialize_pem(),
        };
        let stored = fs::write(self.folder.join(LEAF_CERT), &identity.chain_pem)
            .and_then(|()| {
                platform::write_private(&self.folder.join(LEAF_KEY), identity.key_pem.as_bytes())
            })
            .and_then(|()| fs::write(self.folder.join(LEAF_RECORD), record.to_text()));
        if let Err(error) = stored {
            log::warn!(
                "could not keep the new certificate in '{}' ({error}); the next start issues another",
                self.folder.display()
            );
        }
        Ok(identity)
    }

    fn kept_leaf(&self, wanted: &LeafRecord, now: OffsetDateTime) -> Option<Identity> {
        let text = fs::read_to_string(self.folder.join(LEAF_RECORD)).ok()?;
        let kept = LeafRecord::from_text(&text)?;
        let reusable = kept.ca == wanted.ca
            && kept.names == wanted.names
            && kept.not_after - now > RENEW_BEFORE;
        if !reusable {
            return None;
        }
        Some(Identity {
            chain_pem: fs::read_to_string(self.folder.join(LEAF_CERT)).ok()?,
            key_pem: fs::read_to_string(self.folder.join(LEAF_KEY)).ok()?,
        })
    }

    /// The SHA-256 of the CA certificate's PEM, in hex: a leaf from another CA is never reused.
    fn fingerprint(&self) -> String {
        hex(digest(&SHA256, self.cert_pem.as_bytes()).as_ref())
    }
}

/// The CA's name and powers. Issuing a leaf needs only these and the key, so they are rebuilt from the key on each
/// start instead of parsed from the stored certificate; the name carries a piece of the key's fingerprint, so two
/// machines' CAs installed on one phone can be told apart.
fn ca_params(key: &KeyPair) -> CertificateParams {
    let mut params = CertificateParams::default();
    let tag = hex(&digest(&SHA256, key.public_key_raw()).as_ref()[..4]);
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "lanai");
    name.push(DnType::CommonName, format!("lanai local CA {tag}"));
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

struct LeafRecord {
    ca: String,
    not_after: OffsetDateTime,
    names: Vec<String>,
}

impl LeafRecord {
    fn to_text(&self) -> String {
        let mut text = format!(
            "ca {}\nnot-after {}\n",
            self.ca,
            self.not_after.unix_timestamp()
        );
        for name in &self.names {
            text.push_str(&format!("name {name}\n"));
        }
        text
    }

    fn from_text(text: &str) -> Option<LeafRecord> {
        let mut record = LeafRecord {
            ca: String::new(),
            not_after: OffsetDateTime::UNIX_EPOCH,
            names: Vec::new(),
        };
        for line in text.lines() {
            match line.split_once(' ')? {
                ("ca", fingerprint) => record.ca = fingerprint.to_string(),
                ("not-after", seconds) => {
                    record.not_after =
                        OffsetDateTime::from_unix_timestamp(seconds.parse().ok()?).ok()?
                }
                ("name", name) => record.names.push(name.to_string()),
                _ => return None,
            }
        }
        Some(record)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The data folder, private to the user where the OS has modes.
fn create_private_folder(folder: &Path) -> std::io::Result<()> {
    fs::create_dir_all(folder)?;
    platform::make_private_folder(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["localhost", "127.0.0.1", "::1", "box.local"]
            .map(str::to_string)
            .to_vec()
    }

    #[test]
    fn the_ca_and_leaf_are_made_once_and_reused() {
        let folder = tempfile::tempdir().unwrap();
        let ca = LocalCa::open(folder.path()).unwrap();
        let first = ca.leaf(&names()).unwrap();
        let again = LocalCa::open(folder.path()).unwrap();
        assert_eq!(again.cert_pem, ca.cert_pem);
        assert_eq!(again.leaf(&names()).unwrap().chain_pem, first.chain_pem);
        let mut more = names();
        more.push("192.168.1.20".to_string());
        assert_ne!(again.leaf(&more).unwrap().chain_pem, first.chain_pem);
        assert!(first.chain_pem.ends_with(&ca.cert_pem));
    }

    #[test]
    fn a_leaf_near_its_end_is_renewed() {
        let folder = tempfile::tempdir().unwrap();
        let ca = LocalCa::open(folder.path()).unwrap();
        let first = ca.leaf(&names()).unwrap();
        let record_path = folder.path().join(LEAF_RECORD);
        let mut record = LeafRecord::from_text(&fs::read_to_string(&record_path).unwrap()).unwrap();
        record.not_after = OffsetDateTime::now_utc() + Duration::days(29);
        fs::write(&record_path, record.to_text()).unwrap();
        assert_ne!(ca.leaf(&names()).unwrap().chain_pem, first.chain_pem);
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let ca = LocalCa::open(&folder.path().join("lanai")).unwrap();
        ca.leaf(&names()).unwrap();
        for key in [CA_KEY, LEAF_KEY] {
            let mode = fs::metadata(folder.path().join("lanai").join(key))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{key}");
        }
    }
}
