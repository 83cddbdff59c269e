//! The tantivy index of active products: its schema, how events become documents, and
//! the one writer that commits them in batches.
//!
//! Commits are the expensive part (a few milliseconds and an fsync each), so
//! [`SearchIndex::apply`] takes a whole slice of events and commits once, storing the
//! last event's sequence number in the commit payload. The reader reloads by hand right
//! after each commit ([`ReloadPolicy::Manual`]) so a change is searchable as soon as
//! `apply` returns.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::{Mutex, RwLock};
use redb::ReadableTable;
use tantivy::directory::MmapDirectory;
use tantivy::indexer::IndexWriterOptions;
use tantivy::schema::{
    FAST, Facet, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::store::Compressor;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError,
    Term,
};

use super::collector::Filters;
use super::execute::Prepared;
use super::query::{self, Plan};
use super::segment::ColumnCache;
use super::vocabulary::Vocabularies;
use super::{SearchError, SearchHit, SearchRequest, SearchResults, highlight};
use crate::model::{
    CATEGORY_DEPTH_MAX, Category, CategoryId, Event, EventRecord, Product, ProductId,
};
use crate::model::{ProductStatus, fold};
use crate::store::tables::{CATEGORIES, META, META_NEXT_EVENT_SEQ, PRODUCTS};
use crate::store::{Store, StoreError, StoreLocation, decode_from};

/// The folder of the index inside the data directory.
pub(crate) const SEARCH_DIR_NAME: &str = "search";
/// The indexing memory budget; tantivy flushes a segment when it is used up. One thread:
/// the machine has two cores and the committer and the server need the other.
const WRITER_MEMORY_BYTES: usize = 64 * 1024 * 1024;
/// Bytes of documents compressed together in the document store (see [`settings`]).
const DOCSTORE_BLOCK_BYTES: usize = 4 * 1024;
/// The name the analyzer is registered under.
pub(crate) const ANALYZER_NAME: &str = "emporium_text";
/// Longest token indexed, in bytes; longer ones are noise (hashes, URLs).
const TOKEN_BYTES_MAX: usize = 40;
/// Events the durable payload may lag behind what searches see, when the events in
/// between change nothing in the index (so replaying them after a crash is a no-op).
/// Bounds the replay while sparing a commit for every batch of, say, order events.
const PAYLOAD_LAG_EVENTS_MAX: u64 = 10_000;
/// Most categories remembered for paths: far beyond any catalog, it only guards memory.
pub(crate) const CATEGORIES_MAX: usize = 1_000_000;

const _: () = assert!(
    WRITER_MEMORY_BYTES >= 15 * 1024 * 1024,
    "tantivy needs 15 MB per thread"
);

/// The fields of a product document.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    /// Product id: indexed for delete-by-term, fast for the collector.
    pub(crate) id: Field,
    /// Name, analyzed with positions (phrases), stored for highlighting.
    pub(crate) name: Field,
    /// The whole analyzed name as one term: the exact-title clause.
    pub(crate) name_exact: Field,
    /// Brand, analyzed and stored.
    pub(crate) brand: Field,
    /// The folded whole brand: the brand filter and the brand facet.
    pub(crate) brand_key: Field,
    /// The brand as written: the facet's display value.
    pub(crate) brand_raw: Field,
    /// Description, analyzed and stored.
    pub(crate) description: Field,
    /// Category ids from the root (`/3/17/42`): a term per ancestor, so a filter on a
    /// category matches its descendants.
    pub(crate) category: Field,
    /// Price in minor units.
    pub(crate) price: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let analyzed = |option| {
        TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER_NAME)
                .set_index_option(option),
        )
    };
    let fields = Fields {
        id: builder.add_u64_field("id", INDEXED | FAST),
        name: builder.add_text_field("name", analyzed(IndexRecordOption::WithFreqsAndPositions)),
        name_exact: builder.add_text_field("name_exact", STRING),
        brand: builder.add_text_field("brand", analyzed(IndexRecordOption::WithFreqs)),
        brand_key: builder.add_text_field("brand_key", STRING | FAST),
        brand_raw: builder.add_text_field("brand_raw", TextOptions::default().set_fast("raw")),
        description: builder.add_text_field("description", analyzed(IndexRecordOption::WithFreqs)),
        category: builder.add_facet_field("category", INDEXED),
        price: builder.add_u64_field("price", INDEXED | FAST),
    };
    (builder.build(), fields)
}

