//! The query side: window totals, reports, rankings, the funnel, search analytics,
//! anomalies and counters, read from live slots or from the history of final windows.

use super::snapshot::{self, Tables, WindowRef, timestamp};
use super::window::{Slot, WindowKind, WindowSet};
use super::{
    Analytics, AnalyticsStats, Anomaly, Distribution, FunnelReport, RankBy, SearchReport,
    TOP_K_MAX, TopProducts, WINDOWS_LIST_MAX, WindowReport, WindowTotals,
};
use crate::model::{Currency, Timestamp};

impl Analytics {
    fn set(&self, kind: WindowKind) -> &WindowSet {
        &self.sets[kind.index()]
    }

    /// The live window of `kind` with the latest start.
    fn latest_slot(&self, kind: WindowKind) -> Option<&Slot> {
        self.set(kind)
            .slots
            .iter()
            .flatten()
            .filter(|slot| slot.live)
            .max_by_key(|slot| slot.start_ms)
            .map(|slot| &**slot)
    }

    /// The dashboard summary: the totals of the newest window of `kind` (the open one
    /// if there is one, else the last final one). Costs a few microseconds.
    pub fn summary(&self, kind: WindowKind) -> Option<WindowTotals> {
        match self.latest_slot(kind) {
            Some(slot) => Some(snapshot::totals(
                slot,
                window_ref(kind, slot, false),
                self.tables(),
            )),
            None => self
                .set(kind)
                .history
                .back()
                .map(|report| report.totals.clone()),
        }
    }

    /// The totals of every window of `kind` that overlaps `[from_ms, to_ms)`, oldest
    /// first, final and open ones alike (at most [`WINDOWS_LIST_MAX`], the newest).
    pub fn windows(&self, kind: WindowKind, from_ms: u64, to_ms: u64) -> Vec<WindowTotals> {
        let size = kind.size_ms();
        let overlaps = |start: u64| start < to_ms && start.saturating_add(size) > from_ms;
        let set = self.set(kind);
        let mut windows: Vec<WindowTotals> = set
            .history
            .iter()
            .filter(|report| overlaps(report.totals.window.start.as_millis()))
            .map(|report| report.totals.clone())
            .collect();
        for slot in set.live_slots() {
            let window = window_ref(kind, slot, false);
            if overlaps(window.start.as_millis()) {
                windows.push(snapshot::totals(slot, window, self.tables()));
            }
        }
        let excess = windows.len().saturating_sub(WINDOWS_LIST_MAX);
        windows.drain(..excess);
        windows
    }

    /// [`Analytics::windows`] over the last hour before the largest event time seen,
    /// the open windows included (the default of `GET /v1/analytics/windows`).
    pub fn recent_windows(&self, kind: WindowKind) -> Vec<WindowTotals> {
        let Ok(newest) = u64::try_from(self.max_event_ms) else {
            return Vec::new();
        };
        self.windows(kind, newest.saturating_sub(3_600_000), newest + 1)
    }

    /// The full report (totals and rankings) of the newest window of `kind` that
    /// contains `at_ms`, or of the newest window when `at_ms` is `None`.
    pub fn report(&self, kind: WindowKind, at_ms: Option<u64>) -> Option<WindowReport> {
        let size = kind.size_ms() as i64;
        let contains =
            |start: i64| at_ms.is_none_or(|at| start <= at as i64 && (at as i64) < start + size);
        let set = self.set(kind);
        let live = set
            .live_slots()
            .into_iter()
            .rev()
            .find(|slot| contains(slot.start_ms));
        if let Some(slot) = live {
            let window = window_ref(kind, slot, false);
            return Some(snapshot::report(slot, window, TOP_K_MAX, self.tables()));
        }
        set.history
            .iter()
            .rev()
            .find(|report| contains(report.totals.window.start.as_millis() as i64))
            .cloned()
    }

