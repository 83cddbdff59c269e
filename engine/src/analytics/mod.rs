//! Streaming analytics: event-time windows over what shoppers do, with watermarks and
//! allowed lateness, and the aggregates the dashboard reads.
//!
//! [`Analytics`] owns every window. It is fed [`Record`]s (from the event outbox via
//! [`Record::from_event`], and from client events) and answers the analytics queries
//! with serializable snapshots. Its whole state can be checkpointed with
//! [`Analytics::snapshot_state`] and brought back with [`Analytics::restore_state`];
//! it is deterministic, so the same records in the same order give the same state, and
//! replaying the event log rebuilds it.
//!
//! # Time
//!
//! Definitions follow Apache Flink's event-time windows, in milliseconds:
//!
//! - **Windows** are aligned to the Unix epoch and half-open, `[start, end)`. Tumbling:
//!   1 min, 5 min and 1 h; sliding: 10 min long, a new one every 5 min, so each record
//!   is in two of them (Flink's `SlidingEventTimeWindows`: starts at
//!   `t − t mod slide`, `t − t mod slide − slide`, … while `start > t − size`). A
//!   window exists once a record lands in it.
//! - **Watermark** = the largest event time seen − the out-of-orderness bound
//!   ([`AnalyticsConfig::out_of_orderness_ms`]); it never goes back. It is advanced on
//!   every record rather than on Flink's periodic timer, which keeps the state a pure
//!   function of the input. (Flink's legacy `BoundedOutOfOrdernessTimestampExtractor`
//!   uses exactly this formula; the newer `WatermarkStrategy` subtracts one more
//!   millisecond.) [`Analytics::advance_watermark`] moves it on when input stops.
//! - A window **fires** when `watermark >= end − 1` (its largest timestamp).
//! - A record is **late** when its window has fired. It still **updates** the window
//!   while `watermark < end − 1 + allowed lateness`
//!   ([`AnalyticsConfig::allowed_lateness_ms`]); the window then counts a late event,
//!   as Flink re-fires it. When `watermark >= end − 1 + allowed lateness` the window
//!   is **final**: its report moves to the history and any later record for it is
//!   **dropped** and counted as dropped for that window kind (a record can be dropped
//!   by the 1 min window and still counted by the 1 h one).
//!
//! # Aggregates
//!
//! Per window: event counts, the funnel view → add to cart → checkout → purchase
//! (counted in events, with the conversion of each step), orders and money per
//! currency (order value, average order value rounded down, payments, refunds, failed
//! payments), unique users and sessions (a hand-written HyperLogLog with 4,096
//! registers: standard error 1.04/√4096 ≈ 1.63 %), per-product views, add-to-carts,
//! orders, units and revenue with conversion, rankings by views, purchases and revenue,
//! search counts with top and zero-result queries, and hdrhistogram distributions of
//! order values and search latency. Anomalies: sessions with more than
//! [`AnalyticsConfig::session_events_max`] events or longer than
//! [`AnalyticsConfig::session_duration_ms_max`], and windows with more than
//! [`AnalyticsConfig::payment_failures_max`] failed payments.
//!
//! # Cost
//!
//! Ingest does no allocation per record in the steady state (a window that becomes
//! final allocates its report, once): products, (product, currency)
//! pairs, currencies and queries are interned to dense indexes once; each window kind
//! keeps a ring of preallocated slots keyed by window start; HyperLogLog registers are
//! updated from one 64-bit hash per record. Rankings are computed when asked for (or
//! once, when a window becomes final), never per record.

mod hll;
mod ingest;
mod intern;
mod lanes;
mod query;
mod record;
mod route;
mod session;
mod snapshot;
mod state;
mod window;

use std::collections::VecDeque;

pub use hll::{HLL_REGISTERS, HLL_STANDARD_ERROR_PPM};
pub use record::{
    EVENT_TIME_MS_MAX, ORDER_LINES_MAX, PurchaseLine, QUERY_CHARS_MAX, Record, RecordKind,
    SessionKey, normalize_query,
};
pub use snapshot::{
    Anomaly, AnomalyKind, CurrencyTotals, Distribution, Funnel, FunnelReport, FunnelStep,
    FunnelStepKind, ProductStats, QueryStats, RankBy, RevenueRanking, SearchReport, TOP_K_MAX,
    TopProducts, WindowRef, WindowReport, WindowSpan, WindowTotals,
};
pub use state::STATE_FORMAT_VERSION;
pub use window::{ORDER_VALUE_MAX, SEARCH_LATENCY_US_MAX, WindowKind, WindowStats};

