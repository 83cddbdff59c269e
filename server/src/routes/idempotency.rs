//! `Idempotency-Key` for every POST but checkout (which commits its key in the same
//! transaction as its order, in the engine) and sign-in/registration (whose replies
//! carry a session token, which must never be stored).
//!
//! The key is scoped to the caller (`usr_…/KEY`, or `ip:<address>/KEY` for anonymous
//! callers) and bound to the method, path and body bytes: a repeat with the same key
//! and request returns the first status and body with `Idempotent-Replayed: true`; the
//! same key with another request is 409 `idempotency_conflict`; while the first is
//! running, 409 `idempotency_in_flight`. Only successes (2xx) are remembered, so a
//! refused request can be retried with its key.
//!
//! NOT atomic with the effect: the engine's generic store
//! (`Engine::idempotency_begin` / `IdempotencyGuard::finish`) commits the key in a
//! transaction of its own after the handler's write. A crash between the two forgets
//! the key, and a repeat then does the effect again.

use bytes::Bytes;
use emporium::{IdempotencyKey, IdempotencyStart, StoredResponse, request_hash};
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, StatusCode};

use super::{Ctx, Reply, ReqBody, handle};
use crate::error::ApiError;
use crate::router::RouteId;
use crate::service::State;

/// The request header.
pub(crate) const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The reply header of a replay.
pub(crate) const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// Longest client key, in characters; the scope prefix (at most 50 characters: `ip:`,
/// an IPv6 address and `/`) keeps the stored key within the engine's limit.
pub(crate) const CLIENT_KEY_CHARS_MAX: usize = 200;
const _: () = assert!(CLIENT_KEY_CHARS_MAX + 50 <= emporium::IDEMPOTENCY_KEY_CHARS_MAX);

/// Whether route `id` goes through this layer when keyed.
pub(crate) fn is_wrapped(id: RouteId) -> bool {
    !matches!(id, RouteId::Checkout | RouteId::Register | RouteId::Login)
}

/// The client's key: 1–200 visible ASCII characters; absent is `None`.
pub(crate) fn client_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key)
            if (1..=CLIENT_KEY_CHARS_MAX).contains(&key.len())
                && key.bytes().all(|byte| byte.is_ascii_graphic()) =>
        {
            Ok(Some(key.to_string()))
        }
        _ => Err(ApiError::invalid(
            "Idempotency-Key",
            "invalid",
            format!(
                "`Idempotency-Key` must be 1 to {CLIENT_KEY_CHARS_MAX} visible ASCII characters"
            ),
        )),
    }
}

/// Runs a keyed POST at most once per key (see the module docs).
pub(super) async fn wrap(state: &State, id: RouteId, ctx: Ctx, request: Request<ReqBody>) -> Reply {
    let key = client_key(request.headers())?.unwrap_or_default();
    let (parts, body) = request.into_parts();
    let bytes = read_bytes(state, body).await?;
    let scope = match ctx.caller.principal() {
        Some(principal) => principal.user_id.to_string(),
        None => format!("ip:{}", ctx.peer),
    };
    // The method and path are hashed with the body: the same key on another
    // operation is a conflict, never another operation's reply.
    let mut hashed = format!("{} {}\n", parts.method, parts.uri.path()).into_bytes();
    hashed.extend_from_slice(&bytes);
    let key = IdempotencyKey {
        key: format!("{scope}/{key}"),
        request_hash: request_hash(&hashed),
    };
    let guard = match state.engine.idempotency_begin(&key)? {
        IdempotencyStart::Replay(StoredResponse::Http { status, body }) => {
            return Ok(replay(status, body));
        }
        IdempotencyStart::Replay(StoredResponse::Order(_)) => {
            return Err(emporium::Error::from(emporium::CheckoutError::IdempotencyConflict).into());
        }
        IdempotencyStart::Proceed(guard) => guard,
    };
    let request = Request::from_parts(parts, Either::Right(Full::new(bytes)));
    let response = handle(state, id, ctx, request).await?;
    if !response.status().is_success() {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let (status, stored) = (parts.status.as_u16(), body.to_vec());
    let finished = tokio::task::spawn_blocking(move || guard.finish(status, stored)).await;
    let failure = match finished {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error.to_string()),
        Err(error) => Some(error.to_string()),
    };
    if let Some(error) = failure {
        // The effect happened; only its replay is lost. Answer it rather than fail it.
        tracing::warn!(%error, "idempotency key not stored");
    }
    Ok(hyper::Response::from_parts(parts, Full::new(body)))
}

fn replay(status: u16, body: Vec<u8>) -> hyper::Response<Full<Bytes>> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = crate::render::bytes_with_type(status, body.into(), crate::render::JSON);
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// The whole body under the configured limit (413 past it, after draining).
async fn read_bytes(state: &State, mut body: ReqBody) -> Result<Bytes, ApiError> {
    let limit = state.config.body_limit_bytes;
    match Limited::new(&mut body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            crate::body::discard(&mut body, limit).await;
            Err(crate::body::too_large(limit))
        }
        Err(error) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            crate::error::ErrorType::InvalidRequest,
            "unreadable_body",
            format!("the request body could not be read: {error}"),
        )),
    }
}