/// Words as search sees them: split on anything not alphanumeric, lower case, accents
/// folded to ASCII. The same analyzer runs on documents, queries and highlights.
pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(TOKEN_BYTES_MAX))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The analyzed words of `text`.
pub(crate) fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        words.push(token.text.clone());
    }
    words
}

/// The key of a brand: folded, whitespace collapsed.
pub(crate) fn brand_key(brand: &str) -> String {
    fold(brand).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The full-text index of active products.
pub(crate) struct SearchIndex {
    reader: IndexReader,
    /// The one writer; its lock also orders `apply` and `rebuild`.
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzer: TextAnalyzer,
    /// Category id → parent: categories never move, so a product's path is fixed.
    parents: RwLock<HashMap<u64, Option<u64>>>,
    /// Per-document arrays of the searchable segments, warmed after each reload.
    columns: ColumnCache,
    /// The words of every searchable segment, for typos and prefixes.
    vocabulary: Vocabularies,
    /// Every event up to this one is reflected in what searches see.
    seen_seq: AtomicU64,
    /// The payload of the last commit: every event up to it is on disk.
    durable_seq: AtomicU64,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("indexed_seq", &self.indexed_seq())
            .field("doc_count", &self.doc_count())
            .finish()
    }
}

impl SearchIndex {
    /// Opens the index of a store at `location`: `search/` inside a data directory
    /// (created if missing), or in memory.
    pub(crate) fn open(location: &StoreLocation) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let index = match location {
            StoreLocation::Memory => Index::builder()
                .schema(schema)
                .settings(settings())
                .create_in_ram()?,
            StoreLocation::Directory(dir) => open_in_dir(&dir.join(SEARCH_DIR_NAME), schema)?,
        };
        let analyzer = analyzer();
        index.tokenizers().register(ANALYZER_NAME, analyzer.clone());
        let options = IndexWriterOptions::builder()
            .memory_budget_per_thread(WRITER_MEMORY_BYTES)
            .num_worker_threads(1)
            .num_merge_threads(1)
            .build();
        let writer = index.writer_with_options(options)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let seq = payload_seq(&index)?;
        let search = SearchIndex {
            reader,
            writer: Mutex::new(writer),
            fields,
            analyzer,
            parents: RwLock::new(HashMap::new()),
            columns: ColumnCache::default(),
            vocabulary: Vocabularies::new(vec![fields.name, fields.brand, fields.description]),
            seen_seq: AtomicU64::new(seq),
            durable_seq: AtomicU64::new(seq),
        };
        search.learn_paths_from_documents()?;
        search.compact(&mut search.writer.lock())?;
        search.warm()?;
        Ok(search)
    }

    /// Every event up to this sequence number is reflected in searches. After a restart
    /// it is the commit payload; the payload may lag only over events that change
    /// nothing in the index (see [`SearchIndex::flush`]).
    pub(crate) fn indexed_seq(&self) -> u64 {
        self.seen_seq.load(Ordering::Acquire)
    }

    /// The current searcher and the fields, for tests that query tantivy directly.
    #[cfg(test)]
    pub(crate) fn searcher_and_fields(&self) -> (tantivy::Searcher, Fields) {
        (self.reader.searcher(), self.fields)
    }

    /// Active products in the index.
    pub(crate) fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Remembers categories (id → parent) so products filed under them get their path.
    pub(crate) fn remember_categories<'a>(
        &self,
        categories: impl IntoIterator<Item = &'a Category>,
    ) {
        let mut parents = self.parents.write();
        for category in categories {
            if parents.len() >= CATEGORIES_MAX && !parents.contains_key(&category.id.raw()) {
                tracing::warn!(
                    categories = parents.len(),
                    "too many categories; path left short"
                );
                continue;
            }
            parents.insert(category.id.raw(), category.parent_id.map(CategoryId::raw));
        }
    }

    /// Applies every event after [`SearchIndex::indexed_seq`] in `events` (in order),
    /// with one commit whose payload is the last sequence number, then reloads the
    /// reader. On error nothing of the slice is applied (the writer rolls back).
    pub(crate) fn apply(&self, events: &[EventRecord]) -> Result<(), SearchError> {
        let mut writer = self.writer.lock();
        let seen = self.indexed_seq();
        let fresh: Vec<&EventRecord> = events.iter().filter(|record| record.seq > seen).collect();
        let Some(last) = fresh.last().map(|record| record.seq) else {
            return Ok(());
        };
        let mut changed = false;
        let mut outcome = Ok(());
        for record in fresh {
            outcome = match &record.event {
                Event::CategoryCreated(category) => {
                    self.remember_categories([category]);
                    Ok(())
                }
                Event::ProductCreated(product) => {
                    changed |= is_listed(product);
                    self.upsert(&writer, product)
                }
                Event::ProductUpdated { before, after } => {
                    changed |= is_listed(before) || is_listed(after);
                    self.upsert(&writer, after)
                }
                // Orders, stock, users…: nothing the index holds.
                _ => Ok(()),
            };
            if outcome.is_err() {
                break;
            }
        }
        let lag = last - self.durable_seq.load(Ordering::Acquire);
        if outcome.is_ok() && (changed || lag >= PAYLOAD_LAG_EVENTS_MAX) {
            outcome = self.commit(&mut writer, last);
        }
        if let Err(error) = outcome {
            roll_back(&mut writer);
            return Err(error);
        }
        self.seen_seq.store(last, Ordering::Release);
        Ok(())
    }

    /// Commits the sequence number searches already reflect, if the durable payload lags
    /// behind it; called on shutdown so a restart replays nothing.
    pub(crate) fn flush(&self) -> Result<(), SearchError> {
        let mut writer = self.writer.lock();
        let seen = self.indexed_seq();
        if seen > self.durable_seq.load(Ordering::Acquire) {
            if let Err(error) = self.commit(&mut writer, seen) {
                roll_back(&mut writer);
                return Err(error);
            }
        }
        Ok(())
    }

    /// Replaces the whole index with the active products of one snapshot of the store,
    /// committed with that snapshot's last event sequence number. Returns the number
    /// of documents indexed.
    pub(crate) fn rebuild(&self, store: &Store) -> Result<u64, SearchError> {
        let started = Instant::now();
        let mut writer = self.writer.lock();
        let outcome = self.rebuild_locked(&mut writer, store);
        match &outcome {
            Ok((docs, seq)) => {
                let took_ms = started.elapsed().as_millis();
                tracing::info!(docs, seq, took_ms, "search index rebuilt");
            }
            Err(error) => {
                tracing::error!(%error, "search index rebuild failed");
                roll_back(&mut writer);
            }
        }
        outcome.map(|(docs, _)| docs)
    }

    fn rebuild_locked(
        &self,
        writer: &mut IndexWriter,
        store: &Store,
    ) -> Result<(u64, u64), SearchError> {
        let txn = store.read()?;
        let seq = snapshot_seq(&txn)?;
        let categories = txn.open_table(CATEGORIES).map_err(StoreError::from)?;
        let mut known = Vec::new();
        for entry in categories.iter().map_err(StoreError::from)? {
            let (_, value) = entry.map_err(StoreError::from)?;
            known.push(decode_from::<Category>("categories", value.value())?);
        }
        self.remember_categories(&known);
        writer.delete_all_documents()?;
        let products = txn.open_table(PRODUCTS).map_err(StoreError::from)?;
        let mut docs = 0;
        for entry in products.iter().map_err(StoreError::from)? {
            let (_, value) = entry.map_err(StoreError::from)?;
            let product: Product = decode_from("products", value.value())?;
            if is_listed(&product) {
                writer.add_document(self.document(&product))?;
                docs += 1;
            }
        }
        self.commit(writer, seq)?;
        self.seen_seq.store(seq, Ordering::Release);
        self.compact(writer)?;
        Ok((docs, seq))
    }

    /// Merges every segment into one, then shows it to searches. Called where the index
    /// is rebuilt or opened: a search does its per-segment work (dictionary lookups,
    /// posting lists opened, counters) once per segment, so a bulk-loaded catalog left
    /// in five segments cost a search about a third more than one segment (measured on
    /// a million products, where the merge itself takes about five seconds). Later
    /// writes add small segments, which tantivy's merge policy keeps few.
    fn compact(&self, writer: &mut IndexWriter) -> Result<(), SearchError> {
        let segments = writer.index().searchable_segment_ids()?;
        if segments.len() < 2 {
            return Ok(());
        }
        let started = Instant::now();
        writer.merge(&segments).wait()?;
        self.reader.reload()?;
        self.warm()?;
        let took_ms = started.elapsed().as_millis();
        tracing::info!(
            segments = segments.len(),
            took_ms,
            "search index merged into one segment"
        );
        Ok(())
    }

    /// Runs a search; `in_stock` answers for each candidate when the request asks for
    /// products in stock only.
    pub(crate) fn search(
        &self,
        request: &SearchRequest,
        in_stock: &(dyn Fn(ProductId) -> bool + Sync),
    ) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let mut analyzer = self.analyzer.clone();
        let plan = Plan::new(request, &mut analyzer)?;
        let category_path = plan.category.map(|category| self.path_of(category.raw()));
        let searcher = self.reader.searcher();
        let columns = self.columns.columns(&searcher)?;
        let vocabulary = self.vocabulary.for_searcher(&searcher)?;
        let prepared = Prepared::new(
            &plan,
            &self.fields,
            category_path.as_deref(),
            &searcher,
            &vocabulary,
        )?;
        let filters = Filters {
            keep: plan.offset + plan.limit,
            min_price: plan.min_price,
            max_price: plan.max_price,
            category_path: category_path.as_deref(),
            brand_key: plan.brand_key.as_deref(),
            in_stock: request.in_stock.then_some(in_stock),
        };
        let collected = prepared.run(&searcher, &columns, filters)?;
        let near = prepared.near_words();
        let markers: Vec<highlight::Marker<'_>> = plan
            .words
            .iter()
            .enumerate()
            .map(|(index, word)| highlight::Marker {
                word,
                near: near.get(index).copied().flatten(),
            })
            .collect();
        let mut hits = Vec::with_capacity(plan.limit);
        for candidate in collected.hits.iter().skip(plan.offset).take(plan.limit) {
            let doc: TantivyDocument = searcher.doc(candidate.address)?;
            let highlights = highlight::highlights(&mut analyzer, &markers, &self.fields, &doc);
            let product_id = ProductId::from_raw(candidate.product);
            hits.push(SearchHit {
                product_id,
                score: candidate.score,
                highlights,
            });
        }
        let next_offset = plan.offset + plan.limit;
        let more = u64::try_from(next_offset).is_ok_and(|next| next < collected.total);
        let next_cursor = (more && next_offset <= super::SEARCH_OFFSET_MAX)
            .then(|| query::encode_cursor(next_offset, plan.fingerprint));
        let took_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        Ok(SearchResults {
            hits,
            total: collected.total,
            facets: collected.facets,
            next_cursor,
            took_us,
        })
    }

    fn upsert(&self, writer: &IndexWriter, product: &Product) -> Result<(), SearchError> {
        // A delete only affects documents added before it, so delete-then-add is an
        // upsert even within one commit.
        writer.delete_term(Term::from_field_u64(self.fields.id, product.id.raw()));
        if is_listed(product) {
            writer.add_document(self.document(product))?;
        }
        Ok(())
    }

    fn document(&self, product: &Product) -> TantivyDocument {
        let fields = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(fields.id, product.id.raw());
        doc.add_text(fields.name, &product.name);
        let mut analyzer = self.analyzer.clone();
        doc.add_text(
            fields.name_exact,
            words(&mut analyzer, &product.name).join(" "),
        );
        if let Some(brand) = &product.brand {
            doc.add_text(fields.brand, brand);
            doc.add_text(fields.brand_key, brand_key(brand));
            doc.add_text(fields.brand_raw, brand.trim());
        }
        doc.add_text(fields.description, &product.description);
        let path = self.path_of(product.category_id.raw());
        doc.add_facet(
            fields.category,
            Facet::from_path(path.iter().map(u64::to_string)),
        );
        doc.add_u64(fields.price, product.price.amount);
        doc
    }

    /// The ids from the root down to `category`. An unknown ancestor cuts the path
    /// short (it cannot happen for events in order, since a category is created before
    /// anything is filed under it); the depth bound also stops a corrupt cycle.
    pub(crate) fn path_of(&self, category: u64) -> Vec<u64> {
        let parents = self.parents.read();
        let mut path = vec![category];
        let mut current = category;
        while let Some(Some(parent)) = parents.get(&current) {
            if path.len() > CATEGORY_DEPTH_MAX * 2 {
                tracing::warn!(category, "category path too deep; cut short");
                break;
            }
            path.push(*parent);
            current = *parent;
        }
        if !parents.contains_key(&current) {
            tracing::debug!(category = current, "category unknown to search");
        }
        path.reverse();
        path
    }

    fn commit(&self, writer: &mut IndexWriter, seq: u64) -> Result<(), SearchError> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&seq.to_string());
        prepared.commit()?;
        self.durable_seq.store(seq, Ordering::Release);
        self.reader.reload()?;
        self.warm()?;
        Ok(())
    }

    /// Prepares what searches read for the segments of the current reader (called
    /// after each reload, so searches do not pay for it).
    fn warm(&self) -> Result<(), SearchError> {
        let searcher = self.reader.searcher();
        self.columns.warm(&searcher)?;
        self.vocabulary.update(&searcher)?;
        Ok(())
    }

    /// Learns category parents from the paths of indexed documents, so an index
    /// reopened without its store still files new products under known categories.
    fn learn_paths_from_documents(&self) -> Result<(), SearchError> {
        let searcher = self.reader.searcher();
        let mut parents = self.parents.write();
        let mut facet = Facet::root();
        for segment in searcher.segment_readers() {
            let facets = segment.facet_reader("category")?;
            for ord in 0..facets.num_facets() as u64 {
                facets.facet_from_ord(ord, &mut facet)?;
                let ids: Vec<u64> = facet
                    .to_path()
                    .iter()
                    .filter_map(|id| id.parse().ok())
                    .collect();
                for (index, &id) in ids.iter().enumerate() {
                    let parent = index.checked_sub(1).map(|at| ids[at]);
                    if parents.len() < CATEGORIES_MAX {
                        parents.entry(id).or_insert(parent);
                    }
                }
            }
        }
        Ok(())
    }
}

