//! The per-request pipeline, in order: request id and tracing span → CORS preflight →
//! the caller (`Authorization`) → routing → rate limit → the route's access check →
//! the handler under a timeout, with panics contained → metrics, access log, and the
//! headers every reply carries.

use std::convert::Infallible;
use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use emporium::Engine;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response};
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::ServerConfig;
use crate::auth::{Caller, authorize};
use crate::cors::Cors;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::ratelimit::{ClientKey, LoginLimiter, Overflow, Rate, RateLimiter, address_key};
use crate::router::{self, Match, ROUTES};
use crate::routes::{self, Ctx};

/// Longest client-supplied request id that is echoed; longer ones are replaced.
pub const REQUEST_ID_CHARS_MAX: usize = 200;
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Everything a request may use, shared by all connections.
pub(crate) struct State {
    pub(crate) engine: Engine,
    pub(crate) config: ServerConfig,
    pub(crate) metrics: Metrics,
    pub(crate) openapi: Bytes,
    /// Rendered product bodies for `GET /v1/products/{id}`.
    pub(crate) product_bodies: crate::render::ProductBodies,
    /// The connection cap; its free permits tell how many connections are open.
    pub(crate) connections: Arc<Semaphore>,
    /// Sign-in attempts per account and address; always on.
    pub(crate) login_limiter: LoginLimiter,
    /// Requests per client (`--rate-limit`); `None` when off.
    limiter: Option<RateLimiter<ClientKey>>,
    cors: Cors,
    request_ids: RequestIds,
}

impl State {
    pub(crate) fn new(engine: Engine, config: ServerConfig, connections: Arc<Semaphore>) -> State {
        let limiter = (config.rate_limit_per_second > 0).then(|| {
            let per_second = f64::from(config.rate_limit_per_second);
            let rate = Rate {
                per_second,
                burst: per_second,
            };
            RateLimiter::new(rate, Overflow::Admit)
        });
        State {
            engine,
            metrics: Metrics::default(),
            openapi: crate::openapi::document_bytes(),
            product_bodies: crate::render::ProductBodies::default(),
            connections,
            login_limiter: LoginLimiter::new(config.login_limit),
            limiter,
            cors: Cors::new(&config.cors_origins),
            request_ids: RequestIds::new(),
            config,
        }
    }
}

/// Answers one request. Never fails: every refusal is a response.
pub(crate) async fn serve_request(
    state: Arc<State>,
    client: IpAddr,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let request_id = state.request_ids.for_request(request.headers());
    let origin = state.cors.allowed_origin(request.headers());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    async move {
        let (route, mut response) = respond(&state, client, request).await;
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        state.metrics.record(route, status, elapsed);
        let elapsed_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        // Successful requests log at debug: at tens of thousands of requests per second
        // an access log line each costs more than the request. Refusals log at info; a
        // 500 or a store failure was already logged at error where it happened.
        if status >= 400 {
            tracing::info!(status, elapsed_us, "answered");
        } else {
            tracing::debug!(status, elapsed_us, "answered");
        }
        add_common_headers(response.headers_mut(), &request_id);
        state.cors.decorate(origin, response.headers_mut());
        Ok(response)
    }
    .instrument(span)
    .await
}

/// Routes and answers; also returns the route index for metrics.
async fn respond(
    state: &State,
    peer: IpAddr,
    request: Request<Incoming>,
) -> (Option<usize>, Response<Full<Bytes>>) {
    let (method, path) = (request.method(), request.uri().path());
    if let Some(preflight) = state.cors.preflight(method, path, request.headers()) {
        return (None, preflight);
    }
    let caller = Caller::from_headers(&state.engine, request.headers());
    let matched = router::route(method, path);
    let index = match &matched {
        Match::Found { index, .. } => Some(*index),
        _ => None,
    };
    let result = match (matched, rate_limit(state, &caller, peer)) {
        (_, Err(limited)) => refuse(state, request, limited).await,
        (Match::NotFound, Ok(())) => {
            let message = format!("no route for `{path}`; see /openapi.json");
            let error = ApiError::not_found("route_not_found", message);
            refuse(state, request, error).await
        }
        (Match::MethodNotAllowed { allow }, Ok(())) => {
            refuse(state, request, ApiError::method_not_allowed(&allow)).await
        }
        (Match::Found { index, params }, Ok(())) => {
            let route = &ROUTES[index];
            match authorize(&caller, route.access) {
                Err(error) => refuse(state, request, error).await,
                Ok(()) => {
                    let ctx = Ctx {
                        caller,
                        peer,
                        params,
                    };
                    run_handler(state, route.id, ctx, request).await
                }
            }
        }
    };
    (index, result.unwrap_or_else(ApiError::into_response))
}

