//! A circuit breaker over a remote dependency (the payment provider, the notification
//! webhook): after `failures_max` consecutive transient failures it opens and refuses
//! calls at once, so callers fail fast (a checkout with 503, a message stays queued)
//! instead of each burning its retries against a dead endpoint; after the cooldown it
//! lets one probe through (half-open); the probe's success closes it, its failure opens
//! it again. Only transient failures count: a decline or a 4xx is a healthy dependency
//! saying no.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// The breaker's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are refused until the cooldown has passed.
    Open,
    /// One probe call is allowed.
    HalfOpen,
}

const CLOSED: u8 = 0;
const OPEN: u8 = 1;
const HALF_OPEN: u8 = 2;

#[derive(Debug)]
struct State {
    consecutive_failures: u32,
    opened_at: Instant,
    probe_in_flight: bool,
}

/// See the module docs.
#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    /// Read without the lock on the hot path (closed and healthy).
    state: AtomicU8,
    inner: Mutex<State>,
    failures_max: u32,
    cooldown: Duration,
    /// Names the circuit in logs.
    circuit: &'static str,
}

impl CircuitBreaker {
    pub(crate) fn new(
        circuit: &'static str,
        failures_max: u32,
        cooldown: Duration,
    ) -> CircuitBreaker {
        CircuitBreaker {
            state: AtomicU8::new(CLOSED),
            inner: Mutex::new(State {
                consecutive_failures: 0,
                opened_at: Instant::now(),
                probe_in_flight: false,
            }),
            failures_max: failures_max.max(1),
            cooldown,
            circuit,
        }
    }

    pub(crate) fn state(&self) -> BreakerState {
        match self.state.load(Ordering::Acquire) {
            CLOSED => BreakerState::Closed,
            OPEN => BreakerState::Open,
            _ => BreakerState::HalfOpen,
        }
    }

    /// Whether a call may go out now. In half-open, only one (the probe) may.
    pub(crate) fn allow(&self) -> bool {
        if self.state.load(Ordering::Acquire) == CLOSED {
            return true;
        }
        let mut inner = self.inner.lock();
        match self.state.load(Ordering::Acquire) {
            CLOSED => true,
            OPEN if inner.opened_at.elapsed() >= self.cooldown => {
                self.state.store(HALF_OPEN, Ordering::Release);
                inner.probe_in_flight = true;
                true
            }
            OPEN => false,
            _ if inner.probe_in_flight => false,
            _ => {
                inner.probe_in_flight = true;
                true
            }
        }
    }

    /// How long until an open circuit lets its probe through; zero when it is not open.
    pub(crate) fn retry_after(&self) -> Duration {
        if self.state.load(Ordering::Acquire) != OPEN {
            return Duration::ZERO;
        }
        self.cooldown
            .saturating_sub(self.inner.lock().opened_at.elapsed())
    }

    /// A call got an answer (a decline included): the provider is healthy.
    pub(crate) fn on_success(&self) {
        if self.state.load(Ordering::Acquire) == CLOSED
            && self.inner.lock().consecutive_failures == 0
        {
            return;
        }
        let mut inner = self.inner.lock();
        inner.consecutive_failures = 0;
        inner.probe_in_flight = false;
        self.state.store(CLOSED, Ordering::Release);
    }

    /// A call failed transiently.
    pub(crate) fn on_failure(&self) {
        let mut inner = self.inner.lock();
        inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
        let state = self.state.load(Ordering::Acquire);
        if state == HALF_OPEN
            || (state == CLOSED && inner.consecutive_failures >= self.failures_max)
        {
            inner.opened_at = Instant::now();
            inner.probe_in_flight = false;
            self.state.store(OPEN, Ordering::Release);
            tracing::warn!(
                circuit = self.circuit,
                failures = inner.consecutive_failures,
                "circuit opened"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_failures_and_probes_after_cooldown() {
        let breaker = CircuitBreaker::new("test", 3, Duration::from_millis(30));
        for _ in 0..2 {
            assert!(breaker.allow());
            breaker.on_failure();
        }
        breaker.on_success();
        for _ in 0..2 {
            breaker.on_failure();
        }
        assert_eq!(
            breaker.state(),
            BreakerState::Closed,
            "a success reset the count"
        );
        breaker.on_failure();
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(!breaker.allow());
        let wait = breaker.retry_after();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(30),
            "{wait:?}"
        );
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(
            breaker.retry_after(),
            Duration::ZERO,
            "the cooldown is over"
        );
        assert!(breaker.allow(), "the probe");
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert!(!breaker.allow(), "one probe at a time");
        breaker.on_failure();
        assert_eq!(
            breaker.state(),
            BreakerState::Open,
            "a failed probe opens it again"
        );
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow());
        breaker.on_success();
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.allow() && breaker.allow());
    }
}
