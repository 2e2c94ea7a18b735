//! lanai's per-user local CA and the leaf certificate it signs: made on first use, kept in the data folder (see
//! folder.rs for how processes share it), checked whenever read, and reused. The leaf is issued again when it
//! lacks a name it must carry, nears its end, or is found damaged; the CA never is, unless asked (`--new-ca`).
//!
//! The leaf lives 90 days and is renewed in its last 30. Browsers cap a certificate from a public CA at 398 days
//! and Apple caps one from a user-installed CA at 825; a short life keeps lanai far inside both and any limit
//! still to come, and limits what a copied leaf key is worth. Renewal costs the user nothing: devices trust the
//! CA, which lives 10 years, not the leaf.

use super::certificate::Certificate;
use super::folder::{Folder, Locked};
use crate::platform;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints,
};
use ring::digest::{digest, SHA256};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca-key.pem";
const LEAF_CERT: &str = "leaf.pem";
const LEAF_KEY: &str = "leaf-key.pem";

/// The DNS names a new CA may sign for, beside the machine's host name: each an RFC 5280 subtree, which permits
/// the name itself and every name under it (`local` permits `box.local`). `localhost` and mDNS's `local` are what
/// a preview server is reached by; `home.arpa` (RFC 8375), `internal` (ICANN's private-use TLD) and `test`
/// (RFC 2606) can never be public names. IP addresses are left unconstrained: see README's "The local CA".
const PERMITTED: [&str; 5] = ["localhost", "local", "home.arpa", "internal", "test"];

const CA_LIFE: Duration = Duration::days(3650);
const LEAF_LIFE: Duration = Duration::days(90);
const RENEW_BEFORE: Duration = Duration::days(30);
/// Validity starts this long before now, for devices whose clocks run a little behind.
const CLOCK_SKEW: Duration = Duration::days(1);

/// What every problem with the CA's own files ends with: a CA is never replaced behind the user's back, since
/// every device that installed it would stop trusting lanai.
const NEW_CA: &str =
    "run `lanai --new-ca` to make a new one (devices that trusted the old one must then install the new one)";

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
    cert: Certificate,
    key: KeyPair,
    folder: Folder,
}

/// A certificate chain and its key, in PEM.
pub struct Identity {
    pub chain_pem: String,
    pub key_pem: String,
}

/// A leaf of the local CA: its chain and key, and the names it carries.
pub struct Leaf {
    pub identity: Identity,
    pub names: Vec<String>,
    not_after: i64,
}

impl LocalCa {
    /// The CA kept in `folder`, made there first if there is none, with `host_name` among the names it may sign
    /// for. A CA that is there is checked: one that does not parse or does not belong to its key, or whose key
    /// others may read, is an error that says what to do.
    pub fn open(folder: &Path, host_name: Option<&str>) -> Result<LocalCa, String> {
        let (folder, lock) = locked(folder)?;
        let problem = |error: std::io::Error| folder_problem(&folder, "read", &error);
        let key_path = folder.file(CA_KEY);
        let exposed = std::fs::metadata(&key_path)
            .map(|metadata| platform::open_to_others(&metadata))
            .unwrap_or(false);
        if exposed {
            let shown = key_path.display();
            return Err(format!(
                "'{shown}', the local CA's private key, can be read by other users; run `chmod 600 '{shown}'` and start lanai again (or `lanai --new-ca` if someone may have copied it)"
            ));
        }
        let cert_pem = folder.read(CA_CERT).map_err(problem)?;
        let key_pem = folder.read(CA_KEY).map_err(problem)?;
        match (cert_pem, key_pem) {
            (None, None) => LocalCa::create(folder, &lock, host_name),
            (Some(cert_pem), Some(key_pem)) => LocalCa::check(folder, cert_pem, &key_pem),
            (Some(_), None) => Err(missing(&folder, CA_KEY, CA_CERT)),
            (None, Some(_)) => Err(missing(&folder, CA_CERT, CA_KEY)),
        }
    }

    /// A new CA in `folder` in place of the one there, whatever state that is in; its leaf goes with it.
    pub fn replace(folder: &Path, host_name: Option<&str>) -> Result<LocalCa, String> {
        let (folder, lock) = locked(folder)?;
        for name in [LEAF_CERT, LEAF_KEY] {
            folder
                .remove(&lock, name)
                .map_err(|error| folder_problem(&folder, "replace", &error))?;
        }
        LocalCa::create(folder, &lock, host_name)
    }

