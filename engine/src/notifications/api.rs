//! The notifications part of the engine's public surface: a user's messages with their
//! delivery status, the counters, and pausing delivery.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::delivery::{DeliveryRecord, Outcome};
use super::{Channel, Priority, Topic};
use crate::model::{NotificationId, Timestamp, UserId, ValidationError};
use crate::{BreakerState, Engine, Error, Result, UserError};

/// Page size when none is asked for.
pub const NOTIFICATION_PAGE_LIMIT_DEFAULT: usize = 20;
/// Largest page.
pub const NOTIFICATION_PAGE_LIMIT_MAX: usize = 100;

/// Where a message is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for delivery (or for a retry).
    Queued,
    /// The sink took it.
    Sent,
    /// Every try failed, or the destination refused it.
    Failed,
    /// Not sent: the channel (or marketing) is off in the recipient's preferences, or
    /// the account is gone.
    Skipped,
}

impl DeliveryStatus {
    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Skipped => "skipped",
        }
    }
}

/// A message and its delivery, as `GET /v1/me/notifications` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// Stable across restarts and rebuilds (`ntf_…`).
    pub id: NotificationId,
    /// The recipient.
    pub user_id: UserId,
    /// What it is about.
    pub topic: Topic,
    /// The channel.
    pub channel: Channel,
    /// Transactional or marketing.
    pub priority: Priority,
    /// The rendered subject (empty for channels without one).
    pub subject: String,
    /// The rendered body.
    pub body: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Tries made (0 while queued, and when skipped).
    pub attempts: u32,
    /// The last error of a failed send, or why it was skipped.
    pub last_error: Option<String>,
    /// The sequence number of the event it came from.
    pub event_seq: u64,
    /// When that event was committed.
    pub created_at: Timestamp,
    /// When its status last changed (`created_at` while queued).
    pub updated_at: Timestamp,
}

/// One page of a user's notifications, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationPage {
    /// The messages.
    pub notifications: Vec<Notification>,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// Counters of the notifications capability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationStats {
    /// The sink's name (`file`, `memory`, `webhook`, or a custom sink's).
    pub sink: &'static str,
    /// The webhook's circuit breaker, for sinks that have one.
    pub breaker: Option<BreakerState>,
    /// Whether delivery is paused.
    pub paused: bool,
    /// Messages kept by the read model.
    pub kept: u64,
    /// Of those, waiting for delivery.
    pub queued: u64,
    /// Taken for delivery, outcome not yet recorded.
    pub in_flight: u64,
    /// Of those kept, sent.
    pub sent: u64,
    /// Of those kept, failed.
    pub failed: u64,
    /// Of those kept, skipped.
    pub skipped: u64,
    /// Outcomes recorded since the engine opened: sent.
    pub sent_since_open: u64,
    /// ... failed.
    pub failed_since_open: u64,
    /// ... skipped.
    pub skipped_since_open: u64,
    /// Tries made since the engine opened.
    pub attempts_since_open: u64,
    /// Rounds cut short by a sink asking to wait (an open circuit), since open.
    pub deferrals_since_open: u64,
}

fn view(
    hub: &super::Notifications,
    message: &super::model::Message,
    outcome: Option<&DeliveryRecord>,
    name: &str,
) -> Notification {
    let (subject, body) = hub.render(message, name);
    let status = match outcome.map(|record| record.outcome) {
        None => DeliveryStatus::Queued,
        Some(Outcome::Sent) => DeliveryStatus::Sent,
        Some(Outcome::Failed) => DeliveryStatus::Failed,
        Some(Outcome::Skipped) => DeliveryStatus::Skipped,
    };
    Notification {
        id: NotificationId::from_raw(message.id),
        user_id: message.user_id,
        topic: message.topic,
        channel: message.channel,
        priority: message.topic.priority(),
        subject,
        body,
        status,
        attempts: outcome.map_or(0, |record| record.attempts),
        last_error: outcome.and_then(|record| record.last_error.clone()),
        event_seq: message.seq,
        created_at: message.at,
        updated_at: outcome.map_or(message.at, |record| record.at),
    }
}

