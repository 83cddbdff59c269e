//! The read model: messages made from events, kept per user, and the queue of those
//! without a durable outcome. Shared by the subscriber thread (which applies events),
//! the delivery thread (which takes from the queue) and queries.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, RwLock};
use serde::{Deserialize, Serialize};

use super::delivery::{self, DeliveryRecord};
use super::sink::{FileSink, MemorySink, Sink};
use super::webhook::WebhookSink;
use super::{
    Channel, NOTIFICATIONS_FILE_NAME, NotificationsConfig, SinkConfig, Templates, Topic, Var,
};
use crate::events::Subscriber;
use crate::model::{Event, EventRecord, OrderEventKind, Timestamp, UserId};
use crate::store::{Store, StoreError, codec};
use crate::{Error, Result};

/// The subscriber's name: the key of its offset and checkpoint.
pub(crate) const NAME: &str = "notifications";
/// Message ids leave room for this many channels per event: `seq × 4 + channel`.
/// Fixed forever, or every id would change.
const ID_CHANNEL_SLOTS: u64 = 4;
const _: () = assert!(Channel::ALL.len() as u64 <= ID_CHANNEL_SLOTS);

/// The id of the message on `channel` made from event `seq`.
pub(crate) fn message_id(seq: u64, channel: Channel) -> u64 {
    seq.saturating_mul(ID_CHANNEL_SLOTS)
        .saturating_add(channel.index())
}

/// A message as the model keeps it: what the event said, not yet rendered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Message {
    pub(crate) id: u64,
    pub(crate) seq: u64,
    pub(crate) at: Timestamp,
    pub(crate) user_id: UserId,
    pub(crate) topic: Topic,
    pub(crate) channel: Channel,
    pub(crate) values: Values,
}

impl Message {
    fn queue_key(&self) -> (u8, u64) {
        (self.topic.priority().rank(), self.id)
    }

    /// The value of `var` from the event; `None` for `name` (not in the log).
    pub(crate) fn value(&self, var: Var) -> Option<&str> {
        self.values
            .iter()
            .find(|(key, _)| *key == var)
            .map(|(_, value)| value.as_str())
    }
}

/// An event's values for its templates.
type Values = Vec<(Var, String)>;

/// Who an event notifies, about what, with which values; `None` for events that
/// notify nobody. A pure function of the event.
fn notice(event: &Event) -> Option<(UserId, Topic, Values)> {
    match event {
        Event::UserRegistered { user_id } => Some((*user_id, Topic::Welcome, Vec::new())),
        Event::OrderPlaced(placed) => {
            let items: u64 = placed.lines.iter().map(|line| line.quantity).sum();
            let values = vec![
                (Var::OrderId, placed.order_id.to_string()),
                (Var::Total, placed.totals.total.to_string()),
                (Var::Items, items.to_string()),
                (Var::Status, placed.status.as_str().to_string()),
            ];
            Some((placed.user_id?, Topic::OrderPlaced, values))
        }
        Event::OrderChanged(changed) => {
            let entry = &changed.entry;
            let topic = match entry.kind {
                // The placing is told by `OrderPlaced`, which carries the totals.
                OrderEventKind::Created => return None,
                OrderEventKind::Paid => Topic::OrderPaid,
                OrderEventKind::Shipped => Topic::OrderShipped,
                OrderEventKind::Delivered => Topic::OrderDelivered,
                OrderEventKind::Cancelled => Topic::OrderCancelled,
                OrderEventKind::Refunded => Topic::OrderRefunded,
                OrderEventKind::PartiallyRefunded => Topic::OrderPartiallyRefunded,
            };
            let mut values = vec![
                (Var::OrderId, entry.order_id.to_string()),
                (Var::Status, entry.to_status.as_str().to_string()),
            ];
            if let Some(amount) = entry.data.amount {
                values.push((Var::Amount, amount.to_string()));
            }
            Some((changed.user_id?, topic, values))
        }
        Event::PaymentFailed(failed) => {
            let values = vec![
                (Var::CartId, failed.cart_id.to_string()),
                (Var::Amount, failed.amount.to_string()),
                (Var::Reason, failed.code.clone()),
            ];
            Some((failed.user_id?, Topic::PaymentFailed, values))
        }
        Event::ReviewPosted {
            user_id,
            product_id,
            rating,
            ..
        } => {
            let values = vec![
                (Var::ProductId, product_id.to_string()),
                (Var::Rating, rating.to_string()),
            ];
            Some((*user_id, Topic::ReviewThanks, values))
        }
        _ => None,
    }
}

