//! Window kinds, the aggregates of one window instance (a [`Slot`]), and the ring of
//! slots a kind keeps for the windows that can still change.

use std::collections::VecDeque;

use hdrhistogram::Histogram;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::hll::HyperLogLog;
use super::intern::UNTRACKED;
use super::snapshot::WindowReport;

/// Highest order value the distribution records exactly (10^15 minor units); larger
/// values are recorded as this.
pub const ORDER_VALUE_MAX: u64 = 1_000_000_000_000_000;
/// Highest search latency the distribution records exactly (one minute); longer ones
/// are recorded as this.
pub const SEARCH_LATENCY_US_MAX: u64 = 60_000_000;
/// Significant decimal digits kept by both distributions (1 % resolution).
const DISTRIBUTION_DIGITS: u8 = 2;

/// The windows Emporium keeps, all aligned to the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WindowKind {
    /// Tumbling, one minute (`1m`).
    Minute,
    /// Tumbling, five minutes (`5m`).
    FiveMinutes,
    /// Tumbling, one hour (`1h`).
    Hour,
    /// Sliding, ten minutes long, starting every five minutes (`10m/5m`).
    TenMinutesEveryFive,
}

impl WindowKind {
    /// Every kind, in the order of [`WindowKind::index`].
    pub const ALL: [WindowKind; 4] = [
        WindowKind::Minute,
        WindowKind::FiveMinutes,
        WindowKind::Hour,
        WindowKind::TenMinutesEveryFive,
    ];

    /// Length of one window, in milliseconds.
    pub const fn size_ms(self) -> u64 {
        match self {
            WindowKind::Minute => 60_000,
            WindowKind::FiveMinutes => 300_000,
            WindowKind::Hour => 3_600_000,
            WindowKind::TenMinutesEveryFive => 600_000,
        }
    }

    /// Distance between the starts of consecutive windows, in milliseconds (equal to
    /// the size for tumbling windows).
    pub const fn slide_ms(self) -> u64 {
        match self {
            WindowKind::TenMinutesEveryFive => 300_000,
            other => other.size_ms(),
        }
    }

    /// The API word (`1m`, `5m`, `1h`, `10m/5m`).
    pub const fn as_str(self) -> &'static str {
        match self {
            WindowKind::Minute => "1m",
            WindowKind::FiveMinutes => "5m",
            WindowKind::Hour => "1h",
            WindowKind::TenMinutesEveryFive => "10m/5m",
        }
    }

    /// Parses the API word.
    pub fn parse(word: &str) -> Option<WindowKind> {
        WindowKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == word)
    }

    /// Its position in [`WindowKind::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

// Every size is a whole number of slides, so each event lands in size/slide windows.
const _: () = {
    let mut i = 0;
    while i < WindowKind::ALL.len() {
        let kind = WindowKind::ALL[i];
        assert!(kind.size_ms() % kind.slide_ms() == 0);
        assert!(kind.size_ms() / kind.slide_ms() <= WINDOWS_PER_EVENT_MAX as u64);
        i += 1;
    }
};

/// The most windows of one kind an event can belong to.
pub(crate) const WINDOWS_PER_EVENT_MAX: usize = 2;

impl Serialize for WindowKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WindowKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        WindowKind::parse(&word)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown window `{word}`")))
    }
}

/// Event counts of one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Counters {
    pub(crate) events: u64,
    pub(crate) late_events: u64,
    pub(crate) views: u64,
    pub(crate) add_to_carts: u64,
    pub(crate) removes_from_cart: u64,
    pub(crate) checkouts: u64,
    pub(crate) orders: u64,
    pub(crate) cancellations: u64,
    pub(crate) searches: u64,
    pub(crate) zero_result_searches: u64,
    pub(crate) payment_failures: u64,
    pub(crate) signups: u64,
    pub(crate) logins: u64,
    pub(crate) page_views: u64,
}

/// One product's counts in one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ProductCounts {
    pub(crate) views: u32,
    pub(crate) add_to_carts: u32,
    /// Orders that contained the product.
    pub(crate) orders: u32,
    /// Units bought.
    pub(crate) units: u32,
}

impl ProductCounts {
    /// Whether nothing was counted.
    pub(crate) fn is_empty(&self) -> bool {
        (self.views | self.add_to_carts | self.orders | self.units) == 0
    }
}

