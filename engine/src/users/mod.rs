//! Users: accounts, password hashing, session tokens, roles, profiles and addresses.
//!
//! This capability owns the tables `users`, `user_emails`, `sessions`, `user_sessions`
//! and `addresses`, and the in-memory session map that answers
//! [`crate::Engine::authenticate`] in microseconds without a store read.
//!
//! Invariants:
//! - an email (normalized: trimmed, lower-cased) belongs to at most one account; the
//!   check runs inside the committer's transaction, so two registrations of one email,
//!   even in the same batch, cannot both succeed;
//! - a password is stored only as an argon2id PHC string, and a token only as the
//!   SHA-256 of its bytes; neither secret is in [`User`], an event or a log line;
//! - password hashing runs on the caller's thread, never inside a committer job;
//! - the session map is exactly the committed `sessions` table: it is loaded on open and
//!   changed only after a commit, in commit order, so a logout that has returned has
//!   revoked its token everywhere;
//! - an account has at most [`SESSIONS_PER_USER_MAX`] sessions and
//!   [`ADDRESSES_PER_USER_MAX`] addresses, and whenever it has addresses exactly one of
//!   them is the default.

mod accounts;
mod address;
mod api;
mod model;
mod password;
mod token;

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use redb::{ReadOnlyTable, ReadTransaction, ReadableTable, TableDefinition, TableError};

pub use accounts::Authenticated;
pub use address::{
    ADDRESS_CITY_CHARS_MAX, ADDRESS_LINE_CHARS_MAX, ADDRESS_NAME_CHARS_MAX,
    ADDRESS_POSTAL_CODE_CHARS_MAX, ADDRESS_REGION_CHARS_MAX, ADDRESSES_PER_USER_MAX, Address,
    AddressPatch, COUNTRY_CODES, NewAddress,
};
pub use model::{
    EMAIL_CHARS_MAX, EMAIL_CHARS_MIN, LOCALE_CHARS_MAX, LOCALE_CHARS_MIN, NewUser,
    PASSWORD_CHARS_MAX, PASSWORD_CHARS_MIN, Preferences, PreferencesPatch, Principal, Role,
    USER_NAME_CHARS_MAX, User, UserPatch, normalize_email,
};
pub use password::PasswordParams;
pub use token::{TOKEN_CHARS, TOKEN_PREFIX, Token};

use crate::Result;
use crate::model::Timestamp;
use crate::store::{Store, StoreError, decode_from, tables};
use accounts::SessionRecord;
use password::PasswordHashing;
use token::TokenDigest;

/// Most live sessions of one account; a new login beyond it ends the oldest.
pub const SESSIONS_PER_USER_MAX: usize = 100;
/// Default session lifetime: 30 days.
pub const SESSION_LIFETIME_MS_DEFAULT: u64 = 30 * 24 * 60 * 60 * 1000;
/// Most expired sessions removed by one purge (one committer job stays short).
pub const SESSION_PURGE_MAX: usize = 10_000;

/// A users failure that is not a validation error. Each variant has a stable
/// [`UserError::code`] for the HTTP layer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// Another account already has this email (HTTP 409, `email_taken`).
    #[error("an account with email `{email}` already exists")]
    EmailTaken {
        /// The normalized email.
        email: String,
    },
    /// Unknown email or wrong password; deliberately one error for both (HTTP 401).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// The token is malformed, unknown, expired or revoked (HTTP 401).
    #[error("the token is invalid, expired or revoked")]
    TokenInvalid,
    /// No account has this id (HTTP 404).
    #[error("no user `{id}`")]
    UserNotFound {
        /// The id asked for.
        id: String,
    },
    /// The account has no address with this id (HTTP 404); also for another user's.
    #[error("no address `{id}`")]
    AddressNotFound {
        /// The id asked for.
        id: String,
    },
    /// The account already has [`ADDRESSES_PER_USER_MAX`] addresses (HTTP 409).
    #[error("an account may have at most {max} addresses")]
    TooManyAddresses {
        /// The limit.
        max: usize,
    },
    /// Password hashing or the operating system's RNG failed (HTTP 500: a bug or a
    /// broken machine, never the caller's fault).
    #[error("cryptography failed: {message}")]
    Crypto {
        /// What failed.
        message: String,
    },
}

impl UserError {
    /// A stable machine word for the API error object's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            UserError::EmailTaken { .. } => "email_taken",
            UserError::InvalidCredentials => "invalid_credentials",
            UserError::TokenInvalid => "token_invalid",
            UserError::UserNotFound { .. } => "user_not_found",
            UserError::AddressNotFound { .. } => "address_not_found",
            UserError::TooManyAddresses { .. } => "too_many_addresses",
            UserError::Crypto { .. } => "internal",
        }
    }
}