fn is_listed(product: &Product) -> bool {
    product.status == ProductStatus::Active
}

/// Discards whatever the writer holds since the last commit. A failed rollback leaves
/// a writer that fails every later call, which `apply` reports and the indexer retries.
fn roll_back(writer: &mut IndexWriter) {
    if let Err(error) = writer.rollback() {
        tracing::error!(%error, "search index rollback failed");
    }
}

/// The last event sequence number of a store snapshot.
pub(crate) fn snapshot_seq(txn: &redb::ReadTransaction) -> Result<u64, SearchError> {
    let meta = txn.open_table(META).map_err(StoreError::from)?;
    let next = meta
        .get(META_NEXT_EVENT_SEQ)
        .map_err(StoreError::from)?
        .map_or(1, |v| v.value());
    Ok(next.saturating_sub(1))
}

fn payload_seq(index: &Index) -> Result<u64, SearchError> {
    let payload = index.load_metas()?.payload;
    match payload.as_deref().map(str::parse::<u64>) {
        None => Ok(0),
        Some(Ok(seq)) => Ok(seq),
        Some(Err(_)) => {
            // Replaying from the start is always correct: events are states.
            tracing::warn!(
                ?payload,
                "unreadable search index payload; replaying from the start"
            );
            Ok(0)
        }
    }
}

