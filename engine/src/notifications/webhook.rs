//! The webhook sink: each message is POSTed as JSON to a configured `http://` URL, with
//! its HMAC-SHA256 signature in [`super::SIGNATURE_HEADER`] and its id in
//! [`ID_HEADER`].
//!
//! A connection error, a timeout, a 408, a 429 or a 5xx is transient: the send is
//! retried with exponential backoff and "equal jitter" (half fixed, half random, so
//! senders failing together do not retry together), up to the attempt budget of the
//! message. Any other answer outside 2xx is the endpoint refusing the message: it fails
//! at once. Transient failures feed the circuit breaker; while it is open, sends are
//! deferred without trying and the messages stay queued.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::http::{SIGNATURE_HEADER, Target, signature};
use super::sink::{Outgoing, SendOutcome, Sink};
use crate::breaker::CircuitBreaker;
use crate::model::ValidationError;

/// The header carrying the message id, for receivers to dedupe on.
pub const ID_HEADER: &str = "X-Emporium-Notification-Id";
/// Most tries of one message.
pub const WEBHOOK_ATTEMPTS_MAX: u32 = 20;
/// Longest timeout of one try.
pub const WEBHOOK_TIMEOUT_MS_MAX: u64 = 60_000;
/// Longest webhook URL.
pub const WEBHOOK_URL_CHARS_MAX: usize = 2_048;

/// How the webhook sink posts.
#[derive(Clone)]
pub struct WebhookConfig {
    /// `http://host[:port]/path`.
    pub url: String,
    /// The HMAC key; receivers verify the signature with it.
    pub secret: Arc<[u8]>,
    /// Tries per message, first included (default 5).
    pub attempts: u32,
    /// Backoff before the first retry (default 200 ms); it doubles each retry.
    pub backoff_base_ms: u64,
    /// Longest backoff (default 10 s).
    pub backoff_max_ms: u64,
    /// Timeout of one try: connect, send, read the status (default 5 s).
    pub timeout_ms: u64,
    /// Consecutive transient failures that open the circuit (default 5).
    pub breaker_failures_max: u32,
    /// How long the circuit stays open before a probe (default 30 s).
    pub breaker_cooldown_ms: u64,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret must never reach a log line.
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("attempts", &self.attempts)
            .field("backoff_base_ms", &self.backoff_base_ms)
            .field("backoff_max_ms", &self.backoff_max_ms)
            .field("timeout_ms", &self.timeout_ms)
            .field("breaker_failures_max", &self.breaker_failures_max)
            .field("breaker_cooldown_ms", &self.breaker_cooldown_ms)
            .finish()
    }
}

impl WebhookConfig {
    /// The defaults for `url` and `secret`.
    pub fn new(url: impl Into<String>, secret: &[u8]) -> WebhookConfig {
        WebhookConfig {
            url: url.into(),
            secret: secret.into(),
            attempts: 5,
            backoff_base_ms: 200,
            backoff_max_ms: 10_000,
            timeout_ms: 5_000,
            breaker_failures_max: 5,
            breaker_cooldown_ms: 30_000,
        }
    }

    /// Checks every setting; the error names the field (`url`, `secret`, …).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.url.chars().count() > WEBHOOK_URL_CHARS_MAX {
            return Err(ValidationError::new(
                "url",
                "too_long",
                format!("the webhook URL is longer than {WEBHOOK_URL_CHARS_MAX} characters"),
            ));
        }
        Target::parse(&self.url)
            .map_err(|message| ValidationError::new("url", "invalid", message))?;
        if self.secret.is_empty() {
            return Err(ValidationError::new(
                "secret",
                "required",
                "the webhook needs a secret to sign its bodies",
            ));
        }
        if !(1..=WEBHOOK_ATTEMPTS_MAX).contains(&self.attempts) {
            return Err(ValidationError::new(
                "attempts",
                "out_of_range",
                format!("`attempts` must be between 1 and {WEBHOOK_ATTEMPTS_MAX}"),
            ));
        }
        if !(1..=WEBHOOK_TIMEOUT_MS_MAX).contains(&self.timeout_ms) {
            return Err(ValidationError::new(
                "timeout_ms",
                "out_of_range",
                format!("`timeout_ms` must be between 1 and {WEBHOOK_TIMEOUT_MS_MAX}"),
            ));
        }
        Ok(())
    }
}

