//! Online backup and offline restore of the store.
//!
//! A backup is a fresh redb file plus a JSON manifest, in a directory of its own. Every
//! table is copied inside ONE read transaction: that is an MVCC snapshot, so the copy is
//! exactly the store as of one commit while the committer keeps committing beside it
//! (writers are never stalled; the cost is that pages freed meanwhile are reclaimed only
//! after the copy ends, so the live file may grow during a long backup). The copy is
//! written in large non-durable transactions and made durable by one final commit; the
//! manifest is written last and renamed into place, so a directory with a manifest holds
//! a complete backup and one without it never counts as one.
//!
//! The search index is not copied: it is a read model, rebuilt from the store's event
//! log when a restored store is first opened.
//!
//! Every table is visited through [`super::tables::for_each_table`]; a table the source
//! holds that the visit did not cover fails the backup, so a new table cannot be
//! silently left out.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redb::{
    Database, Durability, Key, MultimapTableHandle, ReadOnlyDatabase, ReadTransaction,
    ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, TableError,
    TableHandle, Value,
};
use serde::{Deserialize, Serialize};

use super::tables::{self, TableVisitor};
use super::{STORE_FILE_NAME, STORE_FORMAT_VERSION, Store, StoreError};
use crate::model::{Timestamp, ValidationError};

/// The manifest's file name inside a backup directory.
pub const MANIFEST_FILE_NAME: &str = "manifest.json";
/// The folder inside a data directory that `backup_in_data_dir` writes into.
pub const BACKUPS_DIR_NAME: &str = "backups";
/// Longest backup name, in characters.
pub const BACKUP_NAME_CHARS_MAX: usize = 100;
/// Rows per write transaction of the copy: large enough that a million-product store
/// takes a few dozen commits, small enough to bound the copy's dirty pages.
pub const BACKUP_CHUNK_ROWS: usize = 100_000;
/// The copy's page cache: it only appends, so a small cache is enough.
const BACKUP_CACHE_BYTES: usize = 64 << 20;
/// Largest manifest `restore` reads (a real one is a few hundred bytes).
const MANIFEST_BYTES_MAX: u64 = 1 << 20;

/// A backup or restore that could not be done.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The destination already holds something (or, for a named backup, exists).
    #[error("{} already exists and is not empty; back up into a new or empty directory", path.display())]
    DestinationNotEmpty {
        /// The directory refused.
        path: PathBuf,
    },
    /// The store is in memory, so there is no data directory to keep backups in.
    #[error("the store is in memory: there is no data directory to write backups into")]
    NoDataDirectory,
    /// The backup directory has no readable, well-formed manifest.
    #[error("{} is not a usable backup: {reason}", path.display())]
    InvalidManifest {
        /// The manifest's path.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The backed-up store does not match its manifest.
    #[error(
        "the backup's store does not match its manifest: {what} is {found} in the store, {expected} in the manifest"
    )]
    Mismatch {
        /// What was compared (a table's rows, the format version, the last event).
        what: String,
        /// The manifest's figure.
        expected: u64,
        /// The store's figure.
        found: u64,
    },
    /// The store has a table that the copy did not cover (a table missing from
    /// `tables::for_each_table`); the backup was abandoned.
    #[error(
        "table `{table}` is not covered by the backup's table list; refusing an incomplete backup"
    )]
    TableNotCopied {
        /// The table left out.
        table: String,
    },
    /// A file operation failed.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The failure.
        error: Arc<std::io::Error>,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |error| {
        StoreError::Backup(BackupError::Io {
            path: path.to_path_buf(),
            error: Arc::new(error),
        })
    }
}

/// What a backup holds; written as `manifest.json` beside the store file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupManifest {
    /// The store format version of the copy (`STORE_FORMAT_VERSION` when it was made).
    pub format_version: u64,
    /// The sequence number of the last event in the copy (0: no events); every event up
    /// to it is included.
    pub last_event_seq: u64,
    /// Products in the copy, of every status.
    pub products: u64,
    /// Orders in the copy.
    pub orders: u64,
    /// Rows of every table, by table name.
    pub tables: BTreeMap<String, u64>,
    /// Size of the copied store file in bytes.
    pub store_bytes: u64,
    /// When the snapshot was taken.
    pub created_at: Timestamp,
    /// The Emporium version that made it.
    pub engine_version: String,
}

