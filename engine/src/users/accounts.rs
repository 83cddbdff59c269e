//! Accounts and sessions: registration, login, logout, the admin bootstrap and profiles.
//!
//! Each write is one committer job that decides from what it reads in the batch's
//! transaction before it writes anything; the CPU-heavy password work happens on the
//! caller's thread before the job is queued. Session changes reach the in-memory map only
//! after the commit.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::model::{NewUser, Preferences, Role, User, UserPatch, normalize_email};
use super::token::{self, Token, TokenDigest};
use super::{SESSIONS_PER_USER_MAX, SessionChanges, UserError, Users, open_read};
use crate::Result;
use crate::model::{Event, Timestamp, UserId};
use crate::store::codec::encode;
use crate::store::{Counter, Store, StoreError, Tx, decode_from, tables};

/// What registration and login answer (`{user, token}` in JSON).
#[derive(Clone, Debug, Serialize)]
pub struct Authenticated {
    /// The account.
    pub user: User,
    /// A new session token for `Authorization: Bearer`; shown only this once.
    pub token: Token,
}

/// An account as stored: the public user and its password hash (a PHC string).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct UserRecord {
    pub(crate) user: User,
    pub(crate) password_hash: String,
}

/// A session as stored under the digest of its token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    pub(crate) user_id: UserId,
    pub(crate) role: Role,
    pub(crate) created_at: Timestamp,
    pub(crate) expires_at: Timestamp,
}

/// A committed account write: the user after it, and what it did to sessions.
pub(crate) struct AccountWrite {
    user: User,
    sessions: SessionChanges,
}

impl Users {
    /// Creates a customer account and its first session.
    pub(crate) fn register(&self, store: &Store, new: NewUser) -> Result<Authenticated> {
        let email = new.validate()?;
        // Answers a taken email without spending a hash; the job checks again.
        if self.record_by_email(store, &email)?.is_some() {
            return Err(UserError::EmailTaken { email }.into());
        }
        let password_hash = self.hashing.hash(&new.password)?;
        let (token, digest) = token::generate()?;
        let lifetime_ms = self.session_lifetime_ms;
        let name = new.name;
        let written = store.write(
            move |tx| {
                let record = insert_user(tx, email, name, Role::Customer, password_hash)?;
                let sessions = open_session(tx, &record.user, digest, lifetime_ms)?;
                Ok(AccountWrite {
                    user: record.user,
                    sessions,
                })
            },
            self.after_account(),
        )?;
        Ok(Authenticated {
            user: written.user,
            token,
        })
    }

    /// Checks the credentials and opens a session. Unknown email and wrong password are
    /// one error, and take the same time.
    pub(crate) fn login(
        &self,
        store: &Store,
        email: &str,
        password: &str,
    ) -> Result<Authenticated> {
        let record = match normalize_email(email) {
            Ok(email) => self.record_by_email(store, &email)?,
            Err(_) => None,
        };
        let Some(record) = record else {
            self.hashing.verify_dummy(password);
            return Err(UserError::InvalidCredentials.into());
        };
        if !self.hashing.verify(password, &record.password_hash) {
            return Err(UserError::InvalidCredentials.into());
        }
        let rehashed = match self.hashing.is_current(&record.password_hash) {
            true => None,
            false => Some(self.hashing.hash(password)?),
        };
        let (token, digest) = token::generate()?;
        let lifetime_ms = self.session_lifetime_ms;
        let user_id = record.user.id;
        let verified = record.password_hash;
        let written = store.write(
            move |tx| login_job(tx, user_id, &verified, rehashed, digest, lifetime_ms),
            self.after_account(),
        )?;
        Ok(Authenticated {
            user: written.user,
            token,
        })
    }

    /// Ends the session of `token` durably; once this returns, the token is refused.
    pub(crate) fn logout(&self, store: &Store, token: &str) -> Result<()> {
        let digest = token::digest_of(token).ok_or(UserError::TokenInvalid)?;
        if !self.sessions.map.read().contains_key(&digest) {
            return Err(UserError::TokenInvalid.into());
        }
        store.write(
            move |tx| {
                let Some(session) = read_session(tx, &digest)? else {
                    return Err(UserError::TokenInvalid.into());
                };
                Ok(remove_sessions(tx, &[(digest, session)])?)
            },
            self.apply_sessions(),
        )?;
        Ok(())
    }

