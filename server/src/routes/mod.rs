//! One file per resource. Each handler parses the request, makes one engine call and
//! renders the reply (mini-redis' parse, apply, render); business rules live in the
//! engine.
//!
//! Admin writes (`POST /v1/categories`, `POST/PATCH/DELETE /v1/products…`) are not
//! routed yet: the engine has no authentication until the users work lands, and an
//! unauthenticated write route would be an open door. Their decoding is ready in
//! [`crate::decode`] and their bodies' reading in [`crate::body`]; as writes they will
//! call the engine through `spawn_blocking`, since a write waits for the group commit.

mod autocomplete;
mod categories;
mod health;
mod inventory;
mod metrics;
mod openapi;
mod products;
mod search;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::error::ApiError;
use crate::query::Query;
use crate::router::{Params, RouteId};
use crate::service::State;

pub(crate) use autocomplete::SUGGEST_LIMIT_DEFAULT;

/// What a handler returns.
pub(crate) type Reply = Result<Response<Full<Bytes>>, ApiError>;

/// Calls the handler of route `id`.
pub(crate) async fn dispatch(
    state: &State,
    id: RouteId,
    params: Params,
    request: Request<Incoming>,
) -> Reply {
    let query = || Query::parse(request.uri().query());
    match id {
        RouteId::Healthz => Ok(health::healthz()),
        RouteId::Readyz => Ok(health::readyz(state)),
        RouteId::Metrics => Ok(metrics::render(state)),
        RouteId::OpenApi => Ok(openapi::document(state)),
        RouteId::ListCategories => Ok(categories::list(state)),
        RouteId::ListProducts => products::list(state, &query()?),
        RouteId::GetProduct => products::get(state, params.get("id")),
        RouteId::GetInventory => inventory::get(state, params.get("sku")),
        RouteId::Search => search::search(state, &query()?).await,
        RouteId::Autocomplete => autocomplete::autocomplete(state, &query()?),
    }
}
