//! Which windows a record lands in, worked out once per pane.
//!
//! Every window kind is aligned to the epoch and slides by whole minutes, so all
//! records of one minute (the pane of the one-minute windows, which lies inside the
//! panes of every other kind) land in the same windows, and the watermark decides
//! only whether a window still takes them. A [`Route`] holds that answer for the
//! current pane: the windows that take a record (each with its lane and whether it
//! has fired) and, per kind, how many drop it. It holds while the records stay in
//! the pane and the watermark stays below the first cleanup time among its windows;
//! firing or finalizing windows invalidates it.
//!
//! The counters every record adds alike to all its windows (events, late events,
//! views, add-to-carts and the other plain counts, and the per-kind accepted, late
//! and dropped statistics) are summed in the route and added to the windows when the
//! route is settled: before the watermark fires or finalizes anything, before the
//! route changes, and at the end of every ingest call, so nothing ever reads them
//! unsettled. Per record, what is left is the work that differs between records:
//! the sketches, the per-product counters, money, searches.

use super::lanes::{LANES_SHARED_MAX, Lane, Lanes, SharedLine};
use super::window::{Action, Clock, Counters, WINDOWS_PER_EVENT_MAX, WindowKind, WindowSet};

/// The most windows a record lands in, over all kinds.
pub(crate) const TARGETS_MAX: usize = WindowKind::ALL.len() * WINDOWS_PER_EVENT_MAX;

const _: () = assert!(TARGETS_MAX <= LANES_SHARED_MAX);

/// A window a record of the route's pane lands in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target {
    /// Its kind's position in [`WindowKind::ALL`].
    pub(crate) set: usize,
    /// Its ring slot in the kind.
    pub(crate) index: usize,
    pub(crate) lane: Lane,
    /// It has fired, so the record is a late update.
    pub(crate) late: bool,
}

/// Per kind: windows of the pane that take records, that take them late, and that
/// drop them.
#[derive(Clone, Copy, Debug, Default)]
struct KindCounts {
    accepted: u64,
    late: u64,
    dropped: u64,
}

/// Where records of the current pane go (see the module docs).
#[derive(Debug)]
pub(crate) struct Route {
    pane: (i64, i64),
    valid_until_ms: i64,
    targets: [Target; TARGETS_MAX],
    target_count: usize,
    /// The targets' product counters, when they share a line.
    shared: Option<SharedLine>,
    kinds: [KindCounts; WindowKind::ALL.len()],
    dropped: u8,
    /// Records routed since the last settle, and their plain counts.
    pending: Counters,
}

impl Default for Route {
    fn default() -> Route {
        Route {
            pane: (1, 0),
            valid_until_ms: i64::MIN,
            targets: [Target {
                set: 0,
                index: 0,
                lane: Lane::new(0),
                late: false,
            }; TARGETS_MAX],
            target_count: 0,
            shared: None,
            kinds: [KindCounts::default(); WindowKind::ALL.len()],
            dropped: 0,
            pending: Counters::default(),
        }
    }
}

impl Route {
    /// Whether a record at `at_ms` under `watermark_ms` goes where the route says.
    #[inline]
    pub(crate) fn holds(&self, at_ms: i64, watermark_ms: i64) -> bool {
        self.pane.0 <= at_ms && at_ms < self.pane.1 && watermark_ms < self.valid_until_ms
    }

    /// The windows a record of the pane lands in, in kind order, newest first within
    /// a kind.
    #[inline]
    pub(crate) fn targets(&self) -> &[Target] {
        &self.targets[..self.target_count]
    }

    /// The line the targets' product counters share, if they do.
    #[inline]
    pub(crate) fn shared(&self) -> Option<&SharedLine> {
        self.shared.as_ref()
    }

    /// Windows that drop a record of the pane.
    #[inline]
    pub(crate) fn dropped(&self) -> u8 {
        self.dropped
    }