/// Per-product counts of one window, one column per count. These arrays are the
/// largest thing ingest touches, and a view (most records) touches one four-byte
/// entry of one column plus one bit, so the hot part of the catalog stays in cache.
#[derive(Debug, Default)]
pub(crate) struct ProductColumns {
    views: Vec<u32>,
    add_to_carts: Vec<u32>,
    orders: Vec<u32>,
    units: Vec<u32>,
    /// One bit per product: counted in this window.
    touched_bits: Vec<u64>,
    /// The products counted, in first-touch order.
    pub(crate) touched: Vec<u32>,
}

impl ProductColumns {
    /// Marks `index` in use (growing the columns if needed) and returns it as a
    /// `usize` for the column update.
    #[inline]
    fn touch(&mut self, index: u32) -> usize {
        let at = index as usize;
        if at >= self.views.len() {
            let length = (at + 1).next_power_of_two().max(1_024);
            self.views.resize(length, 0);
            self.add_to_carts.resize(length, 0);
            self.orders.resize(length, 0);
            self.units.resize(length, 0);
            self.touched_bits.resize(length / 64, 0);
        }
        let (word, bit) = (at / 64, 1u64 << (at % 64));
        if self.touched_bits[word] & bit == 0 {
            self.touched_bits[word] |= bit;
            self.touched.push(index);
        }
        at
    }

    #[inline]
    fn view(&mut self, index: u32) {
        let at = self.touch(index);
        self.views[at] = self.views[at].saturating_add(1);
    }

    #[inline]
    fn add_to_cart(&mut self, index: u32) {
        let at = self.touch(index);
        self.add_to_carts[at] = self.add_to_carts[at].saturating_add(1);
    }

    fn order(&mut self, index: u32, units: u64) {
        let at = self.touch(index);
        self.orders[at] = self.orders[at].saturating_add(1);
        let units = u32::try_from(units).unwrap_or(u32::MAX);
        self.units[at] = self.units[at].saturating_add(units);
    }

    /// The counts of `index` (zero if never counted).
    pub(crate) fn get(&self, index: u32) -> ProductCounts {
        let at = index as usize;
        if at >= self.views.len() {
            return ProductCounts::default();
        }
        ProductCounts {
            views: self.views[at],
            add_to_carts: self.add_to_carts[at],
            orders: self.orders[at],
            units: self.units[at],
        }
    }

    /// Sets the counts of an unused `index` (checkpoint restore); false if it was in
    /// use already.
    pub(crate) fn restore(&mut self, index: u32, counts: ProductCounts) -> bool {
        let at = index as usize;
        let was_used = at < self.views.len() && self.touched_bits[at / 64] & (1 << (at % 64)) != 0;
        if was_used {
            return false;
        }
        let at = self.touch(index);
        self.views[at] = counts.views;
        self.add_to_carts[at] = counts.add_to_carts;
        self.orders[at] = counts.orders;
        self.units[at] = counts.units;
        true
    }

    fn reset(&mut self) {
        for &index in &self.touched {
            let at = index as usize;
            self.views[at] = 0;
            self.add_to_carts[at] = 0;
            self.orders[at] = 0;
            self.units[at] = 0;
            self.touched_bits[at / 64] = 0;
        }
        self.touched.clear();
    }
}

/// One query's counts in one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct QueryCounts {
    pub(crate) searches: u32,
    pub(crate) zero_results: u32,
    #[serde(skip)]
    pub(crate) touched: bool,
}

/// Money of one currency in one window. Sums saturate at `u64::MAX` minor units.
#[derive(Clone, Debug)]
pub(crate) struct CurrencyAgg {
    pub(crate) sums: CurrencySums,
    pub(crate) order_values: Histogram<u32>,
}

/// The sums of a [`CurrencyAgg`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CurrencySums {
    pub(crate) present: bool,
    pub(crate) orders: u64,
    pub(crate) order_value: u64,
    pub(crate) paid_orders: u64,
    pub(crate) paid_amount: u64,
    pub(crate) refunds: u64,
    pub(crate) refunded_amount: u64,
    pub(crate) payment_failures: u64,
    pub(crate) failed_amount: u64,
}

pub(crate) fn order_value_histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, ORDER_VALUE_MAX, DISTRIBUTION_DIGITS)
        .expect("constant bounds are valid")
}

pub(crate) fn latency_histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, SEARCH_LATENCY_US_MAX, DISTRIBUTION_DIGITS)
        .expect("constant bounds are valid")
}

