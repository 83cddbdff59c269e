//! The delivery thread: takes queued messages by priority, checks preferences, renders,
//! sends through the sink, and records each outcome durably (one committer write per
//! batch). Also removes the outcomes of messages the model no longer keeps.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use redb::{ReadableTable, TableError};
use serde::{Deserialize, Serialize};

use super::model::{Message, Notifications};
use super::sink::{Outgoing, SendOutcome};
use super::{Channel, DELIVERY_BATCH_MAX, DELIVERY_ERROR_CHARS_MAX, Priority, Var};
use crate::model::{NotificationId, Timestamp, UserId};
use crate::store::tables::NOTIFICATION_DELIVERIES;
use crate::store::{Store, StoreError, codec, decode_from};
use crate::users::{User, UserError, Users};
use crate::{Error, Result};

/// How long the thread waits for work before checking whether it should stop.
const POLL: Duration = Duration::from_millis(100);
/// How often outcomes of evicted messages are looked for.
const GARBAGE_INTERVAL: Duration = Duration::from_secs(10);
/// Most outcomes removed by one write.
const GARBAGE_BATCH_MAX: usize = 4_096;
/// Most messages whose attempts so far are remembered while they wait (deferred);
/// past it the tally starts over (it only feeds the attempt budget).
const TALLY_MAX: usize = 100_000;
/// The wait after a failure the sink does not time itself (a store read, a flush).
const RETRY_AFTER_MS_DEFAULT: u64 = 1_000;

/// What became of a message, for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Outcome {
    Sent,
    Failed,
    Skipped,
}

/// A durable outcome: a row of `notification_deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DeliveryRecord {
    pub(crate) outcome: Outcome,
    /// Tries made (0 when skipped).
    pub(crate) attempts: u32,
    /// The last error of a failed send, or why it was skipped.
    pub(crate) last_error: Option<String>,
    /// When the outcome was reached.
    pub(crate) at: Timestamp,
}

/// Every durable outcome. A store that has never had the table gets it now (one
/// write, once), so that it exists from the first moment, as the tables of `prepare`
/// do: a backup taken before the first delivery has it too.
pub(super) fn load(store: &Store) -> Result<HashMap<u64, DeliveryRecord>> {
    let txn = store.read()?;
    let table = match txn.open_table(NOTIFICATION_DELIVERIES) {
        Ok(table) => table,
        Err(TableError::TableDoesNotExist(_)) => {
            store.write(
                |tx| {
                    tx.txn()
                        .open_table(NOTIFICATION_DELIVERIES)
                        .map_err(StoreError::from)?;
                    Ok(())
                },
                |_| {},
            )?;
            return Ok(HashMap::new());
        }
        Err(error) => return Err(StoreError::from(error).into()),
    };
    let mut outcomes = HashMap::new();
    for entry in table.iter().map_err(StoreError::from)? {
        let (key, value) = entry.map_err(StoreError::from)?;
        let record: DeliveryRecord = decode_from("notification_deliveries", value.value())?;
        outcomes.insert(key.value(), record);
    }
    Ok(outcomes)
}

fn bounded(mut error: String) -> String {
    if let Some((at, _)) = error.char_indices().nth(DELIVERY_ERROR_CHARS_MAX) {
        error.truncate(at);
    }
    error
}

/// The thread's body.
pub(super) fn run(hub: &Notifications, users: &Users) {
    let mut tally: HashMap<u64, u32> = HashMap::new();
    let mut last_garbage = Instant::now();
    while !hub.stopping() {
        let batch = hub.take(DELIVERY_BATCH_MAX, POLL);
        if batch.is_empty() {
            if last_garbage.elapsed() >= GARBAGE_INTERVAL {
                collect_garbage(hub);
                last_garbage = Instant::now();
            }
            continue;
        }
        if tally.len() > TALLY_MAX {
            tally.clear();
        }
        let taken = batch.len();
        let retry_after_ms = deliver(hub, users, batch, &mut tally);
        hub.settled(taken);
        if let Some(wait_ms) = retry_after_ms {
            hub.counters
                .deferred
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let until = Instant::now() + Duration::from_millis(wait_ms);
            while !hub.stopping() && Instant::now() < until {
                std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
            }
        }
    }
}

