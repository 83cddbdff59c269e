//! The server process and a bare HTTP/1.1 client: one request per connection, and a
//! reply counts only when it arrived whole (a SIGKILL cuts replies short).

use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{ChildStdout, Command};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::common::Reply;
use super::{ADMIN_EMAIL, ADMIN_PASSWORD, EXIT_TIMEOUT, READY_TIMEOUT, REPLY_TIMEOUT};

/// A running `emporium serve`; killed if the test fails while it runs (the inner
/// server's drop).
pub(crate) struct Server {
    server: super::common::process::Server,
    pub(crate) address: SocketAddr,
    // Held open: the server may write to stdout, and a closed pipe would fail it.
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Starts the binary on `dir` and a free loopback port; with `admin`, the admin
    /// account is created (only on the first start: it resets the password).
    pub(crate) fn start(dir: &Path, admin: bool) -> Server {
        let (args, envs): (&[&str], &[(&str, &str)]) = if admin {
            (
                &["--no-demo", "--admin-email", ADMIN_EMAIL],
                &[("EMPORIUM_ADMIN_PASSWORD", ADMIN_PASSWORD)],
            )
        } else {
            (&["--no-demo"], &[])
        };
        let (server, address, stdout) = super::common::process::start(args, dir, envs);
        Server {
            server,
            address,
            _stdout: stdout,
        }
    }

    pub(crate) fn wait_until_ready(&self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        while exchange(self.address, "GET", "/readyz", None, None, None)
            .is_none_or(|reply| reply.status != 200)
        {
            assert!(Instant::now() < deadline, "not ready in {READY_TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no destructor, no flush, no drain.
    pub(crate) fn kill(mut self) {
        self.server.0.kill().expect("SIGKILL");
        self.server.0.wait().expect("reap");
    }

    /// SIGTERM, then a clean exit within [`EXIT_TIMEOUT`].
    pub(crate) fn stop(mut self) {
        let pid = self.server.0.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|status| status.success()), "SIGTERM");
        let deadline = Instant::now() + EXIT_TIMEOUT;
        loop {
            if let Some(status) = self.server.0.try_wait().expect("wait") {
                assert!(status.success(), "exit status {status:?}");
                return;
            }
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

// ---------------------------------------------------------------------------------
// HTTP over a bare TcpStream.

/// One request on its own connection. `None` when there is no complete reply (refused
/// connection, reset, or a reply cut short): the request's outcome is unknown.
pub(crate) fn exchange(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: Option<&Value>,
) -> Option<Reply> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT)).ok()?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: crash\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(key) = key {
        request.push_str(&format!("Idempotency-Key: {key}\r\n"));
    }
    let body = body.map(Value::to_string).unwrap_or_default();
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).ok()?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).ok()?;
    complete(&bytes).then(|| Reply::parse(&bytes))
}

/// Whether `bytes` hold a whole reply: a head and exactly the body it announces.
fn complete(bytes: &[u8]) -> bool {
    let Some(split) = bytes.windows(4).position(|window| window == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..split]).to_ascii_lowercase();
    let length = head.lines().find_map(|line| {
        line.strip_prefix("content-length:")
            .and_then(|value| value.trim().parse::<usize>().ok())
    });
    length.is_some_and(|length| bytes.len() - split - 4 == length)
}

/// The reply's JSON after checking its status; the server must be up.
pub(crate) fn expect(reply: Option<Reply>, status: u16, what: &str) -> Value {
    let reply = reply.unwrap_or_else(|| panic!("{what}: no reply from a live server"));
    assert_eq!(
        reply.status,
        status,
        "{what}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

/// A JSON string member, which the reply must have.
pub(crate) fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string, not {value}"))
        .to_string()
}

/// Whether `reply` is the API error of `status` and `type` `kind`.
pub(crate) fn is_error(reply: &Reply, status: u16, kind: &str) -> bool {
    reply.status == status && reply.json()["error"]["type"] == kind
}

/// The body of every checkout: the succeeding test card, an inline address.
pub(crate) fn checkout_body() -> Value {
    json!({
        "payment": {"method": "card", "card_number": emporium::TEST_CARD_SUCCESS},
        "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "Springfield",
            "postal_code": "12345", "country": "US"},
    })
}