/// What a record does to a window, with every key already interned.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Action {
    View(u32),
    AddToCart(u32),
    RemoveFromCart,
    Checkout,
    Placed {
        currency: u8,
        total: u64,
        paid: bool,
    },
    Paid {
        currency: u8,
        amount: u64,
    },
    Cancelled,
    Refunded {
        currency: u8,
        amount: u64,
    },
    PaymentFailed {
        currency: u8,
        amount: u64,
    },
    Search {
        query: u32,
        zero: bool,
        took_us: u64,
    },
    Registered,
    LoggedIn,
    PageView,
}

/// One order line with its interned keys.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PreparedLine {
    pub(crate) product: u32,
    pub(crate) pair: u32,
    pub(crate) units: u64,
    pub(crate) amount: u64,
}

/// A record ready for the windows: hashes computed and keys interned once, then
/// applied to every window it belongs to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prepared {
    pub(crate) user_hash: Option<u64>,
    pub(crate) session_hash: Option<u64>,
    pub(crate) action: Action,
}

/// The aggregates of one window instance. Arrays are indexed by interned keys and
/// only grow; `touched_*` lists the entries in use, in first-touch order, so reading
/// and resetting cost what the window saw, not the size of the catalog.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) start_ms: i64,
    pub(crate) live: bool,
    pub(crate) fired: bool,
    pub(crate) counts: Counters,
    pub(crate) users: HyperLogLog,
    pub(crate) sessions: HyperLogLog,
    pub(crate) products: ProductColumns,
    pub(crate) pair_revenue: Vec<u64>,
    pub(crate) touched_pairs: Vec<u32>,
    pub(crate) queries: Vec<QueryCounts>,
    pub(crate) touched_queries: Vec<u32>,
    pub(crate) currencies: Vec<CurrencyAgg>,
    pub(crate) search_latency_us: Histogram<u32>,
}

