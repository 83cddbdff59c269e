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
pub(crate) mod analytics;
mod auth;
mod autocomplete;
mod backup;
mod carts;
mod categories;
mod health;
pub(crate) mod idempotency;
mod inventory;
mod me;
mod metrics;
mod notifications;
mod openapi;
mod orders;
mod pages;
mod products;
mod recommendations;
mod reviews;
mod search;
mod vouchers;

use std::net::IpAddr;

use bytes::Bytes;
use emporium::Engine;
use http_body_util::Either;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap};
use hyper::{Method, Request, Response};
use serde_json::Value;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::Query;
use crate::router::{Params, RouteId};
use crate::service::State;

pub(crate) use autocomplete::SUGGEST_LIMIT_DEFAULT;

/// A request body: the connection's own stream, or one the idempotency layer has
/// already read (to hash it) and hands on.
pub(crate) type ReqBody = Either<Incoming, Full<Bytes>>;

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

/// Calls the handler of route `id`; a POST with `Idempotency-Key` goes through the
/// idempotency layer first (checkout keeps its key in its own commit).
pub(crate) async fn dispatch(
    state: &State,
    id: RouteId,
    ctx: Ctx,
    request: Request<ReqBody>,
) -> Reply {
    let keyed = request.method() == Method::POST
        && request.headers().contains_key(idempotency::IDEMPOTENCY_KEY)
        && idempotency::is_wrapped(id);
    if keyed {
        return idempotency::wrap(state, id, ctx, request).await;
    }
    handle(state, id, ctx, request).await
}

/// Calls the handler of route `id`.
pub(crate) async fn handle(
    state: &State,
    id: RouteId,
    ctx: Ctx,
    request: Request<ReqBody>,
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
        RouteId::Search => search::search(state, &ctx, request.headers(), &query()?).await,
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
        RouteId::ListNotifications => notifications::list(state, &ctx, &query()?),
        RouteId::CreateCategory => categories::create(state, &ctx, request).await,
        RouteId::CreateProduct => products::create(state, &ctx, request).await,
        RouteId::UpdateProduct => products::update(state, &ctx, request).await,
        RouteId::ArchiveProduct => products::archive(state, &ctx).await,
        RouteId::CreateCart => carts::create(state, &ctx).await,
        RouteId::GetCart => carts::get(state, &ctx),
        RouteId::AddCartItem => carts::add_item(state, &ctx, request).await,
        RouteId::UpdateCartItem => carts::update_item(state, &ctx, request).await,
        RouteId::RemoveCartItem => carts::remove_item(state, &ctx, request).await,
        RouteId::ApplyVoucher => carts::apply_voucher(state, &ctx, request).await,
        RouteId::RemoveVoucher => carts::remove_voucher(state, &ctx, request).await,
        RouteId::Checkout => carts::checkout(state, &ctx, request).await,
        RouteId::ListOrders => orders::list(state, &ctx, &query()?),
        RouteId::GetOrder => orders::get(state, &ctx),
        RouteId::ListOrderEvents => orders::events(state, &ctx, &query()?),
        RouteId::CancelOrder => orders::cancel(state, &ctx).await,
        RouteId::ShipOrder => orders::ship(state, &ctx).await,
        RouteId::DeliverOrder => orders::deliver(state, &ctx).await,
        RouteId::RefundOrder => orders::refund(state, &ctx, request).await,
        RouteId::CreateVoucher => vouchers::create(state, &ctx, request).await,
        RouteId::ListVouchers => vouchers::list(state, &ctx),
        RouteId::AdjustInventory => inventory::adjust(state, &ctx, request).await,
        RouteId::ListReviews => reviews::list(state, &ctx, &query()?),
        RouteId::CreateReview => reviews::create(state, &ctx, request).await,
        RouteId::CreateBackup => backup::create(state, &ctx, request).await,
        RouteId::ListRecommendations => recommendations::list(state, &ctx, &query()?),
        RouteId::RecordEvent => analytics::record_event(state, &ctx, request).await,
        RouteId::AnalyticsWindows => analytics::windows(state, &query()?),
        RouteId::AnalyticsTopProducts => analytics::top_products(state, &query()?),
        RouteId::AnalyticsFunnel => analytics::funnel(state, &query()?),
        RouteId::AnalyticsSearch => analytics::search(state, &query()?),
        RouteId::AnalyticsAnomalies => analytics::anomalies(state, &query()?),
        RouteId::AnalyticsLowStock => analytics::low_stock(state, &query()?),
        RouteId::StorefrontPage => Ok(pages::storefront(&request)),
        RouteId::DashboardPage => Ok(pages::dashboard(&request)),
        RouteId::Asset => pages::asset(&ctx, &request),
    }
}

/// `If-Match`: the `noun`'s version as a bare integer, quotes (and a weak `W/`)
/// tolerated; `*` matches any version. Anything else is no version at all: 422 naming
/// the header (a well-formed but stale version is 412).
fn if_match(headers: &HeaderMap, noun: &str) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    let bare = text.strip_prefix("W/").unwrap_or(text);
    let bare = bare.strip_prefix('"').unwrap_or(bare);
    let bare = bare.strip_suffix('"').unwrap_or(bare);
    match bare.parse::<u64>() {
        Ok(version) if bare.bytes().all(|byte| byte.is_ascii_digit()) => Ok(Some(version)),
        _ => Err(ApiError::invalid(
            "If-Match",
            "invalid",
            format!(
                "`If-Match` must be the {noun}'s `version`, a whole number (quotes allowed) or `*`"
            ),
        )),
    }
}

/// The request's JSON body, under the configured size limit (413, 415, 400; empty is
/// `{}`).
async fn json_body(state: &State, request: Request<ReqBody>) -> Result<Value, ApiError> {
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
