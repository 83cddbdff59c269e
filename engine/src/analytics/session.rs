//! Sessions, for anomalies: a table of what each visitor session did so far, swept of
//! sessions idle for longer than the session gap.
//!
//! The table is large (every session of the last half hour) and each record looks up
//! a random entry, a cache miss. So the windows queue their session work in a
//! [`Pending`] and [`Analytics::flush`] applies it in one tight loop at the end of a
//! batch, where the lookups of consecutive records overlap. Nothing in the windows
//! reads the session table, and the queue keeps the order of everything that does:
//! a sweep scheduled while ingesting record `i` runs before record `i`'s session is
//! observed, and a window anomaly reported while ingesting record `i` is listed after
//! the session anomalies of earlier records and before those of record `i`, exactly
//! as when every record was applied whole.

use serde::{Deserialize, Serialize};

use super::snapshot::{Anomaly, AnomalyKind, timestamp};
use super::{Analytics, SessionKey};
use crate::model::UserId;

/// A session's life so far, for anomalies. Kept to 32 bytes: ingest looks one up
/// per record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SessionState {
    pub(crate) first_ms: i64,
    pub(crate) last_ms: i64,
    /// The last user seen in the session (meaningful with [`SESSION_HAS_USER`]).
    pub(crate) user_raw: u64,
    pub(crate) events: u32,
    /// [`SESSION_BURST_REPORTED`], [`SESSION_LONG_REPORTED`], [`SESSION_HAS_USER`].
    pub(crate) flags: u8,
}

const _: () = assert!(std::mem::size_of::<SessionState>() == 32);
const SESSION_BURST_REPORTED: u8 = 1;
const SESSION_LONG_REPORTED: u8 = 2;
const SESSION_HAS_USER: u8 = 4;

/// The time between session-table sweeps, in event time.
pub(crate) const SESSION_SWEEP_MS: i64 = 60_000;

/// A session observation waiting for the table.
#[derive(Clone, Copy, Debug)]
struct Observation {
    session: SessionKey,
    at_ms: i64,
    user: Option<UserId>,
}

/// Work that must run between two observations.
#[derive(Clone, Debug)]
enum Step {
    /// Forget sessions idle since before this watermark − the session gap.
    Sweep { watermark_ms: i64 },
    /// Append an anomaly found by the windows.
    Report(Anomaly),
}

/// Session work queued by the windows (see the module docs). It holds the work of
/// one staged chunk of records at most: ingest flushes after every chunk.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    observations: Vec<Observation>,
    /// Each step with the number of observations queued before it.
    steps: Vec<(usize, Step)>,
}

impl Pending {
    /// Queues the session of a record, after whatever steps the record queued.
    #[inline]
    pub(crate) fn observe(&mut self, session: SessionKey, at_ms: i64, user: Option<UserId>) {
        self.observations.push(Observation {
            session,
            at_ms,
            user,
        });
    }

    /// Queues a sweep of the table at `watermark_ms`.
    pub(crate) fn sweep(&mut self, watermark_ms: i64) {
        let before = self.observations.len();
        self.steps.push((before, Step::Sweep { watermark_ms }));
    }

    /// Queues a window anomaly.
    pub(crate) fn report(&mut self, anomaly: Anomaly) {
        let before = self.observations.len();
        self.steps.push((before, Step::Report(anomaly)));
    }
}

impl Analytics {
    /// Applies the queued session work, in order. Every public call that ingests or
    /// moves the watermark ends with this, so the session table and the anomalies are
    /// never seen half-applied.
    pub(crate) fn flush(&mut self) {
        let mut observations = std::mem::take(&mut self.pending.observations);
        let mut steps = std::mem::take(&mut self.pending.steps);
        // Look every session up once first: these lookups do not depend on each
        // other, so their cache misses overlap, and the loop below finds the entries
        // cached. (`black_box` keeps the reads; std has no safe prefetch.)
        for observation in &observations {
            std::hint::black_box(self.sessions.get(&observation.session.raw()));
        }
        let mut queued = steps.drain(..);
        // The observation position of the next step; usize::MAX when none is left.
        let mut next = queued.as_slice().first().map_or(usize::MAX, |step| step.0);
        for (position, observation) in observations.iter().enumerate() {
            while next <= position {
                if let Some((_, step)) = queued.next() {
                    self.run(step);
                }
                next = queued.as_slice().first().map_or(usize::MAX, |step| step.0);
            }
            self.observe_session(observation.session, observation.at_ms, observation.user);
        }
        for (_, step) in queued {
            self.run(step);
        }
        // The buffers go back, emptied, so steady-state ingest does not allocate.
        observations.clear();
        self.pending.observations = observations;
        self.pending.steps = steps;
    }

    fn run(&mut self, step: Step) {
        match step {
            Step::Sweep { watermark_ms } => {
                let horizon = watermark_ms.saturating_sub(self.config.session_gap_ms as i64);
                self.sessions.retain(|_, state| state.last_ms >= horizon);
            }
            Step::Report(anomaly) => self.report_anomaly(anomaly),
        }
    }

    #[inline]
    fn observe_session(&mut self, session: SessionKey, at_ms: i64, user: Option<UserId>) {
        let table_full = self.sessions.len() >= self.config.sessions_max;
        let state = match self.sessions.get_mut(&session.raw()) {
            Some(state) => state,
            None if table_full => {
                self.untracked_sessions += 1;
                return;
            }
            None => self.sessions.entry(session.raw()).or_insert(SessionState {
                first_ms: at_ms,
                last_ms: at_ms,
                user_raw: 0,
                events: 0,
                flags: 0,
            }),
        };
        state.events = state.events.saturating_add(1);
        state.first_ms = state.first_ms.min(at_ms);
        state.last_ms = state.last_ms.max(at_ms);
        if let Some(user) = user {
            state.user_raw = user.raw();
            state.flags |= SESSION_HAS_USER;
        }
        let duration_ms = (state.last_ms - state.first_ms) as u64;
        let burst = u64::from(state.events) > self.config.session_events_max
            && state.flags & SESSION_BURST_REPORTED == 0;
        let long = duration_ms > self.config.session_duration_ms_max
            && state.flags & SESSION_LONG_REPORTED == 0;
        if !burst && !long {
            return;
        }
        if burst {
            state.flags |= SESSION_BURST_REPORTED;
        }
        if long {
            state.flags |= SESSION_LONG_REPORTED;
        }
        let events = u64::from(state.events);
        let user_id =
            (state.flags & SESSION_HAS_USER != 0).then(|| UserId::from_raw(state.user_raw));
        let kinds = [
            (burst, AnomalyKind::SessionEventBurst),
            (long, AnomalyKind::LongSession),
        ];
        for (seen, kind) in kinds {
            if seen {
                self.report_anomaly(Anomaly {
                    kind,
                    at: timestamp(at_ms),
                    session: Some(format!("{:016x}", session.raw())),
                    user_id,
                    window: None,
                    count: events,
                    duration_ms,
                });
            }
        }
    }
}