fn grow<T: Default + Clone>(items: &mut Vec<T>, index: usize) {
    if index >= items.len() {
        let length = (index + 1).next_power_of_two().max(1_024);
        items.resize(length, T::default());
    }
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            start_ms: 0,
            live: false,
            fired: false,
            counts: Counters::default(),
            users: HyperLogLog::new(),
            sessions: HyperLogLog::new(),
            products: ProductColumns::default(),
            pair_revenue: Vec::new(),
            touched_pairs: Vec::new(),
            queries: Vec::new(),
            touched_queries: Vec::new(),
            currencies: Vec::new(),
            search_latency_us: latency_histogram(),
        }
    }

    /// Empties the slot for reuse, keeping every allocation.
    pub(crate) fn reset(&mut self) {
        self.products.reset();
        for &index in &self.touched_pairs {
            self.pair_revenue[index as usize] = 0;
        }
        self.touched_pairs.clear();
        for &index in &self.touched_queries {
            self.queries[index as usize] = QueryCounts::default();
        }
        self.touched_queries.clear();
        for currency in &mut self.currencies {
            if currency.sums.present {
                currency.sums = CurrencySums::default();
                currency.order_values.reset();
            }
        }
        if self.counts.events > 0 {
            self.users.clear();
            self.sessions.clear();
        }
        if !self.search_latency_us.is_empty() {
            self.search_latency_us.reset();
        }
        self.counts = Counters::default();
        self.live = false;
        self.fired = false;
    }

    pub(crate) fn currency(&mut self, index: u8) -> &mut CurrencySums {
        let index = usize::from(index);
        while self.currencies.len() <= index {
            self.currencies.push(CurrencyAgg {
                sums: CurrencySums::default(),
                order_values: order_value_histogram(),
            });
        }
        let sums = &mut self.currencies[index].sums;
        sums.present = true;
        sums
    }

    fn query(&mut self, index: u32) -> Option<&mut QueryCounts> {
        if index == UNTRACKED {
            return None;
        }
        grow(&mut self.queries, index as usize);
        let counts = &mut self.queries[index as usize];
        if !counts.touched {
            counts.touched = true;
            self.touched_queries.push(index);
        }
        Some(counts)
    }

    /// Adds one record. Returns the window's payment-failure count after it if the
    /// record was a failed payment, so the caller can check the burst threshold.
    #[inline]
    pub(crate) fn apply(&mut self, input: &Prepared, lines: &[PreparedLine]) -> Option<u64> {
        self.counts.events += 1;
        if let Some(hash) = input.user_hash {
            self.users.insert_hash(hash);
        }
        if let Some(hash) = input.session_hash {
            self.sessions.insert_hash(hash);
        }
        match input.action {
            Action::View(product) => {
                self.counts.views += 1;
                if product != UNTRACKED {
                    self.products.view(product);
                }
            }
            Action::AddToCart(product) => {
                self.counts.add_to_carts += 1;
                if product != UNTRACKED {
                    self.products.add_to_cart(product);
                }
            }
            Action::RemoveFromCart => self.counts.removes_from_cart += 1,
            Action::Checkout => self.counts.checkouts += 1,
            Action::Placed {
                currency,
                total,
                paid,
            } => self.apply_order(currency, total, paid, lines),
            Action::Paid { currency, amount } => {
                let sums = self.currency(currency);
                sums.paid_orders += 1;
                sums.paid_amount = sums.paid_amount.saturating_add(amount);
            }
            Action::Cancelled => self.counts.cancellations += 1,
            Action::Refunded { currency, amount } => {
                let sums = self.currency(currency);
                sums.refunds += 1;
                sums.refunded_amount = sums.refunded_amount.saturating_add(amount);
            }
            Action::PaymentFailed { currency, amount } => {
                self.counts.payment_failures += 1;
                let sums = self.currency(currency);
                sums.payment_failures += 1;
                sums.failed_amount = sums.failed_amount.saturating_add(amount);
                return Some(self.counts.payment_failures);
            }
            Action::Search {
                query,
                zero,
                took_us,
            } => {
                self.counts.searches += 1;
                self.counts.zero_result_searches += u64::from(zero);
                self.search_latency_us
                    .saturating_record(took_us.min(SEARCH_LATENCY_US_MAX));
                if let Some(counts) = self.query(query) {
                    counts.searches = counts.searches.saturating_add(1);
                    counts.zero_results = counts.zero_results.saturating_add(u32::from(zero));
                }
            }
            Action::Registered => self.counts.signups += 1,
            Action::LoggedIn => self.counts.logins += 1,
            Action::PageView => self.counts.page_views += 1,
        }
        None
    }

    fn apply_order(&mut self, currency: u8, total: u64, paid: bool, lines: &[PreparedLine]) {
        self.counts.orders += 1;
        let sums = self.currency(currency);
        sums.orders += 1;
        sums.order_value = sums.order_value.saturating_add(total);
        if paid {
            sums.paid_orders += 1;
            sums.paid_amount = sums.paid_amount.saturating_add(total);
        }
        self.currencies[usize::from(currency)]
            .order_values
            .saturating_record(total.min(ORDER_VALUE_MAX));
        for line in lines {
            if line.product != UNTRACKED {
                self.products.order(line.product, line.units);
            }
            if line.pair != UNTRACKED {
                grow(&mut self.pair_revenue, line.pair as usize);
                let revenue = &mut self.pair_revenue[line.pair as usize];
                // A zero-priced line leaves the pair untouched: it has no revenue to rank.
                if line.amount > 0 {
                    if *revenue == 0 {
                        self.touched_pairs.push(line.pair);
                    }
                    *revenue = revenue.saturating_add(line.amount);
                }
            }
        }
    }

    /// Renumbers queries after the interner was compacted (`remap[old] = new`).
    pub(crate) fn remap_queries(&mut self, remap: &[u32]) {
        let mut moved = Vec::with_capacity(self.touched_queries.len());
        for &old in &self.touched_queries {
            let counts = std::mem::take(&mut self.queries[old as usize]);
            moved.push((remap[old as usize], counts));
        }
        self.touched_queries.clear();
        for (new, counts) in moved {
            debug_assert_ne!(new, UNTRACKED, "live queries are kept");
            if new == UNTRACKED {
                continue;
            }
            grow(&mut self.queries, new as usize);
            self.queries[new as usize] = counts;
            self.touched_queries.push(new);
        }
    }
}

/// Window counts of one kind: records accepted, accepted after their window fired,
/// and dropped as too late.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowStats {
    /// Window updates (an event in a sliding window counts once per window).
    pub accepted: u64,
    /// Of those, updates to a window that had already fired (late within lateness).
    pub late_updates: u64,
    /// Updates refused because the window was past its allowed lateness.
    pub dropped: u64,
    /// Windows that fired.
    pub fired: u64,
    /// Windows finalized (past allowed lateness, moved to history).
    pub finalized: u64,
}

/// The windows of one kind: a ring of slots for windows that can still change, and
/// the history of finalized ones.
#[derive(Debug)]
pub(crate) struct WindowSet {
    pub(crate) kind: WindowKind,
    pub(crate) size_ms: i64,
    pub(crate) slide_ms: i64,
    pub(crate) slots: Vec<Option<Box<Slot>>>,
    pub(crate) history: VecDeque<WindowReport>,
    pub(crate) history_max: usize,
    pub(crate) stats: WindowStats,
    /// The last event's pane `[start, end)` (one slide long) and the ring slots of
    /// the windows covering it, so most events skip the division.
    cache_pane: (i64, i64),
    cache_windows: [(i64, usize); WINDOWS_PER_EVENT_MAX],
    cache_count: usize,
}

