//! HTTP Basic authentication: `--auth USER:PASSWORD` and `--auth-file` (htpasswd with bcrypt or argon2id hashes).
//! Without the right credentials every request gets `401` and a challenge.
//!
//! A bcrypt or argon2 check takes a quarter of a second of CPU (bcrypt cost 12), so it never runs on the
//! executor: checks go through a bounded queue to one or two threads of their own (hashing.rs), and a request
//! waits for its verdict without holding an executor thread; past the queue, `429` at once. Each set of
//! credentials is hashed at most once: a success is remembered (by the SHA-256 of the header value, never the
//! password), and so is a recent failure, since browsers resend the same header with every request; what is
//! remembered is answered at once, whatever is being hashed. An unknown user is checked against a dummy as
//! costly as the file's hashes (htpasswd.rs), so the time of a refusal does not tell which names exist.

mod hashing;
mod htpasswd;

use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::vocabulary::headers::{AUTHORIZATION, RETRY_AFTER, WWW_AUTHENTICATE};
use crate::http::vocabulary::StatusCode;
use base64::Engine;
use hashing::Hashing;
use htpasswd::Users;
use ring::digest::{digest, SHA256};
use std::collections::{HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;

const CHALLENGE: &str = "Basic realm=\"lanai\", charset=\"UTF-8\"";
/// How many verified credentials are remembered; past it the memory starts afresh.
const MOST_REMEMBERED: usize = 1024;
/// How many recently refused credentials are remembered.
const MOST_REFUSED: usize = 256;
/// Seconds a client turned away with `429` is asked to wait: about what a few queued checks take.
const RETRY_SECONDS: &str = "1";

type Digest = [u8; 32];

pub struct Auth {
    /// `--auth` pairs, as the SHA-256 of `user:password`: compared in constant time, all of them every time.
    plain: Vec<Digest>,
    /// `--auth-file` users, checked off the executor; `None` without a file.
    hashing: Option<Hashing>,
    memory: Arc<Memory>,
}

/// User and password as a Basic header carries them.
struct Credentials {
    user: String,
    password: String,
}

enum Verdict {
    Allowed,
    Refused,
    /// Too many checks wait already: try again later.
    Busy,
}

impl From<bool> for Verdict {
    fn from(accepted: bool) -> Verdict {
        if accepted {
            Verdict::Allowed
        } else {
            Verdict::Refused
        }
    }
}

impl Auth {
    /// The credentials of `--auth` and `--auth-file`, or `None` when neither was given.
    pub fn from_options(pairs: &[String], file: Option<&Path>) -> Result<Option<Auth>, String> {
        Auth::from_flag("--auth", pairs, file)
    }

    /// The credentials of `flag` (`--auth`, `--upload-auth`) and its file variant, or `None` when neither was
    /// given; `flag` names the option in an error.
    pub fn from_flag(
        flag: &str,
        pairs: &[String],
        file: Option<&Path>,
    ) -> Result<Option<Auth>, String> {
        if pairs.is_empty() && file.is_none() {
            return Ok(None);
        }
        let mut plain = Vec::new();
        for pair in pairs {
            match pair.split_once(':') {
                Some((user, _)) if !user.is_empty() => plain.push(sha256(pair.as_bytes())),
                _ => {
                    return Err(format!(
                        "{flag} '{pair}' is not USER:PASSWORD; give a user name, a colon and the password"
                    ))
                }
            }
        }
        let memory = Arc::new(Memory::default());
        let hashing = match file {
            Some(path) => Some(Hashing::start(Users::read(path)?, memory.clone())?),
            None => None,
        };
        Ok(Some(Auth {
            plain,
            hashing,
            memory,
        }))
    }

    /// `None` lets the request through; otherwise the `401` (or, when too many checks wait, the `429`) to answer
    /// with.
    pub async fn check(&self, request: &Request<'_>) -> Option<Response> {
        match self.verdict(request.header(AUTHORIZATION.as_str())).await {
            Verdict::Allowed => None,
            Verdict::Refused => Some(
                Response::status_page(StatusCode::Unauthorized)
                    .with_header(WWW_AUTHENTICATE, CHALLENGE),
            ),
            Verdict::Busy => Some(
                Response::status_page(StatusCode::TooManyRequests)
                    .with_header(RETRY_AFTER, RETRY_SECONDS),
            ),
        }
    }

    async fn verdict(&self, header: Option<&[u8]>) -> Verdict {
        let Some(header) = header else {
            return Verdict::Refused;
        };
        let key = sha256(header);
        if let Some(accepted) = self.memory.recall(&key) {
            return accepted.into();
        }
        let Some(credentials) = basic_credentials(header) else {
            return Verdict::Refused;
        };
        if self.is_plain_pair(&credentials) {
            self.memory.remember(key, true);
            return Verdict::Allowed;
        }
        match &self.hashing {
            Some(hashing) => hashing.check(key, credentials).await,
            None => {
                self.memory.remember(key, false);
                Verdict::Refused
            }
        }
    }

    fn is_plain_pair(&self, credentials: &Credentials) -> bool {
        let presented = sha256(format!("{}:{}", credentials.user, credentials.password).as_bytes());
        // No early exit: the time taken does not tell which entry, if any, matched.
        let found = self
            .plain
            .iter()
            .fold(subtle::Choice::from(0), |found, known| {
                found | known.ct_eq(&presented)
            });
        found.into()
    }
}

/// The verdicts already reached, by the SHA-256 of the header value. Each lock is held for one set operation,
/// never while a hash is checked.
#[derive(Default)]
struct Memory {
    verified: Mutex<HashSet<Digest>>,
    refused: Mutex<VecDeque<Digest>>,
}

impl Memory {
    fn recall(&self, key: &Digest) -> Option<bool> {
        if lock(&self.verified).contains(key) {
            return Some(true);
        }
        lock(&self.refused).contains(key).then_some(false)
    }

    fn remember(&self, key: Digest, accepted: bool) {
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
fn basic_credentials(value: &[u8]) -> Option<Credentials> {
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
    Some(Credentials {
        user: user.to_string(),
        password: password.to_string(),
    })
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
        async_std::task::block_on(auth.check(&request)).map(|response| response.status.code())
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
    fn bad_options_are_one_sentence() {
        assert!(Auth::from_options(&["nocolon".into()], None).is_err());
        assert!(Auth::from_options(&[":pw".into()], None).is_err());
        let dir = tempfile::tempdir().unwrap();
        let error = Auth::from_options(&[], Some(&dir.path().join("missing")))
            .err()
            .unwrap();
        assert!(error.contains("cannot read the --auth-file"), "{error}");
        assert!(Auth::from_options(&[], None).unwrap().is_none());
    }
}
