//! Durable storage: redb tables, the record codec, the group-commit writer, and the
//! store format version with its migrations.
//!
//! Invariants: every table is declared in [`tables`]; every value goes through
//! [`codec`]; every write goes through the one committer thread; a store written by a
//! newer binary is refused, never misread.

mod backup;
pub mod codec;
mod committer;
mod reply;
pub(crate) mod tables;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable};

pub(crate) use backup::default_backup_name;
pub use backup::{
    BACKUP_CHUNK_ROWS, BACKUP_NAME_CHARS_MAX, BACKUPS_DIR_NAME, BackupError, BackupManifest,
    BackupReport, MANIFEST_FILE_NAME, read_manifest, restore, validate_backup_name,
};
pub use committer::{BATCH_COMMANDS_MAX, CommitterStats, QUEUE_COMMANDS_MAX};
use committer::{Committer, Counters, Done, Watermark};
pub(crate) use committer::{Counter, EncodedEvent, Tx};
use tables::{META, META_FORMAT_VERSION};

use crate::Error;
use crate::model::EventRecord;

/// The store format this binary writes. Bumped whenever a table or record changes
/// shape; [`Store::open`] migrates older stores and refuses newer ones.
pub const STORE_FORMAT_VERSION: u64 = 1;

/// The file name of the store inside a data directory.
pub const STORE_FILE_NAME: &str = "emporium.redb";

/// redb's page cache. Product reads that miss the hot-product cache descend the B-tree
/// through it; at a million products the tables are ~1 GiB, so a smaller cache turns
/// most misses into page reads.
pub const STORE_CACHE_BYTES: usize = 1 << 30;

/// Most events returned by one read of the log.
pub const EVENT_READ_MAX: usize = 10_000;

/// A failure of the storage layer.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// redb reported an error (I/O, corruption, full disk).
    #[error("storage error: {0}")]
    Storage(Arc<redb::Error>),
    /// An operating-system error outside redb.
    #[error("I/O error: {0}")]
    Io(Arc<std::io::Error>),
    /// A stored record could not be decoded.
    #[error("corrupt record in `{table}`: {error}")]
    Corrupt {
        /// The table it was read from.
        table: &'static str,
        /// What was wrong with it.
        error: codec::CodecError,
    },
    /// The store was written by a newer Emporium.
    #[error(
        "the store has format version {found}, newer than this binary supports ({supported}); \
         upgrade Emporium to open it"
    )]
    TooNew {
        /// The version in the store.
        found: u64,
        /// The newest this binary reads.
        supported: u64,
    },
    /// The committer has stopped (the engine is shutting down).
    #[error("the store is closed")]
    Closed,
    /// A backup or restore was refused or failed.
    #[error(transparent)]
    Backup(#[from] BackupError),
}

impl<E: Into<redb::Error>> From<E> for StoreError {
    fn from(error: E) -> Self {
        StoreError::Storage(Arc::new(error.into()))
    }
}

/// Decodes a record read from `table`, naming the table if it is corrupt.
pub(crate) fn decode_from<T: serde::de::DeserializeOwned>(
    table: &'static str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    codec::decode(bytes).map_err(|error| StoreError::Corrupt { table, error })
}

/// How the store keeps its data.
#[derive(Clone, Debug)]
pub enum StoreLocation {
    /// A file in this directory, committed with full durability.
    Directory(PathBuf),
    /// Memory only: for tests and embedding where nothing must outlive the process.
    Memory,
}

/// The open store: the database, its committer, and the event watermark.
pub(crate) struct Store {
    db: Arc<Database>,
    committer: Committer,
    watermark: Arc<Watermark>,
    stats: Arc<CommitterStats>,
    /// The data directory; `None` in memory.
    dir: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the store at `location`.
    pub(crate) fn open(
        location: &StoreLocation,
        batch_commands_max: usize,
    ) -> Result<Store, Error> {
        let db = match location {
            StoreLocation::Directory(dir) => open_file(dir)?,
            StoreLocation::Memory => Database::builder()
                .create_with_backend(redb::backends::InMemoryBackend::new())
                .map_err(StoreError::from)?,
        };
        let db = Arc::new(db);
        let counters = prepare(&db)?;
        let watermark = Arc::new(Watermark::new(counters.last_event_seq()));
        let stats = Arc::new(CommitterStats::default());
        let committer = Committer::start(
            Arc::clone(&db),
            counters,
            batch_commands_max,
            Arc::clone(&watermark),
            Arc::clone(&stats),
        )?;
        let dir = match location {
            StoreLocation::Directory(dir) => Some(dir.clone()),
            StoreLocation::Memory => None,
        };
        Ok(Store {
            db,
            committer,
            watermark,
            stats,
            dir,
        })
    }

