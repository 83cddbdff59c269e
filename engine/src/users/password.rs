//! Password hashing: argon2id, PHC strings, parameters from the configuration.
//!
//! Hashing is deliberately slow (tens of milliseconds with the production parameters), so
//! it always runs on the caller's thread, never inside a committer job where it would
//! hold up every other write in the batch. The server calls the methods that hash from a
//! blocking thread.

use std::sync::OnceLock;

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, PasswordVerifier, Version};

use super::UserError;
use crate::model::ValidationError;

/// The argon2id cost parameters for new password hashes.
///
/// Verification always uses the parameters stored in the hash itself, so changing these
/// never locks anyone out; a hash made with other parameters is rehashed with these at
/// the next successful login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordParams {
    /// Memory per hash, in KiB (argon2's `m`).
    pub memory_kib: u32,
    /// Passes over the memory (argon2's `t`).
    pub iterations: u32,
    /// Lanes (argon2's `p`).
    pub parallelism: u32,
}

impl PasswordParams {
    /// The production parameters: OWASP's first recommendation for argon2id
    /// (m = 19,456 KiB, t = 2, p = 1), about 20–40 ms per hash on one core here.
    pub const PRODUCTION: PasswordParams = PasswordParams {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    /// Cheap parameters (m = 1,024 KiB, t = 1, p = 1) for tests that register many
    /// accounts. Never use them for real passwords.
    pub const INSECURE_FAST_FOR_TESTS: PasswordParams = PasswordParams {
        memory_kib: 1_024,
        iterations: 1,
        parallelism: 1,
    };
}

impl Default for PasswordParams {
    fn default() -> Self {
        PasswordParams::PRODUCTION
    }
}

/// The password a dummy hash is made of: login runs one verification against it when
/// the email is unknown, so the reply takes as long as for a known email.
const DUMMY_PASSWORD: &[u8] = b"emporium: no account has this password";

/// Hashes and verifies passwords with one set of parameters.
pub(crate) struct PasswordHashing {
    argon2: Argon2<'static>,
    /// The PHC prefix of a hash made with the configured parameters.
    current_prefix: String,
    /// A hash of [`DUMMY_PASSWORD`] with the configured parameters, made on first need.
    dummy: OnceLock<String>,
}

impl PasswordHashing {
    /// Checks `params` and prepares the hasher.
    pub(crate) fn new(params: PasswordParams) -> Result<PasswordHashing, ValidationError> {
        let checked = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|error| {
            let message = format!("invalid argon2 parameters {params:?}: {error}");
            ValidationError::new("users.password_params", "invalid", message)
        })?;
        let current_prefix = format!(
            "$argon2id$v=19$m={},t={},p={}$",
            params.memory_kib, params.iterations, params.parallelism
        );
        Ok(PasswordHashing {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, checked),
            current_prefix,
            dummy: OnceLock::new(),
        })
    }

    /// A PHC string (`$argon2id$v=19$m=…`) of `password` with a fresh random salt.
    pub(crate) fn hash(&self, password: &str) -> Result<String, UserError> {
        self.argon2
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| UserError::Crypto {
                message: error.to_string(),
            })
    }

    /// Whether `password` matches `phc`; the comparison is argon2's, in constant time. A
    /// malformed stored hash matches nothing.
    pub(crate) fn verify(&self, password: &str, phc: &str) -> bool {
        self.argon2
            .verify_password(password.as_bytes(), phc)
            .is_ok()
    }

    /// Spends the time of one verification without any account: for unknown emails.
    pub(crate) fn verify_dummy(&self, password: &str) {
        let dummy = self.dummy.get_or_init(|| {
            self.argon2
                .hash_password(DUMMY_PASSWORD)
                .map(|hash| hash.to_string())
                // Without a dummy the unknown-email path is merely faster; still correct.
                .unwrap_or_default()
        });
        let _ = self.verify(password, dummy);
    }

    /// Whether `phc` was made with the configured parameters (else it is rehashed at the
    /// next successful login).
    pub(crate) fn is_current(&self, phc: &str) -> bool {
        phc.starts_with(&self.current_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_salts_differ() {
        let hashing =
            PasswordHashing::new(PasswordParams::INSECURE_FAST_FOR_TESTS).expect("params");
        let first = hashing.hash("correct horse").expect("hash");
        let second = hashing.hash("correct horse").expect("hash");
        assert!(
            first.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"),
            "{first}"
        );
        assert_ne!(first, second, "each hash has its own salt");
        assert!(hashing.verify("correct horse", &first));
        assert!(!hashing.verify("correct horsE", &first));
        assert!(!hashing.verify("correct horse", "not a phc string"));
        assert!(hashing.is_current(&first));
        hashing.verify_dummy("anything");
    }

    #[test]
    fn production_parameters_hash_and_verify() {
        let hashing = PasswordHashing::new(PasswordParams::PRODUCTION).expect("params");
        let phc = hashing.hash("a long passphrase 🔑").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(hashing.verify("a long passphrase 🔑", &phc));
        assert!(!hashing.verify("a long passphrase", &phc));
        // A hash made with other parameters still verifies, and is known to be stale.
        let fast = PasswordHashing::new(PasswordParams::INSECURE_FAST_FOR_TESTS).expect("params");
        let old = fast.hash("a long passphrase 🔑").expect("hash");
        assert!(hashing.verify("a long passphrase 🔑", &old));
        assert!(!hashing.is_current(&old));
    }

    #[test]
    fn impossible_parameters_are_refused() {
        let params = PasswordParams {
            memory_kib: 1,
            iterations: 0,
            parallelism: 0,
        };
        assert!(PasswordHashing::new(params).is_err());
    }
}
