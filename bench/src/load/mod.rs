//! The load driver's parts: an open-loop storefront workload against Emporium's HTTP
//! API, measured the way a shopper waits.
//!
//! The key decision is the clock. Operations are scheduled at a fixed rate from the
//! start of a run (slot `k` is due at `start + k / rate`), and a request's latency is
//! counted from the time its slot was due, not from the time it was sent. A server that
//! stalls for a second therefore shows a second of latency on every request that should
//! have been sent meanwhile, instead of one slow request and a quiet gap: this is the
//! correction for coordinated omission (as in wrk2). The time from the actual send is
//! kept beside it as the service time.
//!
//! - [`client`]: one keep-alive HTTP/1 connection per worker, with a deadline per
//!   request and a reconnect after any failure.
//! - [`catalog`]: what the driver learns from the server before it starts (products,
//!   SKUs, categories, words to search for) and the Zipf-skewed choices over it.
//! - [`mix`]: the operations and their weights.
//! - [`run`]: the schedule, the workers and each shopper's cart.
//! - [`report`]: per-request histograms and outcomes, the thresholds, the tables.
//! - [`server`]: starting `emporium serve` for a run, and its resident memory.

pub mod catalog;
pub mod client;
pub mod mix;
pub mod report;
pub mod run;
pub mod server;

use std::time::Duration;

/// What can go wrong while driving load. Errors during a run are counted by kind in the
/// report; errors during setup end the run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The base URL is not `http://HOST:PORT` (TLS is not supported).
    #[error("the server URL `{0}` is not of the form http://HOST[:PORT]")]
    Url(String),
    /// Opening a TCP connection (and the HTTP/1 handshake) failed.
    #[error("cannot connect to {address}: {reason}")]
    Connect {
        /// Where.
        address: String,
        /// Why, as the system said.
        reason: String,
    },
    /// The connection failed while a request was in flight.
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    /// No complete response within the deadline.
    #[error("no response within {0:?}")]
    Timeout(Duration),
    /// A setup request got an unexpected answer.
    #[error("{what}: status {status}: {body}")]
    Status {
        /// The request, e.g. `POST /v1/auth/register`.
        what: String,
        /// The status received.
        status: u16,
        /// The start of the body received.
        body: String,
    },
    /// A reply that does not have the shape API.md promises.
    #[error("{0}")]
    Reply(String),
    /// Starting or stopping the server failed.
    #[error("server process: {0}")]
    Server(String),
}

/// Percent-encodes `text` for a query value or a path segment: everything but the
/// unreserved characters of RFC 3986.
pub fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Parses a duration such as `30s`, `10m`, `1h`, `500ms` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 30s, 10m or 500ms"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1_000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3_600.0,
        other => return Err(format!("unknown unit `{other}` in `{text}` (ms, s, m, h)")),
    };
    if !(seconds.is_finite() && (0.0..=7.0 * 86_400.0).contains(&seconds)) {
        return Err(format!("`{text}` is out of range (0 to 7 days)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("running shoes"), "running%20shoes");
        assert_eq!(percent_encode("Café/5+1&x=~"), "Caf%C3%A9%2F5%2B1%26x%3D~");
    }

    #[test]
    fn durations_take_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3_600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5 days").is_err());
        assert!(parse_duration("30d").is_err());
    }
}