use intern::{CurrencyInterner, FastMap, PairInterner, ProductInterner, QueryInterner, fast_map};
use lanes::Lanes;
use query::window_ref;
use serde::{Deserialize, Serialize};
use session::{SESSION_SWEEP_MS, SessionState};
use snapshot::Tables;
use window::{PreparedLine, WindowSet};

use crate::model::Timestamp;

/// Largest out-of-orderness bound accepted (one hour).
pub const OUT_OF_ORDERNESS_MS_MAX: u64 = 3_600_000;
/// Largest allowed lateness accepted (one hour).
pub const ALLOWED_LATENESS_MS_MAX: u64 = 3_600_000;
/// Longest history of final windows kept (seven days).
pub const HISTORY_MS_MAX: u64 = 7 * 24 * 3_600_000;
/// Anomalies kept; the oldest are forgotten first.
pub const ANOMALIES_MAX: usize = 1_000;
/// Window summaries one [`Analytics::windows`] call returns at most.
pub const WINDOWS_LIST_MAX: usize = 2_016;
/// Largest value of [`AnalyticsConfig::products_max`].
pub const PRODUCTS_MAX: usize = 10_000_000;
/// Largest value of [`AnalyticsConfig::queries_max`].
pub const QUERIES_MAX: usize = 1_000_000;
/// Largest value of [`AnalyticsConfig::sessions_max`].
pub const SESSIONS_MAX: usize = 10_000_000;

// Seven days of one-minute windows fit in one listing.
const _: () = assert!(WINDOWS_LIST_MAX as u64 * 5 * 60_000 >= HISTORY_MS_MAX);

/// How the windows behave. Every field has a bound, checked by
/// [`AnalyticsConfig::validate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsConfig {
    /// How far out of order records may arrive before they count as late (the
    /// watermark lags the largest event time by this much).
    pub out_of_orderness_ms: u64,
    /// How long after firing a window still accepts late records.
    pub allowed_lateness_ms: u64,
    /// A session with more events than this is an anomaly.
    pub session_events_max: u64,
    /// A session longer than this (last − first event time) is an anomaly.
    pub session_duration_ms_max: u64,
    /// A session with no event for this long (behind the watermark) is forgotten.
    pub session_gap_ms: u64,
    /// A window with more failed payments than this is an anomaly.
    pub payment_failures_max: u64,
    /// How much history of final windows is kept, per kind.
    pub history_ms: u64,
    /// Distinct products counted individually; more still count in the totals.
    pub products_max: usize,
    /// Distinct queries counted individually at a time; more still count in the totals.
    pub queries_max: usize,
    /// Sessions tracked at a time for anomalies.
    pub sessions_max: usize,
}

impl Default for AnalyticsConfig {
    fn default() -> AnalyticsConfig {
        AnalyticsConfig {
            out_of_orderness_ms: 5_000,
            allowed_lateness_ms: 60_000,
            session_events_max: 500,
            session_duration_ms_max: 3_600_000,
            session_gap_ms: 1_800_000,
            payment_failures_max: 20,
            history_ms: 6 * 3_600_000,
            products_max: 1_000_000,
            queries_max: 100_000,
            sessions_max: 1_000_000,
        }
    }
}

impl AnalyticsConfig {
    /// Checks every bound; the error names the field.
    pub fn validate(&self) -> Result<(), AnalyticsError> {
        let checks: [(&'static str, bool); 8] = [
            (
                "out_of_orderness_ms",
                self.out_of_orderness_ms <= OUT_OF_ORDERNESS_MS_MAX,
            ),
            (
                "allowed_lateness_ms",
                self.allowed_lateness_ms <= ALLOWED_LATENESS_MS_MAX,
            ),
            (
                "session_gap_ms",
                self.session_gap_ms > 0 && self.session_gap_ms <= HISTORY_MS_MAX,
            ),
            ("history_ms", self.history_ms <= HISTORY_MS_MAX),
            (
                "products_max",
                self.products_max > 0 && self.products_max <= PRODUCTS_MAX,
            ),
            (
                "queries_max",
                self.queries_max > 0 && self.queries_max <= QUERIES_MAX,
            ),
            (
                "sessions_max",
                self.sessions_max > 0 && self.sessions_max <= SESSIONS_MAX,
            ),
            (
                "session_duration_ms_max",
                self.session_duration_ms_max <= EVENT_TIME_MS_MAX,
            ),
        ];
        match checks.iter().find(|(_, ok)| !ok) {
            Some(&(field, _)) => Err(AnalyticsError::InvalidConfig { field }),
            None => Ok(()),
        }
    }
}

/// What can go wrong in the analytics capability.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyticsError {
    /// A configuration value is out of its bounds.
    #[error("analytics configuration field `{field}` is out of range")]
    InvalidConfig {
        /// The field.
        field: &'static str,
    },
    /// A checkpoint was written by a newer format.
    #[error("analytics checkpoint format {found} is newer than {STATE_FORMAT_VERSION}")]
    UnsupportedFormat {
        /// The format byte found.
        found: u8,
    },
    /// A checkpoint could not be decoded or is inconsistent.
    #[error("analytics checkpoint is corrupt: {reason}")]
    CorruptState {
        /// What was wrong.
        reason: String,
    },
}

