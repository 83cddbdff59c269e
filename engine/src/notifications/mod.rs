//! Notifications: messages to shoppers about their account, orders and payments (and,
//! with their opt-in, marketing), made from the event log and delivered through a sink.
//!
//! Two halves with different rules:
//!
//! - **The read model** (a [`crate::events::Subscriber`] named `notifications`) turns
//!   each relevant event into one message per channel that has a template for its
//!   [`Topic`]. A message is the event's variables, not rendered text, and its id is
//!   derived from the event's sequence number and the channel
//!   (`seq × 4 + channel`), so replaying the log, after a restart or in a rebuild from
//!   sequence 0, makes the very same messages with the very same ids. `apply` reads
//!   nothing but the events: no preferences, no accounts, no I/O.
//! - **Delivery** (thread `emporium-notify`) takes queued messages in priority order
//!   (transactional before marketing, then oldest first), checks the recipient's
//!   preferences *at delivery* (a channel switched off, or marketing without opt-in,
//!   makes the message `skipped`), renders it, hands it to the [`Sink`], and records the
//!   outcome (`sent`, `failed`, `skipped`, with attempts, last error and time) durably in
//!   its own table, one committer write per batch. A message whose id has a durable
//!   outcome is never delivered again, whatever the read model replays.
//!
//! Delivery is at least once: a crash after the sink took a message and before its
//! outcome committed sends it again after the restart. Receivers dedupe on the stable
//! id (the webhook also sends it as `X-Emporium-Notification-Id`). A sink's `flush`
//! (the file sink's `fsync`) runs before outcomes are recorded, so a message recorded
//! as sent is in the sink.
//!
//! Rendering happens at delivery and when messages are listed, from the template and
//! the message's variables; `{{name}}`, the one variable not in the log, is the
//! account's display name at that moment.
//!
//! Bounds: at most [`NotificationsConfig::messages_per_user_max`] messages per user and
//! [`NotificationsConfig::messages_kept_max`] in all (the oldest go first, with their
//! outcomes); the queue is at most the messages kept; templates are bounded in size and
//! placeholders. After a restart or a rebuild, delivery waits until the read model has
//! caught up with the log as it was, so a message that the replay will evict again is
//! never sent in between.
//!
//! [`WebhookSink`] shares the engine's circuit breaker with the payment provider. HMAC
//! is written out over `sha2` (already a dependency) rather than pulling in `hmac`; it
//! is checked against the RFC 4231 vectors.

mod api;
mod delivery;
mod http;
mod model;
mod sink;
mod templates;
mod webhook;

use std::path::PathBuf;
use std::sync::Arc;

pub use api::{
    DeliveryStatus, NOTIFICATION_PAGE_LIMIT_DEFAULT, NOTIFICATION_PAGE_LIMIT_MAX, Notification,
    NotificationPage, NotificationStats,
};
pub use http::{SIGNATURE_HEADER, hmac_sha256, signature};
pub use sink::{FileSink, MEMORY_SINK_MESSAGES_MAX, MemorySink, Outgoing, SendOutcome, Sink};
pub use templates::{
    Channel, Priority, TEMPLATE_BODY_CHARS_MAX, TEMPLATE_PLACEHOLDERS_MAX,
    TEMPLATE_SUBJECT_CHARS_MAX, Template, Templates, Topic, Var,
};
pub use webhook::{
    ID_HEADER, WEBHOOK_ATTEMPTS_MAX, WEBHOOK_TIMEOUT_MS_MAX, WEBHOOK_URL_CHARS_MAX, WebhookConfig,
    WebhookSink,
};

pub(crate) use model::Notifications;

use crate::model::ValidationError;

/// The file the default sink appends to, in the data directory.
pub const NOTIFICATIONS_FILE_NAME: &str = "notifications.jsonl";
/// Default of [`NotificationsConfig::messages_per_user_max`].
pub const MESSAGES_PER_USER_DEFAULT: usize = 200;
/// Largest [`NotificationsConfig::messages_per_user_max`].
pub const MESSAGES_PER_USER_MAX: usize = 10_000;
/// Default of [`NotificationsConfig::messages_kept_max`]: the whole model is one
/// checkpoint, so this also bounds a checkpoint (about 100 bytes a message).
pub const MESSAGES_KEPT_DEFAULT: usize = 20_000;
/// Largest [`NotificationsConfig::messages_kept_max`].
pub const MESSAGES_KEPT_MAX: usize = 1_000_000;
/// Messages taken from the queue per delivery round; their outcomes commit together.
pub const DELIVERY_BATCH_MAX: usize = 64;
/// Longest `last_error` kept with an outcome, in characters.
pub const DELIVERY_ERROR_CHARS_MAX: usize = 300;

const _: () = assert!(MESSAGES_PER_USER_DEFAULT <= MESSAGES_PER_USER_MAX);
const _: () = assert!(MESSAGES_KEPT_DEFAULT <= MESSAGES_KEPT_MAX);

/// Where delivered messages go.
#[derive(Clone, Debug, Default)]
pub enum SinkConfig {
    /// [`NOTIFICATIONS_FILE_NAME`] in the data directory; an in-memory store gets a
    /// [`MemorySink`].
    #[default]
    Default,
    /// A JSON-lines file at this path.
    File(PathBuf),
    /// HTTP POSTs to a webhook, signed, with retries and a circuit breaker.
    Webhook(WebhookConfig),
    /// A sink of the embedding program's own (or a [`MemorySink`] it keeps a handle to).
    Custom(Arc<dyn Sink>),
}

/// How notifications are made and delivered.
#[derive(Clone, Debug)]
pub struct NotificationsConfig {
    /// Where messages go (default: the file in the data directory).
    pub sink: SinkConfig,
    /// The templates; a topic without a template for a channel is not sent on it.
    pub templates: Templates,
    /// Messages kept per user, newest (default [`MESSAGES_PER_USER_DEFAULT`]).
    pub messages_per_user_max: usize,
    /// Messages kept in all, newest (default [`MESSAGES_KEPT_DEFAULT`]).
    pub messages_kept_max: usize,
    /// Start with delivery paused (messages queue up until
    /// [`crate::Engine::resume_notifications`]).
    pub paused: bool,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            sink: SinkConfig::Default,
            templates: Templates::default(),
            messages_per_user_max: MESSAGES_PER_USER_DEFAULT,
            messages_kept_max: MESSAGES_KEPT_DEFAULT,
            paused: false,
        }
    }
}

impl NotificationsConfig {
    /// Checks the bounds and the webhook's settings; the error names the field
    /// (`notifications.messages_kept_max`, `notifications.webhook.url`, …).
    pub fn validate(&self) -> Result<(), ValidationError> {
        let bound = |field: &str, value: usize, max: usize| {
            if (1..=max).contains(&value) {
                Ok(())
            } else {
                Err(ValidationError::new(
                    format!("notifications.{field}"),
                    "out_of_range",
                    format!("`{field}` must be between 1 and {max}"),
                ))
            }
        };
        bound(
            "messages_per_user_max",
            self.messages_per_user_max,
            MESSAGES_PER_USER_MAX,
        )?;
        bound(
            "messages_kept_max",
            self.messages_kept_max,
            MESSAGES_KEPT_MAX,
        )?;
        if let SinkConfig::Webhook(webhook) = &self.sink {
            webhook.validate().map_err(|error| ValidationError {
                field: format!("notifications.webhook.{}", error.field),
                ..error
            })?;
        }
        Ok(())
    }
}
