//! What the analytics queries return (the bodies of the `/v1/analytics/*` endpoints),
//! built from window state. Finalized windows keep their [`WindowReport`], so the
//! history is cheap to read and survives checkpoints.

use std::collections::BinaryHeap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::intern::{CurrencyInterner, PairInterner, ProductInterner, QueryInterner};
use super::lanes::Lanes;
use super::window::{QueryCounts, Slot, WindowKind};
use crate::model::{Currency, Money, ProductId, Timestamp, UserId};

/// The most entries of any ranking (top products, top queries) a query returns, and
/// the number a finalized window keeps.
pub const TOP_K_MAX: usize = 100;

/// Which window an answer is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowRef {
    /// Its kind (`1m`, `5m`, `1h`, `10m/5m`).
    pub kind: WindowKind,
    /// Inclusive start (windows that would start before the epoch show the epoch).
    pub start: Timestamp,
    /// Exclusive end.
    pub end: Timestamp,
    /// Whether the watermark has passed its end (`watermark >= end − 1`).
    pub fired: bool,
    /// Whether it can no longer change (`watermark >= end − 1 + allowed lateness`).
    #[serde(rename = "final")]
    pub is_final: bool,
}

/// A distribution of integer values (minor units or microseconds), resolved to 1 %.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    /// Values recorded.
    pub count: u64,
    /// Smallest.
    pub min: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest.
    pub max: u64,
}

impl Distribution {
    pub(crate) fn of(histogram: &Histogram<u32>) -> Distribution {
        if histogram.is_empty() {
            return Distribution::default();
        }
        Distribution {
            count: histogram.len(),
            min: histogram.min(),
            p50: histogram.value_at_quantile(0.5),
            p90: histogram.value_at_quantile(0.9),
            p99: histogram.value_at_quantile(0.99),
            max: histogram.max(),
        }
    }
}

/// The money of one currency in a window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrencyTotals {
    /// The currency.
    pub currency: Currency,
    /// Orders placed.
    pub orders: u64,
    /// The value of the orders placed (their totals).
    pub revenue: Money,
    /// `revenue / orders`, rounded down to a minor unit (zero without orders).
    pub average_order_value: Money,
    /// Payments captured (at checkout, or later for pending orders).
    pub paid_orders: u64,
    /// The amount captured.
    pub paid: Money,
    /// Refunds given.
    pub refunds: u64,
    /// The amount refunded.
    pub refunded: Money,
    /// Failed checkout payments.
    pub payment_failures: u64,
    /// The amount of the failed payments.
    pub failed: Money,
    /// Distribution of order totals, in minor units.
    pub order_value: Distribution,
}

/// A step of the purchase funnel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelStepKind {
    /// Product views.
    View,
    /// Add-to-cart actions.
    AddToCart,
    /// Checkouts started.
    Checkout,
    /// Orders placed.
    Purchase,
}

/// One step of the funnel: how many events reached it, and the conversion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunnelStep {
    /// The step.
    pub step: FunnelStepKind,
    /// Events at this step in the window.
    pub count: u64,
    /// `count / previous step's count` (`None` for the first step or when the previous
    /// step is zero).
    pub conversion: Option<f64>,
    /// `count / views` (`None` when there were no views).
    pub overall_conversion: Option<f64>,
}

/// The funnel view → add to cart → checkout → purchase, counted in events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Funnel {
    /// The four steps, in order.
    pub steps: Vec<FunnelStep>,
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl Funnel {
    fn of(counts: [u64; 4]) -> Funnel {
        let kinds = [
            FunnelStepKind::View,
            FunnelStepKind::AddToCart,
            FunnelStepKind::Checkout,
            FunnelStepKind::Purchase,
        ];
        let steps = kinds
            .iter()
            .enumerate()
            .map(|(position, &step)| FunnelStep {
                step,
                count: counts[position],
                conversion: position
                    .checked_sub(1)
                    .and_then(|previous| ratio(counts[position], counts[previous])),
                overall_conversion: ratio(counts[position], counts[0]),
            })
            .collect();
        Funnel { steps }
    }
}

