//! Payments: the provider interface, the built-in test provider, and the resilience
//! around every call — bounded retries with exponential backoff and jitter, and a
//! circuit breaker.
//!
//! Invariants:
//! - only transient failures (errors and timeouts) are retried; a decline or a refusal
//!   is final on the first answer, so a shopper is never charged by a retry;
//! - every retry of one logical call reuses its idempotency key, so the provider does
//!   it at most once however often it is asked;
//! - only transient failures count against the circuit breaker; while it is open, calls
//!   fail at once with [`PaymentError::Unavailable`] (HTTP 503).
//!
//! The payment record itself (status, amounts, transaction history) is embedded in its
//! order; see [`crate::Payment`].

mod card;
mod provider;
mod test_provider;

use std::sync::Arc;
use std::time::Duration;

pub use crate::breaker::BreakerState;
pub use card::{CARD_DIGITS_MAX, CARD_DIGITS_MIN, validate_card_number};
pub use provider::{
    Authorization, AuthorizeRequest, DeclineCode, PaymentProvider, ProviderError, ProviderPayment,
    Settlement,
};
pub use test_provider::{
    PER_MILLION, TEST_CARD_DECLINED, TEST_CARD_INSUFFICIENT_FUNDS, TEST_CARD_SUCCESS,
    TEST_PROVIDER_PAYMENTS_MAX, TestProvider, TestProviderConfig,
};

use crate::breaker::CircuitBreaker;
use crate::model::{Money, Timestamp};

/// Most attempts of one provider call (first try included).
pub const PAYMENT_ATTEMPTS_MAX: u32 = 10;

/// How payments are made: the provider and the resilience around it.
#[derive(Clone)]
pub struct PaymentsConfig {
    /// The provider (default: a fresh [`TestProvider`]).
    pub provider: Arc<dyn PaymentProvider>,
    /// Attempts per call, first try included (1 disables retries; at most
    /// [`PAYMENT_ATTEMPTS_MAX`]).
    pub attempts: u32,
    /// Backoff before the first retry; doubled for each next one.
    pub backoff_base_ms: u64,
    /// Longest backoff.
    pub backoff_max_ms: u64,
    /// Consecutive transient failures that open the circuit.
    pub breaker_failures_max: u32,
    /// How long the circuit stays open before a probe.
    pub breaker_cooldown_ms: u64,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        PaymentsConfig {
            provider: Arc::new(TestProvider::default()),
            attempts: 3,
            backoff_base_ms: 25,
            backoff_max_ms: 400,
            breaker_failures_max: 5,
            breaker_cooldown_ms: 5_000,
        }
    }
}

impl std::fmt::Debug for PaymentsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentsConfig")
            .field("attempts", &self.attempts)
            .field("backoff_base_ms", &self.backoff_base_ms)
            .field("backoff_max_ms", &self.backoff_max_ms)
            .field("breaker_failures_max", &self.breaker_failures_max)
            .field("breaker_cooldown_ms", &self.breaker_cooldown_ms)
            .finish_non_exhaustive()
    }
}

/// A payment that did not happen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentError {
    /// The shopper's means of payment said no (HTTP 402, `payment_failed`, with the
    /// decline's code: `card_declined`, `insufficient_funds`).
    #[error("payment declined: {code}")]
    Declined {
        /// Why.
        code: DeclineCode,
    },
    /// The provider could not be reached or kept failing, or the circuit is open
    /// (HTTP 503, `payment_unavailable`).
    #[error("payments are unavailable: {reason}")]
    Unavailable {
        /// What failed last.
        reason: String,
    },
    /// The provider refused the operation itself (HTTP 409, `payment_rejected`).
    #[error("the payment provider refused: {message}")]
    Rejected {
        /// Why.
        message: String,
    },
}

impl PaymentError {
    /// A stable machine word for the API error object's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            PaymentError::Declined { code } => code.as_str(),
            PaymentError::Unavailable { .. } => "payment_unavailable",
            PaymentError::Rejected { .. } => "payment_rejected",
        }
    }
}

/// The provider with retries and a circuit breaker around it.
pub(crate) struct Payments {
    provider: Arc<dyn PaymentProvider>,
    attempts: u32,
    backoff_base_ms: u64,
    backoff_max_ms: u64,
    breaker: CircuitBreaker,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments")
            .field("breaker", &self.breaker.state())
            .finish_non_exhaustive()
    }
}

impl Payments {
    pub(crate) fn new(config: &PaymentsConfig) -> Payments {
        Payments {
            provider: Arc::clone(&config.provider),
            attempts: config.attempts.clamp(1, PAYMENT_ATTEMPTS_MAX),
            backoff_base_ms: config.backoff_base_ms,
            backoff_max_ms: config.backoff_max_ms.max(config.backoff_base_ms),
            breaker: CircuitBreaker::new(
                "payment provider",
                config.breaker_failures_max,
                Duration::from_millis(config.breaker_cooldown_ms),
            ),
        }
    }

    pub(crate) fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// The backoff before retry `retry` (1 for the first): exponential, capped, with
    /// "equal jitter" (half fixed, half random) so that callers failing together do
    /// not retry together.
    fn backoff(&self, retry: u32) -> Duration {
        let exponential = self
            .backoff_base_ms
            .saturating_mul(1u64 << retry.saturating_sub(1).min(20));
        let cap = exponential.min(self.backoff_max_ms);
        let half = cap / 2;
        Duration::from_millis(half + rand::random_range(0..=cap - half))
    }

