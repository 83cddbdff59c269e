//! The built-in test provider: deterministic test cards, optional latency and random
//! transient failures, idempotent per key, and a bounded memory of what it did.
//!
//! Cards: [`TEST_CARD_SUCCESS`] succeeds, [`TEST_CARD_DECLINED`] is declined
//! (`card_declined`), [`TEST_CARD_INSUFFICIENT_FUNDS`] fails for `insufficient_funds`;
//! any other Luhn-valid number succeeds. Wallets always succeed. With the defaults it
//! has no latency and never fails at random (API.md).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use super::provider::{
    Authorization, AuthorizeRequest, DeclineCode, PaymentProvider, ProviderError, ProviderPayment,
    Settlement,
};
use crate::model::{Money, PaymentMethod, Timestamp};

/// The card that always succeeds.
pub const TEST_CARD_SUCCESS: &str = "4242424242424242";
/// The card that is always declined (`card_declined`).
pub const TEST_CARD_DECLINED: &str = "4000000000000002";
/// The card that always fails for insufficient funds.
pub const TEST_CARD_INSUFFICIENT_FUNDS: &str = "4000000000009995";
/// Most payments the test provider remembers; the oldest are forgotten beyond it.
pub const TEST_PROVIDER_PAYMENTS_MAX: usize = 262_144;
/// One million: failure rates are in parts per million (no floating point).
pub const PER_MILLION: u32 = 1_000_000;

const SHARDS: usize = 16;
const _: () = assert!(SHARDS.is_power_of_two() && TEST_PROVIDER_PAYMENTS_MAX % SHARDS == 0);

/// How the test provider behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestProviderConfig {
    /// Added to every call.
    pub latency_ms: u64,
    /// Calls failing with a transient error, per million (0: never, 1,000,000: always).
    pub transient_failures_per_million: u32,
}

/// The outcome of a call, remembered under its idempotency key.
#[derive(Clone, Debug)]
enum Outcome {
    Authorized(Authorization),
    Settled(Settlement),
    Voided,
    Failed(ProviderError),
}

#[derive(Debug, Default)]
struct Shard {
    /// Merchant reference → payment, with the keys of the calls made on it.
    payments: HashMap<String, (ProviderPayment, Vec<String>)>,
    /// References in the order they arrived, to forget the oldest.
    arrival: VecDeque<String>,
    /// Idempotency key → outcome.
    outcomes: HashMap<String, Outcome>,
}

/// The built-in provider for tests, demos and benchmarks.
#[derive(Debug)]
pub struct TestProvider {
    latency_ms: AtomicU64,
    failures_per_million: AtomicU32,
    shards: Box<[Mutex<Shard>]>,
    next_id: AtomicU64,
    calls: AtomicU64,
}

impl Default for TestProvider {
    fn default() -> Self {
        TestProvider::new(TestProviderConfig::default())
    }
}

impl TestProvider {
    /// A provider behaving as `config` says.
    pub fn new(config: TestProviderConfig) -> TestProvider {
        TestProvider {
            latency_ms: AtomicU64::new(config.latency_ms),
            failures_per_million: AtomicU32::new(
                config.transient_failures_per_million.min(PER_MILLION),
            ),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            next_id: AtomicU64::new(1),
            calls: AtomicU64::new(0),
        }
    }

    /// Changes the latency of later calls.
    pub fn set_latency_ms(&self, latency_ms: u64) {
        self.latency_ms.store(latency_ms, Ordering::Relaxed);
    }

    /// Changes the transient failure rate of later calls.
    pub fn set_transient_failures_per_million(&self, rate: u32) {
        self.failures_per_million
            .store(rate.min(PER_MILLION), Ordering::Relaxed);
    }