/// Everything counted in one window except the rankings: the dashboard summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowTotals {
    /// The window.
    pub window: WindowRef,
    /// Records counted.
    pub events: u64,
    /// Of those, records that arrived after the window fired (late within lateness).
    pub late_events: u64,
    /// Product views.
    pub views: u64,
    /// Add-to-cart actions.
    pub add_to_carts: u64,
    /// Remove-from-cart actions.
    pub removes_from_cart: u64,
    /// Checkouts started.
    pub checkouts: u64,
    /// Orders placed.
    pub orders: u64,
    /// Orders cancelled.
    pub cancellations: u64,
    /// Searches run.
    pub searches: u64,
    /// Searches that found nothing.
    pub zero_result_searches: u64,
    /// Failed checkout payments.
    pub payment_failures: u64,
    /// Accounts created.
    pub signups: u64,
    /// Sign-ins.
    pub logins: u64,
    /// Page views and other client events that are not product views.
    pub page_views: u64,
    /// Distinct users (HyperLogLog estimate, standard error 1.63 %).
    pub unique_users: u64,
    /// Distinct sessions (HyperLogLog estimate, standard error 1.63 %).
    pub unique_sessions: u64,
    /// Money per currency, in order of first appearance.
    pub currencies: Vec<CurrencyTotals>,
    /// The purchase funnel.
    pub funnel: Funnel,
    /// Distribution of search latency, in microseconds.
    pub search_latency_us: Distribution,
}

/// One product's numbers in a window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductStats {
    /// The product.
    pub product_id: ProductId,
    /// Views.
    pub views: u64,
    /// Add-to-cart actions.
    pub add_to_carts: u64,
    /// Orders that contained it.
    pub orders: u64,
    /// Units bought (the purchases ranking).
    pub purchases: u64,
    /// Its order-line value per currency.
    pub revenue: Vec<Money>,
    /// `orders / views` (`None` without views).
    pub conversion: Option<f64>,
}

/// The products with the most revenue in one currency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevenueRanking {
    /// The currency ranked.
    pub currency: Currency,
    /// Best first.
    pub products: Vec<ProductStats>,
}

/// One search query's numbers in a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryStats {
    /// The normalized query.
    pub query: String,
    /// Times it was searched.
    pub searches: u64,
    /// Times it found nothing.
    pub zero_results: u64,
}

/// A window in full: totals and every ranking (at most [`TOP_K_MAX`] entries each).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowReport {
    /// The totals.
    pub totals: WindowTotals,
    /// Most viewed products.
    pub top_by_views: Vec<ProductStats>,
    /// Most bought products (units).
    pub top_by_purchases: Vec<ProductStats>,
    /// Products with the most revenue, one ranking per currency.
    pub top_by_revenue: Vec<RevenueRanking>,
    /// Most frequent queries.
    pub top_queries: Vec<QueryStats>,
    /// Queries that most often found nothing.
    pub zero_result_queries: Vec<QueryStats>,
}

/// What products are ranked by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// Views.
    Views,
    /// Units bought.
    Purchases,
    /// Order-line value, in one currency.
    Revenue,
}

impl RankBy {
    /// Parses the API word (`views`, `purchases`, `revenue`).
    pub fn parse(word: &str) -> Option<RankBy> {
        match word {
            "views" => Some(RankBy::Views),
            "purchases" => Some(RankBy::Purchases),
            "revenue" => Some(RankBy::Revenue),
            _ => None,
        }
    }
}

/// `GET /v1/analytics/top-products`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopProducts {
    /// The window ranked.
    pub window: WindowRef,
    /// The ranking.
    pub by: RankBy,
    /// The currency of a revenue ranking.
    pub currency: Option<Currency>,
    /// Best first; ties go to the lower product id.
    pub data: Vec<ProductStats>,
}

/// `GET /v1/analytics/funnel`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunnelReport {
    /// The window.
    pub window: WindowRef,
    /// The funnel.
    pub funnel: Funnel,
}