/// What [`crate::Engine::backup`] did.
#[derive(Clone, Debug)]
pub struct BackupReport {
    /// The directory written.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: BackupManifest,
    /// How long the copy took.
    pub elapsed: Duration,
}

/// Checks a backup name: 1 to [`BACKUP_NAME_CHARS_MAX`] ASCII letters, digits, `.`,
/// `_` and `-`, not starting with `.`, so it is always one plain path segment (never
/// `..`, a hidden file or a path).
pub fn validate_backup_name(name: &str, field: &str) -> Result<(), ValidationError> {
    let safe = name
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'));
    if (1..=BACKUP_NAME_CHARS_MAX).contains(&name.len()) && safe && !name.starts_with('.') {
        return Ok(());
    }
    Err(ValidationError::new(
        field,
        "invalid",
        format!(
            "`{field}` must be 1 to {BACKUP_NAME_CHARS_MAX} letters, digits, `.`, `_` or `-`, \
             not starting with `.`"
        ),
    ))
}

/// The default backup name: the time, with `:` replaced so it is a portable file name.
pub(crate) fn default_backup_name(at: Timestamp) -> String {
    at.to_rfc3339().replace(':', "-")
}

impl Store {
    /// Copies the store into `dest_dir` (new, or empty) while it keeps taking writes.
    pub(crate) fn backup(&self, dest_dir: &Path) -> Result<BackupReport, StoreError> {
        let started = Instant::now();
        claim_empty_dir(dest_dir)?;
        let store_path = dest_dir.join(STORE_FILE_NAME);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&store_path)
            .map_err(io_error(&store_path))?;
        let snapshot = self.read()?;
        let created_at = Timestamp::now();
        let outcome = copy_snapshot(&snapshot, file, created_at)
            .and_then(|manifest| finish(dest_dir, &store_path, manifest));
        drop(snapshot);
        match outcome {
            Ok(manifest) => Ok(BackupReport {
                dir: dest_dir.to_path_buf(),
                manifest,
                elapsed: started.elapsed(),
            }),
            Err(error) => {
                // Never leave a store file that looks like a backup; the manifest is
                // written last, so it cannot exist yet.
                let _ = std::fs::remove_file(&store_path);
                Err(error)
            }
        }
    }
}

/// Refuses a destination that exists and is not an empty directory; creates it if
/// missing.
fn claim_empty_dir(dir: &Path) -> Result<(), StoreError> {
    match std::fs::read_dir(dir).map(|mut entries| entries.next().is_none()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(BackupError::DestinationNotEmpty {
            path: dir.to_path_buf(),
        }
        .into()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(io_error(dir))
        }
        // A file where the directory should be is "not empty", not an I/O failure.
        Err(_) if dir.exists() => Err(BackupError::DestinationNotEmpty {
            path: dir.to_path_buf(),
        }
        .into()),
        Err(error) => Err(io_error(dir)(error)),
    }
}

