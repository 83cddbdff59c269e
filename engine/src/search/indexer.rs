//! The search subscriber of the outbox: one thread, `emporium-search`, that keeps the
//! index and the trie in step with committed events.
//!
//! The index remembers its own offset (the commit payload) and the trie, which lives in
//! memory, is rebuilt from one store snapshot at start; the thread reads events after
//! the older of the two, gives the index the events it lacks (one commit per batch) and
//! the trie the events it lacks, then publishes the sequence number both include so
//! writers waiting for read-your-writes wake up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use redb::ReadableTable;

use super::index::snapshot_seq;
use super::trie::TrieOp;
use super::{Autocomplete, SearchError, SearchIndex, SuggestionKind};
use crate::model::{Category, Event, EventRecord, Product, ProductStatus};
use crate::store::tables::{CATEGORIES, PRODUCTS};
use crate::store::{EVENT_READ_MAX, Store, StoreError, decode_from};

/// Most events read and applied in one batch (one index commit).
pub(crate) const INDEXER_BATCH_EVENTS_MAX: usize = 5_000;
/// How long the thread waits for new events before checking for a stop.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Retry delays after a failure: doubling from the first to the last.
const RETRY_DELAY_FIRST: Duration = Duration::from_millis(50);
const RETRY_DELAY_MAX: Duration = Duration::from_secs(2);

const _: () = assert!(INDEXER_BATCH_EVENTS_MAX <= EVENT_READ_MAX);

/// How far the thread got, and whether it should stop.
#[derive(Debug, Default)]
struct Progress {
    state: Mutex<State>,
    moved: Condvar,
    stopping: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    /// Every event up to this one is in the index (reloaded reader) and the trie.
    applied: u64,
    /// The thread has exited.
    stopped: bool,
}

/// The running search subscriber.
pub(crate) struct Indexer {
    store: Arc<Store>,
    progress: Arc<Progress>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer")
            .field("applied_seq", &self.applied_seq())
            .finish()
    }
}

impl Indexer {
    /// Loads the trie (and the index's category map) from one store snapshot, rebuilds
    /// the index if it is empty or ahead of the store, then starts the thread.
    pub(crate) fn start(
        store: Arc<Store>,
        index: Arc<SearchIndex>,
        autocomplete: Arc<Autocomplete>,
    ) -> Result<Indexer, SearchError> {
        let trie_seq = load_snapshot(&store, &index, &autocomplete)?;
        let committed = store.committed_event_seq();
        let indexed = index.indexed_seq();
        if indexed > committed || (indexed == 0 && index.doc_count() == 0 && committed > 0) {
            // An index ahead of the store belongs to another store (a restored backup):
            // it is a read model, so it is rebuilt rather than trusted.
            tracing::info!(
                indexed,
                committed,
                "rebuilding the search index from the store"
            );
            index.rebuild(&store)?;
        }
        let applied = index.indexed_seq().min(trie_seq);
        let progress = Arc::new(Progress::default());
        progress.state.lock().applied = applied;
        let worker = Worker {
            store: Arc::clone(&store),
            index,
            autocomplete,
            progress: Arc::clone(&progress),
            trie_seq,
        };
        let thread = std::thread::Builder::new()
            .name("emporium-search".into())
            .spawn(move || worker.run())?;
        Ok(Indexer {
            store,
            progress,
            thread: Some(thread),
        })
    }

    /// Waits until every event up to `seq` is searchable and suggestible; false on
    /// timeout or if the thread has stopped short of it.
    pub(crate) fn wait_indexed(&self, seq: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.progress.state.lock();
        while state.applied < seq && !state.stopped {
            if self
                .progress
                .moved
                .wait_until(&mut state, deadline)
                .timed_out()
            {
                break;
            }
        }
        state.applied >= seq
    }

    /// True when search includes every committed event (for readiness).
    pub(crate) fn caught_up(&self) -> bool {
        self.applied_seq() >= self.store.committed_event_seq()
    }