/// The messages, their indexes and the queue.
#[derive(Debug, Default)]
pub(super) struct State {
    /// Every message kept, by id (so by event order).
    messages: BTreeMap<u64, Message>,
    /// Each user's message ids, oldest first.
    by_user: HashMap<UserId, VecDeque<u64>>,
    /// Messages without a durable outcome, by (priority rank, id): the delivery order.
    pending: BTreeSet<(u8, u64)>,
    /// The last event sequence number applied.
    applied_seq: u64,
}

/// The checkpoint: the messages and the offset, with a fingerprint of the settings
/// that decide which messages exist.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    fingerprint: u64,
    applied_seq: u64,
    messages: Vec<Message>,
}

/// Counters since the engine opened.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) sent: AtomicU64,
    pub(super) failed: AtomicU64,
    pub(super) skipped: AtomicU64,
    pub(super) attempts: AtomicU64,
    pub(super) deferred: AtomicU64,
}

/// The model, the queue, the outcomes and the delivery thread's handle.
pub(crate) struct Notifications {
    pub(super) store: Arc<Store>,
    pub(super) templates: Templates,
    per_user_max: usize,
    kept_max: usize,
    fingerprint: u64,
    state: Mutex<State>,
    /// Signalled whenever the queue, the pause, the horizon or the work in flight
    /// changes.
    work: Condvar,
    /// Durable outcomes by message id: the `notification_deliveries` table, mirrored.
    pub(super) outcomes: RwLock<HashMap<u64, DeliveryRecord>>,
    /// Delivery waits until the model has applied the log up to here (set on restore
    /// and reset to what was committed then).
    horizon: AtomicU64,
    paused: AtomicBool,
    stopping: AtomicBool,
    /// Messages taken from the queue whose outcome is not recorded yet.
    in_flight: AtomicUsize,
    pub(super) sink: Arc<dyn Sink>,
    pub(super) counters: Counters,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Notifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifications")
            .field("sink", &self.sink.name())
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn open_sink(config: &SinkConfig, store: &Store) -> Result<Arc<dyn Sink>> {
    let io = |error: std::io::Error| Error::Store(StoreError::Io(Arc::new(error)));
    Ok(match config {
        SinkConfig::Default => match store.dir() {
            Some(dir) => Arc::new(FileSink::open(&dir.join(NOTIFICATIONS_FILE_NAME)).map_err(io)?),
            None => Arc::new(MemorySink::new()),
        },
        SinkConfig::File(path) => Arc::new(FileSink::open(path).map_err(io)?),
        SinkConfig::Webhook(webhook) => Arc::new(WebhookSink::new(webhook.clone()).map_err(
            |error| crate::ValidationError {
                field: format!("notifications.webhook.{}", error.field),
                ..error
            },
        )?),
        SinkConfig::Custom(sink) => Arc::clone(sink),
    })
}

impl Notifications {
    /// Checks `config`, opens the sink and loads the durable outcomes. The model itself
    /// is filled by the subscriber machinery (restore, then the log).
    pub(crate) fn open(store: &Arc<Store>, config: &NotificationsConfig) -> Result<Notifications> {
        config.validate()?;
        let sink = open_sink(&config.sink, store)?;
        let outcomes = delivery::load(store)?;
        let settings = (
            config.templates.keys(),
            config.messages_per_user_max as u64,
            config.messages_kept_max as u64,
        );
        let fingerprint = fnv1a(&codec::encode(&settings));
        Ok(Notifications {
            store: Arc::clone(store),
            templates: config.templates.clone(),
            per_user_max: config.messages_per_user_max,
            kept_max: config.messages_kept_max,
            fingerprint,
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            outcomes: RwLock::new(outcomes),
            horizon: AtomicU64::new(0),
            paused: AtomicBool::new(config.paused),
            stopping: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            sink,
            counters: Counters::default(),
            thread: Mutex::new(None),
        })
    }

    /// Starts the delivery thread; `users` answers who a recipient is.
    pub(crate) fn start(self: &Arc<Self>, users: Arc<crate::users::Users>) -> Result<()> {
        let hub = Arc::clone(self);
        let thread = std::thread::Builder::new()
            .name("emporium-notify".into())
            .spawn(move || delivery::run(&hub, &users))
            .map_err(|error| Error::Store(StoreError::Io(Arc::new(error))))?;
        *self.thread.lock() = Some(thread);
        Ok(())
    }

