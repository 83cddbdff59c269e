//! The engine's front door: opening, the capabilities wired together, shutdown.

use std::path::Path;
use std::sync::Arc;

use crate::catalog::{Catalog, CategoryView, ImportChunk, ProductPage, ProductQuery};
use crate::inventory::{Inventory, StockLevel};
use crate::model::{CategoryId, NewProduct, Product, ProductId, ProductPatch, ProductStatus};
use crate::store::{BATCH_COMMANDS_MAX, Store, StoreLocation};
use crate::{Error, Result};

/// How an engine is opened.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the data lives.
    pub location: StoreLocation,
    /// Most products in the hot-product cache.
    pub cache_products_max: usize,
    /// Most writes the committer puts in one transaction (1 disables group commit,
    /// for comparison only).
    pub batch_commands_max: usize,
    /// Accounts and sessions: password hashing cost, session lifetime.
    pub users: crate::users::UsersConfig,
    /// How long a cart's hold on an added item lasts (default 15 minutes).
    pub hold_ttl_ms: u64,
    /// Shipping and tax (default 0 and 0).
    pub pricing: crate::cart::PricingConfig,
    /// The payment provider, retries and circuit breaker (default: the test provider).
    pub payments: crate::payments::PaymentsConfig,
    /// Faults to inject, for crash tests only (default: none).
    pub faults: crate::checkout::Faults,
    /// How often lapsed holds are returned to stock (default 250 ms; 0: never by
    /// itself, only through [`Engine::sweep_holds`]).
    pub hold_sweep_interval_ms: u64,
    /// Windows, watermarks and bounds of the analytics read model.
    pub analytics: crate::analytics::AnalyticsConfig,
    /// Templates, bounds and the sink of notifications (default: a JSON-lines file in
    /// the data directory).
    pub notifications: crate::notifications::NotificationsConfig,
}

impl Config {
    /// The defaults for a store in `dir`.
    pub fn new(location: StoreLocation) -> Config {
        Config {
            location,
            cache_products_max: 100_000,
            batch_commands_max: BATCH_COMMANDS_MAX,
            users: crate::users::UsersConfig::default(),
            hold_ttl_ms: crate::cart::HOLD_TTL_MS_DEFAULT,
            pricing: crate::cart::PricingConfig::default(),
            payments: crate::payments::PaymentsConfig::default(),
            faults: crate::checkout::Faults::default(),
            hold_sweep_interval_ms: crate::inventory::HOLD_SWEEP_INTERVAL_MS_DEFAULT,
            analytics: crate::analytics::AnalyticsConfig::default(),
            notifications: crate::notifications::NotificationsConfig::default(),
        }
    }
}

/// The engine. Cheap to clone; every clone is the same engine.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) store: Arc<Store>,
    pub(crate) catalog: Catalog,
    pub(crate) inventory: Arc<Inventory>,
    pub(crate) users: Arc<crate::users::Users>,
    pub(crate) carts: crate::cart::Carts,
    pub(crate) payments: crate::payments::Payments,
    pub(crate) orders: Arc<crate::orders::Orders>,
    pub(crate) checkout: crate::checkout::Checkouts,
    pub(crate) hold_sweeper: crate::inventory::HoldSweeper,
    pub(crate) search: Arc<crate::search::SearchIndex>,
    pub(crate) autocomplete: Arc<crate::search::Autocomplete>,
    /// Rating aggregates, moved by review commits.
    pub(crate) reviews: Arc<crate::reviews::Reviews>,
    /// Stopped before the store closes (see `Drop`), so it never reads a closed store.
    pub(crate) indexer: crate::search::Indexer,
    /// Views, searches and client events on their way to the log.
    pub(crate) activity: Arc<crate::events::activity::ActivityBuffer>,
    /// The outbox's reader and subscriber threads.
    pub(crate) subscribers: crate::events::subscribers::Subscribers,
    /// The analytics windows (a subscriber).
    pub(crate) analytics: Arc<crate::events::analytics::AnalyticsModel>,
    /// Open low-stock alerts (a subscriber).
    pub(crate) alerts: Arc<crate::events::alerts::Alerts>,
    /// Notification messages (a subscriber) and their delivery thread.
    pub(crate) notifications: Arc<crate::notifications::Notifications>,
    /// Bought together, also viewed, popular by category (a subscriber).
    pub(crate) recommendations: Arc<crate::events::recommendations::Recommendations>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The indexer holds the store: stop it first, so the store's last reference goes
        // with `Inner` and the committer flushes what is queued before the process ends.
        // Activity first, so its last flush reaches the log while the committer runs;
        // then the subscribers, which write a last checkpoint.
        self.notifications.stop();
        self.activity.stop();
        self.subscribers.stop();
        self.indexer.stop();
    }
}

