//! The outbox's consumers: one reader thread (`emporium-outbox`) reads committed events
//! in order and hands each batch to every subscriber over a bounded channel; each
//! subscriber applies them on its own thread (`emporium-sub-<name>`) and checkpoints its
//! read model together with its offset, in one write.
//!
//! Delivery is at least once and the effect exactly once: a checkpoint stores the state
//! and the offset of the last event folded into it atomically, so after a crash a
//! subscriber restores the checkpoint and re-applies only the events after it. A full
//! channel blocks the reader (the log is durable, so nothing is lost by waiting), and
//! a subscriber that falls behind what the reader sends, or is rebuilt from sequence
//! 0, reads the gap from the store itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, SendTimeoutError, Sender};
use parking_lot::{Condvar, Mutex};

use crate::model::EventRecord;
use crate::store::tables::{CHECKPOINTS, OFFSETS};
use crate::store::{EVENT_READ_MAX, Store};
use crate::{Error, Result};

/// Events read from the store per batch.
pub const OUTBOX_BATCH_EVENTS_MAX: usize = 1_024;
/// Batches queued per subscriber before the reader waits for it.
pub const SUBSCRIBER_QUEUE_BATCHES: usize = 16;
/// A subscriber checkpoints at least this often while events arrive...
pub const CHECKPOINT_INTERVAL_MS: u64 = 2_000;
/// ...or after this many events, whichever comes first.
pub const CHECKPOINT_EVENTS: u64 = 100_000;
/// How long a thread waits for work before checking whether it should stop.
const POLL: Duration = Duration::from_millis(100);

const _: () = assert!(OUTBOX_BATCH_EVENTS_MAX <= EVENT_READ_MAX);

/// A read model fed from the event log.
///
/// Implementations keep their state behind their own lock so queries can read it while
/// the subscriber thread applies events. `apply` must be a pure function of the events:
/// the same events from the same checkpoint give the same state, which is what makes a
/// restart and a rebuild from sequence 0 agree with the live model.
pub trait Subscriber: Send + Sync + 'static {
    /// A stable name: the key of the subscriber's offset and checkpoint.
    fn name(&self) -> &'static str;
    /// Folds `events` (in sequence order, none seen before) into the model.
    fn apply(&self, events: &[EventRecord]);
    /// The model's whole state, for a checkpoint.
    fn checkpoint(&self) -> Vec<u8>;
    /// Replaces the model's state with a checkpoint's.
    fn restore(&self, bytes: &[u8]) -> std::result::Result<(), String>;
    /// Forgets everything, before a rebuild from sequence 0.
    fn reset(&self);
}

/// A subscriber's progress, for waiting on and for metrics.
#[derive(Debug, Default)]
struct Progress {
    /// The last sequence number applied.
    applied: AtomicU64,
    /// The last sequence number checkpointed.
    checkpointed: AtomicU64,
    /// Events applied since start.
    events: AtomicU64,
    /// Rebuilds begun (the model reset to sequence 0).
    rebuilds: AtomicU64,
    moved_lock: Mutex<()>,
    moved: Condvar,
}

impl Progress {
    fn set_applied(&self, seq: u64) {
        self.applied.store(seq, Ordering::Release);
        let _guard = self.moved_lock.lock();
        self.moved.notify_all();
    }
}

struct Entry {
    subscriber: Arc<dyn Subscriber>,
    progress: Arc<Progress>,
    rebuild: Arc<AtomicBool>,
}

/// A snapshot of one subscriber's progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriberStatus {
    /// Its name.
    pub name: &'static str,
    /// The last event sequence number applied.
    pub applied_seq: u64,
    /// The last sequence number in its durable checkpoint.
    pub checkpointed_seq: u64,
    /// Events applied since the engine opened.
    pub events_applied: u64,
}

/// The running reader and subscriber threads.
pub(crate) struct Subscribers {
    entries: Vec<Entry>,
    stopping: Arc<AtomicBool>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Subscribers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscribers")
            .field("status", &self.status())
            .finish()
    }
}

