//! Shared by the HTTP tests: an in-process server on 127.0.0.1:0 over an in-memory
//! engine, a small seeded catalog, and a tiny HTTP/1.1 client over `TcpStream` (so the
//! tests see exactly the bytes a client sees, with no client library in between).
//!
//! The engine hashes passwords with `PasswordParams::INSECURE_FAST_FOR_TESTS`, so tests
//! may register many accounts; the production parameters are covered by the engine's
//! own test and by the binary test (which runs the real `emporium serve`).

#![allow(dead_code)] // Each test file uses its own part of this module.

pub mod process;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use emporium::{
    CategoryRef, Config, Currency, Engine, Money, NewProduct, PasswordParams, ProductStatus,
    StoreLocation,
};
use emporium_server::ServerConfig;
use serde_json::{Value, json};

/// The admin every test server can sign in as ([`TestServer::admin_token`]).
pub const ADMIN_EMAIL: &str = "admin@test.example";
pub const ADMIN_PASSWORD: &str = "admin password 1";
/// The password of accounts made by [`TestServer::register`].
pub const PASSWORD: &str = "correct horse battery";

/// An in-memory engine with cheap password hashing.
pub fn test_engine() -> Engine {
    let mut config = Config::new(StoreLocation::Memory);
    config.users.password_params = PasswordParams::INSECURE_FAST_FOR_TESTS;
    Engine::open_with(config).expect("in-memory engine")
}

/// A server running on its own runtime thread; stopped (and drained) on drop.
pub struct TestServer {
    pub address: SocketAddr,
    pub engine: Engine,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A server over the seeded [`catalog`].
    pub fn start() -> TestServer {
        TestServer::with_config(catalog(), ServerConfig::default())
    }

    pub fn with_config(products: Vec<NewProduct>, config: ServerConfig) -> TestServer {
        TestServer::serving(test_engine(), products, config)
    }

    /// A server over `engine` (in memory or on files), seeded with `products`.
    pub fn serving(engine: Engine, products: Vec<NewProduct>, config: ServerConfig) -> TestServer {
        let report = engine.import_products(products).expect("seed import");
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        let (address_sender, address_receiver) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = engine.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let address = listener.local_addr().expect("address");
                address_sender.send(address).expect("test waits for it");
                let shutdown = async {
                    let _ = stopped.await;
                };
                emporium_server::run(served, listener, config, shutdown).await;
            });
        });
        let address = address_receiver
            .recv_timeout(Duration::from_secs(10))
            .expect("server bound");
        TestServer {
            address,
            engine,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], b"")
    }

    /// `method path` with an optional bearer token and, unless `body` is null, a JSON
    /// body.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let authorization = token.map(|token| format!("Bearer {token}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(value) = &authorization {
            headers.push(("Authorization", value.as_str()));
        }
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(body).expect("json")
        };
        self.request(method, path, &headers, &bytes)
    }

    /// Registers `email` (password [`PASSWORD`]); returns its token and user object.
    pub fn register(&self, email: &str) -> (String, Value) {
        let body = json!({"email": email, "password": PASSWORD, "name": "Test User"});
        let reply = self.call("POST", "/v1/auth/register", None, &body);
        assert_eq!(
            reply.status,
            201,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let body = reply.json();
        let token = body["token"].as_str().expect("token").to_string();
        (token, body["user"].clone())
    }

    /// As the holder of `token`, puts `lines` (SKU, quantity) in a new cart and checks
    /// it out with the good test card; returns the order, which must be `paid`.
    pub fn buy(&self, token: &str, lines: &[(&str, u64)]) -> Value {
        let cart = self.call("POST", "/v1/carts", Some(token), &Value::Null);
        assert_eq!(cart.status, 201, "{}", String::from_utf8_lossy(&cart.body));
        let cart_id = cart.json()["id"].as_str().expect("id").to_string();
        for &(sku, quantity) in lines {
            let item = json!({"sku": sku, "quantity": quantity});
            let path = format!("/v1/carts/{cart_id}/items");
            let added = self.call("POST", &path, Some(token), &item);
            assert_eq!(
                added.status,
                200,
                "{}",
                String::from_utf8_lossy(&added.body)
            );
        }
        let checkout = json!({
            "payment": {"method": "card", "card_number": "4242424242424242"},
            "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "Springfield",
                "postal_code": "12345", "country": "US"},
        });
        let path = format!("/v1/carts/{cart_id}/checkout");
        let order = self.call("POST", &path, Some(token), &checkout);
        assert_eq!(
            order.status,
            201,
            "{}",
            String::from_utf8_lossy(&order.body)
        );
        let order = order.json();
        assert_eq!(order["status"], "paid");
        order
    }

    /// A session token of the admin [`ADMIN_EMAIL`], made through the engine (as
    /// `--admin-email` does) and signed in over HTTP.
    pub fn admin_token(&self) -> String {
        self.engine
            .ensure_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Admin")
            .expect("ensure admin");
        let body = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
        let reply = self.call("POST", "/v1/auth/login", None, &body);
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(reply.json()["user"]["role"], "admin");
        reply.json()["token"].as_str().expect("token").to_string()
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut stream = connect(self.address);
        write_request(&mut stream, method, path, headers, body, true);
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("read reply");
        Reply::parse(&bytes)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream
}