/// How the index stores documents. Blocks of 4 KiB rather than tantivy's 16 KiB: a
/// page of hits reads its documents (for highlighting) from scattered blocks, and
/// decompressing 20 blocks of 16 KiB was about a sixth of a typical search on a
/// million products; the store grows a little for it.
fn settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Lz4,
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..IndexSettings::default()
    }
}

/// Opens or creates the index in `dir`. An index with another schema or other storage
/// settings (written by another version) is discarded and recreated: it is a read
/// model, rebuilt from the store by the indexer.
fn open_in_dir(dir: &Path, schema: Schema) -> Result<Index, SearchError> {
    std::fs::create_dir_all(dir)?;
    let opened = Index::builder()
        .schema(schema.clone())
        .settings(settings())
        .open_or_create(MmapDirectory::open(dir)?);
    let reason = match opened {
        Err(TantivyError::SchemaError(message)) => message,
        Ok(index) => {
            let found = index.settings();
            if found.docstore_blocksize == DOCSTORE_BLOCK_BYTES
                && found.docstore_compression == Compressor::Lz4
            {
                return Ok(index);
            }
            format!("document store settings changed: {found:?}")
        }
        Err(error) => return Err(error.into()),
    };
    tracing::warn!(%reason, dir = %dir.display(), "search index format changed; recreating");
    std::fs::remove_dir_all(dir)?;
    std::fs::create_dir_all(dir)?;
    Ok(Index::builder()
        .schema(schema)
        .settings(settings())
        .create_in_dir(dir)?)
}

