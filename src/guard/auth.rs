//! HTTP Basic authentication: `--auth USER:PASSWORD` and `--auth-file` (htpasswd with bcrypt or argon2id hashes).
//! Without the right credentials every request gets `401` and a challenge.
//!
//! The handler is synchronous, and a bcrypt or argon2 check takes milliseconds to tens of milliseconds of CPU. So
//! each set of credentials is hashed at most once: a success is remembered (by the SHA-256 of the header value,
//! never the password), and so is a recent failure, since browsers resend the same header with every request.
//! Hash checks take turns behind one lock, so however many new credentials arrive at once, at most one executor
//! thread is busy hashing and the others go on serving.

use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::vocabulary::headers::{AUTHORIZATION, WWW_AUTHENTICATE};
use crate::http::vocabulary::StatusCode;
use argon2::password_hash::PasswordVerifier;
use base64::Engine;
use ring::digest::{digest, SHA256};
use std::collections::{HashSet, VecDeque};
use std::path::Path;
use std::sync::Mutex;
use subtle::ConstantTimeEq;

const CHALLENGE: &str = "Basic realm=\"lanai\", charset=\"UTF-8\"";
/// How many verified credentials are remembered; past it the memory starts afresh.
const MOST_REMEMBERED: usize = 1024;
/// How many recently refused credentials are remembered.
const MOST_REFUSED: usize = 256;

type Digest = [u8; 32];

pub struct Auth {
    /// `--auth` pairs, as the SHA-256 of `user:password`: compared in constant time, all of them every time.
    plain: Vec<Digest>,
    /// `--auth-file` users and their hashes.
    hashed: Vec<(String, Hash)>,
    verified: Mutex<HashSet<Digest>>,
    refused: Mutex<VecDeque<Digest>>,
    /// Held while a hash is checked, so only one thread at a time spends its time on it.
    hashing: Mutex<()>,
}

enum Hash {
    Bcrypt(String),
    Argon2(String),
}

impl Hash {
    /// The hash of one htpasswd line, if it is of a kind lanai can check.
    fn parse(text: &str) -> Option<Hash> {
        let bcrypt = ["$2y$", "$2b$", "$2a$"]
            .iter()
            .any(|prefix| text.starts_with(prefix));
        if bcrypt && text.len() == 60 {
            return Some(Hash::Bcrypt(text.to_string()));
        }
        if text.starts_with("$argon2") && argon2::PasswordHash::new(text).is_ok() {
            return Some(Hash::Argon2(text.to_string()));
        }
        None
    }

    fn accepts(&self, password: &str) -> bool {
        match self {
            Hash::Bcrypt(hash) => bcrypt::verify(password, hash).unwrap_or(false),
            Hash::Argon2(hash) => argon2::Argon2::default()
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok(),
        }
    }
}

impl Auth {
    /// The credentials of `--auth` and `--auth-file`, or `None` when neither was given.
    pub fn from_options(pairs: &[String], file: Option<&Path>) -> Result<Option<Auth>, String> {
        if pairs.is_empty() && file.is_none() {
            return Ok(None);
        }
        let mut plain = Vec::new();
        for pair in pairs {
            match pair.split_once(':') {
                Some((user, _)) if !user.is_empty() => plain.push(sha256(pair.as_bytes())),
                _ => {
                    return Err(format!(
                        "--auth '{pair}' is not USER:PASSWORD; give a user name, a colon and the password"
                    ))
                }
            }
        }
        let hashed = match file {
            Some(path) => read_htpasswd(path)?,
            None => Vec::new(),
        };
        Ok(Some(Auth {
            plain,
            hashed,
            verified: Mutex::new(HashSet::new()),
            refused: Mutex::new(VecDeque::new()),
            hashing: Mutex::new(()),
        }))
    }

    /// `None` lets the request through; otherwise the `401` to answer with.
    pub fn check(&self, request: &Request<'_>) -> Option<Response> {
        let allowed = request
            .header(AUTHORIZATION.as_str())
            .is_some_and(|value| self.accepts(value));
        (!allowed).then(|| {
            Response::status_page(StatusCode::Unauthorized).with_header(WWW_AUTHENTICATE, CHALLENGE)
        })
    }

    fn accepts(&self, header: &[u8]) -> bool {
        let key = sha256(header);
        if lock(&self.verified).contains(&key) {
            return true;
        }
        if lock(&self.refused).contains(&key) {
            return false;
        }
        let Some((user, password)) = basic_credentials(header) else {
            return false;
        };
        let pair = format!("{user}:{password}");
        let presented = sha256(pair.as_bytes());
        // No early exit: the time taken does not tell which entry, if any, matched.
        let plain_match = self
            .plain
            .iter()
            .fold(subtle::Choice::from(0), |found, known| {
                found | known.ct_eq(&presented)
            });
        let accepted = bool::from(plain_match) || self.accepts_hashed(&key, &user, &password);
        if accepted {
            let mut verified = lock(&self.verified);
            if verified.len() >= MOST_REMEMBERED {
                verified.clear();
            }
            verified.insert(key);
        } else {
            let mut refused = lock(&self.refused);
            if refused.len() >= MOST_REFUSED {
                refused.pop_front();
            }
            refused.push_back(key);
        }
        accepted
    }

