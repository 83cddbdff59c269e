//! The single writer: group commit over one redb write transaction per batch.
//!
//! redb admits one write transaction at a time and each durable commit costs about one
//! fsync, so writers do not open transactions themselves. They send a job over a bounded
//! channel; this thread takes whatever is waiting (up to [`BATCH_COMMANDS_MAX`]),
//! applies every job in one transaction, commits once with full durability, and only
//! then runs each job's completion. Acknowledged therefore means on disk, and throughput
//! grows with the number of concurrent writers while latency stays near one fsync.
//!
//! A completion has two halves. The in-memory effects of the commit (read models that
//! must change in commit order) run on this thread, right after the commit. Waking the
//! writers does not: each wake is a system call, a batch holds hundreds of them, and
//! the next batch waits for none of them, so they go to an acknowledger thread that
//! wakes the batch's writers while this thread starts the next batch.
//!
//! A job must decide before it writes: it reads and validates through the transaction
//! (seeing the jobs before it in the batch), and writes only once it has decided to
//! succeed. A storage failure inside a job aborts the whole batch, so no batch is ever
//! committed half-applied.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use parking_lot::{Condvar, Mutex};
use redb::{Database, Durability, ReadableTable, Table, WriteTransaction};

use super::StoreError;
use super::codec::encode;
use super::tables::{CARTS, IDEMPOTENCY, ORDER_LOG, ORDERS, USER_ORDERS, VOUCHER_USES};
use super::tables::{
    CATEGORIES, CATEGORY_CHILDREN, EVENTS, META, META_NEXT_CATEGORY_ID, META_NEXT_EVENT_SEQ,
    META_NEXT_PRODUCT_ID, PRODUCTS, SKUS, STOCK,
};
use crate::model::{Event, EventRecord, Timestamp};

/// Most jobs applied in one write transaction. Bounds the latency a batch adds and the
/// memory of its completions.
pub const BATCH_COMMANDS_MAX: usize = 4_096;
/// Most jobs waiting for the committer; senders block beyond it (back-pressure).
pub const QUEUE_COMMANDS_MAX: usize = 16_384;
const _: () = assert!(BATCH_COMMANDS_MAX <= QUEUE_COMMANDS_MAX);

/// What runs on the committer thread after the batch's commit, with the commit's
/// outcome; returns what delivers the job's reply, run later on the acknowledger thread.
pub(crate) type Done = Box<dyn FnOnce(Result<(), StoreError>) -> Ack + Send>;
/// Delivers one job's reply (wakes its writer).
pub(crate) type Ack = Box<dyn FnOnce() + Send>;
/// A unit of work for the committer.
pub(crate) type Job = Box<dyn FnOnce(&mut Tx<'_>) -> Done + Send>;

/// The ids handed out in sequence by the committer, one counter per kind of record.
/// Append only: a counter's position is its slot in `COUNTERS`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Counter {
    Product,
    Category,
    User,
    Address,
    Cart,
    Order,
    Payment,
    Voucher,
    Review,
    Notification,
}

const COUNTERS: [(Counter, &str); 10] = [
    (Counter::Product, META_NEXT_PRODUCT_ID),
    (Counter::Category, META_NEXT_CATEGORY_ID),
    (Counter::User, "next_user_id"),
    (Counter::Address, "next_address_id"),
    (Counter::Cart, "next_cart_id"),
    (Counter::Order, "next_order_id"),
    (Counter::Payment, "next_payment_id"),
    (Counter::Voucher, "next_voucher_id"),
    (Counter::Review, "next_review_id"),
    (Counter::Notification, "next_notification_id"),
];
const _: () = {
    let mut slot = 0;
    while slot < COUNTERS.len() {
        assert!(
            COUNTERS[slot].0 as usize == slot,
            "COUNTERS is ordered like Counter"
        );
        slot += 1;
    }
};

/// The committer's durable counters, kept in memory between batches.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counters {
    next_event_seq: u64,
    next_ids: [u64; COUNTERS.len()],
}