    /// Runs `call` through the breaker with retries on transient failures.
    fn call<T>(
        &self,
        what: &'static str,
        mut call: impl FnMut(&dyn PaymentProvider) -> Result<T, ProviderError>,
    ) -> Result<T, PaymentError> {
        let mut attempt = 0;
        loop {
            if !self.breaker.allow() {
                return Err(PaymentError::Unavailable {
                    reason: "the payment circuit is open".into(),
                });
            }
            attempt += 1;
            match call(self.provider.as_ref()) {
                Ok(value) => {
                    self.breaker.on_success();
                    return Ok(value);
                }
                Err(ProviderError::Declined { code }) => {
                    self.breaker.on_success();
                    return Err(PaymentError::Declined { code });
                }
                Err(ProviderError::Rejected { message }) => {
                    self.breaker.on_success();
                    return Err(PaymentError::Rejected { message });
                }
                Err(transient) => {
                    self.breaker.on_failure();
                    tracing::debug!(%transient, attempt, what, "provider call failed");
                    if attempt >= self.attempts {
                        return Err(PaymentError::Unavailable {
                            reason: transient.to_string(),
                        });
                    }
                    std::thread::sleep(self.backoff(attempt));
                }
            }
        }
    }

    pub(crate) fn authorize(
        &self,
        request: &AuthorizeRequest,
    ) -> Result<Authorization, PaymentError> {
        self.call("authorize", |provider| provider.authorize(request))
    }

    pub(crate) fn capture(
        &self,
        authorization: &Authorization,
        key: &str,
    ) -> Result<Settlement, PaymentError> {
        self.call("capture", |provider| provider.capture(authorization, key))
    }

    pub(crate) fn void(
        &self,
        authorization: &Authorization,
        key: &str,
    ) -> Result<(), PaymentError> {
        self.call("void", |provider| provider.void(authorization, key))
    }

    pub(crate) fn refund(
        &self,
        authorization: &Authorization,
        amount: Money,
        key: &str,
    ) -> Result<Settlement, PaymentError> {
        self.call("refund", |provider| {
            provider.refund(authorization, amount, key)
        })
    }

    /// Provider listing for reconciliation: no retries beyond the usual, and it does
    /// count against the breaker like any call.
    pub(crate) fn payments_since(
        &self,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<ProviderPayment>, PaymentError> {
        self.call("list", |provider| provider.payments_since(since, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Currency, PaymentMethod};

    fn payments(
        provider: &Arc<TestProvider>,
        attempts: u32,
        breaker_failures_max: u32,
    ) -> Payments {
        Payments::new(&PaymentsConfig {
            provider: Arc::clone(provider) as Arc<dyn PaymentProvider>,
            attempts,
            backoff_base_ms: 1,
            backoff_max_ms: 2,
            breaker_failures_max,
            breaker_cooldown_ms: 60_000,
        })
    }

    fn request(key: &str, card: &str) -> AuthorizeRequest {
        AuthorizeRequest {
            idempotency_key: key.into(),
            reference: key.into(),
            amount: Money::new(500, Currency::USD),
            method: PaymentMethod::Card,
            card_number: Some(card.into()),
        }
    }

    #[test]
    fn declines_are_not_retried_and_do_not_trip_the_breaker() {
        let provider = Arc::new(TestProvider::default());
        let payments = payments(&provider, 3, 2);
        for n in 0..5 {
            let declined = payments.authorize(&request(&format!("d{n}"), TEST_CARD_DECLINED));
            assert_eq!(
                declined,
                Err(PaymentError::Declined {
                    code: DeclineCode::CardDeclined
                })
            );
        }
        assert_eq!(provider.calls(), 5, "one call each");
        assert_eq!(payments.breaker_state(), BreakerState::Closed);
    }

    #[test]
    fn transient_failures_are_retried_then_open_the_circuit() {
        let provider = Arc::new(TestProvider::new(TestProviderConfig {
            latency_ms: 0,
            transient_failures_per_million: PER_MILLION,
        }));
        let payments = payments(&provider, 3, 4);
        let failed = payments.authorize(&request("t1", TEST_CARD_SUCCESS));
        assert!(matches!(failed, Err(PaymentError::Unavailable { .. })));
        assert_eq!(provider.calls(), 3, "three attempts");
        let failed = payments.authorize(&request("t2", TEST_CARD_SUCCESS));
        assert!(matches!(failed, Err(PaymentError::Unavailable { .. })));
        assert_eq!(provider.calls(), 4, "the fourth failure opened the circuit");
        assert_eq!(payments.breaker_state(), BreakerState::Open);
        provider.set_transient_failures_per_million(0);
        assert!(matches!(
            payments.authorize(&request("t3", TEST_CARD_SUCCESS)),
            Err(PaymentError::Unavailable { .. })
        ));
        assert_eq!(provider.calls(), 4, "refused without a call while open");
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        let provider = Arc::new(TestProvider::default());
        let payments = Payments::new(&PaymentsConfig {
            provider: provider as Arc<dyn PaymentProvider>,
            backoff_base_ms: 10,
            backoff_max_ms: 50,
            ..PaymentsConfig::default()
        });
        for _ in 0..100 {
            let first = payments.backoff(1).as_millis();
            assert!((5..=10).contains(&first), "{first}");
            let late = payments.backoff(30).as_millis();
            assert!((25..=50).contains(&late), "{late}");
        }
    }
}
