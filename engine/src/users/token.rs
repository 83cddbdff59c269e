//! Session tokens: 32 bytes from the operating system's RNG, shown once, stored only as
//! their SHA-256.
//!
//! A token is `emp_` followed by 64 lower-case hex digits (URL-safe, fits a header). The
//! store keeps the digest, so a copy of the database does not hand out live sessions;
//! a digest of a 256-bit random value needs no salt or slow hash.

use std::fmt;

use rand::TryRngCore;
use rand::rngs::OsRng;
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::UserError;
use crate::model::{hex_decode, hex_encode};

/// The prefix of every session token (so a leaked one is recognizable in a scan).
pub const TOKEN_PREFIX: &str = "emp_";
/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;
/// Characters in a token: the prefix and two hex digits per byte.
pub const TOKEN_CHARS: usize = TOKEN_PREFIX.len() + 2 * TOKEN_BYTES;

/// The SHA-256 of a token's bytes: the key of its session.
pub(crate) type TokenDigest = [u8; 32];

/// A bearer token, handed out once by registration and login.
///
/// Its `Debug` is redacted so it never reaches a log line; `Serialize` writes the token
/// itself (the auth replies carry it). It has no `PartialEq` on purpose: tokens are
/// checked through [`crate::Engine::authenticate`], never compared by hand.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// The token text, for the `Authorization: Bearer` header.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Serialize for Token {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A fresh token and its digest.
pub(crate) fn generate() -> Result<(Token, TokenDigest), UserError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|error| UserError::Crypto {
            message: format!("the operating system's RNG failed: {error}"),
        })?;
    let token = format!("{TOKEN_PREFIX}{}", hex_encode(&bytes));
    debug_assert_eq!(token.len(), TOKEN_CHARS);
    Ok((Token(token), digest(&bytes)))
}

/// The digest of `token`, or `None` when it is not shaped like one of ours.
pub(crate) fn digest_of(token: &str) -> Option<TokenDigest> {
    if token.len() != TOKEN_CHARS {
        return None;
    }
    let bytes = hex_decode(token.strip_prefix(TOKEN_PREFIX)?)?;
    Some(digest(&bytes))
}

fn digest(bytes: &[u8]) -> TokenDigest {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_hex_and_digest_consistently() {
        let (first, first_digest) = generate().expect("rng");
        let (second, _) = generate().expect("rng");
        assert_ne!(first.as_str(), second.as_str());
        let text = first.as_str();
        assert!(
            text.starts_with(TOKEN_PREFIX) && text.len() == TOKEN_CHARS,
            "{text}"
        );
        assert!(
            text[TOKEN_PREFIX.len()..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit())
        );
        assert_eq!(digest_of(text), Some(first_digest));
        assert_eq!(format!("{first:?}"), "Token(<redacted>)");
    }

    #[test]
    fn malformed_tokens_have_no_digest() {
        let (token, _) = generate().expect("rng");
        let text = token.as_str();
        assert_eq!(digest_of(""), None);
        assert_eq!(digest_of(&text[1..]), None);
        assert_eq!(digest_of(&text.to_uppercase()), None);
        assert_eq!(digest_of(&text.replacen("emp_", "xyz_", 1)), None);
        assert_eq!(digest_of(&format!("{}é", &text[..text.len() - 2])), None);
    }
}
