//! `--auth-file`: the users of an htpasswd file and their bcrypt or argon2 hashes, and the dummy hash an unknown
//! user is checked against, so that refusing an unknown name takes as long as refusing a known name's wrong
//! password.

use super::Credentials;
use argon2::password_hash::PasswordVerifier;
use std::path::Path;

pub(super) struct Users {
    known: Vec<(String, Hash)>,
    /// A copy of the costliest hash in the file; whatever it says, an unknown user is refused.
    dummy: Hash,
}

impl Users {
    /// The users of an htpasswd file: `user:hash` lines, blank lines and `#` comments skipped.
    pub(super) fn read(path: &Path) -> Result<Users, String> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            format!(
                "cannot read the --auth-file '{}': {error}; give an htpasswd file",
                path.display()
            )
        })?;
        let mut known = Vec::new();
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
            known.push((user.to_string(), hash));
        }
        let Some(costliest) = known
            .iter()
            .map(|(_, hash)| hash)
            .max_by_key(|hash| hash.cost())
        else {
            return Err(format!(
                "--auth-file '{}' names no user; add USER:HASH lines (htpasswd -nbB USER PASSWORD)",
                path.display()
            ));
        };
        let dummy = costliest.clone();
        Ok(Users { known, dummy })
    }

    /// Whether the password is the user's. An unknown user costs one check against the dummy, the same work as
    /// a known user's, and is refused whatever that check says.
    pub(super) fn accepts(&self, credentials: &Credentials) -> bool {
        match self
            .known
            .iter()
            .find(|(user, _)| *user == credentials.user)
        {
            Some((_, hash)) => hash.accepts(&credentials.password),
            None => {
                // black_box: the unused answer must not let the compiler drop the work.
                std::hint::black_box(self.dummy.accepts(&credentials.password));
                false
            }
        }
    }
}

#[derive(Clone)]
enum Hash {
    Bcrypt {
        text: String,
        cost: u32,
    },
    /// `work` is memory (KiB) times passes: what one check costs.
    Argon2 {
        text: String,
        work: u64,
    },
}

impl Hash {
    /// The hash of one htpasswd line, if it is of a kind lanai can check.
    fn parse(text: &str) -> Option<Hash> {
        let bcrypt = ["$2y$", "$2b$", "$2a$"]
            .iter()
            .any(|prefix| text.starts_with(prefix));
        if bcrypt {
            let cost = text.parse::<bcrypt::HashParts>().ok()?.get_cost();
            // Outside bcrypt's range a check fails at once: as a dummy, it would time nothing.
            return (4..=31).contains(&cost).then(|| Hash::Bcrypt {
                text: text.to_string(),
                cost,
            });
        }
        if text.starts_with("$argon2") {
            let parsed = argon2::PasswordHash::new(text).ok()?;
            let params = argon2::Params::try_from(&parsed).ok()?;
            return Some(Hash::Argon2 {
                text: text.to_string(),
                work: u64::from(params.m_cost()) * u64::from(params.t_cost()),
            });
        }
        None
    }

    /// What picks the dummy: bcrypt (what htpasswd -B writes) over argon2, then the greater cost. In a file
    /// that mixes the kinds, the users of the other kind can still be told apart by time.
    fn cost(&self) -> (bool, u64) {
        match self {
            Hash::Bcrypt { cost, .. } => (true, u64::from(*cost)),
            Hash::Argon2 { work, .. } => (false, *work),
        }
    }

    fn accepts(&self, password: &str) -> bool {
        match self {
            Hash::Bcrypt { text, .. } => bcrypt::verify(password, text).unwrap_or(false),
            Hash::Argon2 { text, .. } => argon2::Argon2::default()
                .verify_password(password.as_bytes(), text.as_str())
                .is_ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bcrypt_of(password: &str, cost: u32) -> String {
        bcrypt::hash_with_result(password, cost)
            .unwrap()
            .format_for_version(bcrypt::Version::TwoY)
    }

    fn users(lines: &str) -> Result<Users, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("htpasswd");
        std::fs::write(&path, lines).unwrap();
        Users::read(&path)
    }

    fn credentials(user: &str, password: &str) -> Credentials {
        Credentials {
            user: user.into(),
            password: password.into(),
        }
    }

    // The argon2 crate's known-answer vector for "password" (m=64 MiB, t=2).
    const ARGON: &str =
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

    #[test]
    fn the_dummy_is_the_costliest_bcrypt_hash() {
        let (cheap, dear) = (bcrypt_of("a", 4), bcrypt_of("b", 5));
        let users = users(&format!("dog:{ARGON}\ncat:{cheap}\nemu:{dear}\n")).unwrap();
        assert!(matches!(&users.dummy, Hash::Bcrypt { text, cost: 5 } if *text == dear));
        let argon_users = self::users(&format!(
            "dog:{ARGON}\nowl:$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$MDEyMzQ1Njc4OWFiY2RlZg\n"
        ))
        .unwrap();
        assert!(matches!(&argon_users.dummy, Hash::Argon2 { work, .. } if *work == 65536 * 2));
    }

    #[test]
    fn an_unknown_user_is_refused_even_with_the_dummys_own_password() {
        let users = users(&format!("cat:{}\n", bcrypt_of("pw", 4))).unwrap();
        assert!(users.dummy.accepts("pw"), "the dummy is cat's hash");
        assert!(users.accepts(&credentials("cat", "pw")));
        assert!(!users.accepts(&credentials("dog", "pw")));
        assert!(!users.accepts(&credentials("", "pw")));
        assert!(!users.accepts(&credentials("cat", "no")));
    }

    #[test]
    fn hashes_lanai_cannot_time_are_refused_at_start_up() {
        let out_of_range = bcrypt_of("pw", 4).replacen("$04$", "$99$", 1);
        for hash in ["$apr1$abc$def", "$2y$12$short", out_of_range.as_str()] {
            let error = users(&format!("ann:{hash}\n")).err().unwrap();
            assert!(
                error.contains("line 1") && error.contains("htpasswd -nbB"),
                "{error}"
            );
        }
        assert!(users("# nobody\n\n")
            .err()
            .unwrap()
            .contains("names no user"));
    }
}
