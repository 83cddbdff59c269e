//! `GET /v1/me/notifications`: the caller's notifications, newest first, each with its
//! delivery status.
//!
//! The reply's shape is spelled out here, field by field, for the same reason
//! `render.rs` spells out the others: a field added to the engine's struct does not
//! reach the API until this file says so.

use emporium::model::NotificationId;
use emporium::notifications::{
    Channel, DeliveryStatus, NOTIFICATION_PAGE_LIMIT_DEFAULT, NOTIFICATION_PAGE_LIMIT_MAX,
    Notification, Priority, Topic,
};
use emporium::{Timestamp, UserId};
use hyper::StatusCode;
use serde::Serialize;

use super::{Ctx, Reply};
use crate::auth::require_user;
use crate::query::{CURSOR_CHARS_MAX, Query};
use crate::render::{List, json};
use crate::service::State;

/// One notification as the API shows it.
#[derive(Debug, Serialize)]
struct NotificationView<'a> {
    id: NotificationId,
    user_id: UserId,
    topic: Topic,
    channel: Channel,
    priority: Priority,
    subject: &'a str,
    body: &'a str,
    status: DeliveryStatus,
    attempts: u32,
    last_error: Option<&'a str>,
    event_seq: u64,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl<'a> NotificationView<'a> {
    fn new(notification: &'a Notification) -> NotificationView<'a> {
        NotificationView {
            id: notification.id,
            user_id: notification.user_id,
            topic: notification.topic,
            channel: notification.channel,
            priority: notification.priority,
            subject: &notification.subject,
            body: &notification.body,
            status: notification.status,
            attempts: notification.attempts,
            last_error: notification.last_error.as_deref(),
            event_seq: notification.event_seq,
            created_at: notification.created_at,
            updated_at: notification.updated_at,
        }
    }
}

/// A page of the caller's notifications (memory and one account read: inline).
pub(super) fn list(state: &State, ctx: &Ctx, query: &Query) -> Reply {
    let principal = require_user(&ctx.caller)?;
    let limit = query.limit(NOTIFICATION_PAGE_LIMIT_DEFAULT, NOTIFICATION_PAGE_LIMIT_MAX)?;
    let cursor = query.text("cursor", CURSOR_CHARS_MAX)?;
    let page = state
        .engine
        .notifications(principal.user_id, limit, cursor)?;
    let list = List {
        data: page
            .notifications
            .iter()
            .map(NotificationView::new)
            .collect(),
        next_cursor: page.next_cursor,
    };
    Ok(json(StatusCode::OK, &list))
}