/// Copies every table of `snapshot` into a new database in `file`, durably.
fn copy_snapshot(
    snapshot: &ReadTransaction,
    file: File,
    created_at: Timestamp,
) -> Result<BackupManifest, StoreError> {
    let backend = redb::backends::FileBackend::new(file)?;
    let dest = Database::builder()
        .set_cache_size(BACKUP_CACHE_BYTES)
        .create_with_backend(backend)?;
    let mut copier = Copier {
        source: snapshot,
        dest: &dest,
        rows: BTreeMap::new(),
    };
    tables::for_each_table(&mut copier)?;
    for handle in snapshot.list_tables()? {
        if !copier.rows.contains_key(handle.name()) {
            return Err(BackupError::TableNotCopied {
                table: handle.name().to_string(),
            }
            .into());
        }
    }
    if let Some(handle) = snapshot.list_multimap_tables()?.next() {
        return Err(BackupError::TableNotCopied {
            table: handle.name().to_string(),
        }
        .into());
    }
    // One durable commit makes every chunk before it durable.
    let mut last = dest.begin_write()?;
    last.set_durability(Durability::Immediate)?;
    last.commit()?;
    let format_version = snapshot
        .open_table(tables::META)?
        .get(tables::META_FORMAT_VERSION)?
        .map_or(STORE_FORMAT_VERSION, |value| value.value());
    let last_event_seq = last_event_seq(snapshot)?;
    let rows = copier.rows;
    Ok(BackupManifest {
        format_version,
        last_event_seq,
        products: rows.get(tables::PRODUCTS.name()).copied().unwrap_or(0),
        orders: rows.get(tables::ORDERS.name()).copied().unwrap_or(0),
        tables: rows,
        store_bytes: 0,
        created_at,
        engine_version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

fn last_event_seq(txn: &ReadTransaction) -> Result<u64, StoreError> {
    let events = txn.open_table(tables::EVENTS)?;
    Ok(events.last()?.map_or(0, |(seq, _)| seq.value()))
}

/// Records the store's size and writes the manifest, atomically (temporary file,
/// fsync, rename, fsync of the directory).
fn finish(
    dir: &Path,
    store_path: &Path,
    mut manifest: BackupManifest,
) -> Result<BackupManifest, StoreError> {
    manifest.store_bytes = std::fs::metadata(store_path)
        .map_err(io_error(store_path))?
        .len();
    let json = serde_json::to_vec_pretty(&manifest).map_err(|error| {
        io_error(dir)(std::io::Error::new(std::io::ErrorKind::InvalidData, error))
    })?;
    let partial = dir.join(format!("{MANIFEST_FILE_NAME}.partial"));
    let mut file = File::create(&partial).map_err(io_error(&partial))?;
    file.write_all(&json).map_err(io_error(&partial))?;
    file.sync_all().map_err(io_error(&partial))?;
    let path = dir.join(MANIFEST_FILE_NAME);
    std::fs::rename(&partial, &path).map_err(io_error(&path))?;
    sync_dir(dir)?;
    Ok(manifest)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(io_error(dir))
}

/// Copies each table it visits from the snapshot into the new database.
struct Copier<'a> {
    source: &'a ReadTransaction,
    dest: &'a Database,
    /// Rows copied, by table name: every table visited, empty ones included.
    rows: BTreeMap<String, u64>,
}

impl TableVisitor for Copier<'_> {
    fn visit<K: Key + 'static, V: Value + 'static>(
        &mut self,
        table: TableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        let source = match self.source.open_table(table) {
            Ok(source) => source,
            // Not in this store (a table created on first use): nothing to copy.
            Err(TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(error) => return Err(error.into()),
        };
        let mut rows = source.iter()?;
        let mut copied = 0u64;
        loop {
            let mut txn = self.dest.begin_write()?;
            txn.set_durability(Durability::None)?;
            let mut exhausted = false;
            {
                // Opening it also creates it, so empty tables exist in the copy too.
                let mut sink = txn.open_table(table)?;
                for _ in 0..BACKUP_CHUNK_ROWS {
                    let Some(row) = rows.next() else {
                        exhausted = true;
                        break;
                    };
                    let (key, value) = row?;
                    sink.insert(key.value(), value.value())?;
                    copied += 1;
                }
            }
            txn.commit()?;
            if exhausted {
                break;
            }
        }
        self.rows.insert(table.name().to_string(), copied);
        Ok(())
    }
}

/// Restores the backup in `backup_dir` into `data_dir`, which must be missing or empty:
/// checks the manifest against the backed-up store (format version, every table's
/// rows, the last event), then copies the store file in (under a temporary name,
/// renamed once it is on disk). The next open rebuilds the search index.
pub fn restore(backup_dir: &Path, data_dir: &Path) -> Result<BackupManifest, StoreError> {
    let manifest = read_manifest(backup_dir)?;
    if manifest.format_version > STORE_FORMAT_VERSION {
        return Err(StoreError::TooNew {
            found: manifest.format_version,
            supported: STORE_FORMAT_VERSION,
        });
    }
    let source = backup_dir.join(STORE_FILE_NAME);
    check_against_manifest(&source, &manifest)?;
    claim_empty_dir(data_dir)?;
    let partial = data_dir.join(format!("{STORE_FILE_NAME}.restoring"));
    let mut input = File::open(&source).map_err(io_error(&source))?;
    let mut output = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .map_err(io_error(&partial))?;
    std::io::copy(&mut input, &mut output).map_err(io_error(&partial))?;
    output.sync_all().map_err(io_error(&partial))?;
    let target = data_dir.join(STORE_FILE_NAME);
    std::fs::rename(&partial, &target).map_err(io_error(&target))?;
    sync_dir(data_dir)?;
    Ok(manifest)
}

/// The manifest of the backup in `dir`.
pub fn read_manifest(dir: &Path) -> Result<BackupManifest, StoreError> {
    let path = dir.join(MANIFEST_FILE_NAME);
    let invalid = |reason: String| {
        StoreError::Backup(BackupError::InvalidManifest {
            path: path.clone(),
            reason,
        })
    };
    let file = File::open(&path).map_err(|error| invalid(error.to_string()))?;
    let length = file
        .metadata()
        .map_err(|error| invalid(error.to_string()))?
        .len();
    if length > MANIFEST_BYTES_MAX {
        return Err(invalid(format!("larger than {MANIFEST_BYTES_MAX} bytes")));
    }
    serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|error| invalid(error.to_string()))
}

/// Opens the backed-up store read-only and compares it with its manifest.
fn check_against_manifest(store: &Path, manifest: &BackupManifest) -> Result<(), StoreError> {
    let db = ReadOnlyDatabase::open(store)?;
    let txn = db.begin_read()?;
    let compare = |what: String, expected: u64, found: u64| {
        if expected == found {
            Ok(())
        } else {
            Err(StoreError::Backup(BackupError::Mismatch {
                what,
                expected,
                found,
            }))
        }
    };
    let format_version = txn
        .open_table(tables::META)?
        .get(tables::META_FORMAT_VERSION)?
        .map_or(0, |value| value.value());
    compare(
        "the format version".into(),
        manifest.format_version,
        format_version,
    )?;
    compare(
        "the last event".into(),
        manifest.last_event_seq,
        last_event_seq(&txn)?,
    )?;
    let mut counter = RowCounter {
        txn: &txn,
        rows: BTreeMap::new(),
    };
    tables::for_each_table(&mut counter)?;
    for (name, expected) in &manifest.tables {
        let found = counter.rows.get(name).copied().unwrap_or(0);
        compare(format!("the rows of `{name}`"), *expected, found)?;
    }
    Ok(())
}

/// Counts the rows of each table it visits.
struct RowCounter<'a> {
    txn: &'a ReadTransaction,
    rows: BTreeMap<String, u64>,
}