    fn create(folder: Folder, lock: &Locked, host_name: Option<&str>) -> Result<LocalCa, String> {
        let problem = |error: &dyn std::fmt::Display| folder_problem(&folder, "create", error);
        let key = KeyPair::generate().map_err(|error| problem(&error))?;
        let mut params = ca_params(&key);
        params.name_constraints = Some(NameConstraints {
            permitted_subtrees: permitted_names(host_name)
                .into_iter()
                .map(GeneralSubtree::DnsName)
                .collect(),
            excluded_subtrees: Vec::new(),
        });
        let now = OffsetDateTime::now_utc();
        params.not_before = now - CLOCK_SKEW;
        params.not_after = now + CA_LIFE;
        let cert_pem = params
            .self_signed(&key)
            .map_err(|error| problem(&error))?
            .pem();
        // A crash between the two renames leaves a certificate without its key, which `open` reports with
        // `--new-ca` as the way out (no device can have installed that CA yet).
        folder
            .replace(
                lock,
                &[(CA_CERT, &cert_pem), (CA_KEY, &key.serialize_pem())],
            )
            .map_err(|error| folder_problem(&folder, "store", &error))?;
        let cert = Certificate::chain_from_pem(&cert_pem)
            .map_err(|error| problem(&error))?
            .remove(0);
        Ok(LocalCa {
            cert_pem,
            cert,
            key,
            folder,
        })
    }

    fn check(folder: Folder, cert_pem: String, key_pem: &str) -> Result<LocalCa, String> {
        let (cert_path, key_path) = (folder.file(CA_CERT), folder.file(CA_KEY));
        let mut chain = Certificate::chain_from_pem(&cert_pem).map_err(|error| {
            format!(
                "'{}' is not lanai's CA certificate ({error}); {NEW_CA}",
                cert_path.display()
            )
        })?;
        let key = KeyPair::from_pem(key_pem).map_err(|error| {
            format!(
                "'{}' is not a private key ({error}); {NEW_CA}",
                key_path.display()
            )
        })?;
        let cert = chain.remove(0);
        if !chain.is_empty() || cert.public_key != key.public_key_raw() {
            return Err(format!(
                "'{}' does not belong to the key in '{}'; {NEW_CA}",
                cert_path.display(),
                key_path.display()
            ));
        }
        Ok(LocalCa {
            cert_pem,
            cert,
            key,
            folder,
        })
    }

    /// A warning for a CA that may sign for any name, made by a lanai from before name constraints.
    pub fn warning(&self) -> Option<String> {
        self.cert.permitted.is_none().then(|| {
            format!(
                "lanai's local CA in '{}' can sign certificates for any name, so its key could impersonate any site to the devices that trust it; {}",
                self.folder.path.display(),
                NEW_CA.replace("a new one", "one limited to local names")
            )
        })
    }

    /// Whether this CA may sign for `name` (a DNS name or an IP address).
    pub fn permits(&self, name: &str) -> bool {
        self.cert.permits(name)
    }

    /// A leaf naming at least those of `names` (DNS names and IP addresses) that the CA may sign for: the one kept
    /// from an earlier run when it names them all and is not near its end, else a new one, stored for next time.
    pub fn leaf(&self, names: &[String]) -> Result<Leaf, String> {
        let wanted: Vec<String> = names
            .iter()
            .filter(|name| self.permits(name))
            .cloned()
            .collect();
        let renew_after = (OffsetDateTime::now_utc() + RENEW_BEFORE).unix_timestamp();
        match self.kept_leaf() {
            Ok(Some(kept))
                if kept.not_after > renew_after
                    && wanted.iter().all(|name| kept.names.contains(name)) =>
            {
                return Ok(kept)
            }
            Ok(_) => {}
            Err(problem) => log::warn!("{problem}; lanai issues a new certificate in its place"),
        }
        self.issue(&wanted)
    }

    /// A new leaf naming `names`, kept in the folder for the next start (a warning if it cannot be: it still
    /// serves this run).
    pub fn issue(&self, names: &[String]) -> Result<Leaf, String> {
        self.issue_until(names, OffsetDateTime::now_utc() + LEAF_LIFE)
    }

