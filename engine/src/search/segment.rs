//! What a search reads for every matching document, decoded once per segment.
//!
//! A search may count tens of thousands of documents (a department listing, a common
//! word), and for each one it needs the product id, the price, the category and the
//! brand. Read through tantivy's columns that is a bit-unpacking call per value (and an
//! optional-index lookup for the brand and the multi-valued facet column), which made
//! the collector the largest cost of a listing. Segments never change once written
//! (deletes only mark documents dead), so [`SegmentColumns`] decodes those columns into
//! plain arrays once per segment, together with the segment's category paths and brand
//! spellings, and [`ColumnCache`] keeps them for as long as the segment is searchable.
//! The index warms the cache right after each reload, so searches find it filled.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Searcher, SegmentReader};

use super::PRICE_BUCKET_EDGES;

/// No value: a document without a brand (or, never in practice, without a category).
pub(crate) const NONE: u32 = u32::MAX;
/// Documents decoded per batch when reading a column.
const BATCH_DOCS: usize = 4_096;

/// One segment's per-document values and its dictionaries, as plain arrays.
#[derive(Debug)]
pub(crate) struct SegmentColumns {
    /// Product id per document.
    pub(crate) ids: Vec<u64>,
    /// Price per document, in minor units.
    pub(crate) prices: Vec<u64>,
    /// Index in the price facet's buckets per document.
    pub(crate) price_buckets: Vec<u8>,
    /// Documents that carry both an id and a price: only those are products.
    valid: Vec<u64>,
    /// Category facet ordinal per document ([`NONE`] without one).
    pub(crate) categories: Vec<u32>,
    /// Per category facet ordinal: the category ids from the root down to it.
    pub(crate) category_paths: Vec<Box<[u64]>>,
    /// Brand spelling ordinal per document ([`NONE`] without a brand). Spelling
    /// ordinals follow text order, so the smallest ordinal is the smallest text.
    pub(crate) spellings: Vec<u32>,
    /// Per spelling ordinal: the spelling as written.
    pub(crate) spelling_texts: Vec<String>,
    /// Per spelling ordinal: the ordinal of its brand key.
    pub(crate) spelling_keys: Vec<u32>,
    /// Per brand key ordinal: the key (sorted, so searchable by bisection).
    pub(crate) key_texts: Vec<String>,
}

impl SegmentColumns {
    /// Decodes the columns of `reader`.
    pub(crate) fn read(reader: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let max_doc = reader.max_doc() as usize;
        let fast = reader.fast_fields();
        let ids = dense(&fast.u64("id")?, max_doc);
        let prices = dense(&fast.u64("price")?, max_doc);
        let mut valid = vec![0u64; max_doc.div_ceil(64)];
        for (doc, (id, price)) in ids.iter().zip(&prices).enumerate() {
            if id.is_some() && price.is_some() {
                valid[doc / 64] |= 1 << (doc % 64);
            }
        }
        let ids: Vec<u64> = ids.into_iter().map(Option::unwrap_or_default).collect();
        let prices: Vec<u64> = prices.into_iter().map(Option::unwrap_or_default).collect();
        let price_buckets = prices
            .iter()
            .map(|&price| PRICE_BUCKET_EDGES.partition_point(|&edge| edge <= price) as u8)
            .collect();

        let facets = reader.facet_reader("category")?;
        let mut categories = vec![NONE; max_doc];
        for (doc, slot) in categories.iter_mut().enumerate() {
            if let Some(ord) = facets.facet_ords(doc as DocId).next() {
                *slot = u32::try_from(ord).unwrap_or(NONE);
            }
        }
        let mut category_paths = Vec::with_capacity(facets.num_facets());
        let mut facet = Facet::root();
        for ord in 0..facets.num_facets() as u64 {
            facets.facet_from_ord(ord, &mut facet)?;
            let path: Vec<u64> = facet
                .to_path()
                .iter()
                .filter_map(|id| id.parse().ok())
                .collect();
            category_paths.push(path.into_boxed_slice());
        }

        let keys = fast.str("brand_key")?;
        let raw = fast.str("brand_raw")?;
        let (mut spellings, mut spelling_texts, mut spelling_keys, mut key_texts) =
            (vec![NONE; max_doc], Vec::new(), Vec::new(), Vec::new());
        if let (Some(keys), Some(raw)) = (keys, raw) {
            key_texts = terms(&keys)?;
            spelling_texts = terms(&raw)?;
            spelling_keys = vec![NONE; spelling_texts.len()];
            let key_ords = dense(keys.ords(), max_doc);
            let raw_ords = dense(raw.ords(), max_doc);
            for (doc, (key, spelling)) in key_ords.into_iter().zip(raw_ords).enumerate() {
                if let (Some(key), Some(spelling)) = (key, spelling) {
                    let (Ok(key), Ok(spelling)) = (u32::try_from(key), u32::try_from(spelling))
                    else {
                        continue;
                    };
                    spellings[doc] = spelling;
                    if let Some(slot) = spelling_keys.get_mut(spelling as usize) {
                        *slot = key;
                    }
                }
            }
        }
        Ok(SegmentColumns {
            ids,
            prices,
            price_buckets,
            valid,
            categories,
            category_paths,
            spellings,
            spelling_texts,
            spelling_keys,
            key_texts,
        })
    }