    /// A consistent snapshot for reading; never waits for the writer.
    pub(crate) fn read(&self) -> Result<ReadTransaction, StoreError> {
        Ok(self.db.begin_read()?)
    }

    /// Queues `apply` for the next batch. After the batch commits, `after_commit` runs on
    /// the committer thread (in commit order, for in-memory read models); then `reply`
    /// receives the outcome, on the acknowledger thread. `apply` must not write before it has decided to succeed.
    pub(crate) fn submit<T, A, C, R>(
        &self,
        apply: A,
        after_commit: C,
        reply: R,
    ) -> Result<(), Error>
    where
        T: Send + 'static,
        A: FnOnce(&mut Tx<'_>) -> Result<T, Error> + Send + 'static,
        C: FnOnce(&T) + Send + 'static,
        R: FnOnce(Result<T, Error>) + Send + 'static,
    {
        let job = Box::new(move |tx: &mut Tx<'_>| -> Done {
            let outcome = apply(tx);
            if let Err(Error::Store(error)) = &outcome {
                tx.poison(error.clone());
            }
            Box::new(move |commit: Result<(), StoreError>| {
                let result = match (commit, outcome) {
                    (Ok(()), Ok(value)) => {
                        after_commit(&value);
                        Ok(value)
                    }
                    (Ok(()), Err(error)) => Err(error),
                    (Err(error), _) => Err(Error::Store(error)),
                };
                Box::new(move || reply(result))
            })
        });
        self.committer.send(job).map_err(Error::Store)
    }

    /// Like [`Store::submit`], and waits for the reply on this thread.
    pub(crate) fn write<T, A, C>(&self, apply: A, after_commit: C) -> Result<T, Error>
    where
        T: Send + 'static,
        A: FnOnce(&mut Tx<'_>) -> Result<T, Error> + Send + 'static,
        C: FnOnce(&T) + Send + 'static,
    {
        let (sender, receiver) = reply::reply();
        self.submit(apply, after_commit, move |result| sender.send(result))?;
        receiver.wait()
    }

    /// The sequence number of the last committed event.
    pub(crate) fn committed_event_seq(&self) -> u64 {
        self.watermark.get()
    }

    /// Waits until an event after `seen` is committed, or `timeout`; returns the
    /// committed sequence number.
    pub(crate) fn wait_for_events_after(&self, seen: u64, timeout: Duration) -> u64 {
        self.watermark.wait_past(seen, timeout)
    }

    /// Committed events with `seq > after`, at most `max` (bounded by
    /// [`EVENT_READ_MAX`]), in order.
    pub(crate) fn events_after(
        &self,
        after: u64,
        max: usize,
    ) -> Result<Vec<EventRecord>, StoreError> {
        let txn = self.read()?;
        let table = txn.open_table(tables::EVENTS)?;
        let mut records = Vec::new();
        for entry in table
            .range(after.saturating_add(1)..)?
            .take(max.min(EVENT_READ_MAX))
        {
            let (_, value) = entry?;
            records.push(decode_from("events", value.value())?);
        }
        Ok(records)
    }

    /// Counters for metrics.
    pub(crate) fn stats(&self) -> &CommitterStats {
        &self.stats
    }

    /// The data directory; `None` for a store in memory.
    pub(crate) fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }
}

impl Drop for Store {
    /// Commits everything queued, then wakes subscribers waiting for events so they see
    /// the store is gone instead of waiting out their timeout.
    fn drop(&mut self) {
        self.committer.shut_down();
        self.watermark.wake_all();
    }
}

fn open_file(dir: &Path) -> Result<Database, Error> {
    std::fs::create_dir_all(dir).map_err(|error| StoreError::Io(Arc::new(error)))?;
    let db = Database::builder()
        .set_cache_size(STORE_CACHE_BYTES)
        .create(dir.join(STORE_FILE_NAME))
        .map_err(StoreError::from)?;
    Ok(db)
}

