//! The notifications operation (`GET /v1/me/notifications`), its schema written inline
//! so that registering it takes one line in `openapi.rs`.

use emporium::notifications::{
    Channel, DeliveryStatus, NOTIFICATION_PAGE_LIMIT_DEFAULT, NOTIFICATION_PAGE_LIMIT_MAX,
    Priority, Topic,
};
use serde_json::{Value, json};

use super::{error_response, id_pattern, limit_param, query_param, request_id_header, with_common};

fn words<T: Copy>(all: &[T], word: fn(T) -> &'static str) -> Value {
    json!(all.iter().map(|item| word(*item)).collect::<Vec<_>>())
}

fn notification_schema() -> Value {
    let statuses = [
        DeliveryStatus::Queued,
        DeliveryStatus::Sent,
        DeliveryStatus::Failed,
        DeliveryStatus::Skipped,
    ];
    let priorities = [Priority::Transactional, Priority::Marketing];
    let timestamp = json!({"type": "string", "format": "date-time"});
    json!({
        "type": "object",
        "required": ["id", "user_id", "topic", "channel", "priority", "subject", "body", "status",
            "attempts", "last_error", "event_seq", "created_at", "updated_at"],
        "properties": {
            "id": {"type": "string", "pattern": id_pattern("ntf"),
                "description": "Stable across restarts and rebuilds of the read model."},
            "user_id": {"type": "string", "pattern": id_pattern("usr")},
            "topic": {"type": "string", "enum": words(&Topic::ALL, Topic::as_str)},
            "channel": {"type": "string", "enum": words(&Channel::ALL, Channel::as_str)},
            "priority": {"type": "string", "enum": words(&priorities, Priority::as_str),
                "description": "Transactional messages are delivered before marketing."},
            "subject": {"type": "string", "description": "Empty for channels without one (SMS)."},
            "body": {"type": "string"},
            "status": {"type": "string", "enum": words(&statuses, DeliveryStatus::as_str),
                "description": "`skipped`: the channel, or marketing, is off in the account's preferences when it is delivered."},
            "attempts": {"type": "integer", "minimum": 0},
            "last_error": {"type": ["string", "null"],
                "description": "Why the last try failed, or why it was skipped."},
            "event_seq": {"type": "integer", "minimum": 1,
                "description": "The event of the log it was made from."},
            "created_at": timestamp,
            "updated_at": timestamp,
        },
    })
}

pub(super) fn list_notifications() -> Value {
    json!({
        "operationId": "listNotifications",
        "summary": "The caller's notifications, newest first, with their delivery status.",
        "description": "Made from the event log (order, payment and account events, and \
            marketing with the account's opt-in); only the newest ones per account are kept.",
        "tags": ["users"],
        "parameters": [
            limit_param(NOTIFICATION_PAGE_LIMIT_DEFAULT, NOTIFICATION_PAGE_LIMIT_MAX),
            query_param("cursor", "The `next_cursor` of the previous page: the last notification id shown (empty: the first page).",
                json!({"type": "string", "pattern": format!("^$|{}", id_pattern("ntf"))})),
        ],
        "responses": with_common(json!({
            "200": {
                "description": "A page of notifications.",
                "headers": request_id_header(),
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["data", "next_cursor"],
                    "properties": {
                        "data": {"type": "array", "items": notification_schema()},
                        "next_cursor": {"type": ["string", "null"]},
                    },
                }}},
            },
            "422": error_response("`limit` or `cursor` is not valid (`param` names it)."),
        })),
    })
}