impl Subscribers {
    /// Restores each subscriber from its checkpoint (or resets it, if it has none or
    /// the checkpoint does not fit the store) and starts the threads.
    pub(crate) fn start(
        store: &Arc<Store>,
        subscribers: Vec<Arc<dyn Subscriber>>,
    ) -> Result<Subscribers> {
        let committed = store.committed_event_seq();
        let mut entries = Vec::with_capacity(subscribers.len());
        {
            let txn = store.read()?;
            let offsets = txn.open_table(OFFSETS).map_err(crate::StoreError::from)?;
            let checkpoints = txn
                .open_table(CHECKPOINTS)
                .map_err(crate::StoreError::from)?;
            for subscriber in subscribers {
                let name = subscriber.name();
                let offset = offsets
                    .get(name)
                    .map_err(crate::StoreError::from)?
                    .map(|value| value.value());
                let bytes = checkpoints
                    .get(name)
                    .map_err(crate::StoreError::from)?
                    .map(|value| value.value().to_vec());
                let applied = match (offset, bytes) {
                    // A checkpoint past the log belongs to another store (a restored
                    // backup of an older state): rebuild rather than trust it.
                    (Some(offset), Some(bytes)) if offset <= committed => {
                        match subscriber.restore(&bytes) {
                            Ok(()) => offset,
                            Err(error) => {
                                tracing::warn!(name, %error, "checkpoint refused; rebuilding from the log");
                                subscriber.reset();
                                0
                            }
                        }
                    }
                    _ => {
                        subscriber.reset();
                        0
                    }
                };
                let progress = Arc::new(Progress::default());
                progress.applied.store(applied, Ordering::Release);
                progress.checkpointed.store(applied, Ordering::Release);
                entries.push(Entry {
                    subscriber,
                    progress,
                    rebuild: Arc::new(AtomicBool::new(false)),
                });
            }
        }
        let stopping = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let mut senders = Vec::new();
        let spawn_error =
            |error: std::io::Error| Error::Store(crate::StoreError::Io(Arc::new(error)));
        for entry in &entries {
            let (sender, receiver) = crossbeam_channel::bounded(SUBSCRIBER_QUEUE_BATCHES);
            senders.push(sender);
            let worker = Worker {
                store: Arc::clone(store),
                subscriber: Arc::clone(&entry.subscriber),
                progress: Arc::clone(&entry.progress),
                rebuild: Arc::clone(&entry.rebuild),
                stopping: Arc::clone(&stopping),
                receiver,
            };
            let thread = std::thread::Builder::new()
                .name(format!("emporium-sub-{}", entry.subscriber.name()))
                .spawn(move || worker.run())
                .map_err(spawn_error)?;
            threads.push(thread);
        }
        let start = entries
            .iter()
            .map(|entry| entry.progress.applied.load(Ordering::Acquire))
            .min()
            .unwrap_or(committed);
        let reader = Reader {
            store: Arc::clone(store),
            senders,
            stopping: Arc::clone(&stopping),
            position: start,
        };
        threads.push(
            std::thread::Builder::new()
                .name("emporium-outbox".into())
                .spawn(move || reader.run())
                .map_err(spawn_error)?,
        );
        Ok(Subscribers {
            entries,
            stopping,
            threads: Mutex::new(threads),
        })
    }

    /// Waits until every subscriber has applied every event up to `seq`; false on
    /// timeout.
    pub(crate) fn wait_applied(&self, seq: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        for entry in &self.entries {
            let progress = &entry.progress;
            let mut guard = progress.moved_lock.lock();
            while progress.applied.load(Ordering::Acquire) < seq {
                if progress.moved.wait_until(&mut guard, deadline).timed_out() {
                    return progress.applied.load(Ordering::Acquire) >= seq;
                }
            }
        }
        true
    }

    /// Makes subscriber `name` forget its model and apply the log again from sequence
    /// 0, up to what is committed now. `None` if there is no such subscriber, else
    /// whether the rebuild finished within `timeout` (it goes on regardless).
    pub(crate) fn rebuild(&self, name: &str, target: u64, timeout: Duration) -> Option<bool> {
        let entry = self
            .entries
            .iter()
            .find(|entry| entry.subscriber.name() == name)?;
        let progress = &entry.progress;
        let deadline = Instant::now() + timeout;
        let mut guard = progress.moved_lock.lock();
        let begun = progress.rebuilds.load(Ordering::Acquire);
        entry.rebuild.store(true, Ordering::Release);
        loop {
            let reset = progress.rebuilds.load(Ordering::Acquire) > begun;
            if reset && progress.applied.load(Ordering::Acquire) >= target {
                return Some(true);
            }
            if progress.moved.wait_until(&mut guard, deadline).timed_out() {
                return Some(false);
            }
        }
    }

