//! Per-key mutual exclusion for operations that span a hold change, a provider call and
//! a commit (one cart's mutations and its checkout; one order's transitions; one
//! product's adjustments).
//!
//! Why not a mutex per key: keys are unbounded (every cart), so the locked keys live in
//! striped sets and a waiter sleeps on its stripe's condition variable. Why not hold a
//! stripe mutex for the whole operation: a checkout waits on a payment provider, and
//! unrelated carts sharing the stripe must not wait behind it.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::inventory::IdBuildHasher;

/// Number of stripes; a power of two.
const LOCK_STRIPES: usize = 64;
const _: () = assert!(LOCK_STRIPES.is_power_of_two());

#[derive(Debug, Default)]
struct Stripe {
    held: Mutex<HashSet<u64, IdBuildHasher>>,
    released: Condvar,
}

/// A set of keys, each held by at most one guard at a time.
#[derive(Debug)]
pub(crate) struct KeyedLocks {
    stripes: Box<[Stripe]>,
}

impl Default for KeyedLocks {
    fn default() -> Self {
        KeyedLocks {
            stripes: (0..LOCK_STRIPES).map(|_| Stripe::default()).collect(),
        }
    }
}

/// Holds one key of a [`KeyedLocks`] until dropped.
#[derive(Debug)]
pub(crate) struct KeyGuard<'a> {
    stripe: &'a Stripe,
    key: u64,
}

impl KeyedLocks {
    fn stripe(&self, key: u64) -> &Stripe {
        let index = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize & (LOCK_STRIPES - 1);
        &self.stripes[index]
    }

    /// Takes `key`, waiting at most `timeout` for its holder to finish; `None` if it
    /// is still held then.
    pub(crate) fn lock(&self, key: u64, timeout: Duration) -> Option<KeyGuard<'_>> {
        let stripe = self.stripe(key);
        let deadline = Instant::now() + timeout;
        let mut held = stripe.held.lock();
        while held.contains(&key) {
            if stripe.released.wait_until(&mut held, deadline).timed_out() && held.contains(&key) {
                return None;
            }
        }
        held.insert(key);
        Some(KeyGuard { stripe, key })
    }
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        self.stripe.held.lock().remove(&self.key);
        self.stripe.released.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn one_holder_per_key_and_waiters_proceed_in_turn() {
        let locks = Arc::new(KeyedLocks::default());
        let inside = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (locks, inside) = (Arc::clone(&locks), Arc::clone(&inside));
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        let _guard = locks.lock(7, Duration::from_secs(10)).expect("lock");
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "alone");
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().expect("thread"));
    }

    #[test]
    fn a_held_key_times_out_and_other_keys_are_free() {
        let locks = KeyedLocks::default();
        let guard = locks.lock(1, Duration::from_millis(10)).expect("free");
        assert!(locks.lock(1, Duration::from_millis(20)).is_none());
        assert!(locks.lock(2, Duration::from_millis(20)).is_some());
        drop(guard);
        assert!(locks.lock(1, Duration::from_millis(20)).is_some());
    }
}
