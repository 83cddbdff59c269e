//! Rate limiting: token buckets per client, and the stricter limiter of sign-in attempts.
//!
//! A bucket holds up to `burst` tokens and refills continuously at `per_second`, so a
//! client may burst and then sustain the rate. Two limiters use it:
//!
//! - the request limiter (`--rate-limit N`): N per second, burst N, keyed by the
//!   caller's account when the request carries a valid token, else by its address. A
//!   token that does not authenticate counts as its address, so sending made-up tokens
//!   cannot buy fresh buckets;
//! - the [`LoginLimiter`], always on: sign-in attempts per account (the normalized
//!   email) *and* per address, so guessing one account's password from many addresses
//!   and one password against many accounts are both slowed.
//!
//! IPv6 addresses are keyed by their /64 prefix: one host usually holds a whole /64 and
//! could otherwise rotate through addresses for free.
//!
//! Every table is bounded ([`CLIENTS_MAX`]). When a table is full, buckets that have
//! refilled completely are dropped first (forgetting them loses nothing: a new bucket
//! starts full). If every bucket is still in use, the request limiter admits the
//! newcomer without a bucket rather than refusing it, so a flood of distinct addresses
//! cannot lock everyone out; the login limiter instead puts every newcomer in one shared
//! bucket, so that flood cannot switch password-guessing limits off either.
//!
//! A plain `std::sync::Mutex` guards each table: the critical section is a hash lookup
//! and a few float operations, never an await.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use emporium::UserId;

/// Most clients tracked by one limiter at once.
pub const CLIENTS_MAX: usize = 100_000;

/// A refill rate and a bucket size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// Most tokens a bucket holds: the longest burst.
    pub burst: f64,
}

/// What a full table does with a client it has no room for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Let the request through without a bucket.
    Admit,
    /// Take from one bucket shared by every client without a bucket of its own.
    Share,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl Bucket {
    fn full(rate: Rate, now: Instant) -> Bucket {
        Bucket {
            tokens: rate.burst,
            refilled_at: now,
        }
    }

    fn refill(&mut self, rate: Rate, now: Instant) {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_second).min(rate.burst);
        self.refilled_at = now;
    }

    fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        self.refill(rate, now);
        // The tolerance absorbs float rounding, so a client that waits exactly the
        // `Retry-After` it was given is admitted.
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / rate.per_second,
            ))
        }
    }
}

#[derive(Debug)]
struct Table<K> {
    buckets: HashMap<K, Bucket>,
    /// Shared by clients that found the table full ([`Overflow::Share`]).
    overflow: Option<Bucket>,
    /// When the table was last pruned: pruning scans every bucket, so it runs at most
    /// once per second however many new clients arrive.
    pruned_at: Option<Instant>,
}

/// Token buckets keyed by `K`.
#[derive(Debug)]
pub struct RateLimiter<K> {
    rate: Rate,
    overflow: Overflow,
    table: Mutex<Table<K>>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// A limiter of `rate` per client (`per_second` and `burst` above zero).
    pub fn new(rate: Rate, overflow: Overflow) -> RateLimiter<K> {
        debug_assert!(rate.per_second > 0.0 && rate.burst >= 1.0, "{rate:?}");
        RateLimiter {
            rate,
            overflow,
            table: Mutex::new(Table {
                buckets: HashMap::new(),
                overflow: None,
                pruned_at: None,
            }),
        }
    }

    /// Takes one token for `client`; `Err` holds how long until one is available.
    pub fn check(&self, client: &K, now: Instant) -> Result<(), Duration> {
        let rate = self.rate;
        // A poisoned lock only means another request panicked mid-update of a bucket;
        // the numbers are still usable.
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if table.buckets.len() >= CLIENTS_MAX && !table.buckets.contains_key(client) {
            let due = table
                .pruned_at
                .is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1));
            if due {
                table.buckets.retain(|_, bucket| {
                    bucket.refill(rate, now);
                    bucket.tokens < rate.burst
                });
                table.pruned_at = Some(now);
            }
            if table.buckets.len() >= CLIENTS_MAX {
                return match self.overflow {
                    Overflow::Admit => Ok(()),
                    Overflow::Share => table
                        .overflow
                        .get_or_insert_with(|| Bucket::full(rate, now))
                        .take(rate, now),
                };
            }
        }
        table
            .buckets
            .entry(client.clone())
            .or_insert_with(|| Bucket::full(rate, now))
            .take(rate, now)
    }

    /// Gives back the token a [`RateLimiter::check`] of `client` took (an attempt that
    /// turned out not to count).
    pub fn refund(&self, client: &K) {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bucket) = table.buckets.get_mut(client) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.rate.burst);
        }
    }
}

/// Who a request is counted as by the request limiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// A caller with a valid token: its account, whichever of its sessions it uses.
    Account(UserId),
    /// Anyone else: the address (an IPv6 address by its /64).
    Address(IpAddr),
}

/// `address` as a rate-limit key: IPv4 as is, IPv6 by its /64 prefix (an IPv4-mapped
/// IPv6 address is its IPv4 address).
pub fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

/// Sign-in attempts allowed (`ServerConfig::login_limit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimit {
    /// Attempts per minute, sustained, per account and per address.
    pub per_minute: u32,
    /// Attempts at once before the per-minute rate applies.
    pub burst: u32,
}

impl Default for LoginLimit {
    /// 5 a minute after a burst of 10: a person who mistypes is never held up, while a
    /// guesser gets about 7,200 tries a day per account instead of millions.
    fn default() -> Self {
        LoginLimit {
            per_minute: 5,
            burst: 10,
        }
    }
}