    /// Makes sure an admin account with these credentials exists: creates it, or
    /// promotes the account with this email and sets its password. Setting a different
    /// password ends the account's sessions; a promotion alone keeps them (as admin).
    /// Nothing is written when the account already is an admin with this password.
    pub(crate) fn ensure_admin(
        &self,
        store: &Store,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<User> {
        let new = NewUser {
            email: email.to_string(),
            password: password.to_string(),
            name: name.to_string(),
        };
        let email = new.validate()?;
        let existing = self.record_by_email(store, &email)?;
        let password_kept = existing
            .as_ref()
            .is_some_and(|record| self.hashing.verify(password, &record.password_hash));
        if let Some(record) =
            existing.filter(|record| password_kept && record.user.role == Role::Admin)
        {
            return Ok(record.user);
        }
        let new_hash = match password_kept {
            true => None,
            false => Some(self.hashing.hash(password)?),
        };
        let name = new.name;
        let written = store.write(
            move |tx| admin_job(tx, email, name, new_hash),
            self.after_account(),
        )?;
        Ok(written.user)
    }

    /// The account `user_id`.
    pub(crate) fn me(&self, store: &Store, user_id: UserId) -> Result<User> {
        let txn = store.read()?;
        let record = match open_read(&txn, tables::USERS)? {
            Some(table) => match table.get(user_id.raw()).map_err(StoreError::from)? {
                Some(bytes) => Some(decode_from::<UserRecord>("users", bytes.value())?),
                None => None,
            },
            None => None,
        };
        record
            .map(|record| record.user)
            .ok_or_else(|| user_not_found(user_id).into())
    }

    /// Changes the name or preferences of `user_id`.
    pub(crate) fn update_me(
        &self,
        store: &Store,
        user_id: UserId,
        patch: UserPatch,
    ) -> Result<User> {
        patch.validate()?;
        if patch.is_empty() {
            return self.me(store, user_id);
        }
        store.write(
            move |tx| {
                let mut record = read_user(tx, user_id)?.ok_or_else(|| user_not_found(user_id))?;
                if let Some(name) = patch.name {
                    record.user.name = name;
                }
                if let Some(preferences) = &patch.preferences {
                    record.user.preferences = preferences.apply(&record.user.preferences);
                }
                write_user(tx, &record)?;
                Ok(record.user)
            },
            |_| {},
        )
    }

    /// The stored account with `email` (normalized), from a snapshot.
    fn record_by_email(&self, store: &Store, email: &str) -> Result<Option<UserRecord>> {
        let txn = store.read()?;
        let Some(emails) = open_read(&txn, tables::USER_EMAILS)? else {
            return Ok(None);
        };
        let Some(id) = emails
            .get(email)
            .map_err(StoreError::from)?
            .map(|id| id.value())
        else {
            return Ok(None);
        };
        let Some(users) = open_read(&txn, tables::USERS)? else {
            return Ok(None);
        };
        let record = match users.get(id).map_err(StoreError::from)? {
            Some(bytes) => Some(decode_from("users", bytes.value())?),
            None => None,
        };
        Ok(record)
    }

    fn after_account(&self) -> impl FnOnce(&AccountWrite) + Send + 'static {
        let apply = self.apply_sessions();
        move |written| apply(&written.sessions)
    }
}

fn user_not_found(user_id: UserId) -> UserError {
    UserError::UserNotFound {
        id: user_id.to_string(),
    }
}

