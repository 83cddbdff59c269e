//! The activity buffer: views, searches, client events and checkout starts are domain
//! events that no write carries, so they are queued in memory and appended to the log
//! by one thread (`emporium-activity`) in one transaction per flush.
//!
//! This keeps a product page or a search off the committer's critical path: recording
//! is a push under a short lock. The price is stated plainly: activity accepted in the
//! last flush interval before a crash is lost, and when the queue is full new activity
//! is dropped and counted rather than slowing the storefront down. Orders, payments,
//! carts and stock never go through here; their events commit with their change.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::model::Event;
use crate::store::Store;
use crate::{Error, Result};

/// Most activity events waiting for a flush; more are dropped (and counted).
pub const ACTIVITY_QUEUE_MAX: usize = 65_536;
/// How often the queue is appended to the log.
pub const ACTIVITY_FLUSH_INTERVAL_MS: u64 = 100;

/// Counters of the activity buffer.
#[derive(Debug, Default)]
pub struct ActivityStats {
    /// Events accepted into the queue.
    pub accepted: AtomicU64,
    /// Events refused because the queue was full.
    pub dropped: AtomicU64,
    /// Events appended to the log.
    pub logged: AtomicU64,
}

struct Shared {
    queue: Mutex<Vec<Event>>,
    /// Signalled when a caller wants a flush now.
    flush_requested: Condvar,
    /// The last sequence number a flush wrote, and a condvar for callers waiting on it.
    flushed: Mutex<FlushState>,
    flushed_moved: Condvar,
    stopping: AtomicBool,
    stats: ActivityStats,
}

#[derive(Default)]
struct FlushState {
    /// Flushes completed.
    rounds: u64,
    /// The last sequence number written by a flush.
    last_seq: u64,
}

/// The buffer and its flushing thread.
pub(crate) struct ActivityBuffer {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for ActivityBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivityBuffer")
            .field("stats", &self.shared.stats)
            .finish()
    }
}

impl ActivityBuffer {
    /// Starts the flushing thread.
    pub(crate) fn start(store: Arc<Store>) -> Result<ActivityBuffer> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Vec::new()),
            flush_requested: Condvar::new(),
            flushed: Mutex::new(FlushState::default()),
            flushed_moved: Condvar::new(),
            stopping: AtomicBool::new(false),
            stats: ActivityStats::default(),
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("emporium-activity".into())
            .spawn(move || run(&thread_shared, &store))
            .map_err(|error| Error::Store(crate::StoreError::Io(Arc::new(error))))?;
        Ok(ActivityBuffer {
            shared,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Queues `event`; false (and counted) when the queue is full.
    pub(crate) fn record(&self, event: Event) -> bool {
        let mut queue = self.shared.queue.lock();
        if queue.len() >= ACTIVITY_QUEUE_MAX {
            drop(queue);
            self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        queue.push(event);
        drop(queue);
        self.shared.stats.accepted.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Appends everything queued so far to the log and returns the last sequence
    /// number written (0 if nothing was ever flushed); waits at most `timeout`.
    pub(crate) fn flush(&self, timeout: Duration) -> u64 {
        let mut state = self.shared.flushed.lock();
        // Two full rounds: the one running now may have taken its queue before the
        // caller's events arrived.
        let target = state.rounds + 2;
        let deadline = std::time::Instant::now() + timeout;
        {
            let _queue = self.shared.queue.lock();
            self.shared.flush_requested.notify_all();
        }
        while state.rounds < target && !self.shared.stopping.load(Ordering::Acquire) {
            if self
                .shared
                .flushed_moved
                .wait_until(&mut state, deadline)
                .timed_out()
            {
                break;
            }
        }
        state.last_seq
    }

    /// The buffer's counters.
    pub(crate) fn stats(&self) -> &ActivityStats {
        &self.shared.stats
    }

    /// Flushes what is queued and stops the thread.
    pub(crate) fn stop(&self) {
        {
            let _queue = self.shared.queue.lock();
            self.shared.stopping.store(true, Ordering::Release);
            self.shared.flush_requested.notify_all();
        }
        if let Some(thread) = self.thread.lock().take()
            && thread.join().is_err()
        {
            tracing::error!("the activity thread panicked");
        }
    }
}

fn run(shared: &Shared, store: &Store) {
    let interval = Duration::from_millis(ACTIVITY_FLUSH_INTERVAL_MS);
    // Two buffers take turns: callers fill one while the other is written, and the
    // written one comes back empty with its capacity. Taking the queue and leaving an
    // empty vector instead made callers regrow it from nothing after every flush, and
    // the allocator give the freed pages back and fault them in again: a few
    // microseconds on every checkout under load.
    let mut spare: Vec<Event> = Vec::new();
    loop {
        let mut events = {
            let mut queue = shared.queue.lock();
            if queue.is_empty() && !shared.stopping.load(Ordering::Acquire) {
                shared.flush_requested.wait_for(&mut queue, interval);
            }
            std::mem::replace(&mut *queue, std::mem::take(&mut spare))
        };
        let stopping = shared.stopping.load(Ordering::Acquire);
        let count = events.len() as u64;
        let written = if events.is_empty() {
            spare = events;
            Ok(None)
        } else {
            store
                .write(
                    move |tx| {
                        let mut last = 0;
                        for event in events.drain(..) {
                            last = tx.emit(event)?;
                        }
                        Ok((last, events))
                    },
                    |_| {},
                )
                .map(|(seq, emptied)| {
                    spare = emptied;
                    Some(seq)
                })
        };
        match written {
            Ok(Some(seq)) => {
                shared.stats.logged.fetch_add(count, Ordering::Relaxed);
                let mut state = shared.flushed.lock();
                state.last_seq = seq;
            }
            Ok(None) => {}
            Err(error) => {
                // The events are lost (the log is the only place they could go); the
                // count says how many.
                shared.stats.dropped.fetch_add(count, Ordering::Relaxed);
                tracing::error!(%error, count, "activity flush failed");
            }
        }
        {
            let mut state = shared.flushed.lock();
            state.rounds += 1;
            shared.flushed_moved.notify_all();
        }
        if stopping {
            return;
        }
    }
}

/// The event of a lapsed hold.
pub(crate) fn hold_expired(hold: &crate::inventory::ExpiredHold) -> Event {
    Event::HoldExpired(crate::model::HoldExpired {
        product_id: crate::model::ProductId::from_raw(hold.product),
        quantity: hold.quantity,
    })
}
