//! Checkpoints: the whole window state as postcard bytes behind a format byte.
//!
//! The encoding is canonical: sparse per-window entries in first-touch order, the
//! interners in index order, sessions sorted by key and histograms as their non-empty
//! buckets. So equal states encode to equal bytes, which is how the tests check that
//! checkpoint + restore + continue equals one uninterrupted run.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::intern::{CurrencyInterner, PairInterner, ProductInterner, QueryInterner, fast_map};
use super::lanes::{Lanes, ProductCounts};
use super::snapshot::{Anomaly, WindowReport};
use super::window::{
    Counters, CurrencyAgg, CurrencySums, QueryCounts, Slot, WindowStats, latency_histogram,
    order_value_histogram,
};
use super::{Analytics, AnalyticsConfig, AnalyticsError, SessionState};
use crate::model::{Currency, ProductId};

/// The format byte that opens every checkpoint.
pub const STATE_FORMAT_VERSION: u8 = 2;

#[derive(Serialize, Deserialize)]
struct StateV1 {
    config: AnalyticsConfig,
    max_event_ms: i64,
    watermark_ms: i64,
    next_due_ms: i64,
    next_session_sweep_ms: i64,
    products: Vec<ProductId>,
    pairs: Vec<(u32, u8)>,
    currencies: Vec<Currency>,
    queries: Vec<String>,
    sets: Vec<SetState>,
    sessions: Vec<(u64, SessionState)>,
    anomalies: Vec<Anomaly>,
    rejected: u64,
    untracked_keys: u64,
    untracked_sessions: u64,
}

#[derive(Serialize, Deserialize)]
struct SetState {
    stats: WindowStats,
    history: Vec<WindowReport>,
    slots: Vec<SlotState>,
}

#[derive(Serialize, Deserialize)]
struct SlotState {
    start_ms: i64,
    fired: bool,
    counts: Counters,
    users: Vec<u8>,
    sessions: Vec<u8>,
    products: Vec<(u32, ProductCounts)>,
    pairs: Vec<(u32, u64)>,
    queries: Vec<(u32, QueryCounts)>,
    currencies: Vec<(u8, CurrencySums, Buckets)>,
    search_latency_us: Buckets,
}

/// A histogram's non-empty buckets: (highest value of the bucket, count).
type Buckets = Vec<(u64, u32)>;

fn buckets(histogram: &Histogram<u32>) -> Buckets {
    histogram
        .iter_recorded()
        .map(|bucket| (bucket.value_iterated_to(), bucket.count_at_value()))
        .collect()
}

fn fill(histogram: &mut Histogram<u32>, buckets: &[(u64, u32)]) -> Result<(), AnalyticsError> {
    for &(value, count) in buckets {
        histogram
            .record_n(value, count)
            .map_err(|_| corrupt(format!("histogram value {value} is out of range")))?;
    }
    Ok(())
}

fn corrupt(reason: impl Into<String>) -> AnalyticsError {
    AnalyticsError::CorruptState {
        reason: reason.into(),
    }
}

fn slot_state(slot: &Slot, lanes: &Lanes) -> SlotState {
    SlotState {
        start_ms: slot.start_ms,
        fired: slot.fired,
        counts: slot.counts,
        users: lanes.users.registers(slot.lane.index),
        sessions: lanes.sessions.registers(slot.lane.index),
        products: slot
            .products
            .all
            .iter()
            .map(|&i| (i, lanes.products.get(i, slot.lane)))
            .collect(),
        pairs: slot
            .touched_pairs
            .iter()
            .map(|&i| (i, slot.pair_revenue[i as usize]))
            .collect(),
        queries: slot
            .touched_queries
            .iter()
            .map(|&i| (i, slot.queries[i as usize]))
            .collect(),
        currencies: slot
            .currencies
            .iter()
            .enumerate()
            .filter(|(_, agg)| agg.sums.present)
            .map(|(i, agg)| (i as u8, agg.sums, buckets(&agg.order_values)))
            .collect(),
        search_latency_us: buckets(&slot.search_latency_us),
    }
}