    /// Stops the delivery thread (a send in a backoff gives up; its message stays
    /// queued).
    pub(crate) fn stop(&self) {
        self.signal(|| self.stopping.store(true, Ordering::Release));
        self.sink.shutdown();
        if let Some(thread) = self.thread.lock().take()
            && thread.join().is_err()
        {
            tracing::error!("the notification delivery thread panicked");
        }
    }

    pub(super) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Runs `change` under the state lock and wakes every waiter: no wake-up is lost
    /// between a waiter's check and its wait.
    fn signal(&self, change: impl FnOnce()) {
        let _state = self.state.lock();
        change();
        self.work.notify_all();
    }

    pub(crate) fn set_paused(&self, paused: bool) {
        self.signal(|| self.paused.store(paused, Ordering::Release));
    }

    pub(super) fn paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    fn ready(&self, state: &State) -> bool {
        !self.paused.load(Ordering::Acquire)
            && state.applied_seq >= self.horizon.load(Ordering::Acquire)
    }

    /// Takes up to `max` queued messages, in delivery order, once delivery may run;
    /// empty after `timeout` or when stopping. Messages whose outcome is already
    /// recorded are dropped from the queue on the way.
    pub(super) fn take(&self, max: usize, timeout: Duration) -> Vec<Message> {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock();
        loop {
            if self.stopping() {
                return Vec::new();
            }
            if self.ready(&state) && !state.pending.is_empty() {
                break;
            }
            if self.work.wait_until(&mut state, deadline).timed_out() {
                return Vec::new();
            }
        }
        let outcomes = self.outcomes.read();
        let mut batch = Vec::with_capacity(max);
        while batch.len() < max {
            let Some((_, id)) = state.pending.pop_first() else {
                break;
            };
            if outcomes.contains_key(&id) {
                continue;
            }
            if let Some(message) = state.messages.get(&id) {
                batch.push(message.clone());
            }
        }
        self.in_flight.fetch_add(batch.len(), Ordering::AcqRel);
        drop(outcomes);
        // Entries dropped on the way may have been all that kept a waiter from idle.
        self.work.notify_all();
        batch
    }

    /// Puts `messages` back in the queue (those still kept and still without an
    /// outcome).
    pub(super) fn requeue(&self, messages: &[Message]) {
        if messages.is_empty() {
            return;
        }
        let mut state = self.state.lock();
        let outcomes = self.outcomes.read();
        for message in messages {
            if state.messages.contains_key(&message.id) && !outcomes.contains_key(&message.id) {
                state.pending.insert(message.queue_key());
            }
        }
        drop(outcomes);
        self.work.notify_all();
    }

    /// `count` messages taken by [`Notifications::take`] are settled (recorded or
    /// requeued).
    pub(super) fn settled(&self, count: usize) {
        self.signal(|| {
            self.in_flight.fetch_sub(count, Ordering::AcqRel);
        });
    }

    /// Waits until nothing is queued or in flight (delivery caught up, not paused);
    /// false on timeout.
    pub(crate) fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock();
        loop {
            let caught_up = state.applied_seq >= self.horizon.load(Ordering::Acquire);
            if caught_up && state.pending.is_empty() && self.in_flight.load(Ordering::Acquire) == 0
            {
                return true;
            }
            if self.work.wait_until(&mut state, deadline).timed_out() {
                return false;
            }
        }
    }

    /// Up to `max` ids with an outcome but no message kept any more (evicted), once the
    /// model has caught up: a replay in progress may still bring them back.
    pub(super) fn garbage(&self, max: usize) -> Vec<u64> {
        let state = self.state.lock();
        if state.applied_seq < self.horizon.load(Ordering::Acquire) {
            return Vec::new();
        }
        let outcomes = self.outcomes.read();
        if outcomes.len() <= state.messages.len() {
            return Vec::new();
        }
        outcomes
            .keys()
            .filter(|id| !state.messages.contains_key(id))
            .take(max)
            .copied()
            .collect()
    }

    /// A page of `user_id`'s messages with ids below `before`, newest first, and
    /// whether more follow.
    pub(super) fn page(&self, user_id: UserId, before: u64, limit: usize) -> (Vec<Message>, bool) {
        let state = self.state.lock();
        let Some(ids) = state.by_user.get(&user_id) else {
            return (Vec::new(), false);
        };
        let end = ids.partition_point(|id| *id < before);
        let mut page: Vec<Message> = ids
            .range(..end)
            .rev()
            .take(limit + 1)
            .filter_map(|id| state.messages.get(id).cloned())
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        (page, more)
    }

    /// (messages kept, queued, in flight).
    pub(super) fn sizes(&self) -> (usize, usize, usize) {
        let state = self.state.lock();
        (
            state.messages.len(),
            state.pending.len(),
            self.in_flight.load(Ordering::Acquire),
        )
    }