fn login_job(
    tx: &mut Tx<'_>,
    user_id: UserId,
    verified_hash: &str,
    rehashed: Option<String>,
    digest: TokenDigest,
    lifetime_ms: u64,
) -> Result<AccountWrite> {
    let Some(mut record) = read_user(tx, user_id)? else {
        return Err(UserError::InvalidCredentials.into());
    };
    // The password was checked against a snapshot; if it changed since, that check is void.
    if record.password_hash != verified_hash {
        return Err(UserError::InvalidCredentials.into());
    }
    if let Some(hash) = rehashed {
        record.password_hash = hash;
        write_user(tx, &record)?;
    }
    let sessions = open_session(tx, &record.user, digest, lifetime_ms)?;
    tx.emit(Event::UserLoggedIn { user_id })?;
    Ok(AccountWrite {
        user: record.user,
        sessions,
    })
}

fn admin_job(
    tx: &mut Tx<'_>,
    email: String,
    name: String,
    new_hash: Option<String>,
) -> Result<AccountWrite> {
    let Some(user_id) = user_id_by_email(tx, &email)? else {
        // `new_hash` is `None` only when the account existed, and accounts are never
        // deleted; refuse rather than create an account without a password.
        let hash = new_hash.ok_or(UserError::UserNotFound { id: email.clone() })?;
        let record = insert_user(tx, email, name, Role::Admin, hash)?;
        return Ok(AccountWrite {
            user: record.user,
            sessions: SessionChanges::default(),
        });
    };
    let mut record = read_user(tx, user_id)?.ok_or_else(|| user_not_found(user_id))?;
    let sessions = user_sessions(tx, user_id)?;
    record.user.role = Role::Admin;
    let changes = match new_hash {
        Some(hash) => {
            record.password_hash = hash;
            remove_sessions(tx, &sessions)?
        }
        None => {
            let mut changes = SessionChanges::default();
            for (digest, mut session) in sessions {
                session.role = Role::Admin;
                put_session(tx, &digest, &session)?;
                changes.upserted.push((digest, session));
            }
            changes
        }
    };
    write_user(tx, &record)?;
    Ok(AccountWrite {
        user: record.user,
        sessions: changes,
    })
}

/// Creates an account, unless its email is taken (checked in this transaction, so it
/// holds between concurrent registrations), and emits `UserRegistered`.
fn insert_user(
    tx: &mut Tx<'_>,
    email: String,
    name: String,
    role: Role,
    password_hash: String,
) -> Result<UserRecord> {
    if user_id_by_email(tx, &email)?.is_some() {
        return Err(UserError::EmailTaken { email }.into());
    }
    let id = UserId::from_raw(tx.next_id(Counter::User));
    let record = UserRecord {
        user: User {
            id,
            email,
            name,
            role,
            preferences: Preferences::default(),
            created_at: tx.now,
        },
        password_hash,
    };
    write_user(tx, &record)?;
    tx.txn()
        .open_table(tables::USER_EMAILS)
        .map_err(StoreError::from)?
        .insert(record.user.email.as_str(), id.raw())
        .map_err(StoreError::from)?;
    tx.emit(Event::UserRegistered { user_id: id })?;
    Ok(record)
}

/// Opens a session for `user`, first ending the user's expired sessions and, at the cap,
/// the oldest ones.
fn open_session(
    tx: &Tx<'_>,
    user: &User,
    digest: TokenDigest,
    lifetime_ms: u64,
) -> Result<SessionChanges, StoreError> {
    let now = tx.now;
    let mut existing = user_sessions(tx, user.id)?;
    existing.sort_by_key(|(_, session)| session.expires_at);
    let expired = existing
        .iter()
        .take_while(|(_, session)| session.expires_at <= now)
        .count();
    let over_cap = (existing.len() + 1).saturating_sub(SESSIONS_PER_USER_MAX);
    existing.truncate(expired.max(over_cap));
    let mut changes = remove_sessions(tx, &existing)?;
    let session = SessionRecord {
        user_id: user.id,
        role: user.role,
        created_at: now,
        expires_at: now.plus_millis(lifetime_ms),
    };
    put_session(tx, &digest, &session)?;
    changes.upserted.push((digest, session));
    Ok(changes)
}

