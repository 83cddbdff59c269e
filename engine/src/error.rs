//! The engine's one error type, gathering each capability's typed errors.

use crate::catalog::CatalogError;
use crate::model::ValidationError;
use crate::store::StoreError;

/// Everything that can go wrong in the engine. Expected outcomes (a duplicate SKU, a
/// version mismatch) are variants to match on, never strings to parse.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Outside input broke a rule; names the field.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A catalog rule refused the operation.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Storage failed; the operation did not happen.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A search request was refused, or the index failed.
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    /// A users rule refused the operation (credentials, tokens, accounts, addresses).
    #[error(transparent)]
    Users(#[from] crate::users::UserError),
    /// A cart or voucher rule refused the operation.
    #[error(transparent)]
    Cart(#[from] crate::cart::CartError),
    /// Stock refused the operation (insufficient stock, adjustment out of range).
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
    /// A payment did not happen (declined, provider unavailable).
    #[error(transparent)]
    Payment(#[from] crate::payments::PaymentError),
    /// An order rule refused the operation (not found, invalid transition).
    #[error(transparent)]
    Order(#[from] crate::orders::OrderError),
    /// A checkout rule refused the operation (idempotency conflicts, injected faults).
    #[error(transparent)]
    Checkout(#[from] crate::checkout::CheckoutError),
    /// A review rule refused the operation (one review per user per product).
    #[error(transparent)]
    Review(#[from] crate::reviews::ReviewError),
    /// The analytics configuration or a checkpoint was refused.
    #[error(transparent)]
    Analytics(#[from] crate::analytics::AnalyticsError),
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<redb::StorageError> for Error {
    fn from(error: redb::StorageError) -> Self {
        Error::Store(error.into())
    }
}
