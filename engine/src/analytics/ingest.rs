//! The ingest path, in passes over a chunk of a batch.
//!
//! 1. **Stage**, in three short loops: map each event, key its session (a 64-bit
//!    FNV-1a over the client's session id), then intern its products, (product,
//!    currency) pairs and currencies, compute its sketch marks and read the lane row
//!    of its product. Records do not depend on each other here, and each loop is short,
//!    so the cache misses of consecutive records (the event, the session id, the
//!    interner, the row) overlap instead of being paid one after the other.
//! 2. **Count**: per record, in order, move the watermark (firing and finalizing
//!    windows), intern the search query, and update every window the record lands in.
//!    Queries are interned here, not when staging, because finalizing windows can
//!    compact the query table and renumber it.
//! 3. **Flush** the session work the windows queued (see the `session` module).
//!
//! The passes give exactly the state of applying each record whole, in order: the
//! interners of pass 1 are never renumbered and nothing in pass 2 reads them before
//! the record that added a key, and pass 3 keeps its own order.

use super::hll::{Mark, mix64};
use super::intern::UNTRACKED;
use super::lanes::Column;
use super::record::{Input, InputKind, PurchaseLine, QueryText, SessionRef, normalize_query_into};
use super::snapshot::{Anomaly, AnomalyKind, WindowSpan, timestamp};
use super::window::{Action, Clock, Prepared, PreparedLine};
use super::{
    Analytics, BatchOutcome, EVENT_TIME_MS_MAX, IngestOutcome, ORDER_LINES_MAX, Record, SessionKey,
};
use crate::model::{EventRecord, ProductId};

/// Records staged at most before they are counted.
const STAGED_MAX: usize = 1_024;
/// Order lines staged at most before the records holding them are counted (a record
/// may add [`ORDER_LINES_MAX`] more).
const STAGED_LINES_MAX: usize = 4_096;

/// A record going through the passes.
#[derive(Clone, Copy, Debug)]
struct Staged<'a> {
    input: Input<'a>,
    session: Option<SessionKey>,
    /// `None` until interned, and for a record refused outright (event time after
    /// [`EVENT_TIME_MS_MAX`]), which interns nothing.
    prepared: Option<Prepared>,
    /// The text of a search, interned in pass 2.
    query: Option<QueryText<'a>>,
    /// The record's order lines in `Analytics::lines`.
    lines: (usize, usize),
}