/// The time and thresholds every window kind applies a record under.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    pub(crate) watermark_ms: i64,
    pub(crate) lateness_ms: i64,
    /// More failed payments than this in a window is a burst.
    pub(crate) failures_max: u64,
}

/// What the ingest of one record did to one kind.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SetOutcome {
    pub(crate) updated: u8,
    pub(crate) dropped: u8,
    /// A window opened (its due time must join the watermark schedule).
    pub(crate) opened_due_ms: Option<i64>,
}

impl WindowSet {
    pub(crate) fn new(kind: WindowKind, ring: usize, history_max: usize) -> WindowSet {
        WindowSet {
            kind,
            size_ms: kind.size_ms() as i64,
            slide_ms: kind.slide_ms() as i64,
            slots: (0..ring).map(|_| None).collect(),
            history: VecDeque::new(),
            history_max,
            stats: WindowStats::default(),
            cache_pane: (1, 0),
            cache_windows: [(0, 0); WINDOWS_PER_EVENT_MAX],
            cache_count: 0,
        }
    }

    /// The ring position of the window starting at `start_ms`.
    pub(crate) fn ring_index(&self, start_ms: i64) -> usize {
        (start_ms.div_euclid(self.slide_ms)).rem_euclid(self.slots.len() as i64) as usize
    }

    fn refresh_cache(&mut self, at_ms: i64) {
        let pane_start = at_ms - at_ms.rem_euclid(self.slide_ms);
        self.cache_pane = (pane_start, pane_start + self.slide_ms);
        self.cache_count = 0;
        let mut start = pane_start;
        while start > at_ms - self.size_ms {
            let index = self.ring_index(start);
            self.cache_windows[self.cache_count] = (start, index);
            self.cache_count += 1;
            start -= self.slide_ms;
        }
    }

    /// Applies one record at event time `at_ms` under `clock`.
    #[inline]
    pub(crate) fn ingest(
        &mut self,
        at_ms: i64,
        clock: Clock,
        input: &Prepared,
        lines: &[PreparedLine],
        bursts: &mut Vec<(i64, u64)>,
    ) -> SetOutcome {
        let Clock {
            watermark_ms,
            lateness_ms,
            failures_max,
        } = clock;
        if at_ms < self.cache_pane.0 || at_ms >= self.cache_pane.1 {
            self.refresh_cache(at_ms);
        }
        let mut outcome = SetOutcome::default();
        for position in 0..self.cache_count {
            let (start, index) = self.cache_windows[position];
            let last_ms = start + self.size_ms - 1;
            // Flink's isWindowLate: cleanup time (max timestamp + lateness) <= watermark.
            if last_ms + lateness_ms <= watermark_ms {
                self.stats.dropped += 1;
                outcome.dropped += 1;
                continue;
            }
            let slot = self.slots[index].get_or_insert_with(|| Box::new(Slot::new()));
            if !slot.live {
                slot.reset();
                slot.live = true;
                slot.start_ms = start;
                // A window opened by a late record has already passed its firing time.
                slot.fired = last_ms <= watermark_ms;
                self.stats.fired += u64::from(slot.fired);
                outcome.opened_due_ms = Some(if slot.fired {
                    last_ms + lateness_ms
                } else {
                    last_ms
                });
            }
            assert_eq!(
                slot.start_ms, start,
                "the ring holds every window that can still change"
            );
            if slot.fired {
                slot.counts.late_events += 1;
                self.stats.late_updates += 1;
            }
            self.stats.accepted += 1;
            outcome.updated += 1;
            if let Some(failures) = slot.apply(input, lines) {
                if failures == failures_max + 1 {
                    bursts.push((start, failures));
                }
            }
        }
        outcome
    }

    /// Live slots, oldest window first.
    pub(crate) fn live_slots(&self) -> Vec<&Slot> {
        let mut live: Vec<&Slot> = self
            .slots
            .iter()
            .flatten()
            .map(|slot| &**slot)
            .filter(|slot| slot.live)
            .collect();
        live.sort_by_key(|slot| slot.start_ms);
        live
    }

    /// Records a finalized window, forgetting the oldest beyond the history bound.
    pub(crate) fn push_history(&mut self, report: WindowReport) {
        self.history.push_back(report);
        while self.history.len() > self.history_max {
            self.history.pop_front();
        }
    }
}
