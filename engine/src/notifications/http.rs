//! A minimal blocking HTTP/1.1 client for the webhook (one POST per connection, over
//! `std::net::TcpStream`, plain `http://` only), and the HMAC-SHA256 signature of its
//! bodies.
//!
//! The engine has no HTTP client dependency and needs only this: a POST with a few
//! headers, a status line back, bounded time and bounded bytes.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::model::hex_encode;

/// The header carrying a body's signature: `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub const SIGNATURE_HEADER: &str = "X-Emporium-Signature";
/// Most bytes of a response read (status line and headers); the rest is ignored.
const RESPONSE_HEAD_BYTES_MAX: usize = 16 * 1024;

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        let digest: [u8; 32] = Sha256::digest(key).into();
        block[..32].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block.iter().map(|byte| byte ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|byte| byte ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// The value of [`SIGNATURE_HEADER`] for `body` signed with `secret`: a receiver
/// computes it over the bytes it got and compares.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex_encode(&hmac_sha256(secret, body)))
}

/// Where a webhook posts: checked once, when the engine opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    host: String,
    port: u16,
    /// Path and query, starting with `/`.
    path: String,
}

impl Target {
    /// Parses `http://host[:port][/path]`; the error is a sentence.
    pub(crate) fn parse(url: &str) -> Result<Target, String> {
        if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("the URL must not contain spaces or control characters".into());
        }
        let rest = url
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
            .map(|_| &url[7..])
            .ok_or("only `http://` URLs are supported")?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        if authority.contains('@') {
            return Err("credentials in the URL are not supported".into());
        }
        let (host, port) = match authority.strip_prefix('[') {
            // An IPv6 literal: `[::1]` or `[::1]:8080`.
            Some(bracketed) => {
                let (host, after) = bracketed
                    .split_once(']')
                    .ok_or("an IPv6 address must end with `]`")?;
                match after.strip_prefix(':') {
                    Some(port) => (host, parse_port(port)?),
                    None if after.is_empty() => (host, 80),
                    None => return Err("unexpected text after the IPv6 address".into()),
                }
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, parse_port(port)?),
                None => (authority, 80),
            },
        };
        if host.is_empty() {
            return Err("the URL has no host".into());
        }
        Ok(Target {
            host: host.to_string(),
            port,
            path,
        })
    }

    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// POSTs `body` with `headers` and returns the response's status code. Connecting,
    /// writing and reading the head together take at most about `timeout`.
    pub(crate) fn post(
        &self,
        headers: &[(&str, &str)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<u16, String> {
        let deadline = Instant::now() + timeout;
        let mut stream = self.connect(timeout)?;
        let io = |error: std::io::Error| error.to_string();
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: emporium/{}\r\n",
            self.path,
            self.host_header(),
            body.len(),
            env!("CARGO_PKG_VERSION"),
        );
        for (name, value) in headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        set_timeouts(&stream, deadline)?;
        stream.write_all(head.as_bytes()).map_err(io)?;
        stream.write_all(body).map_err(io)?;
        stream.flush().map_err(io)?;
        let mut response = Vec::with_capacity(512);
        let mut buffer = [0u8; 1024];
        loop {
            set_timeouts(&stream, deadline)?;
            let read = stream.read(&mut buffer).map_err(io)?;
            if read == 0 {
                break;
            }
            response.extend_from_slice(&buffer[..read]);
            if response.windows(2).any(|pair| pair == b"\r\n")
                || response.len() >= RESPONSE_HEAD_BYTES_MAX
            {
                break;
            }
        }
        parse_status(&response)
    }

    fn connect(&self, timeout: Duration) -> Result<TcpStream, String> {
        let addresses = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|error| format!("cannot resolve `{}`: {error}", self.host))?;
        let mut last = format!("`{}` resolves to no address", self.host);
        for address in addresses {
            match TcpStream::connect_timeout(&address, timeout) {
                Ok(stream) => return Ok(stream),
                Err(error) => last = format!("connect to {address}: {error}"),
            }
        }
        Err(last)
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    text.parse()
        .ok()
        .filter(|port| *port > 0)
        .ok_or_else(|| "the port must be a number from 1 to 65535".into())
}

fn set_timeouts(stream: &TcpStream, deadline: Instant) -> Result<(), String> {
    let left = deadline
        .checked_duration_since(Instant::now())
        .filter(|left| !left.is_zero())
        .ok_or("timed out")?;
    stream
        .set_read_timeout(Some(left))
        .and_then(|()| stream.set_write_timeout(Some(left)))
        .map_err(|error| error.to_string())
}

/// The status code of a response's first line (`HTTP/1.1 204 No Content`).
fn parse_status(response: &[u8]) -> Result<u16, String> {
    let line_end = response
        .windows(2)
        .position(|pair| pair == b"\r\n")
        .unwrap_or(response.len());
    let line = std::str::from_utf8(&response[..line_end]).map_err(|_| "a malformed status line")?;
    let mut words = line.split(' ');
    let version = words.next().unwrap_or_default();
    let code = words.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        return Err(if response.is_empty() {
            "the connection closed without a response".into()
        } else {
            "a malformed status line".into()
        });
    }
    code.parse()
        .ok()
        .filter(|code| (100..=599).contains(code))
        .ok_or_else(|| "a malformed status code".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 1.
        let key = [0x0b; 20];
        assert_eq!(
            hex_encode(&hmac_sha256(&key, b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2: a key shorter than the block.
        assert_eq!(
            hex_encode(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        let key = [0xaa; 131];
        let message = b"Test Using Larger Than Block-Size Key - Hash Key First";
        assert_eq!(
            hex_encode(&hmac_sha256(&key, message)),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(
            signature(&key, message),
            "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn parses_http_urls_only() {
        let target = Target::parse("http://127.0.0.1:8080/hooks/n?x=1").expect("valid");
        assert_eq!(target.host, "127.0.0.1");
        assert_eq!(target.port, 8080);
        assert_eq!(target.path, "/hooks/n?x=1");
        assert_eq!(target.host_header(), "127.0.0.1:8080");
        let target = Target::parse("HTTP://example.com").expect("valid");
        assert_eq!((target.port, target.path.as_str()), (80, "/"));
        assert_eq!(target.host_header(), "example.com");
        let target = Target::parse("http://[::1]:9000/x").expect("v6");
        assert_eq!((target.host.as_str(), target.port), ("::1", 9000));
        assert_eq!(target.host_header(), "[::1]:9000");
        let target = Target::parse("http://[::1]/x").expect("v6 without port");
        assert_eq!((target.host.as_str(), target.port), ("::1", 80));
        for bad in [
            "https://example.com/",
            "ftp://x",
            "http://",
            "http://:80/",
            "http://host:0/",
            "http://host:99999/",
            "http://user:pw@host/",
            "http://[::1/",
            "http://[::1]x/",
            "http://host/a b",
            "example.com",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_the_status_line() {
        assert_eq!(parse_status(b"HTTP/1.1 204 No Content\r\n\r\n"), Ok(204));
        assert_eq!(parse_status(b"HTTP/1.0 503 Busy\r\n"), Ok(503));
        assert!(parse_status(b"").is_err());
        assert!(parse_status(b"SSH-2.0-OpenSSH\r\n").is_err());
        assert!(parse_status(b"HTTP/1.1 20 x\r\n").is_err());
        assert!(parse_status(b"HTTP/1.1 999 x\r\n").is_err());
    }
}