impl Counters {
    pub(crate) fn load(txn: &WriteTransaction) -> Result<Counters, StoreError> {
        let meta = txn.open_table(META)?;
        let read = |key: &str| -> Result<u64, StoreError> {
            Ok(meta.get(key)?.map_or(1, |value| value.value()))
        };
        let mut next_ids = [1; COUNTERS.len()];
        for (slot, (_, key)) in next_ids.iter_mut().zip(COUNTERS) {
            *slot = read(key)?;
        }
        Ok(Counters {
            next_event_seq: read(META_NEXT_EVENT_SEQ)?,
            next_ids,
        })
    }

    fn save(&self, txn: &WriteTransaction) -> Result<(), StoreError> {
        let mut meta = txn.open_table(META)?;
        meta.insert(META_NEXT_EVENT_SEQ, self.next_event_seq)?;
        for (value, (_, key)) in self.next_ids.iter().zip(COUNTERS) {
            meta.insert(key, *value)?;
        }
        Ok(())
    }

    /// The sequence number of the last committed event (0 when there is none).
    pub(crate) fn last_event_seq(&self) -> u64 {
        self.next_event_seq - 1
    }
}

macro_rules! lazy_tables {
    ($($field:ident: $definition:ident <$key:ty, $value:ty>),* $(,)?) => {
        #[derive(Default)]
        struct Tables<'a> {
            $($field: Option<Table<'a, $key, $value>>,)*
        }

        impl<'a> Tx<'a> {
            $(
                #[doc = concat!("The `", stringify!($definition), "` table, opened once per batch.")]
                pub(crate) fn $field(&mut self) -> Result<&mut Table<'a, $key, $value>, StoreError> {
                    let slot = &mut self.tables.$field;
                    if slot.is_none() {
                        *slot = Some(self.txn.open_table($definition)?);
                    }
                    Ok(slot.as_mut().expect("opened just above"))
                }
            )*
        }
    };
}

lazy_tables! {
    products: PRODUCTS<u64, &'static [u8]>,
    skus: SKUS<&'static str, u64>,
    categories: CATEGORIES<u64, &'static [u8]>,
    category_children: CATEGORY_CHILDREN<(u64, &'static str), u64>,
    stock: STOCK<u64, &'static [u8]>,
    events: EVENTS<u64, &'static [u8]>,
    carts: CARTS<u64, &'static [u8]>,
    orders: ORDERS<u64, &'static [u8]>,
    order_log: ORDER_LOG<(u64, u64), &'static [u8]>,
    user_orders: USER_ORDERS<(u64, u64), ()>,
    idempotency: IDEMPOTENCY<&'static str, &'static [u8]>,
    voucher_uses: VOUCHER_USES<(u64, u64), u64>,
}

/// A job's view of the batch's write transaction.
pub(crate) struct Tx<'a> {
    txn: &'a WriteTransaction,
    tables: Tables<'a>,
    counters: Counters,
    failure: Option<StoreError>,
    /// The batch's commit time, shared by every job in it.
    pub(crate) now: Timestamp,
}

impl<'a> Tx<'a> {
    /// Hands out the next id of `counter`.
    pub(crate) fn next_id(&mut self, counter: Counter) -> u64 {
        let slot = &mut self.counters.next_ids[counter as usize];
        let id = *slot;
        *slot += 1;
        id
    }

    /// Appends `event` to the log in this transaction; returns its sequence number.
    pub(crate) fn emit(&mut self, event: Event) -> Result<u64, StoreError> {
        let seq = self.counters.next_event_seq;
        let record = EventRecord {
            seq,
            at: self.now,
            event,
        };
        self.events()?.insert(seq, encode(&record).as_slice())?;
        self.counters.next_event_seq += 1;
        Ok(seq)
    }

    /// Appends an event encoded ahead of time (see [`EncodedEvent`]) with `id` in its
    /// placeholder; returns its sequence number.
    pub(crate) fn emit_encoded(
        &mut self,
        event: &EncodedEvent,
        id: u64,
    ) -> Result<u64, StoreError> {
        let seq = self.counters.next_event_seq;
        let record = event.record(seq, self.now, id);
        self.events()?.insert(seq, record.as_slice())?;
        self.counters.next_event_seq += 1;
        Ok(seq)
    }

    /// The batch's write transaction, for tables off the hot path (opened per use).
    pub(crate) fn txn(&self) -> &'a WriteTransaction {
        self.txn
    }

    /// Marks the batch as failed: it will be aborted and every job told so.
    pub(crate) fn poison(&mut self, error: StoreError) {
        self.failure.get_or_insert(error);
    }
}