/// Creates every table, checks the format version (refusing a newer store, migrating
/// an older one), and loads the committer's counters.
fn prepare(db: &Database) -> Result<Counters, Error> {
    let txn = db.begin_write().map_err(StoreError::from)?;
    {
        let mut meta = txn.open_table(META).map_err(StoreError::from)?;
        let found = meta
            .get(META_FORMAT_VERSION)
            .map_err(StoreError::from)?
            .map(|v| v.value());
        match found {
            None => {
                meta.insert(META_FORMAT_VERSION, STORE_FORMAT_VERSION)
                    .map_err(StoreError::from)?;
            }
            Some(found) if found > STORE_FORMAT_VERSION => {
                return Err(StoreError::TooNew {
                    found,
                    supported: STORE_FORMAT_VERSION,
                }
                .into());
            }
            // Version 1 is the first format: there is nothing older to migrate yet. A
            // later version adds its migration step here, inside this transaction.
            Some(_) => {}
        }
    }
    txn.open_table(tables::PRODUCTS).map_err(StoreError::from)?;
    txn.open_table(tables::SKUS).map_err(StoreError::from)?;
    txn.open_table(tables::CATEGORIES)
        .map_err(StoreError::from)?;
    txn.open_table(tables::CATEGORY_CHILDREN)
        .map_err(StoreError::from)?;
    txn.open_table(tables::STOCK).map_err(StoreError::from)?;
    txn.open_table(tables::EVENTS).map_err(StoreError::from)?;
    txn.open_table(tables::OFFSETS).map_err(StoreError::from)?;
    txn.open_table(tables::CHECKPOINTS)
        .map_err(StoreError::from)?;
    tables::create_commerce_tables(&txn).map_err(StoreError::from)?;
    let counters = Counters::load(&txn)?;
    txn.commit().map_err(StoreError::from)?;
    Ok(counters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, CategoryId, Event, Timestamp};

    fn category_event(tx: &mut Tx<'_>) -> Result<u64, Error> {
        let id = CategoryId::from_raw(tx.next_id(Counter::Category));
        let category = Category {
            id,
            name: "c".into(),
            parent_id: None,
            created_at: tx.now,
        };
        Ok(tx.emit(Event::CategoryCreated(category))?)
    }

    #[test]
    fn a_newer_store_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(Store::open(&StoreLocation::Directory(dir.path().into()), 16).expect("create"));
        {
            let db = Database::create(dir.path().join(STORE_FILE_NAME)).expect("raw open");
            let txn = db.begin_write().expect("write");
            txn.open_table(META)
                .expect("meta")
                .insert(META_FORMAT_VERSION, STORE_FORMAT_VERSION + 1)
                .expect("insert");
            txn.commit().expect("commit");
        }
        match Store::open(&StoreLocation::Directory(dir.path().into()), 16) {
            Err(Error::Store(StoreError::TooNew { found, supported })) => {
                assert_eq!(
                    (found, supported),
                    (STORE_FORMAT_VERSION + 1, STORE_FORMAT_VERSION)
                );
            }
            Err(other) => panic!("expected TooNew, got {other}"),
            Ok(_) => panic!("a newer store must not open"),
        }
    }

    #[test]
    fn event_sequence_survives_reopen_without_gaps() {
        let dir = tempfile::tempdir().expect("tempdir");
        let location = StoreLocation::Directory(dir.path().into());
        {
            let store = Store::open(&location, 16).expect("open");
            for expected in 1..=3 {
                assert_eq!(
                    store.write(category_event, |_| {}).expect("write"),
                    expected
                );
            }
        }
        let store = Store::open(&location, 16).expect("reopen");
        assert_eq!(store.committed_event_seq(), 3);
        assert_eq!(store.write(category_event, |_| {}).expect("write"), 4);
        let seqs: Vec<u64> = store
            .events_after(0, 100)
            .expect("read")
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
        assert_eq!(store.events_after(2, 1).expect("read").len(), 1);
    }

    #[test]
    fn concurrent_writers_share_commits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let location = StoreLocation::Directory(dir.path().into());
        let store = Arc::new(Store::open(&location, BATCH_COMMANDS_MAX).expect("open"));
        let threads: Vec<_> = (0..32)
            .map(|_| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        store.write(category_event, |_| {}).expect("write");
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().expect("thread"));
        let stats = store.stats();
        let commands = stats.commands.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(commands, 32 * 50);
        assert_eq!(store.committed_event_seq(), 32 * 50);
        let batches = stats.batches.load(std::sync::atomic::Ordering::Relaxed);
        // Each durable commit is an fsync; 32 writers waiting on it must have shared them.
        assert!(
            batches * 2 <= commands,
            "{batches} batches for {commands} commands"
        );
    }

    #[test]
    fn a_failing_job_changes_nothing_and_others_commit() {
        let store = Store::open(&StoreLocation::Memory, 16).expect("open");
        let refused = store.write(
            |tx: &mut Tx<'_>| -> Result<u64, Error> {
                let _ = tx.now;
                Err(crate::model::ValidationError::required("x").into())
            },
            |_| {},
        );
        assert!(matches!(refused, Err(Error::Invalid(_))));
        assert_eq!(store.committed_event_seq(), 0);
        assert_eq!(store.write(category_event, |_| {}).expect("write"), 1);
        let at = store.events_after(0, 1).expect("read")[0].at;
        assert!(at > Timestamp::EPOCH);
    }
}