pub fn write_request(
    stream: &mut TcpStream,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\n");
    if close {
        head.push_str("Connection: close\r\n");
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    // The server may answer and close before reading a body it refuses; the reply is
    // what the test checks, so a failed write is not the test's failure.
    let _ = stream.write_all(body);
}

/// A parsed HTTP/1.1 reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn parse(bytes: &[u8]) -> Reply {
        let split = bytes
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(bytes)));
        let head = std::str::from_utf8(&bytes[..split]).expect("ascii head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("status code");
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
            .collect();
        let rest = &bytes[split + 4..];
        let length = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .and_then(|(_, value)| value.parse::<usize>().ok());
        let body = match length {
            Some(length) => rest[..length.min(rest.len())].to_vec(),
            None => rest.to_vec(),
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts an API.md error object with `status`, `type` and `param`.
    pub fn assert_error(&self, status: u16, kind: &str, param: Option<&str>) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
        let body = self.json();
        let error = &body["error"];
        assert_eq!(error["type"], kind, "{body}");
        assert!(
            error["code"].as_str().is_some_and(|code| !code.is_empty()),
            "{body}"
        );
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|text| !text.is_empty()),
            "{body}"
        );
        match param {
            Some(param) => assert_eq!(error["param"], param, "{body}"),
            None => assert!(error["param"].is_null(), "{body}"),
        }
    }
}

pub fn product(
    sku: &str,
    name: &str,
    category: &str,
    brand: &str,
    price: u64,
    stock: u64,
) -> NewProduct {
    NewProduct {
        sku: sku.into(),
        name: name.into(),
        description: format!("{name}, the description."),
        brand: Some(brand.into()),
        category: CategoryRef::Path(category.into()),
        price: Money::new(price, Currency::USD),
        attributes: [("color".to_string(), "black".to_string())].into(),
        images: vec![format!("https://img.example/{sku}.jpg")],
        stock,
        status: ProductStatus::Active,
    }
}

/// 30 active products in three leaf categories under two roots, three brands, prices
/// 100..=3000 and every fifth out of stock; plus a draft and a SKU with `+`, `.`, `é`.
pub fn catalog() -> Vec<NewProduct> {
    let categories = ["Home/Kitchen", "Home/Garden", "Electronics/Audio"];
    let brands = ["Acme", "Zenith", "Café Noir"];
    let mut products: Vec<NewProduct> = (0..30)
        .map(|index| {
            product(
                &format!("SKU-{index:02}"),
                &format!("Product {index:02}"),
                categories[index % 3],
                brands[index % 3],
                100 * (index as u64 + 1),
                (index % 5) as u64,
            )
        })
        .collect();
    let mut draft = product("DRAFT-1", "Unreleased", "Home/Kitchen", "Acme", 999, 5);
    draft.status = ProductStatus::Draft;
    products.push(draft);
    products.push(product("A+B.é-1", "Odd Sku", "Home/Kitchen", "Acme", 50, 7));
    products
}

/// Number of active products in [`catalog`].
pub const ACTIVE_PRODUCTS: usize = 31;
