//! `POST /v1/admin/backup` and `emporium backup` / `emporium restore`: only admins back
//! up (401 anonymous, 403 customer); the name `to` is one safe path segment (422 naming
//! `to` otherwise) and never reused (409); the 201 reply is the manifest; a backup made
//! over HTTP restores through the real binary into an empty data directory only, and
//! the restored store serves the same catalog, searchable again.

mod common;

use std::path::Path;
use std::process::Command;
use std::thread::JoinHandle;
use std::time::Duration;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Reply, TestServer, catalog, connect, write_request};
use emporium::{Config, Engine, PasswordParams, StoreLocation};
use serde_json::{Value, json};

/// A server over a file store in `dir` (the in-memory [`TestServer`] has no data
/// directory to write backups into).
struct FileServer {
    address: std::net::SocketAddr,
    engine: Engine,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FileServer {
    fn start(dir: &Path) -> FileServer {
        let mut config = Config::new(StoreLocation::Directory(dir.to_path_buf()));
        config.users.password_params = PasswordParams::INSECURE_FAST_FOR_TESTS;
        let engine = Engine::open_with(config).expect("file engine");
        let report = engine.import_products(catalog()).expect("seed import");
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
                address_sender
                    .send(listener.local_addr().expect("address"))
                    .expect("test waits for it");
                let shutdown = async {
                    let _ = stopped.await;
                };
                let config = emporium_server::ServerConfig::default();
                emporium_server::run(served, listener, config, shutdown).await;
            });
        });
        let address = address_receiver
            .recv_timeout(Duration::from_secs(10))
            .expect("server bound");
        FileServer {
            address,
            engine,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn call(&self, path: &str, token: Option<&str>, body: &[u8]) -> Reply {
        let authorization = token.map(|token| format!("Bearer {token}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(value) = &authorization {
            headers.push(("Authorization", value.as_str()));
        }
        let mut stream = connect(self.address);
        write_request(&mut stream, "POST", path, &headers, body, true);
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut stream, &mut bytes).expect("read reply");
        Reply::parse(&bytes)
    }

    fn backup(&self, token: Option<&str>, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).expect("json");
        self.call("/v1/admin/backup", token, &bytes)
    }

    fn token(&self, path: &str, email: &str, password: &str) -> String {
        let mut body = json!({"email": email, "password": password});
        if path.ends_with("register") {
            body["name"] = json!("Someone");
        }
        let reply = self.call(path, None, &serde_json::to_vec(&body).expect("json"));
        assert!(
            reply.status == 200 || reply.status == 201,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()["token"].as_str().expect("token").to_string()
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn emporium(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_emporium"))
        .args(args)
        .output()
        .expect("run emporium")
}

#[test]
fn admins_back_up_over_http_and_the_binary_restores_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let server = FileServer::start(&data);
    server
        .engine
        .ensure_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Admin")
        .expect("admin");
    let admin = server.token("/v1/auth/login", ADMIN_EMAIL, ADMIN_PASSWORD);
    let customer = server.token("/v1/auth/register", "ada@example.com", "correct horse");

    let body = json!({"to": "nightly"});
    server
        .backup(None, &body)
        .assert_error(401, "authentication", None);
    server
        .backup(Some(&customer), &body)
        .assert_error(403, "authorization", None);
    assert!(!data.join("backups").join("nightly").exists());

    for bad in [
        json!({"to": "../escape"}),
        json!({"to": ".hidden"}),
        json!({"to": "a/b"}),
        json!({"to": ""}),
        json!({"to": 7}),
    ] {
        server
            .backup(Some(&admin), &bad)
            .assert_error(422, "invalid_request", Some("to"));
    }
    server
        .backup(Some(&admin), &json!({"dest": "x"}))
        .assert_error(422, "invalid_request", Some("dest"));

    let created = server.backup(Some(&admin), &body);
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let manifest = created.json();
    assert_eq!(manifest["name"], "nightly");
    assert_eq!(
        manifest["format_version"],
        emporium::store::STORE_FORMAT_VERSION
    );
    assert_eq!(manifest["products"], catalog().len());
    assert!(
        manifest["last_event_seq"]
            .as_u64()
            .is_some_and(|seq| seq > 0)
    );
    assert!(
        manifest["store_bytes"]
            .as_u64()
            .is_some_and(|bytes| bytes > 0)
    );
    assert!(
        manifest["created_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    let backup = data.join("backups").join("nightly");
    assert!(backup.join("manifest.json").exists());

    server
        .backup(Some(&admin), &body)
        .assert_error(409, "conflict", Some("to"));
    // No name: the time is the name.
    let dated = server.call("/v1/admin/backup", Some(&admin), b"");
    assert_eq!(
        dated.status,
        201,
        "{}",
        String::from_utf8_lossy(&dated.body)
    );
    let name = dated.json()["name"].as_str().expect("name").to_string();
    assert!(
        data.join("backups")
            .join(&name)
            .join("manifest.json")
            .exists()
    );
    drop(server);

    // Restore refuses a data directory in use, and fills an empty one.
    let refused = emporium(&[
        "restore".as_ref(),
        backup.as_os_str(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not empty"), "{stderr}");
    let restored = dir.path().join("restored");
    let output = emporium(&[
        "restore".as_ref(),
        "--from".as_ref(),
        backup.as_os_str(),
        "--data-dir".as_ref(),
        restored.as_os_str(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // An offline backup of the restored store, through the binary.
    let again = dir.path().join("again");
    let output = emporium(&[
        "backup".as_ref(),
        "--data-dir".as_ref(),
        restored.as_os_str(),
        "--to".as_ref(),
        again.as_os_str(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let copied: Value =
        serde_json::from_slice(&std::fs::read(again.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(copied["products"], manifest["products"]);

    let engine = Engine::open(&restored).expect("open restored");
    assert!(engine.wait_until_ready(Duration::from_secs(20)));
    assert_eq!(engine.product_counts().0, catalog().len());
    let hits = engine
        .search(&emporium::search::SearchRequest {
            q: "Product 07".into(),
            limit: 5,
            ..Default::default()
        })
        .expect("search");
    assert!(hits.total >= 1, "the restored store is searchable");
}

#[test]
fn a_server_in_memory_has_nowhere_to_back_up() {
    let server = TestServer::start();
    let admin = server.admin_token();
    server
        .call("POST", "/v1/admin/backup", Some(&admin), &json!({}))
        .assert_error(409, "conflict", None);
}
