//! Window kinds, the aggregates of one window instance (a [`Slot`]), and the ring of
//! slots a kind keeps for the windows that can still change.

use std::collections::VecDeque;

use hdrhistogram::Histogram;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::hll::Mark;
use super::intern::UNTRACKED;
use super::lanes::{Lane, Lanes, Touched};
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

impl Counters {
    /// Adds `other`, field by field.
    pub(crate) fn add(&mut self, other: &Counters) {
        self.events += other.events;
        self.late_events += other.late_events;
        self.views += other.views;
        self.add_to_carts += other.add_to_carts;
        self.removes_from_cart += other.removes_from_cart;
        self.checkouts += other.checkouts;
        self.orders += other.orders;
        self.cancellations += other.cancellations;
        self.searches += other.searches;
        self.zero_result_searches += other.zero_result_searches;
        self.payment_failures += other.payment_failures;
        self.signups += other.signups;
        self.logins += other.logins;
        self.page_views += other.page_views;
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

/// A record ready for the windows: sketch marks computed and keys interned once,
/// then applied to every window it belongs to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prepared {
    pub(crate) user: Option<Mark>,
    pub(crate) session: Option<Mark>,
    pub(crate) action: Action,
}

/// The aggregates of one window instance. Arrays are indexed by interned keys and
/// only grow; `touched_*` lists the entries in use, in first-touch order, so reading
/// and resetting cost what the window saw, not the size of the catalog. Per-product
/// counts and the unique-user and unique-session sketches live in the slot's lane of
/// the shared [`Lanes`].
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) start_ms: i64,
    pub(crate) live: bool,
    pub(crate) fired: bool,
    /// The slot's lane in [`Lanes`], fixed for its life.
    pub(crate) lane: Lane,
    pub(crate) counts: Counters,
    /// The products counted in the lane.
    pub(crate) products: Touched,
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
    pub(crate) fn new(lane: usize) -> Slot {
        Slot {
            start_ms: 0,
            live: false,
            fired: false,
            lane: Lane::new(lane),
            counts: Counters::default(),
            products: Touched::default(),
            pair_revenue: Vec::new(),
            touched_pairs: Vec::new(),
            queries: Vec::new(),
            touched_queries: Vec::new(),
            currencies: Vec::new(),
            search_latency_us: latency_histogram(),
        }
    }

    /// Empties the slot and its lane for reuse, keeping every allocation.
    pub(crate) fn reset(&mut self, lanes: &mut Lanes) {
        lanes.clear(self.lane, &mut self.products, self.counts.events > 0);
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

    /// Adds an order, a payment, a refund, a failed payment or a search: what such
    /// a record does to a window beyond its sketch marks and plain counters, which
    /// ingest applies to all of a record's windows at once. Returns the window's
    /// payment-failure count after the record if it was a failed payment, so the
    /// caller can check the burst threshold.
    #[inline]
    pub(crate) fn apply(
        &mut self,
        action: Action,
        lines: &[PreparedLine],
        lanes: &mut Lanes,
    ) -> Option<u64> {
        match action {
            // Product views and add-to-carts, and the plain counts, are applied by
            // ingest for all of a record's windows together.
            Action::View(_)
            | Action::AddToCart(_)
            | Action::RemoveFromCart
            | Action::Checkout
            | Action::Cancelled
            | Action::Registered
            | Action::LoggedIn
            | Action::PageView => {}
            Action::Placed {
                currency,
                total,
                paid,
            } => self.apply_order(currency, total, paid, lines, lanes),
            Action::Paid { currency, amount } => {
                let sums = self.currency(currency);
                sums.paid_orders += 1;
                sums.paid_amount = sums.paid_amount.saturating_add(amount);
            }
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
        }
        None
    }

    fn apply_order(
        &mut self,
        currency: u8,
        total: u64,
        paid: bool,
        lines: &[PreparedLine],
        lanes: &mut Lanes,
    ) {
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
                lanes
                    .products
                    .order(line.product, self.lane, line.units, &mut self.products);
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
    /// The lane of ring slot 0; slot `i` uses lane `lane_base + i`.
    pub(crate) lane_base: usize,
}

/// The time and thresholds every window kind applies a record under.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    pub(crate) watermark_ms: i64,
    pub(crate) lateness_ms: i64,
}

impl WindowSet {
    /// A kind with `ring` slots on the lanes from `lane_base` on.
    pub(crate) fn new(
        kind: WindowKind,
        ring: usize,
        lane_base: usize,
        history_max: usize,
    ) -> WindowSet {
        WindowSet {
            kind,
            lane_base,
            size_ms: kind.size_ms() as i64,
            slide_ms: kind.slide_ms() as i64,
            slots: (0..ring).map(|_| None).collect(),
            history: VecDeque::new(),
            history_max,
            stats: WindowStats::default(),
        }
    }

    /// The ring position of the window starting at `start_ms`.
    pub(crate) fn ring_index(&self, start_ms: i64) -> usize {
        (start_ms.div_euclid(self.slide_ms)).rem_euclid(self.slots.len() as i64) as usize
    }

    /// The slot of the window starting at `window_start` (ring slot `index`), opened
    /// if it is not live. Returns it, and the due time of the window if it opened.
    pub(crate) fn open(
        &mut self,
        index: usize,
        window_start: i64,
        clock: Clock,
        lanes: &mut Lanes,
    ) -> (&Slot, Option<i64>) {
        let lane = self.lane_base + index;
        let last_ms = window_start + self.size_ms - 1;
        let slot = self.slots[index].get_or_insert_with(|| Box::new(Slot::new(lane)));
        let mut due_ms = None;
        if !slot.live {
            slot.reset(lanes);
            slot.live = true;
            slot.start_ms = window_start;
            // A window opened by a late record has already passed its firing time.
            slot.fired = last_ms <= clock.watermark_ms;
            self.stats.fired += u64::from(slot.fired);
            due_ms = Some(if slot.fired {
                last_ms + clock.lateness_ms
            } else {
                last_ms
            });
        }
        assert_eq!(
            slot.start_ms, window_start,
            "the ring holds every window that can still change"
        );
        (slot, due_ms)
    }

    /// The open slot at ring position `index`.
    #[inline]
    pub(crate) fn slot(&mut self, index: usize) -> &mut Slot {
        self.slots[index]
            .as_deref_mut()
            .expect("the slot of a routed window is open")
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