/// An event encoded on the caller's thread, for a job that learns an id only in the
/// committer (a new order's): the id is encoded as the placeholder 0 (one byte) at byte
/// `id_at`, and [`Tx::emit_encoded`] writes the log record around the bytes with the
/// real id in its place. The committer then copies bytes instead of encoding the event.
pub(crate) struct EncodedEvent {
    bytes: Vec<u8>,
    id_at: usize,
}

impl EncodedEvent {
    /// `event`, whose id at byte `id_at` of its encoding is the placeholder 0.
    pub(crate) fn with_id_at(event: &Event, id_at: usize) -> EncodedEvent {
        // postcard into a Vec fails only when a Serialize impl reports an error, and no
        // event's does.
        let bytes = postcard::to_allocvec(event).expect("events always serialize");
        debug_assert_eq!(bytes.get(id_at), Some(&0), "the placeholder id at id_at");
        EncodedEvent { bytes, id_at }
    }

    /// The bytes [`encode`] gives the `EventRecord` of this event with `id`: the format
    /// version, then the record's fields in order (postcard writes a struct as its
    /// fields, an id as its number).
    pub(crate) fn record(&self, seq: u64, at: Timestamp, id: u64) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.bytes.len() + 32);
        bytes.push(super::codec::RECORD_FORMAT_VERSION);
        let mut bytes = postcard::to_extend(&(seq, at), bytes).expect("integers serialize");
        bytes.extend_from_slice(&self.bytes[..self.id_at]);
        let mut bytes = postcard::to_extend(&crate::model::OrderId::from_raw(id), bytes)
            .expect("ids serialize");
        bytes.extend_from_slice(&self.bytes[self.id_at + 1..]);
        bytes
    }
}

/// Counters the committer keeps for metrics.
#[derive(Debug, Default)]
pub struct CommitterStats {
    /// Batches committed.
    pub batches: AtomicU64,
    /// Jobs committed.
    pub commands: AtomicU64,
    /// Total time spent in `commit` (the fsync), in microseconds.
    pub commit_us_total: AtomicU64,
    /// Batches that failed and were aborted.
    pub failed_batches: AtomicU64,
}

/// The committed event sequence number, and a way to wait for it to move.
#[derive(Debug, Default)]
pub(crate) struct Watermark {
    seq: Mutex<u64>,
    moved: Condvar,
}

impl Watermark {
    pub(crate) fn new(seq: u64) -> Self {
        Watermark {
            seq: Mutex::new(seq),
            moved: Condvar::new(),
        }
    }

    pub(crate) fn get(&self) -> u64 {
        *self.seq.lock()
    }

    fn advance(&self, seq: u64) {
        let mut current = self.seq.lock();
        if seq > *current {
            *current = seq;
            self.moved.notify_all();
        }
    }

    /// Waits until the watermark passes `seen` or `timeout` elapses; returns it.
    pub(crate) fn wait_past(&self, seen: u64, timeout: std::time::Duration) -> u64 {
        let mut current = self.seq.lock();
        if *current <= seen {
            self.moved.wait_for(&mut current, timeout);
        }
        *current
    }

    /// Wakes every waiter (used at shutdown).
    pub(crate) fn wake_all(&self) {
        self.moved.notify_all();
    }
}

/// The handle that feeds the committer thread.
pub(crate) struct Committer {
    sender: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    acknowledger: Option<JoinHandle<()>>,
}

impl Committer {
    pub(crate) fn start(
        db: Arc<Database>,
        counters: Counters,
        batch_commands_max: usize,
        watermark: Arc<Watermark>,
        stats: Arc<CommitterStats>,
    ) -> Result<Committer, StoreError> {
        let (sender, receiver) = crossbeam_channel::bounded(QUEUE_COMMANDS_MAX);
        // Unbounded, yet never long: the committer sends one vector per batch, and
        // writers whose replies wait there cannot send new jobs.
        let (acks, ack_receiver) = crossbeam_channel::unbounded::<Vec<Ack>>();
        let acknowledger = std::thread::Builder::new()
            .name("emporium-acknowledger".into())
            .spawn(move || {
                for batch in ack_receiver {
                    batch.into_iter().for_each(|ack| ack());
                }
            })
            .map_err(|error| StoreError::Io(Arc::new(error)))?;
        let batch_max = batch_commands_max.clamp(1, BATCH_COMMANDS_MAX);
        let state = Loop {
            db,
            receiver,
            acks,
            counters,
            batch_max,
            watermark,
            stats,
        };
        let thread = std::thread::Builder::new()
            .name("emporium-committer".into())
            .spawn(move || state.run())
            .map_err(|error| StoreError::Io(Arc::new(error)))?;
        Ok(Committer {
            sender: Some(sender),
            thread: Some(thread),
            acknowledger: Some(acknowledger),
        })
    }