    fn issue_until(&self, names: &[String], not_after: OffsetDateTime) -> Result<Leaf, String> {
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
        params.not_before = OffsetDateTime::now_utc() - CLOCK_SKEW;
        params.not_after = not_after;
        // Signed under the stored certificate's own name and key identifier, exactly as devices have it.
        let issuer =
            Issuer::from_ca_cert_der(&self.cert.der, &self.key).map_err(|error| problem(&error))?;
        let leaf_pem = params
            .signed_by(&key, &issuer)
            .map_err(|error| problem(&error))?
            .pem();
        let leaf = Leaf {
            identity: Identity {
                chain_pem: format!("{leaf_pem}{}", self.cert_pem),
                key_pem: key.serialize_pem(),
            },
            names: names.to_vec(),
            not_after: params.not_after.unix_timestamp(),
        };
        // The key first: a certificate beside a key it does not belong to is found out and issued again, where
        // the other order could leave a new key beside an old certificate only after a crash between the two.
        let stored = self.folder.lock().and_then(|lock| {
            self.folder.replace(
                &lock,
                &[
                    (LEAF_KEY, &leaf.identity.key_pem),
                    (LEAF_CERT, &leaf.identity.chain_pem),
                ],
            )
        });
        if let Err(error) = stored {
            log::warn!(
                "could not keep the new certificate in '{}' ({error}); the next start issues another",
                self.folder.path.display()
            );
        }
        Ok(leaf)
    }

    /// The leaf kept in the folder, checked: `None` when there is none or another CA signed it, an error naming
    /// the file when it is damaged or does not belong to its key.
    fn kept_leaf(&self) -> Result<Option<Leaf>, String> {
        let (cert_path, key_path) = (self.folder.file(LEAF_CERT), self.folder.file(LEAF_KEY));
        let read = || -> std::io::Result<_> {
            let _lock = self.folder.lock()?;
            Ok((self.folder.read(LEAF_CERT)?, self.folder.read(LEAF_KEY)?))
        };
        let (chain_pem, key_pem) = match read() {
            Ok((Some(chain_pem), Some(key_pem))) => (chain_pem, key_pem),
            Ok((None, None)) => return Ok(None),
            Ok(_) => {
                return Err(format!(
                    "'{}' or '{}' is missing",
                    cert_path.display(),
                    key_path.display()
                ))
            }
            Err(error) => {
                return Err(format!(
                    "cannot read '{}': {error}",
                    self.folder.path.display()
                ))
            }
        };
        let exposed = std::fs::metadata(&key_path)
            .map(|metadata| platform::open_to_others(&metadata))
            .unwrap_or(false);
        if exposed {
            return Err(format!(
                "'{}' can be read by other users",
                key_path.display()
            ));
        }
        let chain = Certificate::chain_from_pem(&chain_pem)
            .map_err(|error| format!("'{}' is damaged ({error})", cert_path.display()))?;
        let key = KeyPair::from_pem(&key_pem)
            .map_err(|error| format!("'{}' is not a private key ({error})", key_path.display()))?;
        let leaf = &chain[0];
        if leaf.public_key != key.public_key_raw() {
            return Err(format!(
                "'{}' does not belong to the key in '{}'",
                cert_path.display(),
                key_path.display()
            ));
        }
        let this_ca =
            chain.len() == 2 && chain[1].der == self.cert.der && leaf.signed_by(&self.cert);
        if !this_ca {
            return Ok(None);
        }
        Ok(Some(Leaf {
            names: leaf.names.clone(),
            not_after: leaf.not_after,
            identity: Identity { chain_pem, key_pem },
        }))
    }
}

/// The CA's name and powers. The name carries a piece of the key's fingerprint, so two machines' CAs installed on
/// one phone can be told apart.
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

/// The permitted DNS subtrees of a new CA: `PERMITTED` and the machine's host name (a DNS label, lowercase).
fn permitted_names(host_name: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = PERMITTED.map(str::to_string).to_vec();
    if let Some(host) = host_name.filter(|host| !names.iter().any(|name| name == host)) {
        names.insert(1, host.to_string());
    }
    names
}

