//! The restarted server, checked over HTTP against the store; replays of checkout
//! keys; a backup taken under load, restored and checked like the store.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::clients::{Attempt, Clients, RoundLog, Shop};
use super::process::{exchange, expect, is_error, text};
use super::store::{Snapshot, check_store, sku_index};
use super::{Ledger, OLD_SAMPLE, Rng, SKUS};

/// Stock as the snapshot found it and nothing held; this round's acknowledged orders
/// exactly as their 201 said, for their owners; a sample of older ones for the admin.
pub(crate) fn check_server(
    address: SocketAddr,
    shop: &Shop,
    snapshot: &Snapshot,
    log: &RoundLog,
    ledger: &Ledger,
    rng: &mut Rng,
) {
    for (index, sku) in SKUS.iter().enumerate() {
        let path = format!("/v1/inventory/{}", sku.sku);
        let level = expect(
            exchange(address, "GET", &path, None, None, None),
            200,
            &path,
        );
        let on_hand = snapshot.on_hand[index];
        let expected =
            json!({"sku": sku.sku, "on_hand": on_hand, "reserved": 0, "available": on_hand});
        assert_eq!(level, expected, "{path} after a restart");
    }
    for (attempt, acknowledged) in &log.acked {
        let path = format!("/v1/orders/{}", text(&acknowledged["id"]));
        let viewer = Some(shop.viewer(attempt.shopper));
        let order = expect(
            exchange(address, "GET", &path, viewer, None, None),
            200,
            &path,
        );
        assert_eq!(&order, acknowledged, "{path}: as its 201 said");
    }
    for _ in 0..OLD_SAMPLE.min(ledger.order_ids.len()) {
        let id = &ledger.order_ids[rng.below(ledger.order_ids.len() as u64) as usize];
        let path = format!("/v1/orders/{id}");
        let order = expect(
            exchange(address, "GET", &path, Some(&shop.admin), None, None),
            200,
            &path,
        );
        assert_eq!(order["id"], id.as_str());
    }
}

/// Pages through the admin's `GET /v1/orders?status=paid`: exactly the stored orders
/// (every checkout pays by card), and the same units sold per SKU.
pub(crate) fn check_listing(address: SocketAddr, shop: &Shop, snapshot: &Snapshot) {
    let mut seen = HashSet::new();
    let mut sold = vec![0; SKUS.len()];
    let mut path = "/v1/orders?status=paid&limit=100".to_string();
    loop {
        let page = expect(
            exchange(address, "GET", &path, Some(&shop.admin), None, None),
            200,
            &path,
        );
        for order in page["data"].as_array().expect("a list") {
            assert!(
                seen.insert(text(&order["id"])),
                "{} listed twice",
                order["id"]
            );
            for line in order["items"].as_array().expect("lines") {
                let quantity = line["quantity"].as_u64().expect("a quantity");
                sold[sku_index(shop, &text(&line["product_id"]))] += quantity;
            }
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/orders?status=paid&limit=100&cursor={cursor}"),
            None => break,
        }
    }
    let stored: HashSet<String> = snapshot.orders.keys().cloned().collect();
    assert_eq!(seen, stored, "the admin's listing and the store");
    assert_eq!(sold, snapshot.sold, "units sold per SKU in the listing");
}

/// Replays every checkout whose reply was lost, under its key: the store's order for
/// that cart if it has one (the key survived with it), else a fresh checkout.
pub(crate) fn replay_lost(
    address: SocketAddr,
    shop: &Shop,
    snapshot: &Snapshot,
    lost: &[Attempt],
    ledger: &mut Ledger,
) {
    for attempt in lost {
        let reply = attempt
            .send(address, shop)
            .unwrap_or_else(|| panic!("no reply to the replay of {attempt:?}"));
        let replayed = reply.header("idempotent-replayed") == Some("true");
        let body = String::from_utf8_lossy(&reply.body).into_owned();
        match snapshot.by_cart.get(&attempt.cart) {
            Some(order) => {
                assert!(
                    reply.status == 201 && replayed,
                    "{attempt:?} was committed: {body}"
                );
                assert_eq!(text(&reply.json()["id"]), *order, "{attempt:?}");
                ledger.lost_committed += 1;
                ledger.acknowledge(order.clone(), attempt.clone());
            }
            None if reply.status == 201 => {
                assert!(
                    !replayed,
                    "{attempt:?} has no order in the store, yet replays one"
                );
                ledger.lost_placed_on_replay += 1;
                ledger.acknowledge(text(&reply.json()["id"]), attempt.clone());
            }
            None => {
                // Its holds went with the kill; the shallow SKU may be gone since.
                assert!(
                    is_error(&reply, 409, "insufficient_stock"),
                    "{attempt:?}: {body}"
                );
                ledger.lost_refused_on_replay += 1;
            }
        }
    }
    ledger.lost += lost.len() as u64;
}

