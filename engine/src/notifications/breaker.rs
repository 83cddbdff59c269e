//! The webhook's circuit breaker: after `failures_max` consecutive transient failures
//! it opens and refuses sends at once (messages stay queued instead of each burning
//! its retries against a dead endpoint); after the cooldown one probe goes through
//! (half-open); its success closes the circuit, its failure opens it again. An answer
//! that is a refusal (a 4xx) is a healthy endpoint saying no and counts as success.

use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::BreakerState;

#[derive(Debug)]
struct State {
    state: BreakerState,
    consecutive_failures: u32,
    opened_at: Instant,
}

/// See the module docs.
#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    inner: Mutex<State>,
    failures_max: u32,
    cooldown: Duration,
}

impl CircuitBreaker {
    pub(crate) fn new(failures_max: u32, cooldown: Duration) -> CircuitBreaker {
        CircuitBreaker {
            inner: Mutex::new(State {
                state: BreakerState::Closed,
                consecutive_failures: 0,
                opened_at: Instant::now(),
            }),
            failures_max: failures_max.max(1),
            cooldown,
        }
    }

    pub(crate) fn state(&self) -> BreakerState {
        self.inner.lock().state
    }

    /// `Ok` if a send may go out now (half-open lets one probe through); otherwise how
    /// long until the next probe.
    pub(crate) fn allow(&self) -> Result<(), Duration> {
        let mut inner = self.inner.lock();
        match inner.state {
            BreakerState::Closed => Ok(()),
            BreakerState::Open => {
                let elapsed = inner.opened_at.elapsed();
                if elapsed >= self.cooldown {
                    inner.state = BreakerState::HalfOpen;
                    Ok(())
                } else {
                    Err(self.cooldown - elapsed)
                }
            }
            // One sender (the delivery thread) at a time, so the probe is this send.
            BreakerState::HalfOpen => Ok(()),
        }
    }

    /// The endpoint answered.
    pub(crate) fn on_success(&self) {
        let mut inner = self.inner.lock();
        inner.consecutive_failures = 0;
        inner.state = BreakerState::Closed;
    }

    /// A send failed transiently.
    pub(crate) fn on_failure(&self) {
        let mut inner = self.inner.lock();
        inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
        let trips = match inner.state {
            BreakerState::HalfOpen => true,
            BreakerState::Closed => inner.consecutive_failures >= self.failures_max,
            BreakerState::Open => false,
        };
        if trips {
            inner.state = BreakerState::Open;
            inner.opened_at = Instant::now();
            tracing::warn!(
                failures = inner.consecutive_failures,
                "notification webhook circuit opened"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_failures_and_probes_after_cooldown() {
        let breaker = CircuitBreaker::new(2, Duration::from_millis(30));
        breaker.on_failure();
        breaker.on_success();
        breaker.on_failure();
        assert_eq!(
            breaker.state(),
            BreakerState::Closed,
            "a success reset the count"
        );
        breaker.on_failure();
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.allow().is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow().is_ok(), "the probe");
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        breaker.on_failure();
        assert_eq!(
            breaker.state(),
            BreakerState::Open,
            "a failed probe opens it again"
        );
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow().is_ok());
        breaker.on_success();
        assert_eq!(breaker.state(), BreakerState::Closed);
    }
}