    /// Calls received, every kind and every retry included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    fn shard(&self, reference: &str) -> &Mutex<Shard> {
        let hash = reference
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        &self.shards[(hash as usize) & (SHARDS - 1)]
    }

    /// Latency, the call count and the random transient failure of every call.
    fn enter(&self) -> Result<(), ProviderError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let latency_ms = self.latency_ms.load(Ordering::Relaxed);
        if latency_ms > 0 {
            std::thread::sleep(Duration::from_millis(latency_ms));
        }
        let rate = self.failures_per_million.load(Ordering::Relaxed);
        if rate > 0 && rand::random_range(0..PER_MILLION) < rate {
            return Err(ProviderError::Transient {
                message: "injected failure".into(),
            });
        }
        Ok(())
    }

    fn new_id(&self, prefix: &str) -> String {
        format!("{prefix}_{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Runs `call` on the payment of `reference` unless `key` was seen: then answers
    /// what it answered the first time.
    fn keyed(
        &self,
        reference: &str,
        key: &str,
        call: impl FnOnce(&mut Shard) -> Outcome,
    ) -> Outcome {
        let mut shard = self.shard(reference).lock();
        if let Some(outcome) = shard.outcomes.get(key) {
            return outcome.clone();
        }
        let outcome = call(&mut shard);
        shard.outcomes.insert(key.to_string(), outcome.clone());
        if let Some((_, keys)) = shard.payments.get_mut(reference) {
            keys.push(key.to_string());
        }
        outcome
    }
}

fn decline_of(request: &AuthorizeRequest) -> Option<DeclineCode> {
    match (request.method, request.card_number.as_deref()) {
        (PaymentMethod::Card, Some(TEST_CARD_DECLINED)) => Some(DeclineCode::CardDeclined),
        (PaymentMethod::Card, Some(TEST_CARD_INSUFFICIENT_FUNDS)) => {
            Some(DeclineCode::InsufficientFunds)
        }
        (PaymentMethod::Card, None) => Some(DeclineCode::CardDeclined),
        _ => None,
    }
}

fn forget_oldest(shard: &mut Shard) {
    while shard.payments.len() > TEST_PROVIDER_PAYMENTS_MAX / SHARDS {
        let Some(oldest) = shard.arrival.pop_front() else {
            break;
        };
        if let Some((_, keys)) = shard.payments.remove(&oldest) {
            keys.iter().for_each(|key| {
                shard.outcomes.remove(key);
            });
        }
    }
}

fn answer<T>(
    outcome: Outcome,
    pick: impl FnOnce(Outcome) -> Option<T>,
) -> Result<T, ProviderError> {
    match outcome {
        Outcome::Failed(error) => Err(error),
        other => pick(other).ok_or_else(|| ProviderError::Rejected {
            message: "idempotency key reused for another operation".into(),
        }),
    }
}

impl PaymentProvider for TestProvider {
    fn authorize(&self, request: &AuthorizeRequest) -> Result<Authorization, ProviderError> {
        self.enter()?;
        let reference = request.reference.as_str();
        let outcome = self.keyed(reference, &request.idempotency_key, |shard| {
            if let Some(code) = decline_of(request) {
                return Outcome::Failed(ProviderError::Declined { code });
            }
            if let Some((existing, _)) = shard.payments.get(reference) {
                return Outcome::Authorized(existing.authorization.clone());
            }
            let authorization = Authorization {
                id: self.new_id("tpa"),
                reference: reference.to_string(),
                amount: request.amount,
            };
            let payment = ProviderPayment {
                reference: reference.to_string(),
                authorization: authorization.clone(),
                captured: 0,
                refunded: 0,
                voided: false,
                created_at: Timestamp::now(),
            };
            shard
                .payments
                .insert(reference.to_string(), (payment, Vec::new()));
            shard.arrival.push_back(reference.to_string());
            forget_oldest(shard);
            Outcome::Authorized(authorization)
        });
        answer(outcome, |o| match o {
            Outcome::Authorized(authorization) => Some(authorization),
            _ => None,
        })
    }

    fn capture(
        &self,
        authorization: &Authorization,
        key: &str,
    ) -> Result<Settlement, ProviderError> {
        self.enter()?;
        let outcome = self.keyed(&authorization.reference, key, |shard| {
            let rejected = |message: &str| {
                Outcome::Failed(ProviderError::Rejected {
                    message: message.into(),
                })
            };
            let Some((payment, _)) = shard.payments.get_mut(&authorization.reference) else {
                return rejected("unknown authorization");
            };
            if payment.voided || payment.captured > 0 {
                return rejected("authorization already voided or captured");
            }
            payment.captured = payment.authorization.amount.amount;
            Outcome::Settled(Settlement {
                id: self.new_id("tpc"),
                amount: payment.authorization.amount,
            })
        });
        answer(outcome, |o| match o {
            Outcome::Settled(settlement) => Some(settlement),
            _ => None,
        })
    }

    fn void(&self, authorization: &Authorization, key: &str) -> Result<(), ProviderError> {
        self.enter()?;
        let outcome = self.keyed(&authorization.reference, key, |shard| {
            match shard.payments.get_mut(&authorization.reference) {
                Some((payment, _)) if payment.captured == 0 => {
                    payment.voided = true;
                    Outcome::Voided
                }
                _ => Outcome::Failed(ProviderError::Rejected {
                    message: "nothing to void".into(),
                }),
            }
        });
        answer(outcome, |o| matches!(o, Outcome::Voided).then_some(()))
    }

    fn refund(
        &self,
        authorization: &Authorization,
        amount: Money,
        key: &str,
    ) -> Result<Settlement, ProviderError> {
        self.enter()?;
        let outcome = self.keyed(&authorization.reference, key, |shard| {
            match shard.payments.get_mut(&authorization.reference) {
                Some((payment, _))
                    if amount.currency == payment.authorization.amount.currency
                        && amount.amount > 0
                        && amount.amount <= payment.outstanding() =>
                {
                    payment.refunded += amount.amount;
                    Outcome::Settled(Settlement {
                        id: self.new_id("tpr"),
                        amount,
                    })
                }
                _ => Outcome::Failed(ProviderError::Rejected {
                    message: "refund beyond the capture".into(),
                }),
            }
        });
        answer(outcome, |o| match o {
            Outcome::Settled(settlement) => Some(settlement),
            _ => None,
        })
    }

    fn payment(&self, reference: &str) -> Result<Option<ProviderPayment>, ProviderError> {
        let shard = self.shard(reference).lock();
        Ok(shard
            .payments
            .get(reference)
            .map(|(payment, _)| payment.clone()))
    }

    fn payments_since(
        &self,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<ProviderPayment>, ProviderError> {
        let mut found: Vec<ProviderPayment> = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.lock();
            found.extend(
                shard
                    .payments
                    .values()
                    .map(|(p, _)| p)
                    .filter(|p| p.created_at >= since)
                    .cloned(),
            );
        }
        found.sort_by(|a, b| (a.created_at, &a.reference).cmp(&(b.created_at, &b.reference)));
        found.truncate(limit);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Currency;

    fn request(key: &str, reference: &str, card: &str) -> AuthorizeRequest {
        AuthorizeRequest {
            idempotency_key: key.into(),
            reference: reference.into(),
            amount: Money::new(1_000, Currency::USD),
            method: PaymentMethod::Card,
            card_number: Some(card.into()),
        }
    }

    #[test]
    fn test_cards_and_idempotent_keys() {
        let provider = TestProvider::default();
        let auth = provider
            .authorize(&request("k1", "r1", TEST_CARD_SUCCESS))
            .expect("ok");
        let again = provider
            .authorize(&request("k1", "r1", TEST_CARD_SUCCESS))
            .expect("ok");
        assert_eq!(auth, again, "same key, same authorization");
        let capture = provider.capture(&auth, "c1").expect("capture");
        assert_eq!(provider.capture(&auth, "c1").expect("replayed"), capture);
        assert!(matches!(
            provider.capture(&auth, "c2"),
            Err(ProviderError::Rejected { .. })
        ));
        let declined = provider.authorize(&request("k2", "r2", TEST_CARD_DECLINED));
        assert_eq!(
            declined,
            Err(ProviderError::Declined {
                code: DeclineCode::CardDeclined
            })
        );
        let poor = provider.authorize(&request("k3", "r3", TEST_CARD_INSUFFICIENT_FUNDS));
        assert_eq!(
            poor,
            Err(ProviderError::Declined {
                code: DeclineCode::InsufficientFunds
            })
        );
        let half = Money::new(400, Currency::USD);
        provider.refund(&auth, half, "f1").expect("partial refund");
        assert!(
            provider
                .refund(&auth, Money::new(601, Currency::USD), "f2")
                .is_err(),
            "beyond"
        );
        let listed = provider.payments_since(Timestamp::EPOCH, 10).expect("list");
        assert_eq!(listed.len(), 1, "declines hold nothing");
        assert_eq!(
            (
                listed[0].captured,
                listed[0].refunded,
                listed[0].outstanding()
            ),
            (1_000, 400, 600)
        );
    }

    #[test]
    fn failures_are_injected_at_the_configured_rate() {
        let provider = TestProvider::new(TestProviderConfig {
            latency_ms: 0,
            transient_failures_per_million: PER_MILLION,
        });
        let failed = provider.authorize(&request("k", "r", TEST_CARD_SUCCESS));
        assert!(matches!(failed, Err(ProviderError::Transient { .. })));
        provider.set_transient_failures_per_million(0);
        assert!(
            provider
                .authorize(&request("k", "r", TEST_CARD_SUCCESS))
                .is_ok()
        );
        assert_eq!(provider.calls(), 2);
    }
}