    /// Every subscriber's progress.
    pub(crate) fn status(&self) -> Vec<SubscriberStatus> {
        self.entries
            .iter()
            .map(|entry| SubscriberStatus {
                name: entry.subscriber.name(),
                applied_seq: entry.progress.applied.load(Ordering::Acquire),
                checkpointed_seq: entry.progress.checkpointed.load(Ordering::Acquire),
                events_applied: entry.progress.events.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Stops every thread; each subscriber writes a last checkpoint first.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        for thread in self.threads.lock().drain(..) {
            if thread.join().is_err() {
                tracing::error!("an outbox thread panicked");
            }
        }
    }
}

struct Reader {
    store: Arc<Store>,
    senders: Vec<Sender<Arc<[EventRecord]>>>,
    stopping: Arc<AtomicBool>,
    position: u64,
}

impl Reader {
    fn run(mut self) {
        let mut delay = POLL;
        while !self.stopping.load(Ordering::Acquire) {
            let committed = self.store.wait_for_events_after(self.position, POLL);
            if committed <= self.position {
                continue;
            }
            let batch: Arc<[EventRecord]> = match self
                .store
                .events_after(self.position, OUTBOX_BATCH_EVENTS_MAX)
            {
                Ok(events) if !events.is_empty() => events.into(),
                Ok(_) => continue,
                Err(error) => {
                    tracing::error!(%error, position = self.position, "outbox read failed; retrying");
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(2));
                    continue;
                }
            };
            delay = POLL;
            self.position = batch.last().map_or(self.position, |event| event.seq);
            for sender in &self.senders {
                let mut batch = Arc::clone(&batch);
                loop {
                    match sender.send_timeout(batch, POLL) {
                        Ok(()) => break,
                        Err(SendTimeoutError::Timeout(back)) => {
                            if self.stopping.load(Ordering::Acquire) {
                                return;
                            }
                            batch = back;
                        }
                        Err(SendTimeoutError::Disconnected(_)) => break,
                    }
                }
            }
        }
    }
}

struct Worker {
    store: Arc<Store>,
    subscriber: Arc<dyn Subscriber>,
    progress: Arc<Progress>,
    rebuild: Arc<AtomicBool>,
    stopping: Arc<AtomicBool>,
    receiver: Receiver<Arc<[EventRecord]>>,
}

impl Worker {
    fn run(self) {
        let mut last_checkpoint = Instant::now();
        loop {
            if self.rebuild.swap(false, Ordering::AcqRel) {
                self.subscriber.reset();
                // Applied goes to 0 before the rebuild counts as begun, so a waiter
                // never mistakes the old offset for the rebuilt one.
                self.progress.set_applied(0);
                self.progress.rebuilds.fetch_add(1, Ordering::AcqRel);
                // Nothing else may arrive for a while: read the log up to now at once.
                self.catch_up(self.store.committed_event_seq());
            }
            let stopping = self.stopping.load(Ordering::Acquire);
            match self.receiver.recv_timeout(POLL) {
                Ok(batch) => self.take(&batch),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    if !stopping {
                        // The reader stopped early; catch up from the store by hand.
                        self.catch_up(self.store.committed_event_seq());
                        std::thread::sleep(POLL);
                    }
                }
            }
            let applied = self.progress.applied.load(Ordering::Acquire);
            let checkpointed = self.progress.checkpointed.load(Ordering::Acquire);
            let due = applied != checkpointed
                && (stopping
                    || applied.saturating_sub(checkpointed) >= CHECKPOINT_EVENTS
                    || last_checkpoint.elapsed() >= Duration::from_millis(CHECKPOINT_INTERVAL_MS));
            if due {
                match self.checkpoint(applied) {
                    Ok(()) => {
                        self.progress.checkpointed.store(applied, Ordering::Release);
                        last_checkpoint = Instant::now();
                    }
                    Err(error) => {
                        tracing::error!(name = self.subscriber.name(), %error, "checkpoint failed; retrying later");
                        last_checkpoint = Instant::now();
                    }
                }
            }
            if stopping {
                return;
            }
        }
    }

    /// Applies what `batch` holds past this subscriber's offset, reading any gap before
    /// it from the store.
    fn take(&self, batch: &[EventRecord]) {
        let Some(first) = batch.first() else {
            return;
        };
        let applied = self.progress.applied.load(Ordering::Acquire);
        if first.seq > applied.saturating_add(1) {
            self.catch_up(first.seq - 1);
        }
        let applied = self.progress.applied.load(Ordering::Acquire);
        let fresh = batch.partition_point(|event| event.seq <= applied);
        self.apply(&batch[fresh..]);
    }

    /// Reads and applies events from the store up to `until`.
    fn catch_up(&self, until: u64) {
        loop {
            let applied = self.progress.applied.load(Ordering::Acquire);
            if applied >= until || self.stopping.load(Ordering::Acquire) {
                return;
            }
            match self.store.events_after(applied, OUTBOX_BATCH_EVENTS_MAX) {
                Ok(events) if !events.is_empty() => {
                    let end = events.partition_point(|event| event.seq <= until);
                    self.apply(&events[..end]);
                    if end < events.len() {
                        return;
                    }
                }
                Ok(_) => return,
                Err(error) => {
                    tracing::error!(name = self.subscriber.name(), %error, "outbox catch-up failed; retrying");
                    std::thread::sleep(POLL);
                }
            }
        }
    }

    fn apply(&self, events: &[EventRecord]) {
        let Some(last) = events.last() else {
            return;
        };
        self.subscriber.apply(events);
        self.progress
            .events
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        self.progress.set_applied(last.seq);
    }

    fn checkpoint(&self, applied: u64) -> Result<()> {
        let name = self.subscriber.name();
        let bytes = self.subscriber.checkpoint();
        self.store.write(
            move |tx| {
                let txn = tx.txn();
                txn.open_table(OFFSETS)
                    .map_err(crate::StoreError::from)?
                    .insert(name, applied)
                    .map_err(crate::StoreError::from)?;
                txn.open_table(CHECKPOINTS)
                    .map_err(crate::StoreError::from)?
                    .insert(name, bytes.as_slice())
                    .map_err(crate::StoreError::from)?;
                Ok(())
            },
            |_| {},
        )
    }
}