    fn accepts_hashed(&self, key: &Digest, user: &str, password: &str) -> bool {
        let Some((_, hash)) = self.hashed.iter().find(|(known, _)| known == user) else {
            return false;
        };
        let _turn = lock(&self.hashing);
        // Another thread may have checked the same credentials while this one waited for its turn.
        lock(&self.verified).contains(key) || hash.accepts(password)
    }
}

/// A poisoned lock only means a panic elsewhere; the sets it guards are still sound.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn sha256(bytes: &[u8]) -> Digest {
    digest(&SHA256, bytes)
        .as_ref()
        .try_into()
        .expect("SHA-256 has 32 bytes")
}

/// User and password of an `Authorization: Basic …` value (the scheme in any case, RFC 9110 §11.1), decoded as
/// UTF-8, as the challenge's charset asks browsers to send them.
fn basic_credentials(value: &[u8]) -> Option<(String, String)> {
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// The users of an htpasswd file: `user:hash` lines, blank lines and `#` comments skipped.
fn read_htpasswd(path: &Path) -> Result<Vec<(String, Hash)>, String> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        format!(
            "cannot read the --auth-file '{}': {error}; give an htpasswd file",
            path.display()
        )
    })?;
    let mut users = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("--auth-file '{}', line {}", path.display(), index + 1);
        let Some((user, hash)) = line.split_once(':') else {
            return Err(format!("{}: expected USER:HASH", at()));
        };
        let Some(hash) = Hash::parse(hash) else {
            return Err(format!(
                "{}: the hash of '{user}' is of a kind lanai cannot check; use bcrypt (htpasswd -nbB USER PASSWORD) or $argon2id$",
                at()
            ));
        };
        users.push((user.to_string(), hash));
    }
    if users.is_empty() {
        return Err(format!(
            "--auth-file '{}' names no user; add USER:HASH lines (htpasswd -nbB USER PASSWORD)",
            path.display()
        ));
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::parse;

    fn check(auth: &Auth, authorization: Option<&str>) -> Option<u16> {
        let mut raw = "GET / HTTP/1.1\r\nHost: h\r\n".to_string();
        if let Some(value) = authorization {
            raw.push_str(&format!("Authorization: {value}\r\n"));
        }
        raw.push_str("\r\n");
        let (request, _) = parse(raw.as_bytes()).unwrap().unwrap();
        auth.check(&request).map(|response| response.status.code())
    }

    fn basic(pair: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    #[test]
    fn plain_pairs_let_only_their_own_credentials_through() {
        let auth = Auth::from_options(&["ann:secret".into(), "bob:pa:ss".into()], None)
            .unwrap()
            .unwrap();
        assert_eq!(check(&auth, None), Some(401));
        assert_eq!(check(&auth, Some(&basic("ann:secret"))), None);
        assert_eq!(check(&auth, Some(&basic("bob:pa:ss"))), None);
        assert_eq!(check(&auth, Some(&basic("ann:wrong"))), Some(401));
        assert_eq!(check(&auth, Some(&basic("bob:secret"))), Some(401));
        assert_eq!(check(&auth, Some("Bearer abc")), Some(401));
        assert_eq!(check(&auth, Some("Basic !!!")), Some(401));
        assert_eq!(
            check(&auth, Some(&basic("ann:secret").replace("Basic", "bASIC"))),
            None
        );
    }

    #[test]
    fn hashes_of_both_kinds_are_checked() {
        let bcrypt = bcrypt::hash_with_result("pw", 4)
            .unwrap()
            .format_for_version(bcrypt::Version::TwoY);
        // The argon2 crate's known-answer vector for "password".
        let argon = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("htpasswd");
        std::fs::write(&path, format!("# users\ncat:{bcrypt}\n\ndog:{argon}\n")).unwrap();
        let auth = Auth::from_options(&[], Some(&path)).unwrap().unwrap();
        assert_eq!(check(&auth, Some(&basic("cat:pw"))), None);
        assert_eq!(check(&auth, Some(&basic("cat:pw"))), None, "remembered");
        assert_eq!(check(&auth, Some(&basic("cat:no"))), Some(401));
        assert_eq!(
            check(&auth, Some(&basic("cat:no"))),
            Some(401),
            "refusal remembered"
        );
        assert_eq!(check(&auth, Some(&basic("dog:password"))), None);
        assert_eq!(check(&auth, Some(&basic("dog:pw"))), Some(401));
    }

    #[test]
    fn bad_options_and_files_are_one_sentence() {
        assert!(Auth::from_options(&["nocolon".into()], None).is_err());
        assert!(Auth::from_options(&[":pw".into()], None).is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("htpasswd");
        std::fs::write(&path, "ann:$apr1$abc$def\n").unwrap();
        let error = Auth::from_options(&[], Some(&path)).err().unwrap();
        assert!(
            error.contains("line 1") && error.contains("htpasswd -nbB"),
            "{error}"
        );
        assert!(Auth::from_options(&[], None).unwrap().is_none());
    }
}
