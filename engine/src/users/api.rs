//! The users capability's part of the engine's public surface.
//!
//! [`Engine::register`], [`Engine::login`] and [`Engine::ensure_admin`] hash or verify a
//! password on the calling thread (tens of milliseconds with the production
//! parameters): an async caller runs them on a blocking thread. Everything else waits
//! for at most one commit, and [`Engine::authenticate`] for nothing at all.

use super::{
    Address, AddressPatch, Authenticated, NewAddress, NewUser, Principal, User, UserPatch,
};
use crate::model::{AddressId, UserId};
use crate::{Engine, Result};

impl Engine {
    /// Creates a customer account and signs it in: the reply carries a new session token.
    ///
    /// Errors: a [`crate::ValidationError`] naming `email`, `password` or `name`;
    /// [`crate::UserError::EmailTaken`] when the normalized email has an account.
    pub fn register(&self, new: NewUser) -> Result<Authenticated> {
        self.inner.users.register(&self.inner.store, new)
    }

    /// Signs in with an email and password and returns a new session token.
    ///
    /// An unknown email and a wrong password are the same
    /// [`crate::UserError::InvalidCredentials`], after the same amount of work.
    pub fn login(&self, email: &str, password: &str) -> Result<Authenticated> {
        self.inner.users.login(&self.inner.store, email, password)
    }

    /// Ends the session of `token`, durably; from the moment this returns the token is
    /// refused. [`crate::UserError::TokenInvalid`] if it names no session.
    pub fn logout(&self, token: &str) -> Result<()> {
        self.inner.users.logout(&self.inner.store, token)
    }

    /// Who `token` speaks for, if it names a live session: a map lookup after one
    /// SHA-256, no store read. `None` for malformed, unknown, expired or revoked tokens.
    pub fn authenticate(&self, token: &str) -> Option<Principal> {
        self.inner.users.authenticate(token)
    }

    /// Removes expired sessions from the store (up to
    /// [`crate::SESSION_PURGE_MAX`] per call); returns how many. Expired sessions are
    /// refused anyway; this only reclaims their space. Also runs at open.
    pub fn purge_expired_sessions(&self) -> Result<usize> {
        self.inner.users.purge_expired_sessions(&self.inner.store)
    }

    /// Makes sure an admin account with these credentials exists (the `--admin-email` /
    /// `--admin-password` bootstrap): creates it, or promotes the account with this email
    /// and sets its password. An existing account keeps its name; a changed password ends
    /// its sessions. Idempotent: nothing is written when it already holds.
    pub fn ensure_admin(&self, email: &str, password: &str, name: &str) -> Result<User> {
        self.inner
            .users
            .ensure_admin(&self.inner.store, email, password, name)
    }

    /// The account `user_id` (`GET /v1/me`); [`crate::UserError::UserNotFound`] if none.
    pub fn me(&self, user_id: UserId) -> Result<User> {
        self.inner.users.me(&self.inner.store, user_id)
    }

    /// Changes one's name or preferences (`PATCH /v1/me`); preferences merge field by
    /// field.
    pub fn update_me(&self, user_id: UserId, patch: UserPatch) -> Result<User> {
        self.inner
            .users
            .update_me(&self.inner.store, user_id, patch)
    }

    /// The saved addresses of `user_id`, the default first, then oldest first. At most
    /// [`crate::ADDRESSES_PER_USER_MAX`], so never paged.
    pub fn addresses(&self, user_id: UserId) -> Result<Vec<Address>> {
        self.inner.users.addresses(&self.inner.store, user_id)
    }

    /// Address `id` of `user_id` (for checkout); another user's address is
    /// [`crate::UserError::AddressNotFound`], like one that does not exist.
    pub fn address(&self, user_id: UserId, id: AddressId) -> Result<Address> {
        self.inner.users.address(&self.inner.store, user_id, id)
    }

    /// Saves an address. The first becomes the default, and so does one with
    /// `is_default`, clearing the others in the same transaction.
    /// [`crate::UserError::TooManyAddresses`] beyond [`crate::ADDRESSES_PER_USER_MAX`].
    pub fn create_address(&self, user_id: UserId, new: NewAddress) -> Result<Address> {
        self.inner
            .users
            .create_address(&self.inner.store, user_id, new)
    }

    /// Changes a saved address; `is_default: Some(true)` makes it the only default.
    pub fn update_address(
        &self,
        user_id: UserId,
        id: AddressId,
        patch: AddressPatch,
    ) -> Result<Address> {
        self.inner
            .users
            .update_address(&self.inner.store, user_id, id, patch)
    }

    /// Deletes a saved address and returns it; deleting the default makes the oldest
    /// remaining address the default.
    pub fn delete_address(&self, user_id: UserId, id: AddressId) -> Result<Address> {
        self.inner
            .users
            .delete_address(&self.inner.store, user_id, id)
    }
}
