//! `POST /v1/admin/backup` (admin): a consistent snapshot of the store, taken while the
//! server keeps serving, written into `<data dir>/backups/<to>` (default: the time).

use emporium::BackupManifest;
use hyper::{Request, StatusCode};
use serde::Serialize;

use super::{Ctx, Reply, ReqBody, blocking, json_body};
use crate::auth::require_admin;
use crate::decode;
use crate::render::json;
use crate::service::State;

/// The reply: the backup's name (its folder under `backups/`) and its manifest. The
/// path on the server is left out, as every reply leaves out internals.
#[derive(Serialize)]
struct BackupView {
    name: String,
    #[serde(flatten)]
    manifest: BackupManifest,
}

/// 201 with the manifest; a bad `to` is 422, a `to` already taken 409.
pub(super) async fn create(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    require_admin(&ctx.caller)?;
    let name = decode::backup_name(&json_body(state, request).await?)?;
    // The copy reads the whole store: minutes for a large one, so it never runs on a
    // runtime thread.
    let report = blocking(state, move |engine| {
        engine.backup_in_data_dir(name.as_deref(), "to")
    })
    .await?;
    let name = report
        .dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    tracing::info!(
        backup = %name,
        last_event_seq = report.manifest.last_event_seq,
        store_bytes = report.manifest.store_bytes,
        ms = report.elapsed.as_millis() as u64,
        "backup written"
    );
    let view = BackupView {
        name,
        manifest: report.manifest,
    };
    Ok(json(StatusCode::CREATED, &view))
}