/// Removes `sessions` from both session tables.
pub(crate) fn remove_sessions(
    tx: &Tx<'_>,
    sessions: &[(TokenDigest, SessionRecord)],
) -> Result<SessionChanges, StoreError> {
    if sessions.is_empty() {
        return Ok(SessionChanges::default());
    }
    {
        let mut table = tx.txn().open_table(tables::SESSIONS)?;
        for (digest, _) in sessions {
            table.remove(digest)?;
        }
    }
    let mut by_user = tx.txn().open_table(tables::USER_SESSIONS)?;
    for (digest, session) in sessions {
        by_user.remove((session.user_id.raw(), *digest))?;
    }
    Ok(SessionChanges {
        upserted: Vec::new(),
        removed: sessions.iter().map(|(digest, _)| *digest).collect(),
    })
}

fn put_session(
    tx: &Tx<'_>,
    digest: &TokenDigest,
    session: &SessionRecord,
) -> Result<(), StoreError> {
    tx.txn()
        .open_table(tables::SESSIONS)?
        .insert(digest, encode(session).as_slice())?;
    tx.txn().open_table(tables::USER_SESSIONS)?.insert(
        (session.user_id.raw(), *digest),
        session.expires_at.as_millis(),
    )?;
    Ok(())
}

fn read_session(tx: &Tx<'_>, digest: &TokenDigest) -> Result<Option<SessionRecord>, StoreError> {
    let table = tx.txn().open_table(tables::SESSIONS)?;
    let session = match table.get(digest)? {
        Some(bytes) => Some(decode_from("sessions", bytes.value())?),
        None => None,
    };
    Ok(session)
}

/// Every session of `user_id` (at most [`SESSIONS_PER_USER_MAX`]).
fn user_sessions(
    tx: &Tx<'_>,
    user_id: UserId,
) -> Result<Vec<(TokenDigest, SessionRecord)>, StoreError> {
    let digests: Vec<TokenDigest> = {
        let table = tx.txn().open_table(tables::USER_SESSIONS)?;
        let range = (user_id.raw(), [0u8; 32])..=(user_id.raw(), [u8::MAX; 32]);
        let mut digests = Vec::new();
        for entry in table.range(range)? {
            digests.push(entry?.0.value().1);
        }
        digests
    };
    let table = tx.txn().open_table(tables::SESSIONS)?;
    let mut sessions = Vec::with_capacity(digests.len());
    for digest in digests {
        if let Some(bytes) = table.get(&digest)? {
            sessions.push((digest, decode_from("sessions", bytes.value())?));
        }
    }
    Ok(sessions)
}

fn user_id_by_email(tx: &Tx<'_>, email: &str) -> Result<Option<UserId>, StoreError> {
    let table = tx.txn().open_table(tables::USER_EMAILS)?;
    let id = table.get(email)?.map(|id| UserId::from_raw(id.value()));
    Ok(id)
}

pub(crate) fn read_user(tx: &Tx<'_>, user_id: UserId) -> Result<Option<UserRecord>, StoreError> {
    let table = tx.txn().open_table(tables::USERS)?;
    let record = match table.get(user_id.raw())? {
        Some(bytes) => Some(decode_from("users", bytes.value())?),
        None => None,
    };
    Ok(record)
}

