//! The payment provider interface: what the engine asks of a card processor.
//!
//! Every call carries an idempotency key: a provider answers a repeated key with the
//! first call's outcome and does nothing twice, which is what makes retries safe. The
//! provider also lists the payments it holds with the merchant reference they were
//! made under, so the engine can find money taken for a checkout that never committed
//! (crash window W2 in `checkout`) and give it back.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Money, PaymentMethod, Timestamp};

/// Why the shopper's means of payment refused the charge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineCode {
    /// The issuer declined (`card_declined`).
    CardDeclined,
    /// Not enough money (`insufficient_funds`).
    InsufficientFunds,
}

impl DeclineCode {
    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineCode::CardDeclined => "card_declined",
            DeclineCode::InsufficientFunds => "insufficient_funds",
        }
    }
}

impl fmt::Display for DeclineCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed provider call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// A definite no from the shopper's side: never retried, never counts against the
    /// provider's health.
    #[error("declined: {code}")]
    Declined {
        /// Why.
        code: DeclineCode,
    },
    /// The provider failed in a way that may pass (5xx, connection reset): retried.
    #[error("transient provider failure: {message}")]
    Transient {
        /// What failed.
        message: String,
    },
    /// No answer in time: retried (the idempotency key makes that safe).
    #[error("provider timed out")]
    Timeout,
    /// The provider refused the operation itself (a refund beyond the capture, a
    /// capture of a voided authorization): never retried.
    #[error("provider refused the operation: {message}")]
    Rejected {
        /// Why.
        message: String,
    },
}

/// A request to reserve money on the shopper's means of payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizeRequest {
    /// Dedupes retries of this call.
    pub idempotency_key: String,
    /// The merchant's reference of the checkout attempt; listed back by
    /// [`PaymentProvider::payments_since`].
    pub reference: String,
    /// How much.
    pub amount: Money,
    /// Card or wallet.
    pub method: PaymentMethod,
    /// The card number, for cards.
    pub card_number: Option<String>,
}

/// A granted authorization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    /// The provider's id of it.
    pub id: String,
    /// The merchant reference it was made under.
    pub reference: String,
    /// The amount reserved.
    pub amount: Money,
}

/// A capture or a refund that happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// The provider's id of it.
    pub id: String,
    /// The amount moved.
    pub amount: Money,
}

/// What a provider holds for one merchant reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderPayment {
    /// The merchant reference.
    pub reference: String,
    /// The authorization behind it.
    pub authorization: Authorization,
    /// Minor units captured.
    pub captured: u64,
    /// Minor units refunded.
    pub refunded: u64,
    /// Whether the authorization was voided.
    pub voided: bool,
    /// When it was authorized.
    pub created_at: Timestamp,
}

impl ProviderPayment {
    /// Minor units taken and not given back.
    pub fn outstanding(&self) -> u64 {
        self.captured.saturating_sub(self.refunded)
    }
}

/// A payment processor. Implementations must be idempotent per key and safe to call
/// from many threads at once.
pub trait PaymentProvider: Send + Sync {
    /// Reserves `request.amount`.
    fn authorize(&self, request: &AuthorizeRequest) -> Result<Authorization, ProviderError>;
    /// Takes the whole authorized amount.
    fn capture(
        &self,
        authorization: &Authorization,
        idempotency_key: &str,
    ) -> Result<Settlement, ProviderError>;
    /// Releases an authorization that was not captured.
    fn void(
        &self,
        authorization: &Authorization,
        idempotency_key: &str,
    ) -> Result<(), ProviderError>;
    /// Gives back `amount` of what was captured.
    fn refund(
        &self,
        authorization: &Authorization,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<Settlement, ProviderError>;
    /// What the provider holds for merchant `reference`, if anything.
    fn payment(&self, reference: &str) -> Result<Option<ProviderPayment>, ProviderError>;
    /// The payments authorized at or after `since`, oldest first, at most `limit`.
    fn payments_since(
        &self,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<ProviderPayment>, ProviderError>;
}