/// `GET /v1/analytics/search`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchReport {
    /// The window.
    pub window: WindowRef,
    /// Searches run.
    pub searches: u64,
    /// Searches that found nothing.
    pub zero_result_searches: u64,
    /// Most frequent queries.
    pub top_queries: Vec<QueryStats>,
    /// Queries that most often found nothing.
    pub zero_result_queries: Vec<QueryStats>,
    /// Distribution of search latency, in microseconds.
    pub latency_us: Distribution,
}

/// What kind of anomaly was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A session produced more events than the configured maximum.
    SessionEventBurst,
    /// A session lasted longer than the configured maximum.
    LongSession,
    /// A window saw more failed payments than the configured maximum.
    PaymentFailureBurst,
}

/// A window named without its live state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSpan {
    /// Its kind.
    pub kind: WindowKind,
    /// Inclusive start.
    pub start: Timestamp,
    /// Exclusive end.
    pub end: Timestamp,
}

/// One anomaly, recorded when its threshold was first crossed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// What was seen.
    pub kind: AnomalyKind,
    /// Event time of the record that crossed the threshold.
    pub at: Timestamp,
    /// The session key (16 hex digits), for session anomalies.
    pub session: Option<String>,
    /// The user, when known.
    pub user_id: Option<UserId>,
    /// The window, for payment-failure bursts.
    pub window: Option<WindowSpan>,
    /// Events in the session, or failed payments in the window.
    pub count: u64,
    /// The session's length so far, in milliseconds (zero for window anomalies).
    pub duration_ms: u64,
}

pub(crate) fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// What a slot's dense indexes and lane mean, borrowed: the interners that turn
/// indexes back into ids, and the lanes that hold per-product counts and sketches.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tables<'a> {
    pub(crate) products: &'a ProductInterner,
    pub(crate) pairs: &'a PairInterner,
    pub(crate) currencies: &'a CurrencyInterner,
    pub(crate) queries: &'a QueryInterner,
    pub(crate) lanes: &'a Lanes,
}

pub(crate) fn totals(slot: &Slot, window: WindowRef, tables: Tables<'_>) -> WindowTotals {
    let counts = &slot.counts;
    let currencies = slot
        .currencies
        .iter()
        .enumerate()
        .filter(|(_, agg)| agg.sums.present)
        .map(|(index, agg)| {
            let currency = tables.currencies.currency(index as u8);
            let sums = &agg.sums;
            let money = |amount| Money::new(amount, currency);
            CurrencyTotals {
                currency,
                orders: sums.orders,
                revenue: money(sums.order_value),
                average_order_value: money(sums.order_value.checked_div(sums.orders).unwrap_or(0)),
                paid_orders: sums.paid_orders,
                paid: money(sums.paid_amount),
                refunds: sums.refunds,
                refunded: money(sums.refunded_amount),
                payment_failures: sums.payment_failures,
                failed: money(sums.failed_amount),
                order_value: Distribution::of(&agg.order_values),
            }
        })
        .collect();
    WindowTotals {
        window,
        events: counts.events,
        late_events: counts.late_events,
        views: counts.views,
        add_to_carts: counts.add_to_carts,
        removes_from_cart: counts.removes_from_cart,
        checkouts: counts.checkouts,
        orders: counts.orders,
        cancellations: counts.cancellations,
        searches: counts.searches,
        zero_result_searches: counts.zero_result_searches,
        payment_failures: counts.payment_failures,
        signups: counts.signups,
        logins: counts.logins,
        page_views: counts.page_views,
        unique_users: tables.lanes.users.estimate(slot.lane.index),
        unique_sessions: tables.lanes.sessions.estimate(slot.lane.index),
        currencies,
        funnel: Funnel::of([
            counts.views,
            counts.add_to_carts,
            counts.checkouts,
            counts.orders,
        ]),
        search_latency_us: Distribution::of(&slot.search_latency_us),
    }
}

