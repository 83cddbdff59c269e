use serde::{Deserialize, Serialize};

use super::{Category, Product, Timestamp};

/// A domain event: a fact about a committed change, written in the same transaction as
/// the change itself (the outbox).
///
/// The stored encoding names variants by position, so variants are only ever appended,
/// never reordered or removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A category was created.
    CategoryCreated(Category),
    /// A product was created.
    ProductCreated(Product),
    /// A product changed (any field, status included).
    ProductUpdated {
        /// The state before the change.
        before: Product,
        /// The state after it.
        after: Product,
    },
}

/// An event with its place in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Global sequence number: starts at 1, no gaps.
    pub seq: u64,
    /// Commit time.
    pub at: Timestamp,
    /// What happened.
    pub event: Event,
}