    /// Every event up to this one is in the index and the trie.
    pub(crate) fn applied_seq(&self) -> u64 {
        self.progress.state.lock().applied
    }

    /// Stops the thread after its current batch and waits for it.
    pub(crate) fn stop(&mut self) {
        self.progress.stopping.store(true, Ordering::Release);
        // Under the lock, so a worker between checking the flag and waiting cannot miss it.
        let state = self.progress.state.lock();
        self.progress.moved.notify_all();
        drop(state);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the search indexer thread panicked");
            }
        }
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Fills the trie with the active products of one snapshot and teaches the index every
/// category; returns the snapshot's last event sequence number.
fn load_snapshot(
    store: &Store,
    index: &SearchIndex,
    autocomplete: &Autocomplete,
) -> Result<u64, SearchError> {
    let started = Instant::now();
    let txn = store.read()?;
    let seq = snapshot_seq(&txn)?;
    let categories = txn.open_table(CATEGORIES).map_err(StoreError::from)?;
    let mut known = Vec::new();
    for entry in categories.iter().map_err(StoreError::from)? {
        let (_, value) = entry.map_err(StoreError::from)?;
        known.push(decode_from::<Category>("categories", value.value())?);
    }
    index.remember_categories(&known);
    let products = txn.open_table(PRODUCTS).map_err(StoreError::from)?;
    let mut listed = Vec::new();
    for entry in products.iter().map_err(StoreError::from)? {
        let (_, value) = entry.map_err(StoreError::from)?;
        let product: Product = decode_from("products", value.value())?;
        if product.status == ProductStatus::Active {
            listed.push((product.name, product.brand));
        }
    }
    autocomplete.apply(
        listed
            .iter()
            .flat_map(|(name, brand)| trie_adds(name, brand.as_deref())),
    );
    let took_ms = started.elapsed().as_millis();
    tracing::info!(
        seq,
        products = listed.len(),
        keys = autocomplete.len(),
        took_ms,
        "autocomplete loaded"
    );
    Ok(seq)
}

fn trie_adds<'a>(name: &'a str, brand: Option<&'a str>) -> impl Iterator<Item = TrieOp<'a>> {
    let brand = brand.map(|brand| TrieOp::Add(brand, SuggestionKind::Brand));
    std::iter::once(TrieOp::Add(name, SuggestionKind::Product)).chain(brand)
}

fn trie_removes<'a>(name: &'a str, brand: Option<&'a str>) -> impl Iterator<Item = TrieOp<'a>> {
    let brand = brand.map(|brand| TrieOp::Remove(brand, SuggestionKind::Brand));
    std::iter::once(TrieOp::Remove(name, SuggestionKind::Product)).chain(brand)
}

/// The trie changes of one event: a listed product's name and brand come in, an
/// unlisted one's go out.
fn trie_ops(event: &Event) -> Vec<TrieOp<'_>> {
    let listed = |product: &Product| product.status == ProductStatus::Active;
    match event {
        Event::ProductCreated(product) if listed(product) => {
            trie_adds(&product.name, product.brand.as_deref()).collect()
        }
        Event::ProductUpdated { before, after } => {
            let mut ops = Vec::new();
            if listed(before) {
                ops.extend(trie_removes(&before.name, before.brand.as_deref()));
            }
            if listed(after) {
                ops.extend(trie_adds(&after.name, after.brand.as_deref()));
            }
            ops
        }
        _ => Vec::new(),
    }
}

/// The thread's side.
struct Worker {
    store: Arc<Store>,
    index: Arc<SearchIndex>,
    autocomplete: Arc<Autocomplete>,
    progress: Arc<Progress>,
    /// Every event up to this one is in the trie.
    trie_seq: u64,
}