/// See the module docs.
pub struct WebhookSink {
    target: Target,
    config: WebhookConfig,
    breaker: CircuitBreaker,
    /// Bumped by `shutdown`, to cut a backoff short.
    shutdowns: Mutex<u64>,
    woken: Condvar,
}

impl fmt::Debug for WebhookSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSink")
            .field("config", &self.config)
            .field("breaker", &self.breaker.state())
            .finish()
    }
}

/// How one try ended.
enum Try {
    Accepted,
    Refused(String),
    Transient(String),
}

impl WebhookSink {
    /// A sink posting as `config` says (checked here too).
    pub fn new(config: WebhookConfig) -> Result<WebhookSink, ValidationError> {
        config.validate()?;
        let target = Target::parse(&config.url)
            .map_err(|message| ValidationError::new("url", "invalid", message))?;
        Ok(WebhookSink {
            target,
            breaker: CircuitBreaker::new(
                "notification webhook",
                config.breaker_failures_max,
                Duration::from_millis(config.breaker_cooldown_ms),
            ),
            config,
            shutdowns: Mutex::new(0),
            woken: Condvar::new(),
        })
    }

    fn post(&self, id: &str, body: &[u8], signed: &str) -> Try {
        let headers = [(SIGNATURE_HEADER, signed), (ID_HEADER, id)];
        let timeout = Duration::from_millis(self.config.timeout_ms);
        match self.target.post(&headers, body, timeout) {
            Ok(status) if (200..300).contains(&status) => Try::Accepted,
            Ok(status) if status == 408 || status == 429 || status >= 500 => {
                Try::Transient(format!("HTTP {status}"))
            }
            Ok(status) => Try::Refused(format!("HTTP {status}")),
            Err(error) => Try::Transient(error),
        }
    }

    /// The wait before retry `retry` (1 for the first).
    fn backoff(&self, retry: u32) -> Duration {
        let base = self.config.backoff_base_ms;
        let exponential = base.saturating_mul(1u64 << retry.saturating_sub(1).min(20));
        let cap = exponential.min(self.config.backoff_max_ms.max(base));
        let half = cap / 2;
        Duration::from_millis(half + rand::random_range(0..=cap - half))
    }

    /// Sleeps `wait`; false if a shutdown came first.
    fn sleep(&self, wait: Duration, generation: u64) -> bool {
        let deadline = std::time::Instant::now() + wait;
        let mut shutdowns = self.shutdowns.lock();
        while *shutdowns == generation {
            if self.woken.wait_until(&mut shutdowns, deadline).timed_out() {
                return *shutdowns == generation;
            }
        }
        false
    }
}

impl Sink for WebhookSink {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn send(&self, message: &Outgoing, attempts_before: u32) -> SendOutcome {
        let generation = *self.shutdowns.lock();
        let body = match serde_json::to_vec(message) {
            Ok(body) => body,
            Err(error) => {
                return SendOutcome::Failed {
                    attempts: 0,
                    error: error.to_string(),
                };
            }
        };
        let signed = signature(&self.config.secret, &body);
        let id = message.id.to_string();
        let budget = self.config.attempts.saturating_sub(attempts_before).max(1);
        let mut attempts = 0;
        let mut last_error = None;
        loop {
            if !self.breaker.allow() {
                let wait = self.breaker.retry_after();
                return SendOutcome::Deferred {
                    attempts,
                    error: last_error,
                    retry_after_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1),
                };
            }
            attempts += 1;
            match self.post(&id, &body, &signed) {
                Try::Accepted => {
                    self.breaker.on_success();
                    return SendOutcome::Sent { attempts };
                }
                Try::Refused(error) => {
                    self.breaker.on_success();
                    return SendOutcome::Failed { attempts, error };
                }
                Try::Transient(error) => {
                    self.breaker.on_failure();
                    tracing::debug!(id, attempts, %error, "webhook send failed");
                    if attempts >= budget {
                        return SendOutcome::Failed { attempts, error };
                    }
                    last_error = Some(error);
                }
            }
            let retry = attempts_before.saturating_add(attempts);
            if !self.sleep(self.backoff(retry), generation) {
                return SendOutcome::Deferred {
                    attempts,
                    error: last_error,
                    retry_after_ms: 0,
                };
            }
        }
    }

    fn breaker_state(&self) -> Option<crate::BreakerState> {
        Some(self.breaker.state())
    }

    fn shutdown(&self) {
        *self.shutdowns.lock() += 1;
        self.woken.notify_all();
    }
}