    /// The kept messages among `ids`.
    pub(super) fn messages_by_id(&self, ids: impl Iterator<Item = u64>) -> Vec<Message> {
        let state = self.state.lock();
        ids.filter_map(|id| state.messages.get(&id).cloned())
            .collect()
    }

    /// Every message kept, in id order (for stats by status).
    pub(super) fn message_ids(&self) -> Vec<u64> {
        self.state.lock().messages.keys().copied().collect()
    }

    /// Adds `message`, evicting what the bounds push out, and queues it unless its
    /// outcome is known.
    fn insert(&self, state: &mut State, outcomes: &HashMap<u64, DeliveryRecord>, message: Message) {
        let id = message.id;
        if !outcomes.contains_key(&id) {
            state.pending.insert(message.queue_key());
        }
        let user_id = message.user_id;
        state.messages.insert(id, message);
        let ids = state.by_user.entry(user_id).or_default();
        ids.push_back(id);
        let mut evicted = Vec::new();
        while ids.len() > self.per_user_max {
            evicted.extend(ids.pop_front());
        }
        for id in evicted {
            if let Some(old) = state.messages.remove(&id) {
                state.pending.remove(&old.queue_key());
            }
        }
        while state.messages.len() > self.kept_max {
            let Some((_, old)) = state.messages.pop_first() else {
                break;
            };
            state.pending.remove(&old.queue_key());
            if let Some(ids) = state.by_user.get_mut(&old.user_id) {
                // The globally oldest message is its user's oldest too.
                debug_assert_eq!(ids.front(), Some(&old.id));
                ids.pop_front();
                if ids.is_empty() {
                    state.by_user.remove(&old.user_id);
                }
            }
        }
    }

    /// Sets the horizon to what is committed now: delivery waits for the replay.
    fn hold_until_caught_up(&self) {
        self.horizon
            .store(self.store.committed_event_seq(), Ordering::Release);
    }
}

impl Subscriber for Notifications {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(&self, events: &[EventRecord]) {
        let mut state = self.state.lock();
        let outcomes = self.outcomes.read();
        for record in events {
            state.applied_seq = record.seq;
            let Some((user_id, topic, values)) = notice(&record.event) else {
                continue;
            };
            for channel in self.templates.channels(topic) {
                let message = Message {
                    id: message_id(record.seq, channel),
                    seq: record.seq,
                    at: record.at,
                    user_id,
                    topic,
                    channel,
                    values: values.clone(),
                };
                self.insert(&mut state, &outcomes, message);
            }
        }
        drop(outcomes);
        self.work.notify_all();
    }

    fn checkpoint(&self) -> Vec<u8> {
        let state = self.state.lock();
        codec::encode(&Checkpoint {
            fingerprint: self.fingerprint,
            applied_seq: state.applied_seq,
            messages: state.messages.values().cloned().collect(),
        })
    }

    fn restore(&self, bytes: &[u8]) -> std::result::Result<(), String> {
        let checkpoint: Checkpoint = codec::decode(bytes).map_err(|error| error.to_string())?;
        if checkpoint.fingerprint != self.fingerprint {
            // Templates or bounds changed since: which messages exist depends on them,
            // so the log is replayed under today's settings.
            return Err("the notification templates or bounds changed".into());
        }
        let mut fresh = State {
            applied_seq: checkpoint.applied_seq,
            ..State::default()
        };
        {
            let outcomes = self.outcomes.read();
            for message in checkpoint.messages {
                self.insert(&mut fresh, &outcomes, message);
            }
        }
        self.hold_until_caught_up();
        let mut state = self.state.lock();
        *state = fresh;
        self.work.notify_all();
        Ok(())
    }

    fn reset(&self) {
        self.hold_until_caught_up();
        let mut state = self.state.lock();
        *state = State::default();
        self.work.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct_per_channel() {
        assert_eq!(message_id(1, Channel::Email), 4);
        assert_eq!(message_id(1, Channel::Sms), 5);
        assert_eq!(message_id(1, Channel::Push), 6);
        assert_eq!(message_id(2, Channel::Email), 8);
    }

    #[test]
    fn only_events_with_a_recipient_notify() {
        let user_id = UserId::from_raw(7);
        let welcome = notice(&Event::UserRegistered { user_id }).expect("welcome");
        assert_eq!((welcome.0, welcome.1), (user_id, Topic::Welcome));
        assert!(notice(&Event::UserLoggedIn { user_id }).is_none());
    }
}