/// Replays a sample of keys acknowledged before: the same order, marked replayed.
pub(crate) fn replay_acknowledged(
    address: SocketAddr,
    shop: &Shop,
    ledger: &Ledger,
    rng: &mut Rng,
) {
    for _ in 0..OLD_SAMPLE.min(ledger.order_ids.len()) {
        let id = &ledger.order_ids[rng.below(ledger.order_ids.len() as u64) as usize];
        let attempt = &ledger.acked[id];
        let reply = attempt.send(address, shop);
        let reply = reply.unwrap_or_else(|| panic!("no reply to the replay of {attempt:?}"));
        assert_eq!(
            reply.header("idempotent-replayed"),
            Some("true"),
            "{attempt:?}"
        );
        assert_eq!(expect(Some(reply), 201, &attempt.key)["id"], id.as_str());
    }
}

// ---------------------------------------------------------------------------------
// A backup taken under load.

/// A backup requested while the clients shopped.
pub(crate) struct BackupTaken {
    pub(crate) name: String,
    /// Orders acknowledged before the backup was requested.
    pub(crate) before: HashSet<String>,
    /// The 201 reply.
    pub(crate) manifest: Value,
    /// Units added to the shallow SKU before it.
    pub(crate) restocked: u64,
}

/// `POST /v1/admin/backup` while the clients keep checking out; every order
/// acknowledged until then must be in it.
pub(crate) fn back_up_under_load(clients: &Clients, ledger: &Ledger) -> BackupTaken {
    let mut before: HashSet<String> = ledger.acked.keys().cloned().collect();
    let log = clients.log.lock().expect("log");
    before.extend(log.acked.iter().map(|(_, order)| text(&order["id"])));
    drop(log);
    let name = format!("under-load-{}", clients.round);
    let body = json!({"to": name});
    let path = "/v1/admin/backup";
    let reply = exchange(
        clients.address,
        "POST",
        path,
        Some(&clients.shop.admin),
        None,
        Some(&body),
    );
    BackupTaken {
        name,
        before,
        manifest: expect(reply, 201, path),
        restocked: ledger.restocked,
    }
}

/// Restores the backup into a fresh directory and checks it as the live store is
/// checked, against the orders acknowledged before it began; it holds no order the
/// live store lacks. The backup and the restored copy are deleted after.
pub(crate) fn check_backup(
    data: &Path,
    scratch: &Path,
    taken: &BackupTaken,
    shop: &Shop,
    live: &Snapshot,
) {
    let backup = data
        .join(emporium::store::BACKUPS_DIR_NAME)
        .join(&taken.name);
    let restored_dir: PathBuf = scratch.join(format!("restored-{}", taken.name));
    let manifest = emporium::store::restore(&backup, &restored_dir).expect("restore");
    assert_eq!(taken.manifest["last_event_seq"], manifest.last_event_seq);
    assert_eq!(taken.manifest["orders"], manifest.orders);
    let restored = check_store(&restored_dir, shop, &taken.before, taken.restocked);
    assert_eq!(
        restored.last_seq, manifest.last_event_seq,
        "the copy's log ends at the manifest"
    );
    assert_eq!(restored.orders.len() as u64, manifest.orders);
    let extra: Vec<&String> = restored
        .orders
        .keys()
        .filter(|id| !live.orders.contains_key(*id))
        .collect();
    assert!(
        extra.is_empty(),
        "orders in the backup but not in the store: {extra:?}"
    );
    std::fs::remove_dir_all(&restored_dir).expect("remove the restored copy");
    std::fs::remove_dir_all(&backup).expect("remove the backup");
}