/// The revenue lines `(product, currency, amount)` of `products` (sorted), sorted:
/// the revenue their stats list, found in one pass over the slot's pairs.
fn revenue_of(slot: &Slot, products: &[u32], tables: Tables<'_>) -> Vec<(u32, u8, u64)> {
    let mut lines: Vec<(u32, u8, u64)> = slot
        .touched_pairs
        .iter()
        .filter_map(|&pair| {
            let (product, currency) = tables.pairs.pair(pair);
            products
                .binary_search(&product)
                .is_ok()
                .then(|| (product, currency, slot.pair_revenue[pair as usize]))
        })
        .collect();
    lines.sort_unstable();
    lines
}

fn product_stats(
    slot: &Slot,
    product: u32,
    revenue: &[(u32, u8, u64)],
    tables: Tables<'_>,
) -> ProductStats {
    let counts = tables.lanes.products.get(product, slot.lane);
    let first = revenue.partition_point(|line| line.0 < product);
    let revenue = revenue[first..]
        .iter()
        .take_while(|line| line.0 == product)
        .map(|&(_, currency, amount)| Money::new(amount, tables.currencies.currency(currency)))
        .collect();
    ProductStats {
        product_id: tables.products.id(product),
        views: u64::from(counts.views),
        add_to_carts: u64::from(counts.add_to_carts),
        orders: u64::from(counts.orders),
        purchases: u64::from(counts.units),
        revenue,
        conversion: ratio(u64::from(counts.orders), u64::from(counts.views)),
    }
}

/// A product in a ranking: its score and, for ties, its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ranked {
    score: u64,
    id: ProductId,
    index: u32,
}

impl Ord for Ranked {
    /// Worse is greater, so a max-heap of entries keeps its worst entry on top.
    fn cmp(&self, other: &Ranked) -> std::cmp::Ordering {
        other.score.cmp(&self.score).then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The `limit` best products offered, by score (higher first, zero scores left out),
/// ties to the lower product id. Keeps `limit` entries, so ranking a window costs one
/// read of each product's score and no allocation per product; ids are looked up
/// only for products that make it past the worst entry kept.
struct Best<'a> {
    limit: usize,
    heap: BinaryHeap<Ranked>,
    tables: Tables<'a>,
}

impl<'a> Best<'a> {
    fn new(limit: usize, tables: Tables<'a>) -> Best<'a> {
        Best {
            limit,
            heap: BinaryHeap::with_capacity(limit.min(TOP_K_MAX) + 1),
            tables,
        }
    }

    #[inline]
    fn offer(&mut self, index: u32, score: u64) {
        if score == 0 || self.limit == 0 {
            return;
        }
        if self.heap.len() < self.limit {
            let id = self.tables.products.id(index);
            self.heap.push(Ranked { score, id, index });
            return;
        }
        let Some(mut worst) = self.heap.peek_mut() else {
            return;
        };
        if score < worst.score {
            return;
        }
        let id = self.tables.products.id(index);
        if score == worst.score && id > worst.id {
            return;
        }
        *worst = Ranked { score, id, index };
    }

    /// The entries kept, best first.
    fn ranked(self) -> Vec<u32> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|entry| entry.index)
            .collect()
    }
}

/// The best products of `slot` by views.
fn rank_views(slot: &Slot, limit: usize, tables: Tables<'_>) -> Vec<u32> {
    let mut best = Best::new(limit, tables);
    for &index in &slot.products.all {
        best.offer(
            index,
            u64::from(tables.lanes.products.views(index, slot.lane)),
        );
    }
    best.ranked()
}

/// The best products of `slot` by units bought; the order count only breaks ties
/// between equal unit counts. Only ordered products can score.
fn rank_purchases(slot: &Slot, limit: usize, tables: Tables<'_>) -> Vec<u32> {
    let mut best = Best::new(limit, tables);
    for &index in &slot.products.ordered {
        let counts = tables.lanes.products.get(index, slot.lane);
        best.offer(
            index,
            (u64::from(counts.units) << 32) | u64::from(counts.orders),
        );
    }
    best.ranked()
}

/// The best products of `slot` by revenue in `currency`.
fn rank_revenue(slot: &Slot, currency: u8, limit: usize, tables: Tables<'_>) -> Vec<u32> {
    let mut best = Best::new(limit, tables);
    for &pair in &slot.touched_pairs {
        let (product, pair_currency) = tables.pairs.pair(pair);
        if pair_currency == currency {
            best.offer(product, slot.pair_revenue[pair as usize]);
        }
    }
    best.ranked()
}

