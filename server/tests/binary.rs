//! The `emporium` binary as an operator runs it: `serve` on a fresh data directory
//! loads the demo catalog, announces its address on stdout (and the demo admin's
//! credentials on the next line), becomes ready, serves, and exits 0 on SIGTERM; with
//! `--admin-email/--admin-password` that admin signs in over HTTP and creates a product
//! (production password hashing, as shipped); `import` reports bad lines by number and
//! imports the rest.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Reply;
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_emporium");
/// The demo catalog is 10,000 products; a debug build on a busy 2-core machine needs a
/// few seconds, so this leaves a wide margin without letting a hang go unnoticed.
const READY_TIMEOUT: Duration = Duration::from_secs(180);
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

/// Kills the child if the test fails before it exits on its own.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
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

/// Starts `emporium serve` with `args` on a free port; returns the server, its address,
/// and the rest of its stdout.
fn start(
    args: &[&str],
    data_dir: &std::path::Path,
    envs: &[(&str, &str)],
) -> (Server, SocketAddr, BufReader<std::process::ChildStdout>) {
    let child = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(args)
        .envs(envs.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the binary");
    let mut server = Server(child);
    let mut stdout = BufReader::new(server.0.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the listening line");
    let address: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("an address");
    assert_ne!(address.port(), 0, "the real port, not the requested 0");
    (server, address, stdout)
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
