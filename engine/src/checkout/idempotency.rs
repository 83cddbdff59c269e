//! Idempotency keys (API.md): a repeat of a request with the same key and body gets
//! the first response again and does nothing twice; the same key with another body is
//! a conflict; a repeat while the first is still running is refused as in flight.
//!
//! A key's record is committed in the same transaction as the effect it describes, so
//! it survives a restart exactly when the effect does. In-flight keys live in memory
//! only: after a crash nothing is in flight. Records are kept at least
//! [`IDEMPOTENCY_RETENTION_MS_MIN`]; [`crate::Engine::sweep_idempotency_keys`] drops
//! older ones in bounded steps.
//!
//! Checkout stores a reference to its order; any other POST can store its response
//! (status and body bytes) through [`crate::Engine::idempotency_begin`] and
//! [`IdempotencyGuard::finish`], in a transaction of its own.

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::Mutex;
use redb::ReadableTable;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::CheckoutError;
use crate::Result;
use crate::model::{OrderId, Timestamp, ValidationError};
use crate::store::codec::encode;
use crate::store::{Store, StoreError, decode_from, tables};

/// Longest idempotency key, in characters.
pub const IDEMPOTENCY_KEY_CHARS_MAX: usize = 255;
/// Keys are kept at least this long (24 hours).
pub const IDEMPOTENCY_RETENTION_MS_MIN: u64 = 24 * 60 * 60 * 1000;
/// Most records one sweep step looks at.
pub const IDEMPOTENCY_SWEEP_MAX: usize = 10_000;
/// Largest stored response body.
pub const IDEMPOTENT_BODY_BYTES_MAX: usize = 1024 * 1024;

const STRIPES: usize = 16;

/// The SHA-256 of a request body, as [`crate::Engine::checkout`] and
/// [`crate::Engine::idempotency_begin`] take it.
pub fn request_hash(body: &[u8]) -> [u8; 32] {
    Sha256::digest(body).into()
}

/// A client's idempotency key with the hash of the request it came with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The key, already scoped to the client by the caller (e.g. `usr_…/KEY`):
    /// 1–255 printable characters.
    pub key: String,
    /// The SHA-256 of the request body ([`request_hash`]).
    pub request_hash: [u8; 32],
}

/// What a key's first request answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoredResponse {
    /// A checkout's order (variant 0: checkout splices the id in last).
    Order(OrderId),
    /// Any other response, as the HTTP layer rendered it.
    Http {
        /// HTTP status.
        status: u16,
        /// Body bytes.
        body: Vec<u8>,
    },
}

/// A key's stored record. `response` is LAST: checkout encodes the record with a
/// placeholder order id and the committer splices in the real one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IdempotencyRecord {
    pub(crate) request_hash: [u8; 32],
    pub(crate) created_at: Timestamp,
    pub(crate) response: StoredResponse,
}

/// The in-memory set of keys whose first request is still running.
#[derive(Debug)]
pub(crate) struct InFlight {
    stripes: Box<[Mutex<HashSet<String>>]>,
}

impl Default for InFlight {
    fn default() -> Self {
        InFlight {
            stripes: (0..STRIPES).map(|_| Mutex::new(HashSet::new())).collect(),
        }
    }
}

impl InFlight {
    fn stripe(&self, key: &str) -> &Mutex<HashSet<String>> {
        let hash = key
            .bytes()
            .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        &self.stripes[(hash >> 60) as usize % STRIPES]
    }

    /// Marks `key` in flight; false if it already was.
    pub(crate) fn enter(&self, key: &str) -> bool {
        self.stripe(key).lock().insert(key.to_string())
    }

    pub(crate) fn leave(&self, key: &str) {
        self.stripe(key).lock().remove(key);
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.stripe(key).lock().contains(key)
    }
}

/// Holds a key in flight until dropped (or finished).
pub struct IdempotencyGuard {
    in_flight: Arc<InFlight>,
    store_key: String,
    request_hash: [u8; 32],
    store: Arc<Store>,
}

impl std::fmt::Debug for IdempotencyGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdempotencyGuard")
            .field("key", &self.store_key)
            .finish_non_exhaustive()
    }
}

impl Drop for IdempotencyGuard {
    fn drop(&mut self) {
        self.in_flight.leave(&self.store_key);
    }
}