    /// Counts a record's plain counters (see the module docs).
    #[inline]
    pub(crate) fn count(&mut self, action: &Action) {
        let pending = &mut self.pending;
        pending.events += 1;
        match action {
            Action::View(_) => pending.views += 1,
            Action::AddToCart(_) => pending.add_to_carts += 1,
            Action::RemoveFromCart => pending.removes_from_cart += 1,
            Action::Checkout => pending.checkouts += 1,
            Action::Cancelled => pending.cancellations += 1,
            Action::Registered => pending.signups += 1,
            Action::LoggedIn => pending.logins += 1,
            Action::PageView => pending.page_views += 1,
            Action::Placed { .. }
            | Action::Paid { .. }
            | Action::Refunded { .. }
            | Action::PaymentFailed { .. }
            | Action::Search { .. } => {}
        }
    }

    /// Makes the route useless, so the next record works it out again.
    pub(crate) fn invalidate(&mut self) {
        self.valid_until_ms = i64::MIN;
    }

    /// Adds the counts summed since the last settle to the windows and their kinds.
    pub(crate) fn settle(&mut self, sets: &mut [WindowSet]) {
        let pending = std::mem::take(&mut self.pending);
        let records = pending.events;
        if records == 0 {
            return;
        }
        for target in &self.targets[..self.target_count] {
            let slot = sets[target.set].slots[target.index]
                .as_deref_mut()
                .expect("a target's slot is open");
            slot.counts.add(&pending);
            if target.late {
                slot.counts.late_events += records;
            }
        }
        for (set, kind) in sets.iter_mut().zip(&self.kinds) {
            set.stats.accepted += records * kind.accepted;
            set.stats.late_updates += records * kind.late;
            set.stats.dropped += records * kind.dropped;
        }
    }

    /// Works out the route of a record at `at_ms` under `clock`, opening the windows
    /// it lands in. Settle first. Returns, over the kinds in order, the due times of
    /// the last window each opened (newest first within a kind).
    pub(crate) fn refresh(
        &mut self,
        at_ms: i64,
        clock: Clock,
        sets: &mut [WindowSet],
        lanes: &mut Lanes,
        mut opened: impl FnMut(i64),
    ) {
        debug_assert_eq!(self.pending.events, 0, "settled before it changes");
        self.pane = (i64::MIN, i64::MAX);
        self.valid_until_ms = i64::MAX;
        self.target_count = 0;
        self.dropped = 0;
        for (position, set) in sets.iter_mut().enumerate() {
            let slide_ms = set.slide_ms;
            let pane_start = at_ms - at_ms.rem_euclid(slide_ms);
            self.pane = (
                self.pane.0.max(pane_start),
                self.pane.1.min(pane_start + slide_ms),
            );
            let mut kind = KindCounts::default();
            let mut opened_due_ms = None;
            let mut next_start = pane_start;
            while next_start > at_ms - set.size_ms {
                let window_start = next_start;
                next_start -= slide_ms;
                let last_ms = window_start + set.size_ms - 1;
                let cleanup_ms = last_ms + clock.lateness_ms;
                // Flink's isWindowLate: cleanup time (max timestamp + lateness) <=
                // watermark.
                if cleanup_ms <= clock.watermark_ms {
                    kind.dropped += 1;
                    continue;
                }
                let index = set.ring_index(window_start);
                let (slot, due_ms) = set.open(index, window_start, clock, lanes);
                if let Some(due_ms) = due_ms {
                    opened_due_ms = Some(due_ms);
                }
                self.targets[self.target_count] = Target {
                    set: position,
                    index,
                    lane: slot.lane,
                    late: slot.fired,
                };
                self.target_count += 1;
                kind.accepted += 1;
                kind.late += u64::from(slot.fired);
                self.valid_until_ms = self.valid_until_ms.min(cleanup_ms);
            }
            if let Some(due_ms) = opened_due_ms {
                opened(due_ms);
            }
            self.dropped += kind.dropped as u8;
            self.kinds[position] = kind;
        }
        self.shared = SharedLine::of(self.targets().iter().map(|target| target.lane));
    }
}
