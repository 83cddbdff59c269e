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
//!
//! The values are kept in category order, each category's documents side by side: a
//! department listing then reads one contiguous run of memory instead of a cache line
//! per document scattered over the segment (measured: the scattered reads were most of
//! a listing's time, waiting on memory).

use std::collections::HashMap;
use std::sync::Arc;

use super::docs::DocList;

use parking_lot::Mutex;
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Searcher, SegmentReader};

/// Bytes of near-word document sets a segment keeps (see [`NearCache`]).
const NEAR_CACHE_BYTES_MAX: usize = 8 * 1024 * 1024;

/// No value: a document without a brand (or, never in practice, without a category).
pub(crate) const NONE: u32 = u32::MAX;
/// Documents decoded per batch when reading a column.
const BATCH_DOCS: usize = 4_096;

/// What a search reads of one document, side by side (one cache line rather than one
/// per column).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DocValues {
    /// The product id.
    pub(crate) id: u64,
    /// The price, in minor units.
    pub(crate) price: u64,
    /// The document.
    pub(crate) doc: DocId,
    /// The category facet ordinal ([`NONE`] without one).
    pub(crate) category: u32,
    /// The brand spelling ordinal ([`NONE`] without a brand).
    pub(crate) spelling: u32,
}

/// One segment's per-document values and its dictionaries, as plain arrays.
#[derive(Debug)]
pub(crate) struct SegmentColumns {
    /// The values of every product of the segment (documents with an id and a price),
    /// by category ordinal then document; those without a category last.
    pub(crate) values: Vec<DocValues>,
    /// Per document: the index of its values, or [`NONE`] if it is not a product.
    ranks: Vec<u32>,
    /// Per category ordinal, and one past the last: where its values start.
    category_starts: Vec<u32>,
    /// Per category facet ordinal: the category ids from the root down to it.
    pub(crate) category_paths: Vec<Box<[u64]>>,
    /// Per spelling ordinal (spelling ordinals follow text order, so the smallest
    /// ordinal is the smallest text): the spelling as written.
    pub(crate) spelling_texts: Vec<String>,
    /// Per spelling ordinal: the ordinal of its brand key.
    pub(crate) spelling_keys: Vec<u32>,
    /// Per brand key ordinal: the key (sorted, so searchable by bisection).
    pub(crate) key_texts: Vec<String>,
    /// Dense near-word document sets, kept for the next search.
    pub(crate) near: NearCache,
}

/// A query word in one field, as near-word sets are kept: field id, analyzed text,
/// typo budget, whether it is being typed.
pub(crate) type NearKey = (u32, String, u8, bool);

/// The documents of the words within reach of a query word, in one field of one
/// segment, for the query words whose near words are many and common: a one-letter
/// prefix being typed reaches hundreds of words and most of the segment, which costs
/// milliseconds to gather and is asked again and again (the same idea as Meilisearch's
/// prefix database, filled on demand). A segment never changes, so an entry stays true
/// for the segment's life; the cache is emptied when it outgrows its budget.
#[derive(Debug, Default)]
pub(crate) struct NearCache {
    sets: Mutex<(HashMap<NearKey, Arc<DocList>>, usize)>,
}

impl NearCache {
    pub(crate) fn get(&self, key: &NearKey) -> Option<Arc<DocList>> {
        self.sets.lock().0.get(key).cloned()
    }

    pub(crate) fn insert(&self, key: NearKey, list: Arc<DocList>) {
        let mut sets = self.sets.lock();
        let bytes = list.bytes() + key.1.len();
        if sets.1 + bytes > NEAR_CACHE_BYTES_MAX {
            sets.0.clear();
            sets.1 = 0;
        }
        sets.1 += bytes;
        sets.0.insert(key, list);
    }
}