/// The request limiter: a caller with a valid token counts as its account, anyone else
/// as its address.
fn rate_limit(state: &State, caller: &Caller, peer: IpAddr) -> Result<(), ApiError> {
    let Some(limiter) = &state.limiter else {
        return Ok(());
    };
    let key = match caller.principal() {
        Some(principal) => ClientKey::Account(principal.user_id),
        None => ClientKey::Address(address_key(peer)),
    };
    limiter
        .check(&key, Instant::now())
        .map_err(ApiError::rate_limited_for)
}

/// The handler under the request timeout, with its panics turned into 500s.
async fn run_handler(
    state: &State,
    id: router::RouteId,
    ctx: Ctx,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, ApiError> {
    let request = request.map(http_body_util::Either::Left);
    let handler = routes::dispatch(state, id, ctx, request);
    match tokio::time::timeout(state.config.request_timeout, CatchPanic::new(handler)).await {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => Err(ApiError::internal(&format!("handler panicked: {panic}"))),
        Err(_) => Err(ApiError::unavailable(
            "timeout",
            "the request took too long; retry later",
        )),
    }
}

/// Refuses a request before any handler runs, after draining its body (bounded), so a
/// client still sending a body reads the refusal rather than a reset connection.
async fn refuse(
    state: &State,
    request: Request<Incoming>,
    error: ApiError,
) -> Result<Response<Full<Bytes>>, ApiError> {
    let mut body = request.into_body();
    let drain = crate::body::discard(&mut body, 0);
    // A client trickling its body does not get to hold the request open for longer
    // than any other request.
    let _ = tokio::time::timeout(state.config.request_timeout, drain).await;
    Err(error)
}

/// Headers on every reply: the request id, and the security headers of an API that is
/// never meant to be framed, sniffed, cached or to leak its URLs in a referrer.
fn add_common_headers(headers: &mut HeaderMap, request_id: &str) {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID, value);
    }
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // API replies are data, never pages: not cached, and nothing in one may load or run
    // anything. The pages (routes/pages.rs) set their own cache and content policies.
    let defaults = [
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
    ];
    for (name, value) in defaults {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    }
}

/// Request ids: the client's own when it is sane, else `<boot time>-<counter>` in hex,
/// unique within a process and, through the boot time, across restarts.
struct RequestIds {
    prefix: String,
    next: AtomicU64,
}

impl RequestIds {
    fn new() -> RequestIds {
        let boot_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis());
        RequestIds {
            prefix: format!("{boot_ms:x}"),
            next: AtomicU64::new(1),
        }
    }

    fn for_request(&self, headers: &HeaderMap) -> String {
        let sent = headers
            .get(REQUEST_ID)
            .and_then(|value| value.to_str().ok())
            .filter(|id| is_sane_request_id(id));
        match sent {
            Some(id) => id.to_string(),
            None => {
                let number = self.next.fetch_add(1, Ordering::Relaxed);
                format!("{}-{number:08x}", self.prefix)
            }
        }
    }
}

/// 1–200 visible ASCII characters: safe to echo in a header and to write in a log.
fn is_sane_request_id(id: &str) -> bool {
    (1..=REQUEST_ID_CHARS_MAX).contains(&id.len()) && id.bytes().all(|byte| byte.is_ascii_graphic())
}

/// A future whose panics become an `Err` with the panic message, so a bug in one
/// handler is a logged 500 for that request instead of a dropped connection.
///
/// `AssertUnwindSafe` is sound here because a panicked future is dropped and never
/// polled again, and the state it shares (the engine) uses non-poisoning locks whose
/// invariants are the engine's to keep.
struct CatchPanic<F> {
    inner: Pin<Box<F>>,
}

impl<F: Future> CatchPanic<F> {
    fn new(inner: F) -> CatchPanic<F> {
        CatchPanic {
            inner: Box::pin(inner),
        }
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.inner;
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|text| text.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-text panic".to_string());
                Poll::Ready(Err(message))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_echoed_only_when_sane() {
        let ids = RequestIds::new();
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID, HeaderValue::from_static("abc-123"));
        assert_eq!(ids.for_request(&headers), "abc-123");
        let long = "x".repeat(REQUEST_ID_CHARS_MAX + 1);
        headers.insert(REQUEST_ID, HeaderValue::from_str(&long).expect("ascii"));
        assert_ne!(ids.for_request(&headers), long);
        headers.insert(REQUEST_ID, HeaderValue::from_static("has space"));
        assert_ne!(ids.for_request(&headers), "has space");
        let first = ids.for_request(&HeaderMap::new());
        let second = ids.for_request(&HeaderMap::new());
        assert_ne!(first, second);
        assert!(is_sane_request_id(&first));
    }

    #[test]
    fn panics_become_errors() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let outcome = runtime.block_on(CatchPanic::new(async {
            if std::hint::black_box(true) {
                panic!("boom");
            }
        }));
        assert_eq!(outcome, Err("boom".to_string()));
    }
}
