//! One keep-alive HTTP/1 connection, as a browser or a storefront's backend holds it.
//!
//! hyper's connection-level client rather than a pooled one: the driver's
//! `--connections` must be exactly the number of sockets the server sees, and each
//! worker sends one request at a time on its own socket. Any failure (an I/O error, a
//! deadline passed mid-response) drops the socket; the next request opens a new one,
//! so one bad moment costs one failed request, not the rest of the run.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::LoadError;

/// The server's address as given on the command line.
#[derive(Debug, Clone)]
pub struct Target {
    /// Where to connect.
    pub address: SocketAddr,
    /// The `Host` header (`host:port` as written in the URL).
    pub host: String,
}

impl Target {
    /// Resolves `http://HOST[:PORT]` (a trailing `/` is allowed; port 80 by default).
    pub async fn resolve(url: &str) -> Result<Target, LoadError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| LoadError::Url(url.to_string()))?;
        let host = rest.trim_end_matches('/');
        if host.is_empty() || host.contains('/') {
            return Err(LoadError::Url(url.to_string()));
        }
        let with_port = if host
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        {
            host.to_string()
        } else {
            format!("{host}:80")
        };
        let address = tokio::net::lookup_host(&with_port)
            .await
            .map_err(|error| LoadError::Connect {
                address: with_port.clone(),
                reason: error.to_string(),
            })?
            .next()
            .ok_or_else(|| LoadError::Url(url.to_string()))?;
        Ok(Target {
            address,
            host: host.to_string(),
        })
    }
}

/// A reply: its status and whole body.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body, read to its end.
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON, or a [`LoadError::Reply`] naming `what` was asked.
    pub fn json(&self, what: &str) -> Result<serde_json::Value, LoadError> {
        serde_json::from_slice(&self.body)
            .map_err(|error| LoadError::Reply(format!("{what}: the body is not JSON: {error}")))
    }

    /// The error object's `type` (API.md), when the body is one.
    pub fn error_type(&self) -> Option<String> {
        self.error_field("type")
    }

    /// The error object's `code` (`idempotency_conflict`, `cart_closed`, …).
    pub fn error_code(&self) -> Option<String> {
        self.error_field("code")
    }

    fn error_field(&self, field: &str) -> Option<String> {
        let value: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        Some(value.get("error")?.get(field)?.as_str()?.to_string())
    }

    /// A [`LoadError::Status`] for this reply to `what`.
    pub fn unexpected(&self, what: &str) -> LoadError {
        // The start of the body is enough to read the error object.
        const BODY_SHOWN_BYTES_MAX: usize = 300;
        let shown = &self.body[..self.body.len().min(BODY_SHOWN_BYTES_MAX)];
        LoadError::Status {
            what: what.to_string(),
            status: self.status,
            body: String::from_utf8_lossy(shown).into_owned(),
        }
    }
}

/// One request to send.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The method.
    pub method: &'a Method,
    /// The path and query (origin form), already percent-encoded.
    pub path: &'a str,
    /// A bearer token.
    pub token: Option<&'a str>,
    /// A JSON body.
    pub body: Option<&'a [u8]>,
    /// An `Idempotency-Key`.
    pub idempotency_key: Option<&'a str>,
}

impl<'a> Call<'a> {
    /// `GET path`, anonymous.
    pub fn get(path: &'a str) -> Call<'a> {
        Call {
            method: &Method::GET,
            path,
            token: None,
            body: None,
            idempotency_key: None,
        }
    }

    /// `POST path` with a JSON body and an optional token.
    pub fn post(path: &'a str, token: Option<&'a str>, body: &'a [u8]) -> Call<'a> {
        Call {
            method: &Method::POST,
            path,
            token,
            body: Some(body),
            idempotency_key: None,
        }
    }
}

/// A keep-alive connection to one server, opened on first use.
#[derive(Debug)]
pub struct Connection {
    target: Target,
    timeout: Duration,
    sender: Option<SendRequest<Full<Bytes>>>,
    /// Sockets opened so far (1 for a connection that never failed).
    pub opened: u64,
}

impl Connection {
    /// A connection to `target` whose requests (connect included) have `timeout`.
    pub fn new(target: Target, timeout: Duration) -> Connection {
        Connection {
            target,
            timeout,
            sender: None,
            opened: 0,
        }
    }

    /// Sends `call` and reads the whole reply, within the deadline.
    pub async fn send(&mut self, call: Call<'_>) -> Result<Reply, LoadError> {
        let timeout = self.timeout;
        match tokio::time::timeout(timeout, self.exchange(call)).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(error)) => {
                self.sender = None;
                Err(error)
            }
            Err(_) => {
                // The reply may still arrive on this socket: it cannot be reused.
                self.sender = None;
                Err(LoadError::Timeout(timeout))
            }
        }
    }

    async fn exchange(&mut self, call: Call<'_>) -> Result<Reply, LoadError> {
        let mut request = Request::builder()
            .method(call.method)
            .uri(call.path)
            .header(HOST, &self.target.host);
        if let Some(token) = call.token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if call.body.is_some() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        if let Some(key) = call.idempotency_key {
            request = request.header("idempotency-key", key);
        }
        let body = Full::new(Bytes::copy_from_slice(call.body.unwrap_or_default()));
        let request = request
            .body(body)
            .map_err(|error| LoadError::Reply(format!("cannot build {}: {error}", call.path)))?;
        let sender = self.ready_sender().await?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Reply { status, body })
    }

    /// The open connection, ready for a request; opens one if there is none or the
    /// server closed the last one.
    async fn ready_sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, LoadError> {
        if let Some(sender) = &mut self.sender
            && sender.ready().await.is_err()
        {
            self.sender = None;
        }
        if self.sender.is_none() {
            self.sender = Some(self.open().await?);
        }
        self.sender
            .as_mut()
            .ok_or_else(|| LoadError::Reply("connection vanished".into()))
    }

    async fn open(&mut self) -> Result<SendRequest<Full<Bytes>>, LoadError> {
        let connect_error = |error: &dyn std::fmt::Display| LoadError::Connect {
            address: self.target.address.to_string(),
            reason: error.to_string(),
        };
        let stream = TcpStream::connect(self.target.address)
            .await
            .map_err(|error| connect_error(&error))?;
        // Requests are small and answered one at a time: Nagle would only add delay.
        stream
            .set_nodelay(true)
            .map_err(|error| connect_error(&error))?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| connect_error(&error))?;
        // The connection task ends when the socket closes or the sender is dropped; its
        // errors reach the request in flight, so there is nothing to do with them here.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        self.opened += 1;
        Ok(sender)
    }
}
