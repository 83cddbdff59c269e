//! The accept loop, connections, and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use emporium::Engine;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::ServerConfig;
use crate::service::{self, State};

/// Most header fields in one request.
const HEADERS_MAX: usize = 64;
/// Largest request head (request line and headers), in bytes.
const HEAD_BYTES_MAX: usize = 32 * 1024;
/// How long a client may take to send a request head; also closes idle keep-alive
/// connections, so an idle client cannot hold a connection slot forever.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause after a failed accept (typically out of file descriptors), so the loop does
/// not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves HTTP on `listener` until `shutdown` completes, then stops accepting, lets
/// in-flight requests finish within `config.drain_timeout`, and returns. Dropping the
/// engine (which flushes the committer) is left to the caller, who owns it.
pub async fn run(
    engine: Engine,
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) {
    let connections = Arc::new(Semaphore::new(config.connections_max.max(1)));
    let drain_timeout = config.drain_timeout;
    let state = Arc::new(State::new(engine, config, Arc::clone(&connections)));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .keep_alive(true)
        .max_headers(HEADERS_MAX)
        .max_header_size(HEAD_BYTES_MAX)
        .header_read_timeout(HEADER_READ_TIMEOUT);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = accept(&listener, &connections) => accepted,
        };
        let Some((stream, peer, permit)) = accepted else {
            continue;
        };
        let state = Arc::clone(&state);
        let service = service_fn(move |request| {
            service::serve_request(Arc::clone(&state), peer.ip(), request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                // Clients that vanish mid-request are routine, not server faults.
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(
        connections = graceful.count(),
        "stopped accepting; draining in-flight requests"
    );
    if tokio::time::timeout(drain_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            timeout_s = drain_timeout.as_secs(),
            "drain deadline passed; dropping the remaining connections"
        );
    }
}

/// Waits for a connection slot, then for a connection. Taking the slot first means a
/// full server leaves new connections queued in the kernel instead of accepting and
/// dropping them.
async fn accept(
    listener: &TcpListener,
    connections: &Arc<Semaphore>,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let permit = Arc::clone(connections).acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, peer)) => {
            // Replies are small and written whole: waiting for Nagle only adds latency.
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
            Some((stream, peer, permit))
        }
        Err(error) => {
            tracing::warn!(%error, "accept failed");
            tokio::time::sleep(ACCEPT_BACKOFF).await;
            None
        }
    }
}