pub(crate) fn rank_products(
    slot: &Slot,
    by: RankBy,
    currency: Option<u8>,
    limit: usize,
    tables: Tables<'_>,
) -> Vec<ProductStats> {
    let ranked = match by {
        RankBy::Views => rank_views(slot, limit, tables),
        RankBy::Purchases => rank_purchases(slot, limit, tables),
        RankBy::Revenue => match currency {
            Some(currency) => rank_revenue(slot, currency, limit, tables),
            None => return Vec::new(),
        },
    };
    let mut winners = ranked.clone();
    winners.sort_unstable();
    let revenue = revenue_of(slot, &winners, tables);
    stats(slot, &ranked, &revenue, tables)
}

fn stats(
    slot: &Slot,
    ranked: &[u32],
    revenue: &[(u32, u8, u64)],
    tables: Tables<'_>,
) -> Vec<ProductStats> {
    ranked
        .iter()
        .map(|&index| product_stats(slot, index, revenue, tables))
        .collect()
}

pub(crate) fn rank_queries(
    slot: &Slot,
    zero_results_only: bool,
    limit: usize,
    tables: Tables<'_>,
) -> Vec<QueryStats> {
    let mut queries: Vec<(u64, &str, QueryCounts)> = slot
        .touched_queries
        .iter()
        .map(|&index| {
            let counts = slot.queries[index as usize];
            let key = if zero_results_only {
                counts.zero_results
            } else {
                counts.searches
            };
            (u64::from(key), tables.queries.query(index), counts)
        })
        .filter(|entry| !zero_results_only || entry.2.zero_results > 0)
        .collect();
    let order = |a: &(u64, &str, QueryCounts), b: &(u64, &str, QueryCounts)| {
        b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1))
    };
    if queries.len() > limit && limit > 0 {
        queries.select_nth_unstable_by(limit - 1, order);
    }
    queries.truncate(limit);
    queries.sort_unstable_by(order);
    queries
        .into_iter()
        .map(|(_, query, counts)| QueryStats {
            query: query.to_string(),
            searches: u64::from(counts.searches),
            zero_results: u64::from(counts.zero_results),
        })
        .collect()
}

/// The currencies a slot has revenue lines in, in interned order.
pub(crate) fn revenue_currencies(slot: &Slot, tables: Tables<'_>) -> Vec<u8> {
    let mut seen = [false; 256];
    for &pair in &slot.touched_pairs {
        seen[usize::from(tables.pairs.pair(pair).1)] = true;
    }
    (0..=u8::MAX).filter(|&c| seen[usize::from(c)]).collect()
}

pub(crate) fn report(
    slot: &Slot,
    window: WindowRef,
    limit: usize,
    tables: Tables<'_>,
) -> WindowReport {
    let by_revenue: Vec<(u8, Vec<u32>)> = revenue_currencies(slot, tables)
        .into_iter()
        .map(|currency| (currency, rank_revenue(slot, currency, limit, tables)))
        .collect();
    let by_views = rank_views(slot, limit, tables);
    let by_purchases = rank_purchases(slot, limit, tables);
    let mut winners: Vec<u32> = by_views.iter().chain(&by_purchases).copied().collect();
    winners.extend(by_revenue.iter().flat_map(|(_, ranked)| ranked));
    winners.sort_unstable();
    winners.dedup();
    let revenue = revenue_of(slot, &winners, tables);
    WindowReport {
        totals: totals(slot, window, tables),
        top_by_views: stats(slot, &by_views, &revenue, tables),
        top_by_purchases: stats(slot, &by_purchases, &revenue, tables),
        top_by_revenue: by_revenue
            .iter()
            .map(|(currency, ranked)| RevenueRanking {
                currency: tables.currencies.currency(*currency),
                products: stats(slot, ranked, &revenue, tables),
            })
            .collect(),
        top_queries: rank_queries(slot, false, limit, tables),
        zero_result_queries: rank_queries(slot, true, limit, tables),
    }
}