/// What one [`Analytics::ingest`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IngestOutcome {
    /// Window updates made (one per window the record was counted in).
    pub windows_updated: u8,
    /// Windows that refused the record as too late.
    pub windows_dropped: u8,
    /// The record was refused outright (event time after [`EVENT_TIME_MS_MAX`]).
    pub rejected: bool,
}

/// Counters over the whole life of an [`Analytics`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsStats {
    /// The largest event time seen.
    pub max_event_time: Option<Timestamp>,
    /// The watermark.
    pub watermark: Option<Timestamp>,
    /// Per window kind, in the order of [`WindowKind::ALL`].
    pub windows: Vec<(WindowKind, WindowStats)>,
    /// Records refused outright.
    pub rejected: u64,
    /// Products, (product, currency) pairs and queries counted in totals only because
    /// their tables were full.
    pub untracked_keys: u64,
    /// Sessions not tracked for anomalies because the session table was full.
    pub untracked_sessions: u64,
    /// Sessions tracked now.
    pub sessions: u64,
}

/// What one [`Analytics::ingest_events`] did, summed over the batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Events that were analytics input (the rest, catalog and stock events for
    /// instance, are skipped).
    pub records: u64,
    /// Window updates made.
    pub windows_updated: u64,
    /// Window updates refused as too late.
    pub windows_dropped: u64,
    /// Records refused outright (event time after [`EVENT_TIME_MS_MAX`]).
    pub rejected: u64,
}

/// The streaming windows and everything derived from them. See the module docs for
/// the definitions of time.
#[derive(Debug)]
pub struct Analytics {
    config: AnalyticsConfig,
    bound_ms: i64,
    lateness_ms: i64,
    max_event_ms: i64,
    watermark_ms: i64,
    /// The earliest watermark at which some live window fires or becomes final.
    next_due_ms: i64,
    next_session_sweep_ms: i64,
    products: ProductInterner,
    pairs: PairInterner,
    currencies: CurrencyInterner,
    queries: QueryInterner,
    sets: Vec<WindowSet>,
    /// Per-product counts and sketches of every slot of every set.
    lanes: Lanes,
    sessions: FastMap<u64, SessionState>,
    anomalies: VecDeque<Anomaly>,
    rejected: u64,
    untracked_keys: u64,
    untracked_sessions: u64,
    /// Scratch for the lines of the order being ingested.
    lines: Vec<PreparedLine>,
    /// Where records of the current pane go, and their plain counts not yet added.
    route: route::Route,
    /// Scratch for windows whose failed payments just passed the maximum: (position
    /// among the route's targets, failures).
    bursts: Vec<(usize, u64)>,
    /// Scratch for the normalized text of the search being ingested.
    query: String,
    /// Session work of the records ingested since the last [`Analytics::flush`].
    pending: session::Pending,
}