impl SegmentColumns {
    /// Decodes the columns of `reader`.
    pub(crate) fn read(reader: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let max_doc = reader.max_doc() as usize;
        let fast = reader.fast_fields();
        let ids = dense(&fast.u64("id")?, max_doc);
        let prices = dense(&fast.u64("price")?, max_doc);
        // Every indexed document has an id and a price; one without is not a product.
        let valid: Vec<bool> = ids
            .iter()
            .zip(&prices)
            .map(|(id, price)| id.is_some() && price.is_some())
            .collect();
        let mut docs: Vec<DocValues> = ids
            .into_iter()
            .zip(prices)
            .enumerate()
            .map(|(doc, (id, price))| DocValues {
                id: id.unwrap_or_default(),
                price: price.unwrap_or_default(),
                doc: doc as DocId,
                category: NONE,
                spelling: NONE,
            })
            .collect();

        let facets = reader.facet_reader("category")?;
        for (doc, values) in docs.iter_mut().enumerate() {
            if let Some(ord) = facets.facet_ords(doc as DocId).next() {
                values.category = u32::try_from(ord).unwrap_or(NONE);
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
        let (mut spelling_texts, mut spelling_keys, mut key_texts) =
            (Vec::new(), Vec::new(), Vec::new());
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
                    docs[doc].spelling = spelling;
                    if let Some(slot) = spelling_keys.get_mut(spelling as usize) {
                        *slot = key;
                    }
                }
            }
        }
        // Category order: a counting sort, documents staying in order within a category.
        let mut category_starts = vec![0u32; category_paths.len() + 2];
        let products = || docs.iter().zip(&valid).filter(|(_, valid)| **valid);
        for (values, _) in products() {
            let slot = (values.category as usize).min(category_paths.len());
            category_starts[slot + 1] += 1;
        }
        for slot in 1..category_starts.len() {
            category_starts[slot] += category_starts[slot - 1];
        }
        let mut next = category_starts.clone();
        let mut ranks = vec![NONE; max_doc];
        let mut values = vec![DocValues::default(); docs.len()];
        for (values_of, _) in products() {
            let slot = (values_of.category as usize).min(category_paths.len());
            let rank = next[slot];
            next[slot] += 1;
            ranks[values_of.doc as usize] = rank;
            values[rank as usize] = *values_of;
        }
        values.truncate(category_starts[category_paths.len() + 1] as usize);
        category_starts.truncate(category_paths.len() + 1);
        Ok(SegmentColumns {
            values,
            ranks,
            category_starts,
            category_paths,
            spelling_texts,
            spelling_keys,
            key_texts,
            near: NearCache::default(),
        })
    }

    /// The values of `doc`, if it is a product.
    #[inline]
    pub(crate) fn values(&self, doc: DocId) -> Option<&DocValues> {
        let rank = *self.ranks.get(doc as usize)?;
        self.values.get(rank as usize)
    }

    /// The index of the values of `doc`, or [`NONE`] if it is not a product.
    #[inline]
    pub(crate) fn rank(&self, doc: DocId) -> u32 {
        self.ranks.get(doc as usize).copied().unwrap_or(NONE)
    }

    /// The values of the products filed under category ordinal `category`.
    pub(crate) fn in_category(&self, category: usize) -> &[DocValues] {
        match (
            self.category_starts.get(category),
            self.category_starts.get(category + 1),
        ) {
            (Some(&start), Some(&end)) => &self.values[start as usize..end as usize],
            _ => &[],
        }
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
        self.values.len() * std::mem::size_of::<DocValues>() + self.ranks.len() * 4
    }
}

/// The first value of `column` for every document, read in batches.
fn dense(column: &Column<u64>, max_doc: usize) -> Vec<Option<u64>> {
    let mut values = vec![None; max_doc];
    let mut docs: Vec<DocId> = Vec::with_capacity(BATCH_DOCS);
    for (start, chunk) in (0..max_doc)
        .step_by(BATCH_DOCS)
        .zip(values.chunks_mut(BATCH_DOCS))
    {
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
