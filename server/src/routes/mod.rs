//! One file per resource. Each handler parses the request, makes one engine call and
//! renders the reply (mini-redis' parse, apply, render); business rules live in the
//! engine.
//!
//! Who may call a route is checked from the route table before its handler runs; the
//! handlers of protected routes still start with `require_user` / `require_admin`,
//! which hand them the caller's principal and make each handler visibly protected on
//! its own.
//!
//! A handler that takes a body reads it before anything else can refuse the request,
//! so a client still sending its body reads the refusal rather than a reset connection.
//! Writes wait for the group commit, and registration and sign-in hash a password, so
//! those engine calls go through [`blocking`].

mod addresses;
mod auth;
mod autocomplete;
mod categories;
mod health;
mod inventory;
mod me;
mod metrics;
mod openapi;
mod products;
mod search;

use std::net::IpAddr;

use bytes::Bytes;
use emporium::Engine;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::Value;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::Query;
use crate::router::{Params, RouteId};
use crate::service::State;

pub(crate) use autocomplete::SUGGEST_LIMIT_DEFAULT;

/// What a handler returns.
pub(crate) type Reply = Result<Response<Full<Bytes>>, ApiError>;

/// What the pipeline learned about a request before its handler runs.
#[derive(Debug)]
pub(crate) struct Ctx {
    /// Who is calling.
    pub(crate) caller: Caller,
    /// The client's address (the sign-in limiter counts by it).
    pub(crate) peer: IpAddr,
    /// The path parameters.
    pub(crate) params: Params,
}

/// Calls the handler of route `id`.
pub(crate) async fn dispatch(
    state: &State,
    id: RouteId,
    ctx: Ctx,
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
        RouteId::GetProduct => products::get(state, &ctx),
        RouteId::GetInventory => inventory::get(state, ctx.params.get("sku")),
        RouteId::Search => search::search(state, &query()?).await,
        RouteId::Autocomplete => autocomplete::autocomplete(state, &query()?),
        RouteId::Register => auth::register(state, &ctx, request).await,
        RouteId::Login => auth::login(state, &ctx, request).await,
        RouteId::Logout => auth::logout(state, &ctx).await,
        RouteId::GetMe => me::get(state, &ctx),
        RouteId::UpdateMe => me::update(state, &ctx, request).await,
        RouteId::ListAddresses => addresses::list(state, &ctx),
        RouteId::CreateAddress => addresses::create(state, &ctx, request).await,
        RouteId::UpdateAddress => addresses::update(state, &ctx, request).await,
        RouteId::DeleteAddress => addresses::delete(state, &ctx).await,
        RouteId::CreateCategory => categories::create(state, &ctx, request).await,
        RouteId::CreateProduct => products::create(state, &ctx, request).await,
        RouteId::UpdateProduct => products::update(state, &ctx, request).await,
        RouteId::ArchiveProduct => products::archive(state, &ctx).await,
    }
}

/// The request's JSON body, under the configured size limit (413, 415, 400; empty is
/// `{}`).
async fn json_body(state: &State, request: Request<Incoming>) -> Result<Value, ApiError> {
    let (parts, body) = request.into_parts();
    crate::body::read_json(&parts.headers, body, state.config.body_limit_bytes).await
}

/// Runs an engine call that waits (a commit, a password hash) on the blocking pool, so
/// no runtime thread that other connections need is held.
///
/// If the client goes away meanwhile, the call still completes: a write is never left
/// half-done, only its reply is dropped.
async fn blocking<T, F>(state: &State, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&Engine) -> emporium::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let engine = state.engine.clone();
    tokio::task::spawn_blocking(move || work(&engine))
        .await
        .map_err(|error| ApiError::internal(&format!("engine task failed: {error}")))?
        .map_err(ApiError::from)
}
