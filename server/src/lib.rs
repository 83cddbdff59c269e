//! The Emporium HTTP server: a thin hyper 1.x layer over the embedded engine.
//!
//! The key design decision: **the server holds no business rules**. A handler parses
//! the request, makes one engine call and renders the reply; everything that decides
//! what a shop does lives in the `emporium` crate.
//!
//! A request's path from socket to engine, one module per step:
//!
//! - [`run`] (`server.rs`): the accept loop. A semaphore caps open connections (a full
//!   server stops accepting, leaving new connections in the kernel's backlog), each
//!   connection is an HTTP/1.1 keep-alive connection on its own task with header
//!   limits, and shutdown is a future passed in: stop accepting, drain in-flight
//!   requests under a deadline, return.
//! - `service.rs`: the per-request pipeline: the `X-Request-Id` (echoed or made) in a
//!   tracing span around everything the request logs, the CORS preflight, the caller,
//!   routing, rate limiting, the route's access check, a timeout, panic containment,
//!   metrics, and the headers every reply carries (security headers, CORS).
//! - `auth.rs`: `Authorization: Bearer <token>` → the caller (the engine answers from
//!   its in-memory session map, so this is inline on every request), and the
//!   `require_user` / `require_admin` checks: 401 `missing_token` or `token_invalid`,
//!   403 for a customer on an admin route.
//! - [`router`]: the route table (method, path pattern, and who may call it) and the
//!   matcher; unknown paths are 404 and known paths with another method 405 with
//!   `Allow`. Access is enforced from the table before any handler runs.
//! - `routes/`: one file per resource (`auth.rs`, `me.rs`, `addresses.rs`,
//!   `products.rs`, `categories.rs`, `search.rs`, `autocomplete.rs`, `inventory.rs`,
//!   `health.rs`, `metrics.rs`, `openapi.rs`), each parsing, calling and rendering.
//! - `ratelimit.rs`: token buckets. `--rate-limit N` (off by default) limits requests
//!   per client, keyed by the account of a valid token, else by the address; sign-in
//!   has its own limiter, always on, per account *and* per address, counting only
//!   failed attempts. Both answer 429 with `Retry-After`.
//! - [`cors`]: `--cors-origin` (off by default): preflights and the CORS headers.
//! - [`decode`]: JSON bodies to engine inputs, naming the offending field; shared with
//!   `emporium import`. [`body`] reads bodies under the size limit; [`error`] is the one
//!   mapping from engine errors to statuses and the API.md error object.
//! - [`openapi`]: the OpenAPI 3.1 document, checked by a test against the route table.
//! - [`import`]: the JSON Lines importer (parallel decoding, pipelined commits) behind
//!   `emporium import` and the demo catalog ([`demo`]).
//!
//! Engine calls that write block until the group commit's fsync, a search counts every
//! match for its facets, and registration and sign-in hash a password with argon2id
//! (tens of milliseconds of CPU), so those run on `spawn_blocking`; the other reads
//! (authentication included) finish in microseconds and run inline on the runtime.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let engine = emporium::Engine::open_in_memory().expect("engine");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let shutdown = async { tokio::signal::ctrl_c().await.ok(); };
//! emporium_server::run(engine, listener, emporium_server::ServerConfig::default(), shutdown).await;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod auth;
pub mod body;
pub mod cors;
pub mod decode;
pub mod demo;
pub mod error;
pub mod fuzzing;
pub mod import;
mod metrics;
pub mod openapi;
mod query;
mod ratelimit;
mod render;
pub mod router;
mod routes;
mod server;
mod service;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use ratelimit::LoginLimit;
pub use server::run;

/// How the server behaves; [`ServerConfig::default`] follows API.md.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Largest request body accepted; larger ones are 413 (default 1 MiB).
    pub body_limit_bytes: usize,
    /// Requests per second per client (the account of a valid token, else the
    /// address), with bursts of as many; 0 turns rate limiting off.
    pub rate_limit_per_second: u32,
    /// Sign-in attempts per account and per address; always on.
    pub login_limit: LoginLimit,
    /// Origins allowed to call the API from a browser (`*` for any); empty: no CORS.
    pub cors_origins: Vec<String>,
    /// Most connections open at once; beyond it new connections wait in the backlog.
    pub connections_max: usize,
    /// Longest time one request may take before it is answered 503.
    pub request_timeout: Duration,
    /// How long shutdown waits for in-flight requests before dropping them.
    pub drain_timeout: Duration,
    /// Work that must finish before `/readyz` answers 200 (the demo catalog load).
    pub startup: Startup,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            body_limit_bytes: body::BODY_BYTES_MAX_DEFAULT,
            rate_limit_per_second: 0,
            login_limit: LoginLimit::default(),
            cors_origins: Vec::new(),
            connections_max: CONNECTIONS_MAX_DEFAULT,
            request_timeout: Duration::from_secs(30),
            drain_timeout: Duration::from_secs(10),
            startup: Startup::finished(),
        }
    }
}

/// The default connection cap: well under the usual 64 Ki file descriptors a process
/// may raise its limit to, leaving room for the store and index files.
pub const CONNECTIONS_MAX_DEFAULT: usize = 10_000;

/// Whether the server's own start-up work is done. Cloning shares the flag: the task
/// doing the work keeps one clone and calls [`Startup::finish`].
#[derive(Clone, Debug)]
pub struct Startup(Arc<AtomicBool>);

impl Startup {
    /// Start-up work still to do: `/readyz` is 503 until [`Startup::finish`].
    pub fn pending() -> Startup {
        Startup(Arc::new(AtomicBool::new(false)))
    }

    /// No start-up work.
    pub fn finished() -> Startup {
        Startup(Arc::new(AtomicBool::new(true)))
    }

    /// Marks the work done.
    pub fn finish(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether the work is done.
    pub fn is_finished(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}
