//! Per-client rate limiting: a token bucket per client address.
//!
//! API.md keys clients by token, else by address; tokens do not exist yet (they come
//! with users), so every client is its address for now. A bucket holds up to one
//! second of requests and refills continuously, so a client may burst to `N` and then
//! sustain `N` per second.
//!
//! The table is bounded by [`CLIENTS_MAX`]. When it is full, buckets that have refilled
//! completely are dropped first (forgetting them loses nothing: a new bucket starts
//! full); if every bucket is still in use, the request is admitted without a bucket
//! rather than refused, so a flood of distinct addresses cannot lock out everyone.
//!
//! A plain `std::sync::Mutex` guards the table: the critical section is a hash lookup
//! and a few float operations, never an await.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most clients tracked at once.
pub const CLIENTS_MAX: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

#[derive(Debug)]
struct Table {
    buckets: HashMap<IpAddr, Bucket>,
    /// When the table was last pruned: pruning scans every bucket, so it runs at most
    /// once per second however many new clients arrive.
    pruned_at: Option<Instant>,
}

/// The rate limiter.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    table: Mutex<Table>,
}

impl RateLimiter {
    /// A limiter of `per_second` requests per second per client (more than zero).
    pub fn new(per_second: u32) -> RateLimiter {
        debug_assert!(per_second > 0, "a limit of 0 means no limiter at all");
        RateLimiter {
            per_second: f64::from(per_second.max(1)),
            table: Mutex::new(Table {
                buckets: HashMap::new(),
                pruned_at: None,
            }),
        }
    }

    /// Takes one token for `client`; `Err` holds how long until one is available.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        // A poisoned lock only means another request panicked mid-update of a bucket;
        // the numbers are still usable.
        let mut table = self
            .table
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if table.buckets.len() >= CLIENTS_MAX && !table.buckets.contains_key(&client) {
            let due = table
                .pruned_at
                .is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1));
            if due {
                let per_second = self.per_second;
                table
                    .buckets
                    .retain(|_, bucket| refilled(*bucket, now, per_second) < per_second);
                table.pruned_at = Some(now);
            }
            if table.buckets.len() >= CLIENTS_MAX {
                return Ok(());
            }
        }
        let bucket = table.buckets.entry(client).or_insert(Bucket {
            tokens: self.per_second,
            refilled_at: now,
        });
        bucket.tokens = refilled(*bucket, now, self.per_second);
        bucket.refilled_at = now;
        // The tolerance absorbs float rounding, so a client that waits exactly the
        // `Retry-After` it was given is admitted.
        if bucket.tokens >= 1.0 - 1e-9 {
            bucket.tokens = (bucket.tokens - 1.0).max(0.0);
            Ok(())
        } else {
            let wait_seconds = (1.0 - bucket.tokens) / self.per_second;
            Err(Duration::from_secs_f64(wait_seconds))
        }
    }
}

fn refilled(bucket: Bucket, now: Instant, per_second: f64) -> f64 {
    let elapsed = now
        .saturating_duration_since(bucket.refilled_at)
        .as_secs_f64();
    (bucket.tokens + elapsed * per_second).min(per_second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_to_the_limit_then_refills() {
        let limiter = RateLimiter::new(3);
        let client: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(client, start).is_ok());
        }
        let wait = limiter.check(client, start).expect_err("limited");
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(334));
        assert!(limiter.check(other, start).is_ok(), "clients are separate");
        assert!(limiter.check(client, start + wait).is_ok(), "refilled");
    }
}