#[cfg(test)]
mod tests {
    //! Durability of the index: its payload across a reopen, rebuilds from the store,
    //! and latency at scale, on the catalog of `search::tests`.

    use super::*;
    use crate::model::Event;
    use crate::search::SearchRequest;
    use crate::search::tests::{
        catalog_events, categories, category, id_set, ids, product, products, query, records, run,
        set,
    };

    #[test]
    fn persists_and_resumes_from_its_payload() {
        let dir = tempfile::tempdir().expect("tempdir");
        let location = StoreLocation::Directory(dir.path().to_path_buf());
        let events = catalog_events();
        {
            let index = SearchIndex::open(&location).expect("create");
            assert_eq!(index.indexed_seq(), 0);
            index.apply(&events).expect("apply");
        }
        let index = SearchIndex::open(&location).expect("reopen");
        assert_eq!(index.indexed_seq(), events.len() as u64);
        assert_eq!(index.doc_count(), 9);
        assert_eq!(ids(&run(&index, &query("studio headph"))), [1]);
        // Category paths come back from the documents: a new product under Headphones(3)
        // is found through Electronics(1).
        let next = events.len() as u64 + 1;
        let new = product(11, "Bass Headphones", None, 3, 5_000, "");
        index
            .apply(&records(vec![Event::ProductCreated(new)], next))
            .expect("apply");
        let electronics = SearchRequest {
            category: Some(CategoryId::from_raw(1)),
            ..query("bass headphones")
        };
        assert_eq!(ids(&run(&index, &electronics)), [11]);
        // Events that change nothing may leave the payload behind; flush catches it up.
        index
            .apply(&records(
                vec![Event::CategoryCreated(category(6, "Garden", None))],
                next + 1,
            ))
            .expect("apply");
        index.flush().expect("flush");
        drop(index);
        assert_eq!(
            SearchIndex::open(&location).expect("reopen").indexed_seq(),
            next + 1
        );
    }

