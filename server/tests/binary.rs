//! The `emporium` binary as an operator runs it: `serve` on a fresh data directory
//! loads the demo catalog, announces its address on stdout (and the demo admin's
//! credentials on the next line), becomes ready, serves, and exits 0 on SIGTERM; with
//! `--admin-email/--admin-password` that admin signs in over HTTP and creates a product
//! (production password hashing, as shipped); a storefront's checkout against the demo
//! catalog (register, find a product in stock, cart, pay with the succeeding test card)
//! gives an order that is still there, with its stock sale and its idempotency key,
//! after a clean restart on the same data directory; `import` reports bad lines by
//! number and imports the rest.

mod common;

use std::io::{BufRead, Read};
use std::net::SocketAddr;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::Reply;
use common::process::{BINARY, Server, start};
use serde_json::{Value, json};

/// The demo catalog is 10,000 products; a debug build on a busy 2-core machine needs a
/// few seconds, so this leaves a wide margin without letting a hang go unnoticed.
const READY_TIMEOUT: Duration = Duration::from_secs(180);
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

fn get(address: SocketAddr, path: &str) -> Option<Reply> {
    send(address, "GET", path, None, None)
}

/// One request; `body` is sent as JSON, `token` as a bearer token.
fn send(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<Reply> {
    send_with(address, method, path, token, &[], body)
}

/// [`send`] with extra header fields (`Idempotency-Key`).
fn send_with(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<Reply> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
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
    Some(Reply::parse(&bytes))
}

fn stop(mut server: Server) {
    let pid = server.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = wait_for_exit(&mut server.0);
    assert!(status.success(), "exit status {status:?}");
}

/// Signs in over HTTP; returns the token.
fn login(address: SocketAddr, email: &str, password: &str) -> String {
    let body = json!({"email": email, "password": password});
    let reply = send(address, "POST", "/v1/auth/login", None, Some(&body)).expect("reply");
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let body = reply.json();
    assert_eq!(body["user"]["role"], "admin");
    body["token"].as_str().expect("token").to_string()
}

fn wait_until_ready(address: SocketAddr) {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if get(address, "/readyz").is_some_and(|reply| reply.status == 200) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not ready within {READY_TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_for_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + EXIT_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "no exit within {EXIT_TIMEOUT:?} of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_loads_the_demo_catalog_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().expect("temp dir");
    let (server, address, mut stdout) = start(&[], &data.path().join("store"), &[]);
    // A fresh data directory without --admin-email: the demo admin, once.
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the demo admin line");
    let password = line
        .trim()
        .strip_prefix("demo admin: admin@emporium.local / ")
        .unwrap_or_else(|| panic!("unexpected second line {line:?}"));
    assert!(password.len() >= 16, "{password}");

    wait_until_ready(address);
    let page = get(address, "/v1/products?limit=100").expect("reply");
    assert_eq!(page.status, 200);
    let page = page.json();
    assert_eq!(page["data"].as_array().map(Vec::len), Some(100));
    assert!(
        page["next_cursor"].is_string(),
        "10,000 products: more pages"
    );
    // The first product of data/sample.jsonl.
    let stock = get(address, "/v1/inventory/BOO-SLF-00000000").expect("reply");
    assert_eq!(
        stock.status,
        200,
        "{}",
        String::from_utf8_lossy(&stock.body)
    );
    let token = login(address, "admin@emporium.local", password);
    let me = send(address, "GET", "/v1/me", Some(&token), None).expect("reply");
    assert_eq!(me.json()["email"], "admin@emporium.local");
    stop(server);
}

#[test]
fn the_admin_from_the_command_line_signs_in_and_creates_a_product() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = data.path().join("store");
    let args = ["--no-demo", "--admin-email", "Owner@Shop.example"];
    let envs = [("EMPORIUM_ADMIN_PASSWORD", "a long admin passphrase")];
    let (server, address, mut stdout) = start(&args, &store, &envs);
    wait_until_ready(address);
    let token = login(address, "owner@shop.example", "a long admin passphrase");
    let product = json!({
        "sku": "CLI-1", "name": "Operator Teapot", "description": "Cast iron.",
        "category": "Home/Kitchen", "price": {"amount": 3900, "currency": "USD"}, "stock": 3
    });
    let created = send(
        address,
        "POST",
        "/v1/products",
        Some(&token),
        Some(&product),
    )
    .expect("reply");
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let found = get(address, "/v1/search?q=teapot").expect("reply").json();
    assert_eq!(found["total"], 1, "searchable at once: {found}");
    let anonymous = send(address, "POST", "/v1/products", None, Some(&product)).expect("reply");
    assert_eq!(anonymous.status, 401);
    stop(server);
    let mut rest = String::new();
    stdout
        .read_to_string(&mut rest)
        .expect("the rest of stdout");
    assert!(
        !rest.contains("demo admin"),
        "admin flags given: no demo admin: {rest}"
    );

    // A restart keeps the account; a wrong password for the flags is refused at start.
    let (server, address, _) = start(&["--admin-email", "owner@shop.example"], &store, &envs);
    login(address, "owner@shop.example", "a long admin passphrase");
    stop(server);
    let short = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&store)
        .args(["--admin-email", "x@y.z", "--admin-password", "short"])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the binary");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
}