/// The folder, made if need be, and its lock.
fn locked(path: &Path) -> Result<(Folder, Locked), String> {
    let folder = Folder::create(path).map_err(|error| {
        format!(
            "cannot create lanai's local CA in '{}': {error}; fix the folder's permissions",
            path.display()
        )
    })?;
    let lock = folder
        .lock()
        .map_err(|error| folder_problem(&folder, "lock", &error))?;
    Ok((folder, lock))
}

fn folder_problem(folder: &Folder, what: &str, error: &dyn std::fmt::Display) -> String {
    format!(
        "cannot {what} lanai's local CA in '{}': {error}; fix the folder's permissions",
        folder.path.display()
    )
}

fn missing(folder: &Folder, absent: &str, present: &str) -> String {
    format!(
        "'{}' is missing beside '{}'; {NEW_CA}",
        folder.file(absent).display(),
        folder.file(present).display()
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names() -> Vec<String> {
        ["localhost", "127.0.0.1", "::1", "box.local"]
            .map(str::to_string)
            .to_vec()
    }

    #[test]
    fn the_ca_and_leaf_are_made_once_and_reused_while_they_name_enough() {
        let folder = tempfile::tempdir().unwrap();
        let ca = LocalCa::open(folder.path(), Some("box")).unwrap();
        let first = ca.leaf(&names()).unwrap().identity;
        let again = LocalCa::open(folder.path(), Some("box")).unwrap();
        assert_eq!(again.cert_pem, ca.cert_pem);
        assert_eq!(
            again.leaf(&names()).unwrap().identity.chain_pem,
            first.chain_pem
        );
        let mut more = names();
        more.push("192.168.1.20".to_string());
        let wider = again.leaf(&more).unwrap().identity;
        assert_ne!(wider.chain_pem, first.chain_pem);
        assert!(wider.chain_pem.ends_with(&ca.cert_pem));
        // A leaf that names more than asked for serves on: a laptop back on a network it has been on keeps it.
        assert_eq!(
            again.leaf(&names()).unwrap().identity.chain_pem,
            wider.chain_pem
        );
    }

    #[test]
    fn a_leaf_near_its_end_is_renewed() {
        let folder = tempfile::tempdir().unwrap();
        let ca = LocalCa::open(folder.path(), None).unwrap();
        let ending = OffsetDateTime::now_utc() + Duration::days(29);
        let first = ca.issue_until(&names(), ending).unwrap().identity;
        assert_ne!(
            ca.leaf(&names()).unwrap().identity.chain_pem,
            first.chain_pem
        );
    }

    #[test]
    fn a_new_ca_is_constrained_to_local_names_and_its_leaves_carry_no_others() {
        let folder = tempfile::tempdir().unwrap();
        let ca = LocalCa::open(folder.path(), Some("box")).unwrap();
        assert_eq!(
            ca.cert.permitted.as_deref(),
            Some(
                &["localhost", "box", "local", "home.arpa", "internal", "test"].map(String::from)[..]
            )
        );
        assert!(ca.warning().is_none());
        let mut asked = names();
        asked.extend(["www.example.com", "box", "other"].map(String::from));
        let leaf = ca.leaf(&asked).unwrap();
        let mut expected = names();
        expected.push("box".to_string());
        assert_eq!(leaf.names, expected);
    }

    #[test]
    fn a_leaf_whose_key_cannot_be_written_leaves_the_kept_pair_as_it_was() {
        let folder = tempfile::tempdir().unwrap();
        let ca = LocalCa::open(folder.path(), None).unwrap();
        let kept = ca.leaf(&names()).unwrap().identity;
        // A folder where the key's temporary file goes: that write fails, whoever runs the test.
        fs::create_dir(folder.path().join("leaf-key.pem.new")).unwrap();
        let mut more = names();
        more.push("10.1.2.3".to_string());
        let unkept = ca.leaf(&more).unwrap();
        assert!(unkept.names.contains(&"10.1.2.3".to_string()));
        let read = |name| fs::read_to_string(folder.path().join(name)).unwrap();
        assert_eq!(read(LEAF_CERT), kept.chain_pem);
        assert_eq!(read(LEAF_KEY), kept.key_pem);
        assert_eq!(ca.kept_leaf().unwrap().unwrap().names, names());
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let ca = LocalCa::open(&folder.path().join("lanai"), None).unwrap();
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
