//! What shoppers do that changes nothing durable: views, searches, clicks, a checkout
//! that starts. These are domain events too (they feed analytics and
//! recommendations), but no write carries them, so they reach the log through the
//! activity buffer in batches (see `crate::events`).

use serde::{Deserialize, Serialize};

use super::{CartId, ProductId, Timestamp, UserId};
use crate::model::ValidationError;

/// Longest client session id, in bytes.
pub const SESSION_ID_BYTES_MAX: usize = 64;
/// Longest client event type, in bytes.
pub const CLIENT_EVENT_TYPE_BYTES_MAX: usize = 32;
/// Most properties on one client event.
pub const CLIENT_EVENT_PROPERTIES_MAX: usize = 16;
/// Longest property key, in bytes.
pub const CLIENT_EVENT_KEY_BYTES_MAX: usize = 32;
/// Longest property value, in characters (as JSON Schema's `maxLength` counts).
pub const CLIENT_EVENT_VALUE_CHARS_MAX: usize = 256;
/// How far in the past a client may date an event (a day): older times are refused, so
/// a client cannot reopen windows that were final long ago.
pub const CLIENT_EVENT_PAST_MS_MAX: u64 = 24 * 60 * 60 * 1000;
/// How far in the future a client may date an event (clock skew): later is refused.
pub const CLIENT_EVENT_FUTURE_MS_MAX: u64 = 5 * 60 * 1000;

/// Who did something: the account if signed in, the visitor session if the client
/// sent one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitor {
    /// The signed-in account.
    pub user_id: Option<UserId>,
    /// The client's session id (at most [`SESSION_ID_BYTES_MAX`] bytes).
    pub session_id: Option<String>,
}

impl Visitor {
    /// A visitor, with `session_id` checked (non-empty, bounded, printable ASCII).
    pub fn new(
        user_id: Option<UserId>,
        session_id: Option<&str>,
    ) -> Result<Visitor, ValidationError> {
        if let Some(session) = session_id {
            validate_token(session, SESSION_ID_BYTES_MAX, "session_id")?;
        }
        Ok(Visitor {
            user_id,
            session_id: session_id.map(str::to_string),
        })
    }
}

/// A product page was viewed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductViewed {
    /// The product.
    pub product_id: ProductId,
    /// Who viewed it.
    pub visitor: Visitor,
    /// When the client says it happened (event time; the record's `at` is when it was
    /// logged).
    pub at: Timestamp,
}

/// A search was run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPerformed {
    /// The query as typed (bounded by the search API's own limit).
    pub query: String,
    /// How many products matched.
    pub results: u64,
    /// How long it took, in microseconds.
    pub took_us: u64,
    /// Who searched.
    pub visitor: Visitor,
}

/// Units went into or out of a cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartActivity {
    /// The cart.
    pub cart_id: CartId,
    /// Its owner, if any.
    pub user_id: Option<UserId>,
    /// The product.
    pub product_id: ProductId,
    /// Units added or removed.
    pub quantity: u64,
}

/// A cart's hold lapsed and its units went back to stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldExpired {
    /// The product.
    pub product_id: ProductId,
    /// Units returned.
    pub quantity: u64,
}

/// A checkout began (whether or not it ends in an order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutStarted {
    /// The cart.
    pub cart_id: CartId,
    /// Its owner, if any.
    pub user_id: Option<UserId>,
}

/// Something a client reported that the engine did not see itself (a page view, a
/// click), for analytics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientEvent {
    /// `page_view`, `click`, or another lower-case word of the client's.
    pub kind: String,
    /// Who did it.
    pub visitor: Visitor,
    /// The product it concerns, if any.
    pub product_id: Option<ProductId>,
    /// Free-form string properties, bounded in count and size.
    pub properties: Vec<(String, String)>,
    /// When the client says it happened.
    pub at: Timestamp,
}

/// Checks a client event's time against `now`: at most a day old, at most five
/// minutes ahead.
pub fn validate_client_time(at: Timestamp, now: Timestamp) -> Result<(), ValidationError> {
    let (at, now) = (at.as_millis(), now.as_millis());
    if at.saturating_add(CLIENT_EVENT_PAST_MS_MAX) < now {
        return Err(ValidationError::new(
            "at",
            "out_of_range",
            "must be within the last 24 hours",
        ));
    }
    if at > now.saturating_add(CLIENT_EVENT_FUTURE_MS_MAX) {
        return Err(ValidationError::new(
            "at",
            "out_of_range",
            "must not be more than 5 minutes in the future",
        ));
    }
    Ok(())
}

/// Checks a client event's type word and properties.
pub fn validate_client_event(
    kind: &str,
    properties: &[(String, String)],
) -> Result<(), ValidationError> {
    if kind.is_empty()
        || kind.len() > CLIENT_EVENT_TYPE_BYTES_MAX
        || !kind
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte == b'_' || byte.is_ascii_digit())
    {
        return Err(ValidationError::new(
            "type",
            "invalid",
            "must be 1 to 32 characters of a-z, 0-9 and _",
        ));
    }
    if properties.len() > CLIENT_EVENT_PROPERTIES_MAX {
        return Err(ValidationError::new(
            "properties",
            "too_long",
            "must have at most 16 entries",
        ));
    }
    for (key, value) in properties {
        validate_token(key, CLIENT_EVENT_KEY_BYTES_MAX, "properties")?;
        if value.chars().count() > CLIENT_EVENT_VALUE_CHARS_MAX {
            return Err(ValidationError::new(
                "properties",
                "too_long",
                "values must be at most 256 characters",
            ));
        }
    }
    Ok(())
}

fn validate_token(text: &str, max: usize, field: &'static str) -> Result<(), ValidationError> {
    if text.is_empty() || text.len() > max || !text.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(ValidationError::new(
            field,
            "invalid",
            if max == SESSION_ID_BYTES_MAX {
                "must be 1 to 64 printable ASCII characters"
            } else {
                "keys must be 1 to 32 printable ASCII characters"
            },
        ));
    }
    Ok(())
}