impl<'a> Staged<'a> {
    fn new(input: Input<'a>) -> Staged<'a> {
        Staged {
            input,
            session: None,
            prepared: None,
            query: None,
            lines: (0, 0),
        }
    }

    /// Keys the session (the long part of staging a visitor's event).
    #[inline]
    fn key(&mut self) {
        self.session = self.input.session.map(SessionRef::key);
    }
}

/// Keys the sessions of `staged`, client ids four at a time.
fn key_sessions(staged: &mut [Staged<'_>]) {
    let mut waiting = [0usize; 4];
    let mut ids = [""; 4];
    let mut filled = 0;
    for position in 0..staged.len() {
        match staged[position].input.session {
            Some(SessionRef::Client(id)) => {
                waiting[filled] = position;
                ids[filled] = id;
                filled += 1;
                if filled == 4 {
                    let keys = SessionKey::from_clients(ids);
                    for (&at, key) in waiting.iter().zip(keys) {
                        staged[at].session = Some(key);
                    }
                    filled = 0;
                }
            }
            Some(SessionRef::Key(key)) => staged[position].session = Some(key),
            None => {}
        }
    }
    for &at in &waiting[..filled] {
        staged[at].key();
    }
}

impl Analytics {
    /// Counts one record in every window it belongs to.
    pub fn ingest(&mut self, record: &Record) -> IngestOutcome {
        self.lines.clear();
        let mut staged = Staged::new(Input::from_record(record));
        staged.key();
        self.stage(&mut staged);
        let outcome = self.count(&staged);
        self.route.settle(&mut self.sets);
        self.flush();
        outcome
    }

    /// Counts a batch of committed domain events, in order: what the engine's
    /// analytics subscriber runs for every batch of the event log. The same as
    /// [`Record::from_event`] then [`Analytics::ingest`] for each event, without
    /// building the records.
    pub fn ingest_events(&mut self, events: &[EventRecord]) -> BatchOutcome {
        let mut batch = BatchOutcome::default();
        let mut staged: Vec<Staged<'_>> = Vec::with_capacity(events.len().min(STAGED_MAX));
        let mut rest = events;
        while !rest.is_empty() {
            staged.clear();
            self.lines.clear();
            let (mut taken, mut lines) = (0, 0);
            for event in rest {
                taken += 1;
                if let Some(input) = Input::from_event(event) {
                    lines += input.kind.lines_max(ORDER_LINES_MAX);
                    staged.push(Staged::new(input));
                    if staged.len() == STAGED_MAX || lines >= STAGED_LINES_MAX {
                        break;
                    }
                }
            }
            rest = &rest[taken..];
            key_sessions(&mut staged);
            for record in staged.iter_mut() {
                self.stage(record);
            }
            for record in &staged {
                let outcome = self.count(record);
                batch.records += 1;
                batch.windows_updated += u64::from(outcome.windows_updated);
                batch.windows_dropped += u64::from(outcome.windows_dropped);
                batch.rejected += u64::from(outcome.rejected);
            }
            self.route.settle(&mut self.sets);
            self.flush();
        }
        batch
    }

    /// The interning part of pass 1 for one record (see the module docs).
    #[inline]
    fn stage(&mut self, staged: &mut Staged<'_>) {
        let input = staged.input;
        let start = self.lines.len();
        if input.at_ms > EVENT_TIME_MS_MAX {
            staged.lines = (start, start);
            return;
        }
        let action = self.action(&input, &mut staged.query);
        staged.lines = (start, self.lines.len());
        staged.prepared = Some(Prepared {
            user: input.user.map(|user| Mark::of(mix64(user.raw()))),
            session: staged.session.map(|session| Mark::of(mix64(session.raw()))),
            action,
        });
    }

    /// Interns the input's keys, in a fixed order: line products, line currencies and
    /// pairs, then the order's currency. A search's query is left in `query` for
    /// pass 2.
    fn action<'a>(&mut self, input: &Input<'a>, query: &mut Option<QueryText<'a>>) -> Action {
        match input.kind {
            InputKind::View(product) => Action::View(self.product(product)),
            InputKind::AddToCart { product, .. } => Action::AddToCart(self.product(product)),
            InputKind::RemoveFromCart { .. } => Action::RemoveFromCart,
            InputKind::Checkout => Action::Checkout,
            InputKind::Placed {
                total, lines, paid, ..
            } => {
                lines.for_each(ORDER_LINES_MAX, |line| self.stage_line(line));
                Action::Placed {
                    currency: self.currencies.intern(total.currency),
                    total: total.amount,
                    paid,
                }
            }
            InputKind::Paid { amount, .. } => Action::Paid {
                currency: self.currencies.intern(amount.currency),
                amount: amount.amount,
            },
            InputKind::Cancelled(_) => Action::Cancelled,
            InputKind::Refunded { amount, .. } => Action::Refunded {
                currency: self.currencies.intern(amount.currency),
                amount: amount.amount,
            },
            InputKind::PaymentFailed(amount) => Action::PaymentFailed {
                currency: self.currencies.intern(amount.currency),
                amount: amount.amount,
            },
            InputKind::Search {
                query: text,
                results,
                took_us,
            } => {
                *query = Some(text);
                Action::Search {
                    query: UNTRACKED,
                    zero: results == 0,
                    took_us,
                }
            }
            InputKind::Registered => Action::Registered,
            InputKind::LoggedIn => Action::LoggedIn,
            InputKind::PageView => Action::PageView,
        }
    }

    fn stage_line(&mut self, line: PurchaseLine) {
        let product = self.product(line.product);
        let currency = self.currencies.intern(line.amount.currency);
        let pair = if product == UNTRACKED {
            UNTRACKED
        } else {
            let pair = self.pairs.intern(product, currency);
            self.untracked(pair)
        };
        self.lines.push(PreparedLine {
            product,
            pair,
            units: line.quantity,
            amount: line.amount.amount,
        });
    }

    /// The index of `product`, its lane row made and read into the cache; or
    /// [`UNTRACKED`].
    #[inline]
    fn product(&mut self, product: ProductId) -> u32 {
        let index = self.products.intern(product);
        if index != UNTRACKED {
            self.lanes.products.reserve(index);
            self.lanes.products.warm(index);
        }
        self.untracked(index)
    }

    #[inline]
    fn untracked(&mut self, index: u32) -> u32 {
        self.untracked_keys += u64::from(index == UNTRACKED);
        index
    }

    /// Pass 2 for one record (see the module docs).
    fn count(&mut self, staged: &Staged<'_>) -> IngestOutcome {
        let Some(mut prepared) = staged.prepared else {
            self.rejected += 1;
            return IngestOutcome {
                rejected: true,
                ..IngestOutcome::default()
            };
        };
        let at_ms = staged.input.at_ms as i64;
        if at_ms > self.max_event_ms {
            self.max_event_ms = at_ms;
            self.raise_watermark(at_ms - self.bound_ms);
        }
        if let (Some(text), Action::Search { query, .. }) = (staged.query, &mut prepared.action) {
            let index = self.query(text);
            *query = self.untracked(index);
        }
        if !self.route.holds(at_ms, self.watermark_ms) {
            self.reroute(at_ms);
        }
        self.route.count(&prepared.action);
        let targets = self.route.targets();
        // What every window of the record gets alike, for all of them at once: the
        // sketch marks, and the product counts of a view or an add-to-cart, whose
        // lanes share a cache line.
        for (sketches, mark) in [
            (&mut self.lanes.users, prepared.user),
            (&mut self.lanes.sessions, prepared.session),
        ] {
            if let Some(mark) = mark {
                let mut register = sketches.register(mark);
                for target in targets {
                    register.raise(target.lane.index);
                }
            }
        }
        match prepared.action {
            Action::View(product) | Action::AddToCart(product) if product != UNTRACKED => {
                let column = match prepared.action {
                    Action::View(_) => Column::Views,
                    _ => Column::AddToCarts,
                };
                let mut row = self.lanes.products.row(product);
                let seen = column == Column::Views
                    && self
                        .route
                        .shared()
                        .is_some_and(|shared| row.view_seen(shared));
                if !seen {
                    for target in targets {
                        let counted = row.add(column, target.lane, 1);
                        if counted.is_news() {
                            let slot = self.sets[target.set].slot(target.index);
                            slot.products.note(product, counted);
                        }
                    }
                }
            }
            Action::Placed { .. }
            | Action::Paid { .. }
            | Action::Refunded { .. }
            | Action::PaymentFailed { .. }
            | Action::Search { .. } => {
                let lines = &self.lines[staged.lines.0..staged.lines.1];
                for (position, target) in targets.iter().enumerate() {
                    let slot = self.sets[target.set].slot(target.index);
                    if let Some(failures) = slot.apply(prepared.action, lines, &mut self.lanes) {
                        if failures == self.config.payment_failures_max + 1 {
                            self.bursts.push((position, failures));
                        }
                    }
                }
            }
            _ => {}
        }
        let outcome = IngestOutcome {
            windows_updated: targets.len() as u8,
            windows_dropped: self.route.dropped(),
            rejected: false,
        };
        if !self.bursts.is_empty() {
            self.report_bursts(at_ms);
        }
        if let Some(session) = staged.session {
            self.pending.observe(session, at_ms, staged.input.user);
        }
        outcome
    }

    /// Settles the route and works out a new one for a record at `at_ms`.
    #[cold]
    fn reroute(&mut self, at_ms: i64) {
        self.route.settle(&mut self.sets);
        let clock = Clock {
            watermark_ms: self.watermark_ms,
            lateness_ms: self.lateness_ms,
        };
        let mut next_due_ms = self.next_due_ms;
        self.route
            .refresh(at_ms, clock, &mut self.sets, &mut self.lanes, |due_ms| {
                next_due_ms = next_due_ms.min(due_ms);
            });
        self.next_due_ms = next_due_ms;
    }

    fn query(&mut self, query: QueryText<'_>) -> u32 {
        match query {
            QueryText::Normalized(text) => self.queries.intern(text),
            QueryText::Raw(raw) => {
                normalize_query_into(raw, &mut self.query);
                self.queries.intern(&self.query)
            }
        }
    }

    /// Queues the windows whose failed payments just passed the maximum: `bursts`
    /// holds their positions among the route's targets.
    #[cold]
    fn report_bursts(&mut self, at_ms: i64) {
        for (position, count) in std::mem::take(&mut self.bursts) {
            let target = self.route.targets()[position];
            let set = &self.sets[target.set];
            let kind = set.kind;
            let start = set.slots[target.index]
                .as_ref()
                .map_or(0, |slot| slot.start_ms);
            self.pending.report(Anomaly {
                kind: AnomalyKind::PaymentFailureBurst,
                at: timestamp(at_ms),
                session: None,
                user_id: None,
                window: Some(WindowSpan {
                    kind,
                    start: timestamp(start),
                    end: timestamp(start + kind.size_ms() as i64),
                }),
                count,
                duration_ms: 0,
            });
        }
    }
}