impl IdempotencyGuard {
    /// The key as stored (scoped).
    pub(crate) fn store_key(&self) -> &str {
        &self.store_key
    }

    /// The hash stored with the key.
    pub(crate) fn stored_hash(&self) -> [u8; 32] {
        self.request_hash
    }

    /// Stores the response of a request that had no transaction of its own to commit
    /// the key in (its own commit, after the effect: a crash between the two forgets
    /// the key, so only use it for effects that are safe to repeat or check themselves).
    pub fn finish(self, status: u16, body: Vec<u8>) -> Result<()> {
        if body.len() > IDEMPOTENT_BODY_BYTES_MAX {
            return Ok(());
        }
        let record = IdempotencyRecord {
            request_hash: self.request_hash,
            created_at: Timestamp::now(),
            response: StoredResponse::Http { status, body },
        };
        let bytes = encode(&record);
        let key = self.store_key.clone();
        self.store.write(
            move |tx| {
                tx.idempotency()?.insert(key.as_str(), bytes.as_slice())?;
                Ok(())
            },
            |_| {},
        )
    }
}

/// How a keyed request starts.
#[derive(Debug)]
pub enum IdempotencyStart {
    /// The key was seen with this body: answer this again.
    Replay(StoredResponse),
    /// First time: go ahead; the key is in flight until the guard drops.
    Proceed(IdempotencyGuard),
}

/// Checks a client key's shape.
pub(crate) fn validate_key(key: &str) -> Result<(), ValidationError> {
    crate::model::validate_line("idempotency_key", key, 1, IDEMPOTENCY_KEY_CHARS_MAX)
}

/// Starts a keyed request under `namespace` (`checkout`, `http`): refuses a key in
/// flight, replays a stored one with the same hash, refuses it with another.
pub(crate) fn begin(
    store: &Arc<Store>,
    in_flight: &Arc<InFlight>,
    namespace: &str,
    key: &IdempotencyKey,
) -> Result<IdempotencyStart> {
    validate_key(&key.key)?;
    let store_key = format!("{namespace}/{}", key.key);
    if !in_flight.enter(&store_key) {
        return Err(CheckoutError::IdempotencyInFlight.into());
    }
    let guard = IdempotencyGuard {
        in_flight: Arc::clone(in_flight),
        store_key,
        request_hash: key.request_hash,
        store: Arc::clone(store),
    };
    let txn = store.read()?;
    let table = txn
        .open_table(tables::IDEMPOTENCY)
        .map_err(StoreError::from)?;
    let Some(value) = table
        .get(guard.store_key.as_str())
        .map_err(StoreError::from)?
    else {
        return Ok(IdempotencyStart::Proceed(guard));
    };
    let record: IdempotencyRecord = decode_from("idempotency", value.value())?;
    if record.request_hash != key.request_hash {
        return Err(CheckoutError::IdempotencyConflict.into());
    }
    Ok(IdempotencyStart::Replay(record.response))
}

/// Drops records created before `cutoff`, looking at most [`IDEMPOTENCY_SWEEP_MAX`]
/// records after `cursor`; returns how many it dropped and where to go on (`None`
/// when it reached the end).
pub(crate) fn sweep(
    store: &Store,
    cutoff: Timestamp,
    cursor: Option<String>,
) -> Result<(usize, Option<String>)> {
    store.write(
        move |tx| {
            let table = tx.idempotency()?;
            let mut old = Vec::new();
            let mut last = None;
            let mut examined = 0;
            {
                let range = match &cursor {
                    Some(after) => table.range::<&str>((
                        std::ops::Bound::Excluded(after.as_str()),
                        std::ops::Bound::Unbounded,
                    ))?,
                    None => table.range::<&str>(..)?,
                };
                for entry in range.take(IDEMPOTENCY_SWEEP_MAX) {
                    let (key, value) = entry?;
                    let record: IdempotencyRecord = decode_from("idempotency", value.value())?;
                    if record.created_at < cutoff {
                        old.push(key.value().to_string());
                    }
                    last = Some(key.value().to_string());
                    examined += 1;
                }
            }
            for key in &old {
                table.remove(key.as_str())?;
            }
            let next = last.filter(|_| examined == IDEMPOTENCY_SWEEP_MAX);
            Ok((old.len(), next))
        },
        |_| {},
    )
}