impl TableVisitor for RowCounter<'_> {
    fn visit<K: Key + 'static, V: Value + 'static>(
        &mut self,
        table: TableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        match self.txn.open_table(table) {
            Ok(opened) => {
                self.rows.insert(table.name().to_string(), opened.len()?);
                Ok(())
            }
            Err(TableError::TableDoesNotExist(_)) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreLocation;

    fn table_names(path: &Path) -> Vec<String> {
        let db = ReadOnlyDatabase::open(path).expect("open");
        let txn = db.begin_read().expect("read");
        let mut names: Vec<String> = txn
            .list_tables()
            .expect("list")
            .map(|handle| handle.name().to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_copy_has_every_table_of_the_source() {
        let source = tempfile::tempdir().expect("tempdir");
        let backup = tempfile::tempdir().expect("tempdir");
        let dest = backup.path().join("copy");
        {
            // The whole engine, so every capability has created its tables.
            let mut config =
                crate::Config::new(StoreLocation::Directory(source.path().to_path_buf()));
            config.users.password_params = crate::PasswordParams::INSECURE_FAST_FOR_TESTS;
            let engine = crate::Engine::open_with(config).expect("open");
            // Users' tables are created by the first account.
            engine
                .ensure_admin("admin@example.com", "admin password", "Admin")
                .expect("admin");
            let report = engine.backup(&dest).expect("backup");
            assert_eq!(report.manifest.format_version, STORE_FORMAT_VERSION);
        }
        let source_tables = table_names(&source.path().join(STORE_FILE_NAME));
        for expected in ["meta", "products", "users", "orders", "events"] {
            assert!(
                source_tables.iter().any(|name| name == expected),
                "{source_tables:?}"
            );
        }
        assert_eq!(source_tables, table_names(&dest.join(STORE_FILE_NAME)));
    }

    /// Collects the names of the tables visited.
    struct Names(std::collections::BTreeSet<String>);

    impl TableVisitor for Names {
        fn visit<K: Key + 'static, V: Value + 'static>(
            &mut self,
            table: TableDefinition<K, V>,
        ) -> Result<(), StoreError> {
            self.0.insert(table.name().to_string());
            Ok(())
        }
    }

    /// Catches a table that is created on first use (so an empty store does not show
    /// it) but missing from `for_each_table`.
    #[test]
    fn every_table_declared_in_tables_rs_is_visited() {
        let declared: std::collections::BTreeSet<String> = include_str!("tables.rs")
            .split("TableDefinition::new(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_string)
            .collect();
        let mut visited = Names(Default::default());
        tables::for_each_table(&mut visited).expect("visit");
        assert!(declared.len() >= 20, "{declared:?}");
        assert_eq!(declared, visited.0);
    }

    #[test]
    fn a_table_outside_the_list_fails_the_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store =
            Store::open(&StoreLocation::Directory(dir.path().join("store")), 16).expect("open");
        {
            let txn = store.db.begin_write().expect("write");
            let stray: TableDefinition<u64, u64> = TableDefinition::new("stray");
            txn.open_table(stray)
                .expect("create")
                .insert(1, 2)
                .expect("insert");
            txn.commit().expect("commit");
        }
        let dest = dir.path().join("copy");
        match store.backup(&dest) {
            Err(StoreError::Backup(BackupError::TableNotCopied { table })) => {
                assert_eq!(table, "stray");
            }
            other => panic!("expected TableNotCopied, got {other:?}"),
        }
        assert!(!dest.join(STORE_FILE_NAME).exists());
        assert!(!dest.join(MANIFEST_FILE_NAME).exists());
    }

    #[test]
    fn a_non_empty_destination_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&StoreLocation::Memory, 16).expect("open");
        std::fs::write(dir.path().join("keep.txt"), b"x").expect("write");
        match store.backup(dir.path()) {
            Err(StoreError::Backup(BackupError::DestinationNotEmpty { path })) => {
                assert_eq!(path, dir.path());
            }
            other => panic!("expected DestinationNotEmpty, got {other:?}"),
        }
        assert!(dir.path().join("keep.txt").exists());
    }

    #[test]
    fn restore_checks_the_manifest_and_refuses_a_non_empty_data_dir() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&StoreLocation::Memory, 16).expect("open");
        let backup = dir.path().join("backup");
        store.backup(&backup).expect("backup");
        let occupied = dir.path().join("occupied");
        std::fs::create_dir(&occupied).expect("mkdir");
        std::fs::write(occupied.join("x"), b"x").expect("write");
        assert!(matches!(
            restore(&backup, &occupied),
            Err(StoreError::Backup(BackupError::DestinationNotEmpty { .. }))
        ));
        let mut manifest = read_manifest(&backup).expect("manifest");
        manifest.tables.insert("products".into(), 7);
        std::fs::write(
            backup.join(MANIFEST_FILE_NAME),
            serde_json::to_vec(&manifest).expect("json"),
        )
        .expect("write");
        assert!(matches!(
            restore(&backup, &dir.path().join("fresh")),
            Err(StoreError::Backup(BackupError::Mismatch {
                expected: 7,
                found: 0,
                ..
            }))
        ));
        manifest.format_version = STORE_FORMAT_VERSION + 1;
        std::fs::write(
            backup.join(MANIFEST_FILE_NAME),
            serde_json::to_vec(&manifest).expect("json"),
        )
        .expect("write");
        assert!(matches!(
            restore(&backup, &dir.path().join("fresh")),
            Err(StoreError::TooNew { .. })
        ));
        std::fs::write(backup.join(MANIFEST_FILE_NAME), b"{").expect("write");
        assert!(matches!(
            restore(&backup, &dir.path().join("fresh")),
            Err(StoreError::Backup(BackupError::InvalidManifest { .. }))
        ));
        assert!(!dir.path().join("fresh").join(STORE_FILE_NAME).exists());
    }

    #[test]
    fn backup_names_are_single_safe_segments() {
        for good in ["nightly", "2026-11-21T12-00-00.123Z", "a_b.c-d"] {
            assert!(validate_backup_name(good, "to").is_ok(), "{good}");
        }
        let long = "a".repeat(BACKUP_NAME_CHARS_MAX + 1);
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "sp ace",
            "é",
            long.as_str(),
        ] {
            let error = validate_backup_name(bad, "to").expect_err(bad);
            assert_eq!(error.field, "to");
        }
        assert!(validate_backup_name(&default_backup_name(Timestamp::now()), "to").is_ok());
    }
}