/// The always-on limiter of sign-in attempts (`POST /v1/auth/login`; registration
/// counts against the address only).
///
/// An attempt takes a token from each of its buckets before the password is checked, so
/// concurrent guesses cannot all slip past one check; a successful attempt gives its
/// tokens back, so only failures slow anyone down.
#[derive(Debug)]
pub struct LoginLimiter {
    accounts: RateLimiter<u64>,
    addresses: RateLimiter<IpAddr>,
    /// Accounts are keyed by a keyed hash of the email, not the email: bounded memory
    /// per entry, and no address book in memory. A collision only shares a bucket.
    hasher: RandomState,
}

/// A sign-in attempt that was let through; [`Attempt::succeeded`] refunds it.
#[derive(Debug)]
#[must_use = "call `succeeded` when the attempt succeeds"]
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    account: Option<u64>,
    address: IpAddr,
}

impl LoginLimiter {
    /// A limiter of `limit` per account and per address.
    pub fn new(limit: LoginLimit) -> LoginLimiter {
        let rate = Rate {
            per_second: f64::from(limit.per_minute.max(1)) / 60.0,
            burst: f64::from(limit.burst.max(1)),
        };
        LoginLimiter {
            accounts: RateLimiter::new(rate, Overflow::Share),
            addresses: RateLimiter::new(rate, Overflow::Share),
            hasher: RandomState::new(),
        }
    }

    /// Lets an attempt from `address`, on the account with the normalized email
    /// `account` if any, through; `Err` holds how long to wait.
    pub fn attempt(
        &self,
        account: Option<&str>,
        address: IpAddr,
        now: Instant,
    ) -> Result<Attempt<'_>, Duration> {
        let address = address_key(address);
        self.addresses.check(&address, now)?;
        let account = account.map(|email| self.hasher.hash_one(email));
        if let Some(key) = &account {
            if let Err(wait) = self.accounts.check(key, now) {
                // This attempt never happens, so it does not count against the address.
                self.addresses.refund(&address);
                return Err(wait);
            }
        }
        Ok(Attempt {
            limiter: self,
            account,
            address,
        })
    }
}

impl Attempt<'_> {
    /// The attempt succeeded: it does not count.
    pub fn succeeded(self) {
        self.limiter.addresses.refund(&self.address);
        if let Some(key) = &self.account {
            self.limiter.accounts.refund(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn per_second(n: f64) -> Rate {
        Rate {
            per_second: n,
            burst: n,
        }
    }

    #[test]
    fn bursts_to_the_limit_then_refills() {
        let limiter = RateLimiter::new(per_second(3.0), Overflow::Admit);
        let client: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(&client, start).is_ok());
        }
        let wait = limiter.check(&client, start).expect_err("limited");
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(334));
        assert!(limiter.check(&other, start).is_ok(), "clients are separate");
        assert!(limiter.check(&client, start + wait).is_ok(), "refilled");
    }

    #[test]
    fn a_full_table_admits_or_shares_as_configured() {
        let start = Instant::now();
        let admit = RateLimiter::new(per_second(1.0), Overflow::Admit);
        let share = RateLimiter::new(per_second(1.0), Overflow::Share);
        for key in 0..CLIENTS_MAX as u64 {
            admit.check(&key, start).expect("room");
            share.check(&key, start).expect("room");
        }
        let newcomer = u64::MAX;
        for _ in 0..3 {
            assert!(admit.check(&newcomer, start).is_ok(), "admitted");
        }
        assert!(share.check(&newcomer, start).is_ok(), "the shared bucket");
        assert!(share.check(&(newcomer - 1), start).is_err(), "shared");
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_prefix() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let two: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(address_key(one), address_key(two));
        assert_ne!(address_key(one), address_key(other));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("ip");
        assert_eq!(address_key(mapped), IpAddr::from([10, 0, 0, 1]));
    }

    #[test]
    fn login_attempts_are_limited_per_account_and_per_address() {
        let limiter = LoginLimiter::new(LoginLimit {
            per_minute: 1,
            burst: 2,
        });
        let now = Instant::now();
        let address = |n: u8| IpAddr::from([10, 0, 0, n]);
        // One account from many addresses.
        for n in 0..2 {
            drop(
                limiter
                    .attempt(Some("ada@example.com"), address(n), now)
                    .expect("burst"),
            );
        }
        let wait = limiter
            .attempt(Some("ada@example.com"), address(9), now)
            .expect_err("the account is limited");
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        // The refused attempt did not count against address 9.
        for email in ["b@x.y", "c@x.y"] {
            drop(
                limiter
                    .attempt(Some(email), address(9), now)
                    .expect("burst"),
            );
        }
        // Many accounts from one address.
        assert!(limiter.attempt(Some("d@x.y"), address(9), now).is_err());
        assert!(limiter.attempt(None, address(9), now).is_err());
    }

    #[test]
    fn successful_attempts_do_not_count() {
        let limiter = LoginLimiter::new(LoginLimit {
            per_minute: 1,
            burst: 1,
        });
        let now = Instant::now();
        let address = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..5 {
            limiter
                .attempt(Some("a@b.c"), address, now)
                .expect("refunded each time")
                .succeeded();
        }
        drop(limiter.attempt(Some("a@b.c"), address, now).expect("one"));
        assert!(limiter.attempt(Some("a@b.c"), address, now).is_err());
    }
}