/// What to do with one message.
enum Decision {
    Skip(String),
    Send(Box<Outgoing>),
    /// The recipient could not be read: try later.
    Later,
}

fn decide(hub: &Notifications, message: &Message, user: &Result<Option<User>>) -> Decision {
    let user = match user {
        Ok(Some(user)) => user,
        Ok(None) => return Decision::Skip("the account does not exist".into()),
        Err(_) => return Decision::Later,
    };
    let preferences = &user.preferences;
    let enabled = match message.channel {
        Channel::Email => preferences.email,
        Channel::Sms => preferences.sms,
        Channel::Push => preferences.push,
    };
    if !enabled {
        let channel = message.channel.as_str();
        return Decision::Skip(format!("{channel} is off in the account's preferences"));
    }
    if message.topic.priority() == Priority::Marketing && !preferences.marketing {
        return Decision::Skip("marketing is off in the account's preferences".into());
    }
    let (subject, body) = hub.render(message, &user.name);
    Decision::Send(Box::new(Outgoing {
        id: NotificationId::from_raw(message.id),
        user_id: message.user_id,
        channel: message.channel,
        topic: message.topic,
        priority: message.topic.priority(),
        to: (message.channel == Channel::Email).then(|| user.email.clone()),
        subject,
        body,
        event_seq: message.seq,
        created_at: message.at,
    }))
}

/// Delivers `batch` and records what can be recorded; returns how long to wait before
/// the next round when the sink asked to wait.
fn deliver(
    hub: &Notifications,
    users: &Users,
    batch: Vec<Message>,
    tally: &mut HashMap<u64, u32>,
) -> Option<u64> {
    let mut recipients: HashMap<UserId, Result<Option<User>>> = HashMap::new();
    let mut done: Vec<(u64, DeliveryRecord)> = Vec::with_capacity(batch.len());
    let mut back: Vec<Message> = Vec::new();
    let mut retry_after_ms = None;
    for message in batch {
        if hub.stopping() || retry_after_ms.is_some() {
            back.push(message);
            continue;
        }
        let user = recipients.entry(message.user_id).or_insert_with(|| {
            match users.me(&hub.store, message.user_id) {
                Ok(user) => Ok(Some(user)),
                Err(Error::Users(UserError::UserNotFound { .. })) => Ok(None),
                Err(error) => Err(error),
            }
        });
        let record = |outcome, attempts, last_error: Option<String>| DeliveryRecord {
            outcome,
            attempts,
            last_error: last_error.map(bounded),
            at: Timestamp::now(),
        };
        let outgoing = match decide(hub, &message, user) {
            Decision::Skip(reason) => {
                done.push((message.id, record(Outcome::Skipped, 0, Some(reason))));
                continue;
            }
            Decision::Later => {
                if let Err(error) = user {
                    tracing::warn!(%error, "notification recipient unreadable; retrying");
                }
                retry_after_ms = Some(RETRY_AFTER_MS_DEFAULT);
                back.push(message);
                continue;
            }
            Decision::Send(outgoing) => outgoing,
        };
        let before = tally.get(&message.id).copied().unwrap_or(0);
        let outcome = hub.sink.send(&outgoing, before);
        let tried = match &outcome {
            SendOutcome::Sent { attempts }
            | SendOutcome::Failed { attempts, .. }
            | SendOutcome::Deferred { attempts, .. } => *attempts,
        };
        hub.counters
            .attempts
            .fetch_add(u64::from(tried), std::sync::atomic::Ordering::Relaxed);
        let attempts = before.saturating_add(tried);
        match outcome {
            SendOutcome::Sent { .. } => {
                done.push((message.id, record(Outcome::Sent, attempts, None)))
            }
            SendOutcome::Failed { error, .. } => {
                done.push((message.id, record(Outcome::Failed, attempts, Some(error))));
            }
            SendOutcome::Deferred {
                retry_after_ms: wait,
                ..
            } => {
                tally.insert(message.id, attempts);
                retry_after_ms = Some(wait);
                back.push(message);
            }
        }
    }
    if done
        .iter()
        .any(|(_, record)| record.outcome == Outcome::Sent)
        && let Err(error) = hub.sink.flush()
    {
        // Not durable at the destination: not recorded as sent, so sent again.
        tracing::warn!(%error, sink = hub.sink.name(), "notification sink flush failed; resending");
        let (unsure, sure): (Vec<_>, Vec<_>) = done
            .into_iter()
            .partition(|(_, record)| record.outcome == Outcome::Sent);
        done = sure;
        requeue_ids(hub, &unsure);
        retry_after_ms.get_or_insert(RETRY_AFTER_MS_DEFAULT);
    }
    match record(hub, &done) {
        Ok(()) => {
            for (id, _) in &done {
                tally.remove(id);
            }
        }
        Err(error) => {
            tracing::error!(%error, "recording notification outcomes failed; they will be delivered again");
            requeue_ids(hub, &done);
            retry_after_ms.get_or_insert(RETRY_AFTER_MS_DEFAULT);
        }
    }
    hub.requeue(&back);
    retry_after_ms
}