impl Analytics {
    /// Empty windows with `config`.
    pub fn new(config: AnalyticsConfig) -> Result<Analytics, AnalyticsError> {
        config.validate()?;
        let bound_ms = config.out_of_orderness_ms as i64;
        let lateness_ms = config.allowed_lateness_ms as i64;
        let mut sets = Vec::with_capacity(WindowKind::ALL.len());
        let mut lanes = 0;
        for kind in WindowKind::ALL {
            let size = kind.size_ms() as i64;
            let slide = kind.slide_ms() as i64;
            // Live windows start within (max − bound − lateness − size, max]: that span
            // in slides, plus one, never wraps onto a live slot.
            let ring = ((bound_ms + lateness_ms + size) / slide + 2) as usize;
            let history = (config.history_ms / kind.slide_ms()).max(1) as usize;
            sets.push(WindowSet::new(kind, ring, lanes, history));
            lanes += ring;
        }
        Ok(Analytics {
            bound_ms,
            lateness_ms,
            max_event_ms: i64::MIN,
            watermark_ms: i64::MIN,
            next_due_ms: i64::MAX,
            next_session_sweep_ms: i64::MIN,
            products: ProductInterner::new(config.products_max),
            pairs: PairInterner::new(config.products_max),
            currencies: CurrencyInterner::default(),
            queries: QueryInterner::new(config.queries_max),
            sets,
            lanes: Lanes::new(lanes),
            sessions: fast_map(config.sessions_max.min(1 << 16)),
            anomalies: VecDeque::new(),
            rejected: 0,
            untracked_keys: 0,
            untracked_sessions: 0,
            lines: Vec::with_capacity(ORDER_LINES_MAX),
            route: route::Route::default(),
            bursts: Vec::new(),
            query: String::with_capacity(QUERY_CHARS_MAX * 4),
            pending: session::Pending::default(),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AnalyticsConfig {
        &self.config
    }

    /// Raises the watermark to `to_ms` if that is later, firing and finalizing the
    /// windows it passes. For when input stops: with no records the watermark would
    /// otherwise stand still and the last windows would never become final (the
    /// embedding program calls this with, say, wall time − the out-of-orderness bound).
    pub fn advance_watermark(&mut self, to_ms: u64) {
        self.raise_watermark(to_ms.min(EVENT_TIME_MS_MAX) as i64);
        self.flush();
    }

    fn raise_watermark(&mut self, to_ms: i64) {
        if to_ms <= self.watermark_ms {
            return;
        }
        self.watermark_ms = to_ms;
        if to_ms >= self.next_due_ms {
            self.route.settle(&mut self.sets);
            self.process_watermark();
        }
        if to_ms >= self.next_session_sweep_ms {
            self.pending.sweep(to_ms);
            self.next_session_sweep_ms = to_ms.saturating_add(SESSION_SWEEP_MS);
        }
    }

    fn report_anomaly(&mut self, anomaly: Anomaly) {
        if self.anomalies.len() == ANOMALIES_MAX {
            self.anomalies.pop_front();
        }
        self.anomalies.push_back(anomaly);
    }

    fn tables(&self) -> Tables<'_> {
        Tables {
            products: &self.products,
            pairs: &self.pairs,
            currencies: &self.currencies,
            queries: &self.queries,
            lanes: &self.lanes,
        }
    }

    /// Fires the windows the watermark has passed and moves the final ones to the
    /// history; recomputes when that is next due.
    fn process_watermark(&mut self) {
        let watermark = self.watermark_ms;
        let lateness = self.lateness_ms;
        let mut next_due = i64::MAX;
        self.route.invalidate();
        for set in &mut self.sets {
            let mut order: Vec<usize> = (0..set.slots.len())
                .filter(|&i| set.slots[i].as_ref().is_some_and(|slot| slot.live))
                .collect();
            order.sort_by_key(|&i| set.slots[i].as_ref().map_or(0, |slot| slot.start_ms));
            for index in order {
                let kind = set.kind;
                let size = set.size_ms;
                let Some(slot) = set.slots[index].as_deref_mut() else {
                    continue;
                };
                let last_ms = slot.start_ms + size - 1;
                if !slot.fired && watermark >= last_ms {
                    slot.fired = true;
                    set.stats.fired += 1;
                }
                if watermark >= last_ms + lateness {
                    let tables = Tables {
                        products: &self.products,
                        pairs: &self.pairs,
                        currencies: &self.currencies,
                        queries: &self.queries,
                        lanes: &self.lanes,
                    };
                    let window = window_ref(kind, slot, true);
                    let report = snapshot::report(slot, window, TOP_K_MAX, tables);
                    slot.reset(&mut self.lanes);
                    set.stats.finalized += 1;
                    set.push_history(report);
                } else {
                    let due = if slot.fired {
                        last_ms + lateness
                    } else {
                        last_ms
                    };
                    next_due = next_due.min(due);
                }
            }
        }
        self.next_due_ms = next_due;
        if self.queries.len() >= self.config.queries_max / 4 * 3 {
            self.compact_queries();
        }
    }

    /// Forgets the queries no live window counts any more, renumbering the rest.
    fn compact_queries(&mut self) {
        let mut keep = vec![false; self.queries.len()];
        for slot in self.sets.iter().flat_map(|set| set.slots.iter().flatten()) {
            if slot.live {
                for &index in &slot.touched_queries {
                    keep[index as usize] = true;
                }
            }
        }
        let remap = self.queries.compact(&keep);
        for slot in self
            .sets
            .iter_mut()
            .flat_map(|set| set.slots.iter_mut().flatten())
        {
            if slot.live {
                slot.remap_queries(&remap);
            }
        }
    }
}

#[cfg(test)]
mod tests;