impl Worker {
    fn run(mut self) {
        let mut retry_delay = RETRY_DELAY_FIRST;
        while !self.stopping() {
            let applied = self.progress.state.lock().applied;
            let committed = self.store.wait_for_events_after(applied, POLL_INTERVAL);
            if self.stopping() || committed <= applied {
                continue;
            }
            match self.step() {
                Ok(()) => retry_delay = RETRY_DELAY_FIRST,
                Err(error) => {
                    tracing::error!(%error, applied, "search indexing failed; retrying");
                    self.pause(retry_delay);
                    retry_delay = (retry_delay * 2).min(RETRY_DELAY_MAX);
                }
            }
        }
        if let Err(error) = self.index.flush() {
            tracing::error!(%error, "search index flush on shutdown failed");
        }
        self.progress.state.lock().stopped = true;
        self.progress.moved.notify_all();
    }

    /// Reads one batch after what both models include and applies it to each.
    fn step(&mut self) -> Result<(), SearchError> {
        let from = self.index.indexed_seq().min(self.trie_seq);
        let events = self.store.events_after(from, INDEXER_BATCH_EVENTS_MAX)?;
        let Some(last) = events.last().map(|record| record.seq) else {
            // Committed but not readable yet cannot happen (the watermark moves after
            // the commit); a pause keeps a surprise from spinning.
            self.pause(POLL_INTERVAL);
            return Ok(());
        };
        // The index skips what it already has (its payload may be ahead of the trie).
        self.index.apply(&events)?;
        let fresh: Vec<&EventRecord> = events.iter().filter(|r| r.seq > self.trie_seq).collect();
        self.autocomplete
            .apply(fresh.iter().flat_map(|record| trie_ops(&record.event)));
        self.trie_seq = self.trie_seq.max(last);
        let applied = self.index.indexed_seq().min(self.trie_seq);
        let mut state = self.progress.state.lock();
        state.applied = state.applied.max(applied);
        drop(state);
        self.progress.moved.notify_all();
        Ok(())
    }

    fn stopping(&self) -> bool {
        self.progress.stopping.load(Ordering::Acquire)
    }