/// The test card that succeeds (API.md).
const GOOD_CARD: &str = "4242424242424242";
/// Units the shopper buys: more than one, so a total that ignored the quantity shows.
const QUANTITY: u64 = 2;

/// The reply's JSON body after checking its status.
fn expect(reply: Option<Reply>, status: u16) -> Value {
    let reply = reply.expect("a reply");
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string, not {value}"))
        .to_string()
}

#[test]
fn a_storefront_checkout_survives_a_clean_restart() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = data.path().join("store");
    // Held until the server stops: its first start prints the demo admin after the
    // address, and a closed pipe would make that write fail.
    let (server, address, _stdout) = start(&[], &store, &[]);
    wait_until_ready(address);

    // A storefront needs no admin: the shopper registers.
    let account = json!({
        "email": "shopper@example.com", "password": "a shopper's passphrase", "name": "Ada"
    });
    let session = expect(
        send(address, "POST", "/v1/auth/register", None, Some(&account)),
        201,
    );
    let token = text(&session["token"]);
    let user_id = session["user"]["id"].clone();

    // A product in stock from the demo catalog, as a category page lists it, then its
    // product page.
    let page = expect(get(address, "/v1/products?in_stock=true&limit=20"), 200);
    let listed = page["data"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|product| {
            product["stock"]["available"]
                .as_u64()
                .is_some_and(|available| available >= QUANTITY)
        })
        .expect("an in-stock product on the first page")
        .clone();
    let product = expect(
        get(address, &format!("/v1/products/{}", text(&listed["id"]))),
        200,
    );
    assert_eq!(product, listed);
    let sku = text(&product["sku"]);
    let price = product["price"]["amount"].as_u64().expect("a price");
    let stock_before = product["stock"].clone();
    let number = |field: &str| stock_before[field].as_u64().expect("a count");

    let cart = expect(send(address, "POST", "/v1/carts", Some(&token), None), 201);
    assert_eq!(cart["user_id"], user_id);
    let cart_id = text(&cart["id"]);
    let line = json!({"sku": sku, "quantity": QUANTITY});
    let cart = expect(
        send(
            address,
            "POST",
            &format!("/v1/carts/{cart_id}/items"),
            Some(&token),
            Some(&line),
        ),
        200,
    );
    assert_eq!(cart["items"][0]["held"], true, "{cart}");
    let total = json!({"amount": price * QUANTITY, "currency": product["price"]["currency"]});
    assert_eq!(cart["totals"]["total"], total, "{cart}");

    let checkout_path = format!("/v1/carts/{cart_id}/checkout");
    let checkout = json!({
        "payment": {"method": "card", "card_number": GOOD_CARD},
        "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "Springfield",
            "postal_code": "12345", "country": "US"},
    });
    let key = [("Idempotency-Key", "storefront-checkout-1")];
    let order = expect(
        send_with(
            address,
            "POST",
            &checkout_path,
            Some(&token),
            &key,
            Some(&checkout),
        ),
        201,
    );
    assert_eq!(order["status"], "paid", "{order}");
    assert_eq!(order["user_id"], user_id);
    assert_eq!(order["total"], total, "{order}");
    assert_eq!(order["totals"]["total"], total, "{order}");
    assert_eq!(order["payment"]["status"], "captured", "{order}");
    assert_eq!(order["payment"]["amount"], total, "{order}");
    assert_eq!(order["items"][0]["sku"], sku.as_str());
    assert_eq!(order["items"][0]["quantity"], QUANTITY);
    assert_eq!(order["items"].as_array().map(Vec::len), Some(1));
    let order_path = format!("/v1/orders/{}", text(&order["id"]));
    let sold = json!({
        "sku": sku,
        "on_hand": number("on_hand") - QUANTITY,
        "reserved": number("reserved"),
        "available": number("available") - QUANTITY,
    });
    let inventory_path = format!("/v1/inventory/{sku}");

    // The storefront's order page and order history, and the stock the sale took.
    let check_order_is_there = |address: SocketAddr| {
        let fetched = expect(send(address, "GET", &order_path, Some(&token), None), 200);
        assert_eq!(fetched, order);
        let mine = expect(send(address, "GET", "/v1/orders", Some(&token), None), 200);
        assert_eq!(mine["data"], json!([order]), "{mine}");
        assert_eq!(expect(get(address, &inventory_path), 200), sold);
    };
    check_order_is_there(address);
    stop(server);

    // A clean restart on the same directory: the session, the order, the sale and the
    // checkout's idempotency key were all acknowledged, so all of them are on disk.
    let (server, address, _stdout) = start(&[], &store, &[]);
    wait_until_ready(address);
    check_order_is_there(address);
    let replay = send_with(
        address,
        "POST",
        &checkout_path,
        Some(&token),
        &key,
        Some(&checkout),
    )
    .expect("a reply");
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(expect(Some(replay), 201), order);
    assert_eq!(expect(get(address, &inventory_path), 200), sold);
    stop(server);
}

