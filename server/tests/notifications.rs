//! `GET /v1/me/notifications` over HTTP: after a checkout the shopper sees the order's
//! messages, rendered, newest first, each with its delivery status; pages follow
//! `next_cursor`; another account sees none of them; no token is 401 and a bad `limit`
//! or `cursor` is 422 naming it. And the binary with `--webhook-url`: a registration
//! reaches a local endpoint as a signed POST; a URL it cannot use stops it at start.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::time::{Duration, Instant};

use common::process::start;
use common::{Reply, TestServer};
use emporium::notifications::{ID_HEADER, SIGNATURE_HEADER, signature};
use serde_json::{Value, json};

fn ok(reply: &Reply) -> Value {
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

#[test]
fn a_shopper_sees_the_messages_of_a_checkout_with_their_status() {
    let server = TestServer::start();
    let (token, user) = server.register("notified@example.com");
    let (other, _) = server.register("other@example.com");
    let order = server.buy(&token, &[("SKU-04", 2)]);
    let order_id = order["id"].as_str().expect("order id");
    assert!(
        server
            .engine
            .wait_notifications_idle(Duration::from_secs(30))
    );

    let all = ok(&server.call("GET", "/v1/me/notifications", Some(&token), &Value::Null));
    assert!(all["next_cursor"].is_null());
    let data = all["data"].as_array().expect("data");
    // The order's email, SMS and push, newest first, then the two welcome messages.
    let kinds: Vec<(&str, &str)> = data
        .iter()
        .map(|n| {
            (
                n["topic"].as_str().expect("topic"),
                n["channel"].as_str().expect("channel"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("order_placed", "push"),
            ("order_placed", "sms"),
            ("order_placed", "email"),
            ("welcome", "push"),
            ("welcome", "email"),
        ]
    );
    let email = &data[2];
    assert_eq!(email["user_id"], user["id"]);
    assert_eq!(email["status"], "sent");
    assert_eq!(email["attempts"], 1);
    assert_eq!(email["priority"], "transactional");
    assert_eq!(email["subject"], format!("Order {order_id} confirmed"));
    assert_eq!(
        email["body"],
        format!(
            "Hi Test User, thank you for your order {order_id}: 2 item(s), 10.00 USD in total. Status: paid."
        )
    );
    assert!(email["last_error"].is_null());
    assert!(
        email["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("ntf_"))
    );
    let sms = &data[1];
    assert_eq!(sms["status"], "skipped", "SMS is off by default");
    assert_eq!(sms["last_error"], "sms is off in the account's preferences");
    assert_eq!(sms["attempts"], 0);

    // Pages of two follow the cursor to the same list.
    let mut paged = Vec::new();
    let mut path = "/v1/me/notifications?limit=2".to_string();
    loop {
        let page = ok(&server.call("GET", &path, Some(&token), &Value::Null));
        paged.extend(page["data"].as_array().expect("data").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/me/notifications?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(&paged, data);

    // The other account has only its own welcome messages.
    let theirs = ok(&server.call("GET", "/v1/me/notifications", Some(&other), &Value::Null));
    let theirs = theirs["data"].as_array().expect("data");
    assert_eq!(theirs.len(), 2);
    assert!(
        theirs
            .iter()
            .all(|n| n["topic"] == "welcome" && n["user_id"] != user["id"])
    );

    server
        .call("GET", "/v1/me/notifications", None, &Value::Null)
        .assert_error(401, "authentication", None);
    server
        .call(
            "GET",
            "/v1/me/notifications?limit=0",
            Some(&token),
            &Value::Null,
        )
        .assert_error(422, "invalid_request", Some("limit"));
    server
        .call(
            "GET",
            "/v1/me/notifications?cursor=ord_nope",
            Some(&token),
            &Value::Null,
        )
        .assert_error(422, "invalid_request", Some("cursor"));
}

const SECRET: &str = "a webhook secret for the test";

/// One request to the binary's server.
fn send(address: SocketAddr, method: &str, path: &str, body: &Value) -> Reply {
    let mut stream = common::connect(address);
    let bytes = serde_json::to_vec(body).expect("json");
    let headers = [("Content-Type", "application/json")];
    common::write_request(&mut stream, method, path, &headers, &bytes, true);
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).expect("reply");
    Reply::parse(&reply)
}

/// A POST as the endpoint received it: its header fields (lower-case names) and body.
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Reads one request from `listener` and answers 204.
fn receive(listener: &TcpListener) -> Received {
    let (mut stream, _) = listener.accept().expect("accept");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let read = stream.read(&mut buffer).expect("read");
        assert!(read > 0, "the request ended early");
        bytes.extend_from_slice(&buffer[..read]);
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8(bytes[..head_end].to_vec()).expect("ascii head");
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .expect("content-length");
    while bytes.len() < head_end + length {
        let read = stream.read(&mut buffer).expect("read body");
        assert!(read > 0, "the body ended early");
        bytes.extend_from_slice(&buffer[..read]);
    }
    stream
        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        .expect("answer");
    Received {
        headers,
        body: bytes[head_end..head_end + length].to_vec(),
    }
}

#[test]
fn the_binary_posts_signed_notifications_to_its_webhook() {
    let endpoint = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/hooks/emporium",
        endpoint.local_addr().expect("addr")
    );
    let data = tempfile::tempdir().expect("temp dir");
    let (_server, address, _stdout) = start(
        &["--no-demo", "--webhook-url", &url],
        data.path(),
        &[("EMPORIUM_WEBHOOK_SECRET", SECRET)],
    );

    let body =
        json!({"email": "hooked@example.com", "password": "correct horse battery", "name": "Hook"});
    let registered = send(address, "POST", "/v1/auth/register", &body);
    assert_eq!(
        registered.status,
        201,
        "{}",
        String::from_utf8_lossy(&registered.body)
    );
    let user_id = registered.json()["user"]["id"].clone();

    // The welcome email and push; a fresh store may also greet its demo admin first.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut mine = Vec::new();
    while mine.len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the welcome messages did not arrive"
        );
        let request = receive(&endpoint);
        let message: Value = serde_json::from_slice(&request.body).expect("a JSON body");
        assert_eq!(
            request.header(SIGNATURE_HEADER),
            Some(signature(SECRET.as_bytes(), &request.body).as_str()),
            "the signature verifies with the shared secret"
        );
        assert_eq!(request.header(ID_HEADER), message["id"].as_str());
        if message["user_id"] == user_id {
            mine.push(message);
        }
    }
    let channels: Vec<&str> = mine
        .iter()
        .map(|m| m["channel"].as_str().expect("channel"))
        .collect();
    assert_eq!(channels, ["email", "push"]);
    assert_eq!(mine[0]["topic"], "welcome");
    assert_eq!(mine[0]["to"], "hooked@example.com");
    assert_eq!(
        mine[0]["body"],
        "Hi Hook, your account is ready. Happy shopping!"
    );
    assert!(
        !data.path().join("notifications.jsonl").exists(),
        "the webhook replaces the file"
    );
}

#[test]
fn the_binary_refuses_a_webhook_url_it_cannot_use() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = Command::new(common::process::BINARY)
        .args([
            "serve",
            "--no-demo",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data.path())
        .args([
            "--webhook-url",
            "https://hooks.example/x",
            "--webhook-secret",
            SECRET,
        ])
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--webhook-url"), "{stderr}");
    assert!(stderr.contains("http://"), "{stderr}");
}