    #[test]
    fn rebuilds_from_the_store() {
        use crate::store::codec::encode;
        use crate::store::{Store, StoreLocation};
        let store = Store::open(&StoreLocation::Memory, 64).expect("store");
        let catalog: Vec<Product> = products();
        store
            .write(
                move |tx| {
                    for category in categories() {
                        tx.categories()?
                            .insert(category.id.raw(), encode(&category).as_slice())?;
                        tx.emit(Event::CategoryCreated(category))?;
                    }
                    for product in catalog {
                        tx.products()?
                            .insert(product.id.raw(), encode(&product).as_slice())?;
                        tx.emit(Event::ProductCreated(product))?;
                    }
                    Ok(())
                },
                |_| {},
            )
            .expect("write");
        let index = SearchIndex::open(&StoreLocation::Memory).expect("open");
        let stale = product(1, "Zzyzx Gadget", None, 3, 1, "");
        index
            .apply(&records(vec![Event::ProductCreated(stale)], 1))
            .expect("apply");
        assert_eq!(index.rebuild(&store).expect("rebuild"), 9);
        assert_eq!(index.indexed_seq(), store.committed_event_seq());
        assert_eq!(index.doc_count(), 9);
        assert!(run(&index, &query("zzyzx")).hits.is_empty());
        let audio = SearchRequest {
            category: Some(CategoryId::from_raw(2)),
            ..query("")
        };
        assert_eq!(id_set(&run(&index, &audio)), set(&[1, 2, 3, 6]));
    }