    /// Whether `doc` is a product (has an id and a price).
    #[inline]
    pub(crate) fn is_valid(&self, doc: DocId) -> bool {
        let doc = doc as usize;
        self.valid
            .get(doc / 64)
            .is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }

    /// The ordinal of a brand key in this segment.
    pub(crate) fn key_ord(&self, key: &str) -> Option<u32> {
        self.key_texts
            .binary_search_by(|text| text.as_str().cmp(key))
            .ok()
            .and_then(|ord| u32::try_from(ord).ok())
    }

    /// Approximate heap size, for the logs.
    fn bytes(&self) -> usize {
        self.ids.len() * 8
            + self.prices.len() * 8
            + self.price_buckets.len()
            + self.valid.len() * 8
            + self.categories.len() * 4
            + self.spellings.len() * 4
    }
}

/// The first value of `column` for every document, read in batches.
fn dense(column: &Column<u64>, max_doc: usize) -> Vec<Option<u64>> {
    let mut values = vec![None; max_doc];
    let mut docs: Vec<DocId> = Vec::with_capacity(BATCH_DOCS);
    for (start, chunk) in (0..max_doc).step_by(BATCH_DOCS).zip(values.chunks_mut(BATCH_DOCS)) {
        docs.clear();
        docs.extend((start..start + chunk.len()).map(|doc| doc as DocId));
        column.first_vals(&docs, chunk);
    }
    values
}

/// Every term of a dictionary-encoded column, in ordinal order.
fn terms(column: &StrColumn) -> tantivy::Result<Vec<String>> {
    let mut texts = Vec::with_capacity(column.num_terms());
    let mut stream = column.dictionary().stream()?;
    while stream.advance() {
        texts.push(String::from_utf8_lossy(stream.key()).into_owned());
    }
    Ok(texts)
}

/// The decoded columns of every searchable segment, by segment id.
#[derive(Debug, Default)]
pub(crate) struct ColumnCache {
    segments: Mutex<HashMap<SegmentId, Arc<SegmentColumns>>>,
}

impl ColumnCache {
    /// The columns of each segment of `searcher`, in segment order; decodes the ones
    /// not cached yet (normally none: [`ColumnCache::warm`] runs after each reload).
    pub(crate) fn columns(&self, searcher: &Searcher) -> tantivy::Result<Vec<Arc<SegmentColumns>>> {
        searcher
            .segment_readers()
            .iter()
            .map(|reader| self.get_or_read(reader))
            .collect()
    }

    fn get_or_read(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentColumns>> {
        let id = reader.segment_id();
        if let Some(columns) = self.segments.lock().get(&id) {
            return Ok(Arc::clone(columns));
        }
        // Decoded outside the lock: a search racing a warm-up may decode the same
        // segment twice, which costs time but never correctness.
        let columns = Arc::new(SegmentColumns::read(reader)?);
        self.segments.lock().insert(id, Arc::clone(&columns));
        Ok(columns)
    }

    /// Decodes the segments of `searcher` not cached yet and forgets the segments it no
    /// longer has (merged away or deleted).
    pub(crate) fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for reader in searcher.segment_readers() {
            self.get_or_read(reader)?;
        }
        let live: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(SegmentReader::segment_id)
            .collect();
        let mut segments = self.segments.lock();
        segments.retain(|id, _| live.contains(id));
        let bytes: usize = segments.values().map(|columns| columns.bytes()).sum();
        tracing::debug!(segments = segments.len(), bytes, "search columns warmed");
        Ok(())
    }
}