/// Index bounds a restored slot must respect.
struct Limits {
    products: usize,
    pairs: usize,
    queries: usize,
    currencies: usize,
}

/// Rebuilds a slot on `lane`, a lane no other slot used since `lanes` was created.
fn restore_slot(
    state: SlotState,
    limits: &Limits,
    lanes: &mut Lanes,
    lane: usize,
) -> Result<Slot, AnalyticsError> {
    let mut slot = Slot::new(lane);
    let lane = slot.lane;
    slot.start_ms = state.start_ms;
    slot.live = true;
    slot.fired = state.fired;
    slot.counts = state.counts;
    if !lanes.users.restore(lane.index, &state.users)
        || !lanes.sessions.restore(lane.index, &state.sessions)
    {
        return Err(corrupt("bad HyperLogLog registers"));
    }
    let in_range = |index: usize, bound: usize, what: &str| {
        (index < bound)
            .then_some(index)
            .ok_or_else(|| corrupt(format!("{what} index {index} out of range")))
    };
    for (index, counts) in state.products {
        in_range(index as usize, limits.products, "product")?;
        if !lanes.restore_product(index, lane, counts, &mut slot.products) {
            return Err(corrupt("product listed twice or empty"));
        }
    }
    slot.pair_revenue = vec![0; limits.pairs];
    for (index, revenue) in state.pairs {
        let at = in_range(index as usize, limits.pairs, "pair")?;
        if slot.pair_revenue[at] != 0 || revenue == 0 {
            return Err(corrupt("pair listed twice or empty"));
        }
        slot.pair_revenue[at] = revenue;
        slot.touched_pairs.push(index);
    }
    slot.queries = vec![QueryCounts::default(); limits.queries];
    for (index, mut counts) in state.queries {
        let at = in_range(index as usize, limits.queries, "query")?;
        if slot.queries[at].touched {
            return Err(corrupt("query listed twice"));
        }
        counts.touched = true;
        slot.queries[at] = counts;
        slot.touched_queries.push(index);
    }
    for (index, sums, values) in state.currencies {
        let at = in_range(usize::from(index), limits.currencies, "currency")?;
        while slot.currencies.len() <= at {
            slot.currencies.push(CurrencyAgg {
                sums: CurrencySums::default(),
                order_values: order_value_histogram(),
            });
        }
        slot.currencies[at].sums = sums;
        fill(&mut slot.currencies[at].order_values, &values)?;
    }
    slot.search_latency_us = latency_histogram();
    fill(&mut slot.search_latency_us, &state.search_latency_us)?;
    Ok(slot)
}

impl Analytics {
    /// The whole state as bytes (a format byte, then postcard), for a checkpoint.
    /// Equal states give equal bytes.
    pub fn snapshot_state(&self) -> Vec<u8> {
        let sets = self
            .sets
            .iter()
            .map(|set| SetState {
                stats: set.stats,
                history: set.history.iter().cloned().collect(),
                slots: set
                    .live_slots()
                    .into_iter()
                    .map(|slot| slot_state(slot, &self.lanes))
                    .collect(),
            })
            .collect();
        let mut sessions: Vec<(u64, SessionState)> =
            self.sessions.iter().map(|(&k, &v)| (k, v)).collect();
        sessions.sort_unstable_by_key(|entry| entry.0);
        let state = StateV1 {
            config: self.config.clone(),
            max_event_ms: self.max_event_ms,
            watermark_ms: self.watermark_ms,
            next_due_ms: self.next_due_ms,
            next_session_sweep_ms: self.next_session_sweep_ms,
            products: self.products.ids().to_vec(),
            pairs: self.pairs.pairs().to_vec(),
            currencies: self.currencies.currencies().to_vec(),
            queries: self
                .queries
                .queries()
                .iter()
                .map(|q| q.to_string())
                .collect(),
            sets,
            sessions,
            anomalies: self.anomalies.iter().cloned().collect(),
            rejected: self.rejected,
            untracked_keys: self.untracked_keys,
            untracked_sessions: self.untracked_sessions,
        };
        let mut bytes = vec![STATE_FORMAT_VERSION];
        // Serializing plain owned data into a Vec cannot fail.
        bytes.extend(postcard::to_allocvec(&state).expect("state serializes"));
        bytes
    }

