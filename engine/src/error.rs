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
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<redb::StorageError> for Error {
    fn from(error: redb::StorageError) -> Self {
        Error::Store(error.into())
    }
}