#[test]
fn import_reports_bad_lines_by_number_and_imports_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = |sku: &str| {
        format!(
            r#"{{"sku":"{sku}","name":"Tea Kettle","description":"Steel.","category":"Home/Kitchen","price":{{"amount":2500,"currency":"USD"}},"stock":4}}"#
        )
    };
    let lines = [
        line("K-1"),
        r#"{"sku": "K-2", "name": "#.to_string(),
        line("K-3"),
        line("K-1"),
        line("K-5"),
    ];
    let file = dir.path().join("catalog.jsonl");
    std::fs::write(&file, lines.join("\n")).expect("write the file");
    let output = Command::new(BINARY)
        .arg("import")
        .arg(&file)
        .arg("--data-dir")
        .arg(dir.path().join("store"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stderr}");
    let reported: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("line "))
        .collect();
    assert_eq!(reported.len(), 2, "{stderr}");
    assert!(
        reported
            .iter()
            .any(|line| line.starts_with("line 2: invalid JSON")),
        "{stderr}"
    );
    assert!(
        reported
            .iter()
            .any(|line| line.starts_with("line 4: sku: ")),
        "{stderr}"
    );
    assert!(
        stdout.contains("imported 3 products, rejected 2 lines"),
        "{stdout}"
    );
}

#[test]
fn import_of_a_missing_file_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(BINARY)
        .arg("import")
        .arg(dir.path().join("missing.jsonl"))
        .arg("--data-dir")
        .arg(dir.path().join("store"))
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.jsonl"));
}