/// How the users capability is configured ([`crate::Config::users`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsersConfig {
    /// argon2id parameters for new password hashes (default: [`PasswordParams::PRODUCTION`]).
    pub password_params: PasswordParams,
    /// How long a session token lives after login or registration, in milliseconds
    /// (default [`SESSION_LIFETIME_MS_DEFAULT`], 30 days).
    pub session_lifetime_ms: u64,
}

impl Default for UsersConfig {
    fn default() -> Self {
        UsersConfig {
            password_params: PasswordParams::PRODUCTION,
            session_lifetime_ms: SESSION_LIFETIME_MS_DEFAULT,
        }
    }
}

/// The committed sessions, by token digest.
#[derive(Default)]
struct Sessions {
    map: RwLock<HashMap<TokenDigest, SessionRecord>>,
}

/// What a committed job changed in the sessions, applied to the map after the commit.
#[derive(Debug, Default)]
pub(crate) struct SessionChanges {
    /// Sessions created or rewritten.
    pub(crate) upserted: Vec<(TokenDigest, SessionRecord)>,
    /// Sessions ended.
    pub(crate) removed: Vec<TokenDigest>,
}

impl Sessions {
    fn apply(&self, changes: &SessionChanges) {
        if changes.upserted.is_empty() && changes.removed.is_empty() {
            return;
        }
        let mut map = self.map.write();
        for digest in &changes.removed {
            map.remove(digest);
        }
        for (digest, session) in &changes.upserted {
            map.insert(*digest, *session);
        }
    }
}

/// The users capability: password hashing and the session map; the records are in the
/// store.
pub(crate) struct Users {
    hashing: PasswordHashing,
    session_lifetime_ms: u64,
    sessions: Arc<Sessions>,
}

impl Users {
    /// Checks `config` and loads every session from one snapshot of the store; expired
    /// ones are purged from the store before the engine answers anything.
    pub(crate) fn load(store: &Store, config: &UsersConfig) -> Result<Users> {
        let hashing = PasswordHashing::new(config.password_params)?;
        let mut map = HashMap::new();
        let txn = store.read()?;
        if let Some(table) = open_read(&txn, tables::SESSIONS)? {
            for entry in table.iter().map_err(StoreError::from)? {
                let (key, value) = entry.map_err(StoreError::from)?;
                let session: SessionRecord = decode_from("sessions", value.value())?;
                map.insert(key.value(), session);
            }
        }
        drop(txn);
        let users = Users {
            hashing,
            session_lifetime_ms: config.session_lifetime_ms,
            sessions: Arc::new(Sessions {
                map: RwLock::new(map),
            }),
        };
        users.purge_expired_sessions(store)?;
        Ok(users)
    }

    /// The principal of `token`, if it names a live session. No store read, no hash
    /// beyond one SHA-256.
    pub(crate) fn authenticate(&self, token: &str) -> Option<Principal> {
        let digest = token::digest_of(token)?;
        let session = *self.sessions.map.read().get(&digest)?;
        (Timestamp::now() < session.expires_at).then_some(Principal {
            user_id: session.user_id,
            role: session.role,
        })
    }

    /// Removes up to [`SESSION_PURGE_MAX`] expired sessions; returns how many.
    pub(crate) fn purge_expired_sessions(&self, store: &Store) -> Result<usize> {
        let now = Timestamp::now();
        let expired: Vec<(TokenDigest, SessionRecord)> = self
            .sessions
            .map
            .read()
            .iter()
            .filter(|(_, session)| session.expires_at <= now)
            .take(SESSION_PURGE_MAX)
            .map(|(digest, session)| (*digest, *session))
            .collect();
        if expired.is_empty() {
            return Ok(0);
        }
        let changes = store.write(
            move |tx| Ok(accounts::remove_sessions(tx, &expired)?),
            self.apply_sessions(),
        )?;
        Ok(changes.removed.len())
    }

    fn apply_sessions(&self) -> impl Fn(&SessionChanges) + Send + 'static {
        let sessions = Arc::clone(&self.sessions);
        move |changes| sessions.apply(changes)
    }
}

/// Opens `definition` for reading; `None` when no write has created it yet (a store made
/// before the users capability existed).
pub(crate) fn open_read<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &ReadTransaction,
    definition: TableDefinition<K, V>,
) -> Result<Option<ReadOnlyTable<K, V>>, StoreError> {
    match txn.open_table(definition) {
        Ok(table) => Ok(Some(table)),
        Err(TableError::TableDoesNotExist(_)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}
