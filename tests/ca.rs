//! lanai's local CA against the real binary: processes racing to make it end with one CA and its own key; every
//! file checked when read (a damaged or mismatched CA is exit 2 naming the file and `--new-ca`, a damaged leaf is
//! issued again, a CA key open to others is refused with the chmod that fixes it); the name constraints of a new
//! CA read back, and a leaf for a public name that this CA signed refused by a real verifier (webpki, through
//! rustls); a CA made before constraints kept with a warning, and replaced by `--new-ca`.

mod common;

use common::connect_to;
use common::h2::{client_config, lanai_with_data, print_ca, start_with_data as start};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use tempfile::TempDir;

fn ca_folder(data: &Path) -> PathBuf {
    data.join("lanai")
}

/// `lanai --print-ca` (and `extra`) with its data folder in `data`.
fn run_print_ca(data: &Path, extra: &[&str]) -> Output {
    lanai_with_data(data)
        .arg("--print-ca")
        .args(extra)
        .output()
        .unwrap()
}

/// Asserts `output` is a start-up problem: exit 2 and one sentence on stderr, which it returns.
fn refused(output: &Output) -> String {
    let message = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(output.stdout.is_empty(), "nothing printed");
    message
}

/// lanai --https over a fresh root with its data folder in `data`, as a completed process (for those that
/// must not start).
fn run_https(data: &Path) -> Output {
    let root = TempDir::new().unwrap();
    lanai_with_data(data)
        .args([root.path().to_str().unwrap(), "--port", "0", "--https"])
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn certificate(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
}

/// Whether the certificate in `cert_path` belongs to the key in `key_path`.
fn belongs_to(cert_path: &Path, key_path: &Path) -> bool {
    let der = certificate(&fs::read_to_string(cert_path).unwrap());
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    let key = KeyPair::from_pem(&fs::read_to_string(key_path).unwrap()).unwrap();
    cert.public_key().subject_public_key.data.as_ref() == key.public_key_raw()
}

/// A TLS handshake with lanai at `addr` asking for `name`, trusting only `ca_pem`: the chain it sent, or why the
/// client refused it.
fn handshake(
    addr: SocketAddr,
    name: &str,
    ca_pem: &str,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let config = client_config(ca_pem, &[b"http/1.1"]);
    let server_name = ServerName::try_from(name.to_string()).unwrap();
    let mut client = rustls::ClientConnection::new(config, server_name).unwrap();
    let mut socket = connect_to(addr);
    while client.is_handshaking() {
        client
            .complete_io(&mut socket)
            .map_err(|error| error.to_string())?;
    }
    Ok(client.peer_certificates().unwrap().to_vec())
}

#[test]
fn processes_racing_to_make_the_ca_end_with_one_ca_and_its_own_key() {
    for trial in 0..16 {
        let data = TempDir::new().unwrap();
        let racers: Vec<_> = (0..3)
            .map(|_| {
                lanai_with_data(data.path())
                    .arg("--print-ca")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let printed: Vec<Output> = racers
            .into_iter()
            .map(|racer| racer.wait_with_output().unwrap())
            .collect();
        for output in &printed {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "trial {trial}: {stderr}");
            assert_eq!(output.stdout, printed[0].stdout, "trial {trial}: one CA");
        }
        let folder = ca_folder(data.path());
        assert_eq!(
            fs::read(folder.join("ca.pem")).unwrap(),
            printed[0].stdout,
            "trial {trial}"
        );
        assert!(
            belongs_to(&folder.join("ca.pem"), &folder.join("ca-key.pem")),
            "trial {trial}: the key that belongs to the CA"
        );
    }
}

#[test]
fn a_server_racing_print_ca_serves_a_leaf_of_the_ca_it_printed() {
    for trial in 0..4 {
        let data = TempDir::new().unwrap();
        let printer = lanai_with_data(data.path())
            .arg("--print-ca")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let server = start(data.path(), &["--https"]);
        let printed = printer.wait_with_output().unwrap();
        assert!(printed.status.success(), "trial {trial}");
        let ca = String::from_utf8(printed.stdout).unwrap();
        let chain = handshake(server.addr, "localhost", &ca).unwrap();
        assert_eq!(chain[1], certificate(&ca), "trial {trial}");
        let folder = ca_folder(data.path());
        assert!(belongs_to(
            &folder.join("leaf.pem"),
            &folder.join("leaf-key.pem")
        ));
    }
}

#[test]
fn a_damaged_ca_certificate_is_refused_naming_the_file_and_the_way_out() {
    let data = TempDir::new().unwrap();
    let ca = print_ca(data.path());
    let cert_path = ca_folder(data.path()).join("ca.pem");
    let half = &ca[..ca.len() / 2];
    let flipped = ca.replacen("MII", "MIJ", 1);
    for damaged in ["not a certificate\n", half, flipped.as_str(), ""] {
        fs::write(&cert_path, damaged).unwrap();
        for output in [run_print_ca(data.path(), &[]), run_https(data.path())] {
            let message = refused(&output);
            assert!(
                message.contains(&format!("'{}'", cert_path.display())),
                "{message}"
            );
            assert!(message.contains("lanai --new-ca"), "{message}");
        }
    }
}

#[test]
fn a_ca_certificate_that_is_not_its_keys_is_refused() {
    let (data, other) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    print_ca(data.path());
    let foreign = print_ca(other.path());
    let folder = ca_folder(data.path());
    fs::write(folder.join("ca.pem"), foreign).unwrap();
    let message = refused(&run_print_ca(data.path(), &[]));
    assert!(message.contains("does not belong to the key"), "{message}");
    assert!(message.contains(&folder.join("ca-key.pem").display().to_string()));
    fs::remove_file(folder.join("ca-key.pem")).unwrap();
    let message = refused(&run_print_ca(data.path(), &[]));
    assert!(message.contains("ca-key.pem' is missing"), "{message}");
    assert!(message.contains("lanai --new-ca"), "{message}");
}

#[cfg(unix)]
#[test]
fn a_ca_key_others_may_read_is_refused_with_the_chmod_that_fixes_it() {
    use std::os::unix::fs::PermissionsExt;
    let data = TempDir::new().unwrap();
    let ca = print_ca(data.path());
    let key_path = ca_folder(data.path()).join("ca-key.pem");
    for mode in [0o640, 0o604, 0o620] {
        fs::set_permissions(&key_path, fs::Permissions::from_mode(mode)).unwrap();
        for output in [run_print_ca(data.path(), &[]), run_https(data.path())] {
            let message = refused(&output);
            let fix = format!("chmod 600 '{}'", key_path.display());
            assert!(message.contains(&fix), "{mode:o}: {message}");
        }
    }
    fs::set_permissions(&key_path, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        print_ca(data.path()),
        ca,
        "the same CA once the key is private"
    );
}

#[test]
fn a_damaged_leaf_or_one_beside_another_key_is_issued_again() {
    let (data, other) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    drop(start(data.path(), &["--https"]));
    drop(start(other.path(), &["--https"]));
    let folder = ca_folder(data.path());
    let (cert_path, key_path) = (folder.join("leaf.pem"), folder.join("leaf-key.pem"));
    let ca = print_ca(data.path());
    let foreign_key = fs::read(ca_folder(other.path()).join("leaf-key.pem")).unwrap();
    let damage: [(&Path, &[u8], &str); 3] = [
        (&key_path, &foreign_key, "does not belong to the key"),
        (&cert_path, b"garbage", "is damaged"),
        (&key_path, b"", "is not a private key"),
    ];
    for (path, bytes, problem) in damage {
        fs::write(path, bytes).unwrap();
        let server = start(data.path(), &["--https"]);
        let line = server.log_line(&[problem]);
        assert!(line.contains("issues a new certificate"), "{line}");
        let chain = handshake(server.addr, "localhost", &ca).unwrap();
        assert_eq!(
            chain[0],
            certificate(&fs::read_to_string(&cert_path).unwrap())
        );
        assert!(belongs_to(&cert_path, &key_path));
    }
}

#[cfg(unix)]
#[test]
fn a_leaf_key_others_may_read_is_replaced_by_a_private_one() {
    use std::os::unix::fs::PermissionsExt;
    let data = TempDir::new().unwrap();
    drop(start(data.path(), &["--https"]));
    let key_path = ca_folder(data.path()).join("leaf-key.pem");
    let exposed = fs::read(&key_path).unwrap();
    fs::set_permissions(&key_path, fs::Permissions::from_mode(0o644)).unwrap();
    let server = start(data.path(), &["--https"]);
    server.log_line(&[
        "leaf-key.pem' can be read by other users",
        "issues a new certificate",
    ]);
    assert_ne!(fs::read(&key_path).unwrap(), exposed, "a new key");
    let mode = fs::metadata(&key_path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(handshake(server.addr, "localhost", &print_ca(data.path())).is_ok());
}

#[test]
fn a_new_ca_permits_only_local_names_in_a_critical_constraint() {
    let data = TempDir::new().unwrap();
    let ca = certificate(&print_ca(data.path()));
    let (_, parsed) = x509_parser::parse_x509_certificate(&ca).unwrap();
    let constraints = parsed.name_constraints().unwrap().unwrap();
    assert!(constraints.critical);
    assert!(constraints.value.excluded_subtrees.is_none());
    let permitted: Vec<String> = constraints
        .value
        .permitted_subtrees
        .as_ref()
        .unwrap()
        .iter()
        .map(|subtree| match subtree.base {
            x509_parser::extensions::GeneralName::DNSName(name) => name.to_string(),
            ref other => panic!("only DNS names are constrained, not {other:?}"),
        })
        .collect();
    let mut expected = vec!["localhost".to_string()];
    expected.extend(lanai::lan::host_name());
    expected.extend(["local", "home.arpa", "internal", "test"].map(String::from));
    assert_eq!(permitted, expected);
}

/// A leaf signed with the CA's own key, as anyone who copied that key could make: for a public name it is refused
/// by a real verifier, while the same CA's leaf for a local name is accepted.
#[test]
fn a_leaf_for_a_public_name_from_the_ca_is_refused_by_a_real_verifier() {
    let data = TempDir::new().unwrap();
    let ca = print_ca(data.path());
    let ca_key =
        KeyPair::from_pem(&fs::read_to_string(ca_folder(data.path()).join("ca-key.pem")).unwrap())
            .unwrap();
    let issuer = Issuer::from_ca_cert_pem(&ca, &ca_key).unwrap();
    let work = TempDir::new().unwrap();
    for (name, accepted) in [("www.example.com", false), ("box.local", true)] {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![name.to_string()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf = params.signed_by(&key, &issuer).unwrap();
        let (cert, key_path) = (work.path().join("cert.pem"), work.path().join("key.pem"));
        fs::write(&cert, format!("{}{ca}", leaf.pem())).unwrap();
        fs::write(&key_path, key.serialize_pem()).unwrap();
        let server = start(
            data.path(),
            &[
                "--tls-cert",
                cert.to_str().unwrap(),
                "--tls-key",
                key_path.to_str().unwrap(),
            ],
        );
        let outcome = handshake(server.addr, name, &ca);
        if accepted {
            assert!(outcome.is_ok(), "{name}: {outcome:?}");
        } else {
            let refusal = outcome.unwrap_err();
            assert!(refusal.contains("NameConstraintViolation"), "{refusal}");
        }
    }
}

/// A CA as lanai made it before name constraints: the same name and powers, no constraints.
fn write_unconstrained_ca(data: &Path) -> String {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, "lanai local CA 00000000");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).unwrap().pem();
    let folder = ca_folder(data);
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("ca.pem"), &cert).unwrap();
    fs::write(folder.join("ca-key.pem"), key.serialize_pem()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(folder.join("ca-key.pem"), fs::Permissions::from_mode(0o600)).unwrap();
    }
    cert
}

#[test]
fn a_ca_without_constraints_keeps_working_with_a_warning_until_new_ca_replaces_it() {
    let data = TempDir::new().unwrap();
    let old = write_unconstrained_ca(data.path());
    let output = run_print_ca(data.path(), &[]);
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), old);
    let warning = String::from_utf8(output.stderr).unwrap();
    assert_eq!(warning.lines().count(), 1, "{warning}");
    assert!(warning.contains("lanai --new-ca"), "{warning}");
    let server = start(data.path(), &["--https"]);
    server.log_line(&["can sign certificates for any name", "lanai --new-ca"]);
    assert!(handshake(server.addr, "localhost", &old).is_ok());
    drop(server);

    let replaced = lanai_with_data(data.path())
        .arg("--new-ca")
        .output()
        .unwrap();
    assert!(replaced.status.success());
    let notice = String::from_utf8(replaced.stderr).unwrap();
    assert!(notice.contains("must install"), "{notice}");
    assert!(replaced.stdout.is_empty());
    let folder = ca_folder(data.path());
    assert!(!folder.join("leaf.pem").exists(), "its leaf went with it");
    let output = run_print_ca(data.path(), &[]);
    assert!(output.stderr.is_empty(), "no warning for the new CA");
    let new = String::from_utf8(output.stdout).unwrap();
    assert_ne!(new, old);
    let server = start(data.path(), &["--https"]);
    assert!(handshake(server.addr, "localhost", &new).is_ok());
    assert!(handshake(server.addr, "localhost", &old).is_err());
}

#[test]
fn new_ca_replaces_a_damaged_ca_and_prints_it_with_print_ca() {
    let data = TempDir::new().unwrap();
    print_ca(data.path());
    fs::write(ca_folder(data.path()).join("ca.pem"), "damaged").unwrap();
    let output = run_print_ca(data.path(), &["--new-ca"]);
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(printed, print_ca(data.path()));
    assert!(belongs_to(
        &ca_folder(data.path()).join("ca.pem"),
        &ca_folder(data.path()).join("ca-key.pem")
    ));
}