/// A line of an import that was refused, and why.
#[derive(Clone, Debug)]
pub struct ImportRejection {
    /// Its position in the input (0-based).
    pub index: usize,
    /// Why it was refused.
    pub error: Error,
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    /// Products created.
    pub imported: usize,
    /// Products refused, with the reason.
    pub rejected: Vec<ImportRejection>,
}

/// Products per import job: large enough that a million products take a few hundred
/// commits, small enough that one batch stays well under a second.
pub const IMPORT_CHUNK_PRODUCTS: usize = 4_096;
/// Import chunks queued for the committer at once: two keep it busy while the caller
/// waits for the oldest.
pub const IMPORT_CHUNKS_IN_FLIGHT: usize = 2;
/// Longest a write waits for search to include it before answering anyway (the write is
/// durable either way; this bounds a stalled index's effect on writers).
pub const SEARCHABLE_WAIT_MS_MAX: u64 = 30_000;

impl Engine {
    /// Opens (creating if needed) the engine whose data lives in `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Engine> {
        Engine::open_with(Config::new(StoreLocation::Directory(
            dir.as_ref().to_path_buf(),
        )))
    }

    /// Opens an engine that keeps everything in memory.
    pub fn open_in_memory() -> Result<Engine> {
        Engine::open_with(Config::new(StoreLocation::Memory))
    }

    /// Opens an engine as `config` says.
    pub fn open_with(config: Config) -> Result<Engine> {
        let store = Arc::new(Store::open(&config.location, config.batch_commands_max)?);
        let inventory = Arc::new(Inventory::default());
        let catalog = Catalog::load(&store, Arc::clone(&inventory), config.cache_products_max)?;
        let users = Arc::new(crate::users::Users::load(&store, &config.users)?);
        let carts = crate::cart::Carts::load(&store, config.hold_ttl_ms, config.pricing)?;
        let orders = Arc::new(crate::orders::Orders::load(&store)?);
        let reviews = Arc::new(crate::reviews::Reviews::load(&store)?);
        crate::inventory::check_on_open(&store, &inventory)?;
        let search = Arc::new(crate::search::SearchIndex::open(&config.location)?);
        let autocomplete = Arc::new(crate::search::Autocomplete::new());
        let indexer = crate::search::Indexer::start(
            Arc::clone(&store),
            Arc::clone(&search),
            Arc::clone(&autocomplete),
        )?;
        let analytics = Arc::new(crate::events::analytics::AnalyticsModel::new(
            config.analytics.clone(),
        )?);
        let alerts = Arc::new(crate::events::alerts::Alerts::default());
        let notifications = Arc::new(crate::notifications::Notifications::open(
            &store,
            &config.notifications,
        )?);
        let recommendations = Arc::new(crate::events::recommendations::Recommendations::default());
        let subscribers = crate::events::subscribers::Subscribers::start(
            &store,
            vec![
                Arc::clone(&analytics) as Arc<dyn crate::events::Subscriber>,
                Arc::clone(&alerts) as Arc<dyn crate::events::Subscriber>,
                Arc::clone(&notifications) as Arc<dyn crate::events::Subscriber>,
                Arc::clone(&recommendations) as Arc<dyn crate::events::Subscriber>,
                Arc::new(crate::events::popularity::SearchPopularity::new(
                    Arc::clone(&store),
                    catalog.clone(),
                    Arc::clone(&autocomplete),
                )) as Arc<dyn crate::events::Subscriber>,
            ],
        )?;
        let activity = Arc::new(crate::events::activity::ActivityBuffer::start(Arc::clone(
            &store,
        ))?);
        let lapsed_into = Arc::clone(&activity);
        let hold_sweeper = crate::inventory::HoldSweeper::start(
            Arc::clone(&inventory),
            config.hold_sweep_interval_ms,
            Arc::new(move |hold: &crate::inventory::ExpiredHold| {
                lapsed_into.record(crate::events::activity::hold_expired(hold));
            }),
        )
        .map_err(|error| crate::StoreError::Io(Arc::new(error)))?;
        let engine = Engine {
            inner: Arc::new(Inner {
                store,
                catalog,
                inventory,
                users,
                carts,
                payments: crate::payments::Payments::new(&config.payments),
                orders,
                checkout: crate::checkout::Checkouts::new(config.faults),
                hold_sweeper,
                search,
                autocomplete,
                reviews,
                indexer,
                activity,
                subscribers,
                analytics,
                alerts,
                notifications,
                recommendations,
            }),
        };
        engine
            .inner
            .notifications
            .start(Arc::clone(&engine.inner.users))?;
        // Crash window W2 of checkout: money taken for orders that never committed.
        if let Err(error) = engine.reconcile_payments() {
            tracing::warn!(%error, "payment reconciliation on open failed; retry with reconcile_payments");
        }
        Ok(engine)
    }

    /// Creates a product; answered once it is durable.
    pub fn create_product(&self, new: NewProduct) -> Result<Product> {
        let written = self.inner.catalog.create_product(&self.inner.store, new)?;
        self.wait_searchable(written.seq);
        Ok(written.into_value())
    }

    /// Changes product `id`; with `expected_version`, only if it is still that version.
    pub fn update_product(
        &self,
        id: ProductId,
        patch: ProductPatch,
        expected_version: Option<u64>,
    ) -> Result<Product> {
        let written =
            self.inner
                .catalog
                .update_product(&self.inner.store, id, patch, expected_version)?;
        self.wait_searchable(written.seq);
        Ok(written.into_value())
    }

    /// Archives product `id`: no longer listed, searched or sold; kept for history.
    pub fn archive_product(&self, id: ProductId) -> Result<Product> {
        let patch = ProductPatch {
            status: Some(ProductStatus::Archived),
            ..Default::default()
        };
        self.update_product(id, patch, None)
    }

    /// Imports many products: chunks are written as large batches, pipelined through the
    /// committer (at most [`IMPORT_CHUNKS_IN_FLIGHT`] queued, so one transaction never
    /// swallows the whole import). A refused product is reported with its index; the rest
    /// go in. Answered once everything imported is searchable.
    pub fn import_products(&self, products: Vec<NewProduct>) -> Result<ImportReport> {
        let mut pending = std::collections::VecDeque::new();
        let mut report = ImportReport::default();
        let mut last_seq = 0;
        let mut offset = 0;
        let mut products = products.into_iter().peekable();
        while products.peek().is_some() || !pending.is_empty() {
            if pending.len() < IMPORT_CHUNKS_IN_FLIGHT && products.peek().is_some() {
                let chunk: Vec<NewProduct> =
                    products.by_ref().take(IMPORT_CHUNK_PRODUCTS).collect();
                let (sender, receiver) = crossbeam_channel::bounded::<Result<ImportChunk>>(1);
                let len = chunk.len();
                self.inner
                    .catalog
                    .submit_import(&self.inner.store, chunk, move |outcome| {
                        let _ = sender.send(outcome);
                    })?;
                pending.push_back((offset, receiver));
                offset += len;
                continue;
            }
            let Some((offset, receiver)) = pending.pop_front() else {
                break;
            };
            let chunk = receiver
                .recv()
                .map_err(|_| Error::Store(crate::StoreError::Closed))??;
            last_seq = last_seq.max(chunk.last_seq);
            for (position, outcome) in chunk.outcomes.into_iter().enumerate() {
                match outcome {
                    Ok(_) => report.imported += 1,
                    Err(error) => report.rejected.push(ImportRejection {
                        index: offset + position,
                        error,
                    }),
                }
            }
        }
        self.wait_searchable(last_seq);
        Ok(report)
    }

    /// Product `id`, whatever its status.
    pub fn product(&self, id: ProductId) -> Result<Option<Arc<Product>>> {
        self.inner.catalog.product(&self.inner.store, id)
    }

    /// The product with `sku`.
    pub fn product_by_sku(&self, sku: &str) -> Result<Option<Arc<Product>>> {
        match self
            .inner
            .catalog
            .product_id_by_sku(&self.inner.store, sku)?
        {
            Some(id) => self.product(id),
            None => Ok(None),
        }
    }

    /// Whether the SKU bloom filter admits `sku` (false means certainly unknown).
    pub fn sku_may_exist(&self, sku: &str) -> bool {
        self.inner.catalog.sku_may_exist(sku)
    }

    /// One page of active products.
    pub fn list_products(&self, query: &ProductQuery) -> Result<ProductPage> {
        self.inner.catalog.list(&self.inner.store, query)
    }

    /// Creates a category.
    pub fn create_category(&self, name: &str, parent: Option<CategoryId>) -> Result<CategoryView> {
        let written =
            self.inner
                .catalog
                .create_category(&self.inner.store, name.to_string(), parent)?;
        self.wait_searchable(written.seq);
        Ok(written.into_value())
    }

    /// Every category, ordered by path.
    pub fn categories(&self) -> Vec<CategoryView> {
        self.inner.catalog.categories()
    }

    /// One category.
    pub fn category(&self, id: CategoryId) -> Option<CategoryView> {
        self.inner.catalog.category(id)
    }

    /// The live stock of product `id`.
    pub fn stock(&self, id: ProductId) -> StockLevel {
        self.inner.inventory.level(id.raw()).unwrap_or_default()
    }

    /// Hot-product cache counters: (hits, misses).
    pub fn cache_counters(&self) -> (u64, u64) {
        self.inner.catalog.cache_counters()
    }

    /// The committer's counters (batches, jobs, time in commit), for metrics.
    pub fn committer_stats(&self) -> &crate::store::CommitterStats {
        self.inner.store.stats()
    }

    /// Committed domain events with `seq > after`, in order, at most `max` (bounded by
    /// [`crate::store::EVENT_READ_MAX`]).
    pub fn events_after(&self, after: u64, max: usize) -> Result<Vec<crate::EventRecord>> {
        Ok(self.inner.store.events_after(after, max)?)
    }

    /// Copies the store into `dest_dir` (created if missing; refused unless empty) as a
    /// consistent snapshot, while the engine keeps taking writes: every table is read
    /// in one read transaction, so writers are never stalled. Writes a manifest beside
    /// the copy. The search index is not copied; it is rebuilt from the store when the
    /// copy is restored and opened.
    pub fn backup(&self, dest_dir: &Path) -> Result<crate::store::BackupReport> {
        Ok(self.inner.store.backup(dest_dir)?)
    }

    /// Backs up into `<data dir>/backups/<name>` (default: the current time). `name`
    /// must pass [`crate::store::validate_backup_name`] (the error names `field`); a
    /// backup of that name that already exists is refused, as is a store in memory.
    pub fn backup_in_data_dir(
        &self,
        name: Option<&str>,
        field: &str,
    ) -> Result<crate::store::BackupReport> {
        use crate::store::{BACKUPS_DIR_NAME, BackupError, StoreError};
        let name = match name {
            Some(name) => name.to_string(),
            None => crate::store::default_backup_name(crate::Timestamp::now()),
        };
        crate::store::validate_backup_name(&name, field)?;
        let Some(data_dir) = self.inner.store.dir() else {
            return Err(StoreError::Backup(BackupError::NoDataDirectory).into());
        };
        let backups = data_dir.join(BACKUPS_DIR_NAME);
        let dest = backups.join(&name);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |error: std::io::Error| {
                Error::Store(StoreError::Backup(BackupError::Io {
                    path,
                    error: Arc::new(error),
                }))
            }
        };
        std::fs::create_dir_all(&backups).map_err(io(&backups))?;
        // `create_dir`, not `create_dir_all`: it claims the name atomically, so two
        // backups of one name never write into the same directory.
        match std::fs::create_dir(&dest) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(
                    StoreError::Backup(BackupError::DestinationNotEmpty { path: dest }).into(),
                );
            }
            Err(error) => return Err(io(&dest)(error)),
        }
        let report = self.backup(&dest);
        if report.is_err() {
            // Leave no empty directory behind to block a retry under the same name.
            let _ = std::fs::remove_dir(&dest);
        }
        report
    }
}
