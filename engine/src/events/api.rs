//! The engine's events API: recording activity, waiting for read models, reading the
//! analytics and alerts they keep.

use std::time::Duration;

use super::{ActivityStats, LowStockAlert, SubscriberStatus};
use crate::analytics::Analytics;
use crate::model::{
    CartId, CheckoutStarted, ClientEvent, Event, ProductId, ProductViewed, SearchPerformed,
    Timestamp, UserId, Visitor, validate_client_event, validate_client_time,
};
use crate::{Engine, Error, Result};

/// Most recommendations one call returns.
pub const RECOMMENDATIONS_LIMIT_MAX: usize = 50;
/// Recommendations returned when the caller does not say.
pub const RECOMMENDATIONS_LIMIT_DEFAULT: usize = 8;

impl Engine {
    /// Records that `visitor` viewed product `product_id` at `at` (the client's clock,
    /// checked against ours). False when the activity queue is full (the view is
    /// dropped and counted); an unknown product is refused with a 404-style error.
    pub fn record_product_view(
        &self,
        product_id: ProductId,
        visitor: Visitor,
        at: Option<Timestamp>,
    ) -> Result<bool> {
        let now = Timestamp::now();
        let at = at.unwrap_or(now);
        validate_client_time(at, now)?;
        self.require_product(product_id)?;
        Ok(self
            .inner
            .activity
            .record(Event::ProductViewed(ProductViewed {
                product_id,
                visitor,
                at,
            })))
    }

    /// Records a search: its query, how many products matched and how long it took.
    pub fn record_search(&self, query: &str, results: u64, took_us: u64, visitor: Visitor) -> bool {
        self.inner
            .activity
            .record(Event::SearchPerformed(SearchPerformed {
                query: query.to_string(),
                results,
                took_us,
                visitor,
            }))
    }

    /// Records a client event (page view, click, or a product view when `kind` is
    /// `product_view` and a product is named). Checked: the type word, the properties'
    /// count and sizes, the time, the product's existence.
    pub fn record_client_event(&self, event: ClientEvent) -> Result<bool> {
        validate_client_event(&event.kind, &event.properties)?;
        if let Some(product_id) = event.product_id {
            self.require_product(product_id)?;
        }
        if event.kind == "product_view" {
            let Some(product_id) = event.product_id else {
                return Err(crate::ValidationError::new(
                    "product_id",
                    "required",
                    "a product_view event names its product",
                )
                .into());
            };
            return self.record_product_view(product_id, event.visitor, Some(event.at));
        }
        validate_client_time(event.at, Timestamp::now())?;
        Ok(self.inner.activity.record(Event::Client(event)))
    }

    /// Records that a checkout of `cart_id` began.
    pub(crate) fn record_checkout_started(&self, cart_id: CartId, user_id: Option<UserId>) {
        self.inner
            .activity
            .record(Event::CheckoutStarted(CheckoutStarted { cart_id, user_id }));
    }

    /// Appends all activity recorded so far to the log (it otherwise goes every
    /// [`super::ACTIVITY_FLUSH_INTERVAL_MS`]) and returns the last sequence number
    /// written.
    pub fn flush_activity(&self) -> u64 {
        self.inner.activity.flush(Duration::from_secs(10));
        self.inner.store.committed_event_seq()
    }

    /// Waits until every read model has applied the log up to `seq`; false on timeout.
    pub fn wait_read_models(&self, seq: u64, timeout: Duration) -> bool {
        self.inner.subscribers.wait_applied(seq, timeout)
    }

    /// Forgets read model `name` and replays the log into it from sequence 0, waiting
    /// up to `timeout` for it to reach what is committed now. `None` if no subscriber
    /// has that name, else whether it got there in time (it carries on regardless).
    /// Queries meanwhile see the partial state.
    pub fn rebuild_read_model(&self, name: &str, timeout: Duration) -> Option<bool> {
        let target = self.inner.store.committed_event_seq();
        self.inner.subscribers.rebuild(name, target, timeout)
    }

    /// Every subscriber's progress.
    pub fn subscribers(&self) -> Vec<SubscriberStatus> {
        self.inner.subscribers.status()
    }

    /// The activity buffer's counters (accepted, dropped, logged).
    pub fn activity_stats(&self) -> &ActivityStats {
        self.inner.activity.stats()
    }

    /// Runs `read` on the analytics windows (under a read lock: keep it short).
    pub fn analytics<R>(&self, read: impl FnOnce(&Analytics) -> R) -> R {
        self.inner.analytics.read(read)
    }

    /// Products whose stock is at or below their threshold, newest alert first, with
    /// their stock now.
    pub fn low_stock_alerts(&self) -> Vec<(LowStockAlert, crate::StockLevel)> {
        self.inner
            .alerts
            .list()
            .into_iter()
            .map(|alert| {
                let level = self.stock(alert.product_id);
                (alert, level)
            })
            // A sale cancelled or refunded can lift stock without an adjustment.
            .filter(|(alert, level)| level.on_hand <= alert.threshold)
            .collect()
    }

    /// Up to `limit` (at most [`RECOMMENDATIONS_LIMIT_MAX`]) active products to show
    /// beside product `product_id`, best first, each with why: bought together, then
    /// also viewed in one session, then popular in its category.
    pub fn recommendations(
        &self,
        product_id: ProductId,
        limit: usize,
    ) -> Result<Vec<(std::sync::Arc<crate::Product>, super::RecommendationReason)>> {
        self.require_product(product_id)?;
        let limit = limit.min(RECOMMENDATIONS_LIMIT_MAX);
        let mut products = Vec::with_capacity(limit);
        let ids = self
            .inner
            .recommendations
            .for_product(product_id, limit, |id| match self.product(id) {
                Ok(Some(product)) if product.status == crate::ProductStatus::Active => {
                    products.push(product);
                    true
                }
                _ => false,
            });
        Ok(products
            .into_iter()
            .zip(ids)
            .map(|(product, (_, reason))| (product, reason))
            .collect())
    }

    fn require_product(&self, product_id: ProductId) -> Result<()> {
        match self.product(product_id)? {
            Some(_) => Ok(()),
            None => Err(Error::Catalog(crate::CatalogError::ProductNotFound {
                id: product_id.to_string(),
            })),
        }
    }
}