    /// Queues `job`; blocks while the queue is full.
    pub(crate) fn send(&self, job: Job) -> Result<(), StoreError> {
        let sender = self.sender.as_ref().ok_or(StoreError::Closed)?;
        sender.send(job).map_err(|_| StoreError::Closed)
    }

    /// Stops taking jobs, lets the thread finish the queued ones, and waits for it.
    pub(crate) fn shut_down(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the committer thread panicked");
            }
        }
        // The committer's end of the acknowledgements is gone with it: this thread
        // delivers what is left, then stops.
        if let Some(thread) = self.acknowledger.take() {
            if thread.join().is_err() {
                tracing::error!("the acknowledger thread panicked");
            }
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

struct Loop {
    db: Arc<Database>,
    receiver: Receiver<Job>,
    acks: Sender<Vec<Ack>>,
    counters: Counters,
    batch_max: usize,
    watermark: Arc<Watermark>,
    stats: Arc<CommitterStats>,
}

impl Loop {
    fn run(mut self) {
        let mut batch: Vec<Job> = Vec::with_capacity(self.batch_max);
        while let Ok(first) = self.receiver.recv() {
            batch.push(first);
            while batch.len() < self.batch_max {
                match self.receiver.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.commit_batch(&mut batch);
        }
        tracing::debug!("committer stopped: every sender is gone");
    }

    fn commit_batch(&mut self, batch: &mut Vec<Job>) {
        let count = batch.len() as u64;
        let (dones, outcome) = match self.db.begin_write() {
            Ok(txn) => self.apply_and_commit(txn, batch),
            Err(error) => {
                batch.clear();
                (Vec::new(), Err(StoreError::from(error)))
            }
        };
        match &outcome {
            Ok(counters) => {
                self.counters = *counters;
                self.stats.batches.fetch_add(1, Ordering::Relaxed);
                self.stats.commands.fetch_add(count, Ordering::Relaxed);
                self.watermark.advance(self.counters.last_event_seq());
            }
            Err(error) => {
                tracing::error!(%error, jobs = count, "batch aborted");
                self.stats.failed_batches.fetch_add(1, Ordering::Relaxed);
            }
        }
        let result = outcome.map(|_| ());
        let acks: Vec<Ack> = dones.into_iter().map(|done| done(result.clone())).collect();
        if let Err(unsent) = self.acks.send(acks) {
            // The acknowledger is gone (it panicked): wake the writers from here.
            unsent.0.into_iter().for_each(|ack| ack());
        }
    }

    fn apply_and_commit(
        &self,
        mut txn: WriteTransaction,
        batch: &mut Vec<Job>,
    ) -> (Vec<Done>, Result<Counters, StoreError>) {
        // Jobs still run when durability cannot be set, so each learns the failure
        // through its completion; the batch is then aborted like any poisoned batch.
        let failure = txn
            .set_durability(Durability::Immediate)
            .err()
            .map(|error| StoreError::Storage(Arc::new(redb::Error::from(error))));
        let (dones, counters, failure) = {
            let mut tx = Tx {
                txn: &txn,
                tables: Tables::default(),
                counters: self.counters,
                failure,
                now: Timestamp::now(),
            };
            let dones: Vec<Done> = batch.drain(..).map(|job| job(&mut tx)).collect();
            (dones, tx.counters, tx.failure.take())
        };
        if let Some(failure) = failure {
            drop(txn);
            return (dones, Err(failure));
        }
        let started = Instant::now();
        let result = counters
            .save(&txn)
            .and_then(|()| txn.commit().map_err(StoreError::from));
        let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.stats
            .commit_us_total
            .fetch_add(elapsed_us, Ordering::Relaxed);
        (dones, result.map(|()| counters))
    }
}
