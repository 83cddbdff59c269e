//! `POST /v1/auth/register`, `POST /v1/auth/login` and `POST /v1/auth/logout`.
//!
//! Registration and sign-in hash or verify a password (argon2id: tens of milliseconds
//! of CPU), so they run on the blocking pool. Both pass the sign-in limiter first
//! (sign-in per account and per address, registration per address), after the body is
//! decoded, so a malformed request costs no attempt; a successful attempt is given
//! back, so only failures (wrong passwords, taken emails) slow a client down.

use std::time::Instant;

use hyper::{Request, StatusCode};

use super::{Ctx, Reply, ReqBody, blocking, json_body};
use crate::auth::require_token;
use crate::decode::{self, Credentials};
use crate::error::ApiError;
use crate::render::{self, AuthView, json};
use crate::service::State;

/// 201 `{user, token}`: a new customer account, signed in.
pub(super) async fn register(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let new = decode::new_user(&json_body(state, request).await?)?;
    let attempt = state
        .login_limiter
        .attempt(None, ctx.peer, Instant::now())
        .map_err(ApiError::rate_limited_for)?;
    let authenticated = blocking(state, move |engine| engine.register(new)).await?;
    attempt.succeeded();
    Ok(json(StatusCode::CREATED, &AuthView::new(&authenticated)))
}

/// 200 `{user, token}`; an unknown email and a wrong password are the same 401.
pub(super) async fn login(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let Credentials { email, password } = decode::credentials(&json_body(state, request).await?)?;
    // A string that is no email address names no account: only the address counts.
    let account = emporium::normalize_email(&email).ok();
    let attempt = state
        .login_limiter
        .attempt(account.as_deref(), ctx.peer, Instant::now())
        .map_err(ApiError::rate_limited_for)?;
    let authenticated = blocking(state, move |engine| engine.login(&email, &password)).await?;
    attempt.succeeded();
    Ok(json(StatusCode::OK, &AuthView::new(&authenticated)))
}

/// 204: the caller's session ends; from this reply on, its token is refused.
pub(super) async fn logout(state: &State, ctx: &Ctx) -> Reply {
    let token = require_token(&ctx.caller)?.to_string();
    blocking(state, move |engine| engine.logout(&token)).await?;
    Ok(render::empty(StatusCode::NO_CONTENT))
}
