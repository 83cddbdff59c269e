//! The `emporium` binary as an operator runs it: `serve` on a fresh data directory
//! loads the demo catalog, announces its address on stdout, becomes ready, serves, and
//! exits 0 on SIGTERM; `import` reports bad lines by number and imports the rest.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Reply;

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
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).ok()?;
    Some(Reply::parse(&bytes))
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
    let child = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path().join("store"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the binary");
    let mut server = Server(child);
    let stdout = server.0.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the listening line");
    let address: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("an address");
    assert_ne!(address.port(), 0, "the real port, not the requested 0");

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

    let pid = server.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = wait_for_exit(&mut server.0);
    assert!(status.success(), "exit status {status:?}");
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