    /// Sleeps for `delay`, waking early on stop.
    fn pause(&self, delay: Duration) {
        let mut state = self.progress.state.lock();
        if !self.stopping() {
            self.progress.moved.wait_for(&mut state, delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{CategoryId, Currency, Money, ProductId, Timestamp};
    use crate::search::SearchRequest;
    use crate::store::StoreLocation;
    use crate::store::codec::encode;

    const WAIT: Duration = Duration::from_secs(10);

    fn product(id: u64, name: &str, brand: &str) -> Product {
        Product {
            id: ProductId::from_raw(id),
            sku: format!("SKU-{id}"),
            name: name.into(),
            description: String::new(),
            brand: Some(brand.into()),
            category_id: CategoryId::from_raw(1),
            price: Money::new(100, Currency::USD),
            attributes: BTreeMap::new(),
            images: Vec::new(),
            status: ProductStatus::Active,
            created_at: Timestamp::from_millis(1),
            updated_at: Timestamp::from_millis(1),
            version: 1,
        }
    }

    /// Writes `after` (and its event) the way the catalog does; returns the event's seq.
    fn write(store: &Store, before: Option<Product>, after: Product) -> u64 {
        store
            .write(
                move |tx| {
                    tx.products()?
                        .insert(after.id.raw(), encode(&after).as_slice())?;
                    let event = match before {
                        None => Event::ProductCreated(after),
                        Some(before) => Event::ProductUpdated { before, after },
                    };
                    Ok(tx.emit(event)?)
                },
                |_| {},
            )
            .expect("write")
    }

    fn write_category(store: &Store, id: u64) -> u64 {
        let category = Category {
            id: CategoryId::from_raw(id),
            name: format!("Category {id}"),
            parent_id: None,
            created_at: Timestamp::from_millis(1),
        };
        store
            .write(
                move |tx| {
                    tx.categories()?.insert(id, encode(&category).as_slice())?;
                    Ok(tx.emit(Event::CategoryCreated(category))?)
                },
                |_| {},
            )
            .expect("write")
    }

    fn found(index: &SearchIndex, q: &str) -> Vec<u64> {
        let request = SearchRequest {
            q: q.into(),
            ..Default::default()
        };
        let results = index.search(&request, &|_| true).expect("search");
        results
            .hits
            .iter()
            .map(|hit| hit.product_id.raw())
            .collect()
    }

    fn suggested(autocomplete: &Autocomplete, prefix: &str) -> Vec<String> {
        autocomplete
            .suggest(prefix, 10)
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn loads_the_store_then_follows_every_commit() {
        let store = Arc::new(Store::open(&StoreLocation::Memory, 64).expect("store"));
        write_category(&store, 1);
        write(&store, None, product(1, "Studio Headphones", "Acme"));
        let index = Arc::new(SearchIndex::open(&StoreLocation::Memory).expect("index"));
        let autocomplete = Arc::new(Autocomplete::new());
        let mut indexer = Indexer::start(
            Arc::clone(&store),
            Arc::clone(&index),
            Arc::clone(&autocomplete),
        )
        .expect("start");
        assert!(indexer.wait_indexed(store.committed_event_seq(), WAIT));
        assert!(indexer.caught_up());
        assert_eq!(
            found(&index, "headphones"),
            [1],
            "an empty index is rebuilt at start"
        );
        assert_eq!(suggested(&autocomplete, "stu"), ["Studio Headphones"]);

        let seq = write(&store, None, product(2, "Desk Lamp", "Lumen"));
        assert!(indexer.wait_indexed(seq, WAIT), "read-your-writes");
        assert_eq!(found(&index, "lamp"), [2]);
        assert_eq!(suggested(&autocomplete, "lu"), ["Lumen"]);

        let mut archived = product(1, "Studio Headphones", "Acme");
        archived.status = ProductStatus::Archived;
        let seq = write(
            &store,
            Some(product(1, "Studio Headphones", "Acme")),
            archived,
        );
        assert!(indexer.wait_indexed(seq, WAIT));
        assert!(found(&index, "headphones").is_empty());
        assert!(suggested(&autocomplete, "stu").is_empty());
        assert!(
            suggested(&autocomplete, "ac").is_empty(),
            "the brand went with its product"
        );

        let seq = write_category(&store, 2);
        assert!(
            indexer.wait_indexed(seq, WAIT),
            "a batch without products still advances"
        );
        assert_eq!(indexer.applied_seq(), seq);

        indexer.stop();
        assert!(!indexer.wait_indexed(seq + 1, Duration::from_millis(10)));
        assert!(indexer.wait_indexed(seq, Duration::ZERO));
    }

    #[test]
    fn resumes_from_its_own_offset_after_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let location = StoreLocation::Directory(dir.path().to_path_buf());
        let first = {
            let store = Arc::new(Store::open(&location, 64).expect("store"));
            let index = Arc::new(SearchIndex::open(&location).expect("index"));
            let autocomplete = Arc::new(Autocomplete::new());
            let indexer = Indexer::start(Arc::clone(&store), Arc::clone(&index), autocomplete)
                .expect("start");
            write_category(&store, 1);
            let seq = write(&store, None, product(1, "Garden Hose", "Verde"));
            assert!(indexer.wait_indexed(seq, WAIT));
            seq
        };
        let store = Arc::new(Store::open(&location, 64).expect("reopen store"));
        let index = Arc::new(SearchIndex::open(&location).expect("reopen index"));
        assert_eq!(index.indexed_seq(), first, "the payload survived");
        let autocomplete = Arc::new(Autocomplete::new());
        let indexer = Indexer::start(
            Arc::clone(&store),
            Arc::clone(&index),
            Arc::clone(&autocomplete),
        )
        .expect("start");
        assert!(indexer.caught_up(), "nothing to replay");
        assert_eq!(
            suggested(&autocomplete, "gar"),
            ["Garden Hose"],
            "the trie comes from the store"
        );
        let seq = write(&store, None, product(2, "Garden Rake", "Verde"));
        assert!(indexer.wait_indexed(seq, WAIT));
        assert_eq!(found(&index, "garden rake"), [2]);
        assert_eq!(suggested(&autocomplete, "verde")[0], "Verde");
        assert_eq!(autocomplete.suggest("verde", 1)[0].score, 2);
    }
}
