//! `GET /v1/autocomplete`: whole product names and brands that start with `q` (case and
//! accents ignored), best first. A trie walk of the prefix: microseconds, so inline.

use emporium::search::{SUGGEST_LIMIT_MAX, Suggestion};
use hyper::StatusCode;
use serde::Serialize;

use super::Reply;
use crate::query::Query;
use crate::render;
use crate::service::State;

/// Suggestions when `limit` is not given: what a drop-down shows.
pub(crate) const SUGGEST_LIMIT_DEFAULT: usize = 10;
const _: () = assert!(SUGGEST_LIMIT_DEFAULT <= SUGGEST_LIMIT_MAX);

#[derive(Serialize)]
struct Suggestions<'a> {
    suggestions: &'a [Suggestion],
}

/// `q` is never refused for what it contains: a prefix longer than the engine looks up
/// simply has no suggestions.
pub(super) fn autocomplete(state: &State, query: &Query) -> Reply {
    let prefix = query.get("q").unwrap_or_default();
    let limit = query.limit(SUGGEST_LIMIT_DEFAULT, SUGGEST_LIMIT_MAX)?;
    let suggestions = state.engine.autocomplete(prefix, limit);
    let body = Suggestions {
        suggestions: &suggestions,
    };
    Ok(render::json(StatusCode::OK, &body))
}