    /// Rebuilds the windows from [`Analytics::snapshot_state`] bytes. Feeding the
    /// restored value the rest of a stream gives the same state as feeding the whole
    /// stream to one value.
    pub fn restore_state(bytes: &[u8]) -> Result<Analytics, AnalyticsError> {
        let (&format, body) = bytes
            .split_first()
            .ok_or_else(|| corrupt("empty checkpoint"))?;
        if format > STATE_FORMAT_VERSION {
            return Err(AnalyticsError::UnsupportedFormat { found: format });
        }
        if format != STATE_FORMAT_VERSION {
            return Err(corrupt(format!("unknown format {format}")));
        }
        let state: StateV1 =
            postcard::from_bytes(body).map_err(|error| corrupt(error.to_string()))?;
        let mut analytics = Analytics::new(state.config.clone())?;
        let config = &state.config;
        analytics.products = ProductInterner::from_ids(state.products, config.products_max)
            .ok_or_else(|| corrupt("duplicate or too many products"))?;
        analytics.pairs = PairInterner::from_pairs(state.pairs, config.products_max)
            .ok_or_else(|| corrupt("duplicate or too many pairs"))?;
        analytics.currencies = CurrencyInterner::from_currencies(state.currencies)
            .ok_or_else(|| corrupt("duplicate currencies"))?;
        analytics.queries = QueryInterner::from_queries(state.queries, config.queries_max)
            .ok_or_else(|| corrupt("duplicate or too many queries"))?;
        let limits = Limits {
            products: analytics.products.len(),
            pairs: analytics.pairs.len(),
            queries: analytics.queries.len(),
            currencies: analytics.currencies.currencies().len(),
        };
        if analytics.pairs.pairs().iter().any(|&(product, currency)| {
            product as usize >= limits.products || usize::from(currency) >= limits.currencies
        }) {
            return Err(corrupt("pair names an unknown product or currency"));
        }
        if state.sets.len() != analytics.sets.len() {
            return Err(corrupt("wrong number of window kinds"));
        }
        for (set, saved) in analytics.sets.iter_mut().zip(state.sets) {
            set.stats = saved.stats;
            set.history = saved.history.into();
            for slot in saved.slots {
                if slot.start_ms.rem_euclid(set.slide_ms) != 0 {
                    return Err(corrupt("window start not aligned"));
                }
                let index = set.ring_index(slot.start_ms);
                if set.slots[index].is_some() {
                    return Err(corrupt("two windows share a ring slot"));
                }
                let lane = set.lane_base + index;
                let restored = restore_slot(slot, &limits, &mut analytics.lanes, lane)?;
                set.slots[index] = Some(Box::new(restored));
            }
        }
        analytics.max_event_ms = state.max_event_ms;
        analytics.watermark_ms = state.watermark_ms;
        analytics.next_due_ms = state.next_due_ms;
        analytics.next_session_sweep_ms = state.next_session_sweep_ms;
        let mut sessions = fast_map(state.sessions.len().max(1 << 16));
        sessions.extend(state.sessions);
        analytics.sessions = sessions;
        analytics.anomalies = state.anomalies.into();
        analytics.rejected = state.rejected;
        analytics.untracked_keys = state.untracked_keys;
        analytics.untracked_sessions = state.untracked_sessions;
        Ok(analytics)
    }
}