    /// A generated product: a few shared words, a unique model number.
    fn synthetic(id: u64) -> Product {
        const WORDS: [&str; 12] = [
            "studio", "wireless", "classic", "portable", "smart", "deluxe", "compact", "ultra",
            "vintage", "organic", "steel", "cotton",
        ];
        const NOUNS: [&str; 8] = [
            "headphones",
            "lamp",
            "kettle",
            "speaker",
            "chair",
            "backpack",
            "watch",
            "mug",
        ];
        let word = |n: u64| WORDS[(n % 12) as usize];
        let noun = NOUNS[(id * 5 % 8) as usize];
        let name = format!("{} {} {noun} {id}", word(id * 7), word(id * 13));
        let description = format!("A {} {noun} for every day, model {id}.", word(id * 13));
        let brand = format!("Brand {}", id % 500);
        let price = 100 + id * 37 % 90_000;
        product(id, &name, Some(&brand), 1 + id % 5, price, &description)
    }

    /// Latency at scale (100k products, pages of 20, a third out of stock). Run on
    /// demand: `cargo test --release -p emporium search_at_scale -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn search_at_scale() {
        let index = SearchIndex::open(&StoreLocation::Memory).expect("open");
        let tree = categories()
            .into_iter()
            .map(Event::CategoryCreated)
            .collect();
        index.apply(&records(tree, 1)).expect("apply");
        let started = Instant::now();
        for chunk in 0..10u64 {
            let ids = chunk * 10_000 + 1..=(chunk + 1) * 10_000;
            let events = ids.map(|id| Event::ProductCreated(synthetic(id))).collect();
            index
                .apply(&records(events, 6 + chunk * 10_000))
                .expect("apply");
        }
        let took = started.elapsed();
        eprintln!("indexed {} docs in {took:?}", index.doc_count());
        let queries = [
            "",
            "headphones",
            "studio headph",
            "wireles speakr",
            "s",
            "lamp 4242",
        ];
        for q in queries {
            let request = SearchRequest {
                q: q.into(),
                in_stock: true,
                ..Default::default()
            };
            let mut took_us = Vec::new();
            let mut total = 0;
            for _ in 0..50 {
                let results = index
                    .search(&request, &|id| id.raw() % 3 != 0)
                    .expect("search");
                took_us.push(results.took_us);
                total = results.total;
            }
            took_us.sort_unstable();
            let (p50, p99) = (took_us[25], took_us[49]);
            eprintln!("q {q:?}: total {total} p50 {p50} µs p99 {p99} µs");
        }
    }
}