fn write_user(tx: &Tx<'_>, record: &UserRecord) -> Result<(), StoreError> {
    tx.txn()
        .open_table(tables::USERS)?
        .insert(record.user.id.raw(), encode(record).as_slice())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreLocation;
    use crate::users::password::PasswordHashing;
    use crate::users::{PasswordParams, UsersConfig};
    use crate::{Config, Engine, Error};

    fn engine() -> Engine {
        let mut config = Config::new(StoreLocation::Memory);
        config.users = UsersConfig {
            password_params: PasswordParams::INSECURE_FAST_FOR_TESTS,
            ..UsersConfig::default()
        };
        Engine::open_with(config).expect("open")
    }

    #[test]
    fn two_registrations_of_one_email_in_one_batch_collide() {
        let store = Store::open(&StoreLocation::Memory, 16).expect("open");
        // Hold the committer so that both registrations wait and land in the next batch.
        let (held, release) = crossbeam_channel::bounded::<()>(0);
        store
            .submit(
                move |_tx| {
                    let _ = release.recv_timeout(std::time::Duration::from_secs(5));
                    Ok(())
                },
                |_| {},
                |_| {},
            )
            .expect("submit");
        let (sender, outcomes) = crossbeam_channel::unbounded();
        for name in ["first", "second"] {
            let sender = sender.clone();
            store
                .submit(
                    move |tx| {
                        let email = "same@example.com".to_string();
                        insert_user(tx, email, name.into(), Role::Customer, "hash".into())
                    },
                    |_| {},
                    move |outcome| {
                        let _ = sender.send(outcome.map(|record| record.user.name));
                    },
                )
                .expect("submit");
        }
        held.send(()).expect("release the committer");
        let first = outcomes.recv().expect("first");
        let second = outcomes.recv().expect("second");
        assert!(matches!(&first, Ok(name) if name == "first"), "{first:?}");
        assert!(matches!(
            second,
            Err(Error::Users(UserError::EmailTaken { .. }))
        ));
        let stats = store.stats();
        let batches = stats.batches.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            batches <= 2,
            "the two registrations shared one batch: {batches}"
        );
    }

    #[test]
    fn registration_and_login_emit_small_events() {
        let engine = engine();
        let new = NewUser {
            email: "ada@example.com".into(),
            password: "correct horse".into(),
            name: "Ada".into(),
        };
        let id = engine.register(new).expect("register").user.id;
        engine
            .login("ada@example.com", "correct horse")
            .expect("login");
        let events: Vec<Event> = engine
            .inner
            .store
            .events_after(0, 10)
            .expect("events")
            .into_iter()
            .map(|record| record.event)
            .collect();
        assert_eq!(
            events,
            [
                Event::UserRegistered { user_id: id },
                Event::UserLoggedIn { user_id: id }
            ]
        );
        let failed = engine.login("ada@example.com", "wrong horse");
        assert!(matches!(
            failed,
            Err(Error::Users(UserError::InvalidCredentials))
        ));
        assert_eq!(engine.inner.store.committed_event_seq(), 2);
    }

    #[test]
    fn sessions_are_capped_per_account() {
        let engine = engine();
        let new = NewUser {
            email: "ada@example.com".into(),
            password: "correct horse".into(),
            name: "Ada".into(),
        };
        let oldest = engine.register(new).expect("register").token;
        let mut last = None;
        for _ in 0..SESSIONS_PER_USER_MAX {
            last = Some(
                engine
                    .login("ada@example.com", "correct horse")
                    .expect("login"),
            );
        }
        assert_eq!(
            engine.authenticate(oldest.as_str()),
            None,
            "the oldest ended"
        );
        let last = last.expect("logged in");
        assert!(engine.authenticate(last.token.as_str()).is_some());
        let sessions = engine.inner.users.sessions.map.read().len();
        assert_eq!(sessions, SESSIONS_PER_USER_MAX);
    }

    #[test]
    fn stale_password_hashes_are_upgraded_at_login() {
        let engine = engine();
        let store = &engine.inner.store;
        let new = NewUser {
            email: "ada@example.com".into(),
            password: "correct horse".into(),
            name: "Ada".into(),
        };
        engine.register(new).expect("register");
        let old = PasswordHashing::new(PasswordParams {
            memory_kib: 512,
            iterations: 1,
            parallelism: 1,
        })
        .expect("params")
        .hash("correct horse")
        .expect("hash");
        let users = &engine.inner.users;
        let mut record = users
            .record_by_email(store, "ada@example.com")
            .expect("read")
            .expect("exists");
        record.password_hash = old.clone();
        let stale = record.clone();
        store
            .write(move |tx| Ok(write_user(tx, &stale)?), |_| {})
            .expect("write");
        engine
            .login("ada@example.com", "correct horse")
            .expect("login");
        let upgraded = users
            .record_by_email(store, "ada@example.com")
            .expect("read")
            .expect("exists")
            .password_hash;
        assert_ne!(upgraded, old);
        assert!(users.hashing.is_current(&upgraded));
        engine
            .login("ada@example.com", "correct horse")
            .expect("login again");
    }
}
