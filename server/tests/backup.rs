//! `POST /v1/admin/backup` and `emporium backup` / `emporium restore`: only admins back
//! up (401 anonymous, 403 customer); the name `to` is one safe path segment (422 naming
//! `to` otherwise) and never reused (409); the 201 reply is the manifest; a backup made
//! over HTTP restores through the real binary into an empty data directory only, and
//! the restored store serves the same catalog, searchable again.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Reply, TestServer, catalog};
use emporium::{Config, Engine, PasswordParams, StoreLocation};
use emporium_server::ServerConfig;
use serde_json::{Value, json};

/// A server over a file store in `dir` (the in-memory [`TestServer`] has no data
/// directory to write backups into).
fn file_server(dir: &Path) -> TestServer {
    let mut config = Config::new(StoreLocation::Directory(dir.to_path_buf()));
    config.users.password_params = PasswordParams::INSECURE_FAST_FOR_TESTS;
    let engine = Engine::open_with(config).expect("file engine");
    TestServer::serving(engine, catalog(), ServerConfig::default())
}

/// `POST /v1/admin/backup` with `body`.
fn post_backup(server: &TestServer, token: Option<&str>, body: &Value) -> Reply {
    server.call("POST", "/v1/admin/backup", token, body)
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
    let server = file_server(&data);
    let admin = server.admin_token();
    let (customer, _) = server.register("ada@example.com");

    let body = json!({"to": "nightly"});
    post_backup(&server, None, &body).assert_error(401, "authentication", None);
    post_backup(&server, Some(&customer), &body).assert_error(403, "authorization", None);
    assert!(!data.join("backups").join("nightly").exists());

    for bad in [
        json!({"to": "../escape"}),
        json!({"to": ".hidden"}),
        json!({"to": "a/b"}),
        json!({"to": ""}),
        json!({"to": 7}),
    ] {
        post_backup(&server, Some(&admin), &bad).assert_error(422, "invalid_request", Some("to"));
    }
    post_backup(&server, Some(&admin), &json!({"dest": "x"})).assert_error(
        422,
        "invalid_request",
        Some("dest"),
    );

    let created = post_backup(&server, Some(&admin), &body);
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

    post_backup(&server, Some(&admin), &body).assert_error(409, "conflict", Some("to"));
    // No name: the time is the name.
    let dated = post_backup(&server, Some(&admin), &Value::Null);
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