fn requeue_ids(hub: &Notifications, records: &[(u64, DeliveryRecord)]) {
    let messages = hub.messages_by_id(records.iter().map(|(id, _)| *id));
    hub.requeue(&messages);
}

/// Commits `done` in one write, then mirrors it in memory.
fn record(hub: &Notifications, done: &[(u64, DeliveryRecord)]) -> Result<()> {
    if done.is_empty() {
        return Ok(());
    }
    let rows: Vec<(u64, Vec<u8>)> = done
        .iter()
        .map(|(id, record)| (*id, codec::encode(record)))
        .collect();
    hub.store.write(
        move |tx| {
            let mut table = tx
                .txn()
                .open_table(NOTIFICATION_DELIVERIES)
                .map_err(StoreError::from)?;
            for (id, bytes) in &rows {
                table
                    .insert(*id, bytes.as_slice())
                    .map_err(StoreError::from)?;
            }
            Ok(())
        },
        |_| {},
    )?;
    let mut outcomes = hub.outcomes.write();
    for (id, record) in done {
        let counter = match record.outcome {
            Outcome::Sent => &hub.counters.sent,
            Outcome::Failed => &hub.counters.failed,
            Outcome::Skipped => &hub.counters.skipped,
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        outcomes.insert(*id, record.clone());
    }
    Ok(())
}

/// Removes the outcomes of messages no longer kept, a bounded batch at a time.
fn collect_garbage(hub: &Notifications) {
    let ids = hub.garbage(GARBAGE_BATCH_MAX);
    if ids.is_empty() {
        return;
    }
    let removed = ids.clone();
    let written = hub.store.write(
        move |tx| {
            let mut table = tx
                .txn()
                .open_table(NOTIFICATION_DELIVERIES)
                .map_err(StoreError::from)?;
            for id in &removed {
                table.remove(*id).map_err(StoreError::from)?;
            }
            Ok(())
        },
        |_| {},
    );
    match written {
        Ok(()) => {
            let mut outcomes = hub.outcomes.write();
            for id in &ids {
                outcomes.remove(id);
            }
        }
        Err(error) => tracing::warn!(%error, "removing old notification outcomes failed"),
    }
}

impl Notifications {
    /// The subject and body of `message` for a recipient called `name`. A template
    /// removed since the message was made renders empty (its checkpoint would have
    /// been refused, so this happens only in the window of a rebuild).
    pub(super) fn render(&self, message: &Message, name: &str) -> (String, String) {
        let Some(template) = self.templates.get(message.topic, message.channel) else {
            return (String::new(), String::new());
        };
        template.render(&|var| match var {
            Var::Name => name.to_string(),
            other => message.value(other).unwrap_or_default().to_string(),
        })
    }
}
