//! Domain events after they commit: the outbox's subscribers and the read models they
//! keep, and the buffer through which activity (views, searches, client events) reaches
//! the log.
//!
//! Every event has a global sequence number (see [`crate::EventRecord`]) and is written
//! in the same transaction as the change it describes, except activity, which changes
//! nothing durable and is logged in batches ([`activity`]). Read models are rebuilt from
//! the log: each subscriber checkpoints its state with its offset and resumes from
//! there after a restart, and [`crate::Engine::rebuild_read_model`] replays it from
//! sequence 0.

pub(crate) mod activity;
pub(crate) mod alerts;
pub(crate) mod analytics;
mod api;
pub(crate) mod popularity;
pub(crate) mod recommendations;
pub use api::{RECOMMENDATIONS_LIMIT_DEFAULT, RECOMMENDATIONS_LIMIT_MAX};
pub(crate) mod subscribers;

pub use activity::{ACTIVITY_FLUSH_INTERVAL_MS, ACTIVITY_QUEUE_MAX, ActivityStats};
pub use alerts::{LOW_STOCK_ALERTS_MAX, LowStockAlert};
pub use recommendations::{
    CATEGORY_TOP_MAX, NEIGHBOURS_MAX, ORDER_LINES_PAIRED_MAX, PURCHASE_WEIGHT,
    RecommendationReason, SESSION_RECENT_MAX, SESSIONS_MAX,
};
pub use subscribers::{
    CHECKPOINT_EVENTS, CHECKPOINT_INTERVAL_MS, OUTBOX_BATCH_EVENTS_MAX, SUBSCRIBER_QUEUE_BATCHES,
    Subscriber, SubscriberStatus,
};