    /// The `limit` best products of the newest window of `kind` by `by` (a revenue
    /// ranking is in `currency`, by default the currency with the most orders).
    pub fn top_products(
        &self,
        kind: WindowKind,
        by: RankBy,
        limit: usize,
        currency: Option<Currency>,
    ) -> Option<TopProducts> {
        let limit = limit.clamp(1, TOP_K_MAX);
        if let Some(slot) = self.latest_slot(kind) {
            let tables = self.tables();
            let currency = match by {
                RankBy::Revenue => currency.or_else(|| busiest_currency(slot, tables)),
                RankBy::Views | RankBy::Purchases => None,
            };
            let index = currency.and_then(|c| {
                tables
                    .currencies
                    .currencies()
                    .iter()
                    .position(|&k| k == c)
                    .map(|i| i as u8)
            });
            let data = match (by, index) {
                (RankBy::Revenue, None) => Vec::new(),
                _ => snapshot::rank_products(slot, by, index, limit, tables),
            };
            return Some(TopProducts {
                window: window_ref(kind, slot, false),
                by,
                currency,
                data,
            });
        }
        let report = self.set(kind).history.back()?;
        let (currency, mut data) = match by {
            RankBy::Views => (None, report.top_by_views.clone()),
            RankBy::Purchases => (None, report.top_by_purchases.clone()),
            RankBy::Revenue => {
                let busiest = report
                    .totals
                    .currencies
                    .iter()
                    .max_by(|a, b| a.orders.cmp(&b.orders).then(b.currency.cmp(&a.currency)))
                    .map(|totals| totals.currency);
                let currency = currency.or(busiest);
                let ranking = report
                    .top_by_revenue
                    .iter()
                    .find(|ranking| Some(ranking.currency) == currency);
                (
                    currency,
                    ranking.map(|r| r.products.clone()).unwrap_or_default(),
                )
            }
        };
        data.truncate(limit);
        Some(TopProducts {
            window: report.totals.window,
            by,
            currency,
            data,
        })
    }

    /// The funnel of the newest window of `kind`.
    pub fn funnel(&self, kind: WindowKind) -> Option<FunnelReport> {
        self.summary(kind).map(|totals| FunnelReport {
            window: totals.window,
            funnel: totals.funnel,
        })
    }

    /// Search analytics of the newest window of `kind`: the `limit` most frequent
    /// queries and the `limit` queries that most often found nothing.
    pub fn search(&self, kind: WindowKind, limit: usize) -> Option<SearchReport> {
        let limit = limit.clamp(1, TOP_K_MAX);
        if let Some(slot) = self.latest_slot(kind) {
            let tables = self.tables();
            return Some(SearchReport {
                window: window_ref(kind, slot, false),
                searches: slot.counts.searches,
                zero_result_searches: slot.counts.zero_result_searches,
                top_queries: snapshot::rank_queries(slot, false, limit, tables),
                zero_result_queries: snapshot::rank_queries(slot, true, limit, tables),
                latency_us: Distribution::of(&slot.search_latency_us),
            });
        }
        let report = self.set(kind).history.back()?;
        let mut top_queries = report.top_queries.clone();
        let mut zero_result_queries = report.zero_result_queries.clone();
        top_queries.truncate(limit);
        zero_result_queries.truncate(limit);
        Some(SearchReport {
            window: report.totals.window,
            searches: report.totals.searches,
            zero_result_searches: report.totals.zero_result_searches,
            top_queries,
            zero_result_queries,
            latency_us: report.totals.search_latency_us,
        })
    }

    /// The newest `limit` anomalies, newest first.
    pub fn anomalies(&self, limit: usize) -> Vec<Anomaly> {
        self.anomalies.iter().rev().take(limit).cloned().collect()
    }

    /// Counters over the whole life of these windows.
    pub fn stats(&self) -> AnalyticsStats {
        let time = |ms: i64| u64::try_from(ms).ok().map(Timestamp::from_millis);
        AnalyticsStats {
            max_event_time: time(self.max_event_ms),
            watermark: time(self.watermark_ms),
            windows: self.sets.iter().map(|set| (set.kind, set.stats)).collect(),
            rejected: self.rejected,
            untracked_keys: self.untracked_keys,
            untracked_sessions: self.untracked_sessions,
            sessions: self.sessions.len() as u64,
        }
    }
}

pub(super) fn window_ref(kind: WindowKind, slot: &Slot, is_final: bool) -> WindowRef {
    WindowRef {
        kind,
        start: timestamp(slot.start_ms),
        end: timestamp(slot.start_ms + kind.size_ms() as i64),
        fired: slot.fired || is_final,
        is_final,
    }
}

/// The currency with the most orders in `slot` (ties to the lower code).
fn busiest_currency(slot: &Slot, tables: Tables<'_>) -> Option<Currency> {
    slot.currencies
        .iter()
        .enumerate()
        .filter(|(_, agg)| agg.sums.present)
        .map(|(index, agg)| (agg.sums.orders, tables.currencies.currency(index as u8)))
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, currency)| currency)
}