impl Engine {
    /// A page of at most `limit` (1 to [`NOTIFICATION_PAGE_LIMIT_MAX`]) of `user_id`'s
    /// notifications, newest first, from `cursor` (a `next_cursor` of this listing),
    /// rendered with the account's current name. Only the newest
    /// [`super::NotificationsConfig::messages_per_user_max`] are kept.
    pub fn notifications(
        &self,
        user_id: UserId,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<NotificationPage> {
        if !(1..=NOTIFICATION_PAGE_LIMIT_MAX).contains(&limit) {
            let message = format!("`limit` must be between 1 and {NOTIFICATION_PAGE_LIMIT_MAX}");
            return Err(ValidationError::new("limit", "out_of_range", message).into());
        }
        let before = match cursor {
            None => u64::MAX,
            Some(text) => NotificationId::parse(text)
                .map(NotificationId::raw)
                .ok_or_else(|| {
                    ValidationError::new(
                        "cursor",
                        "invalid",
                        "`cursor` is not a cursor this listing gave out",
                    )
                })?,
        };
        let name = match self.me(user_id) {
            Ok(user) => user.name,
            Err(Error::Users(UserError::UserNotFound { .. })) => String::new(),
            Err(error) => return Err(error),
        };
        let hub = &self.inner.notifications;
        let (messages, more) = hub.page(user_id, before, limit);
        let outcomes = hub.outcomes.read();
        let notifications: Vec<Notification> = messages
            .iter()
            .map(|message| view(hub, message, outcomes.get(&message.id), &name))
            .collect();
        let next_cursor = more
            .then(|| notifications.last().map(|last| last.id.to_string()))
            .flatten();
        Ok(NotificationPage {
            notifications,
            next_cursor,
        })
    }

    /// The notification counters.
    pub fn notification_stats(&self) -> NotificationStats {
        let hub = &self.inner.notifications;
        let (kept, queued, in_flight) = hub.sizes();
        let ids = hub.message_ids();
        let (mut sent, mut failed, mut skipped) = (0, 0, 0);
        {
            let outcomes = hub.outcomes.read();
            for id in &ids {
                match outcomes.get(id).map(|record| record.outcome) {
                    Some(Outcome::Sent) => sent += 1,
                    Some(Outcome::Failed) => failed += 1,
                    Some(Outcome::Skipped) => skipped += 1,
                    None => {}
                }
            }
        }
        NotificationStats {
            sink: hub.sink.name(),
            breaker: hub.sink.breaker_state(),
            paused: hub.paused(),
            kept: kept as u64,
            queued: queued as u64,
            in_flight: in_flight as u64,
            sent,
            failed,
            skipped,
            sent_since_open: hub.counters.sent.load(Ordering::Relaxed),
            failed_since_open: hub.counters.failed.load(Ordering::Relaxed),
            skipped_since_open: hub.counters.skipped.load(Ordering::Relaxed),
            attempts_since_open: hub.counters.attempts.load(Ordering::Relaxed),
            deferrals_since_open: hub.counters.deferred.load(Ordering::Relaxed),
        }
    }

    /// Holds delivery: messages keep being made and queue up.
    pub fn pause_notifications(&self) {
        self.inner.notifications.set_paused(true);
    }

    /// Lets delivery go on (also ends [`super::NotificationsConfig::paused`]).
    pub fn resume_notifications(&self) {
        self.inner.notifications.set_paused(false);
    }

    /// Waits until every read model has applied the log as committed now and no
    /// notification is queued or in flight; false on timeout (also when delivery is
    /// paused or the sink keeps deferring).
    pub fn wait_notifications_idle(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let seq = self.inner.store.committed_event_seq();
        self.wait_read_models(seq, timeout)
            && self
                .inner
                .notifications
                .wait_idle(deadline.saturating_duration_since(std::time::Instant::now()))
    }
}
