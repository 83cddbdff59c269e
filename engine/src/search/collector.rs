//! The one collector of a search: for every matching document it applies the price
//! range and the stock predicate, counts the total, accumulates the facets and keeps
//! the best `offset + limit` hits, all in one pass over the matches.
//!
//! Doing it in one pass is what keeps totals and facets exact and consistent with the
//! page: everything is counted after every filter, stock included, which tantivy's
//! stock collectors (that see only the query) cannot do.
//!
//! The stock predicate is borrowed for the duration of the search, but tantivy wants
//! segment collectors to be `'static`; so [`SearchCollector`] overrides
//! `collect_segment` and drives the segment itself, passing the predicate to each call.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::fastfield::FacetReader;
use tantivy::query::Weight;
use tantivy::schema::Facet;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::{
    BRAND_FACETS_MAX, CATEGORY_FACETS_MAX, FacetCount, Facets, PRICE_BUCKET_EDGES, PriceBucket,
};
use crate::model::{CategoryId, ProductId};

/// The stock predicate of a search.
pub(crate) type InStock<'a> = &'a (dyn Fn(ProductId) -> bool + Sync);

/// Collects one search; see the module docs.
pub(crate) struct SearchCollector<'a> {
    /// Hits to keep: the page's offset plus its limit.
    pub(crate) keep: usize,
    /// Price range, inclusive, in minor units.
    pub(crate) min_price: u64,
    pub(crate) max_price: u64,
    /// Only products it accepts count, when present.
    pub(crate) in_stock: Option<InStock<'a>>,
}

/// A kept hit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Candidate {
    pub(crate) score: Score,
    pub(crate) product: u64,
    pub(crate) address: DocAddress,
}

impl Candidate {
    /// Better first: higher score, then lower product id (deterministic pages).
    fn rank(&self, other: &Candidate) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.product.cmp(&other.product))
    }
}

/// Heap order: the worst kept hit on top, so it is the one replaced.
struct Worst(Candidate);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.rank(&other.0)
    }
}

/// The outcome of a search, before the page is cut.
#[derive(Debug)]
pub(crate) struct Collected {
    /// The best `keep` hits, best first.
    pub(crate) hits: Vec<Candidate>,
    /// Every match after every filter.
    pub(crate) total: u64,
    pub(crate) facets: Facets,
}

/// What one segment found.
#[derive(Debug, Default)]
pub(crate) struct SegmentFruit {
    hits: Vec<Candidate>,
    total: u64,
    /// Category id → matches in it or below it.
    categories: HashMap<u64, u64>,
    /// Brand key → (a spelling as written, matches).
    brands: HashMap<String, (String, u64)>,
    prices: [u64; PRICE_BUCKET_EDGES.len() + 1],
}

/// One segment's columns and counters.
pub(crate) struct SegmentState {
    segment: SegmentOrdinal,
    keep: usize,
    min_price: u64,
    max_price: u64,
    /// Set when the search has a stock predicate; then only `offer` may be called.
    needs_predicate: bool,
    ids: Column<u64>,
    prices: Column<u64>,
    categories: FacetReader,
    brand_keys: Option<StrColumn>,
    brand_raw: Option<StrColumn>,
    /// Matches per category path ordinal of this segment.
    category_counts: Vec<u64>,
    /// Per brand key ordinal: matches, and the smallest spelling ordinal among them (a
    /// brand's facet value is its smallest spelling, whatever the segment order).
    brand_counts: Vec<(u64, u64)>,
    price_counts: [u64; PRICE_BUCKET_EDGES.len() + 1],
    total: u64,
    top: BinaryHeap<Worst>,
}

impl SegmentState {
    /// Counts `doc` if it passes the price range and `in_stock`.
    fn offer(&mut self, doc: DocId, score: Score, in_stock: Option<InStock<'_>>) {
        // Every indexed document has an id and a price; one without is not a product.
        let (Some(product), Some(price)) = (self.ids.first(doc), self.prices.first(doc)) else {
            return;
        };
        if price < self.min_price || price > self.max_price {
            return;
        }
        if in_stock.is_some_and(|in_stock| !in_stock(ProductId::from_raw(product))) {
            return;
        }
        self.total += 1;
        self.price_counts[PRICE_BUCKET_EDGES.partition_point(|&edge| edge <= price)] += 1;
        for ord in self.categories.facet_ords(doc) {
            if let Some(count) = usize::try_from(ord)
                .ok()
                .and_then(|o| self.category_counts.get_mut(o))
            {
                *count += 1;
            }
        }
        if let Some(key) = self
            .brand_keys
            .as_ref()
            .and_then(|keys| keys.ords().first(doc))
        {
            // Spelling ordinals follow text order, so the smallest is the smallest text.
            let spelling = self
                .brand_raw
                .as_ref()
                .and_then(|raw| raw.ords().first(doc));
            if let Some(slot) = usize::try_from(key)
                .ok()
                .and_then(|key| self.brand_counts.get_mut(key))
            {
                slot.0 += 1;
                slot.1 = slot.1.min(spelling.unwrap_or(u64::MAX));
            }
        }
        self.keep_if_top(Candidate {
            score,
            product,
            address: DocAddress::new(self.segment, doc),
        });
    }

    fn keep_if_top(&mut self, candidate: Candidate) {
        if self.keep == 0 {
            return;
        }
        if self.top.len() < self.keep {
            self.top.push(Worst(candidate));
        } else if let Some(mut worst) = self.top.peek_mut() {
            if candidate.rank(&worst.0) == Ordering::Less {
                *worst = Worst(candidate);
            }
        }
    }

    /// Turns ordinals into category ids and brands (only for values that were hit).
    /// Dictionaries are read in one sorted pass each: a lookup per ordinal would
    /// decode a dictionary block per value and cost more than the whole collection.
    fn fruit(self) -> tantivy::Result<SegmentFruit> {
        let mut fruit = SegmentFruit {
            hits: self.top.into_iter().map(|worst| worst.0).collect(),
            total: self.total,
            prices: self.price_counts,
            ..SegmentFruit::default()
        };
        let (ords, counts) = hit_ords(self.category_counts.iter().copied());
        let mut paths = Vec::with_capacity(ords.len());
        let dictionary = self.categories.facet_dict();
        dictionary.sorted_ords_to_term_cb(&ords, |bytes| paths.push(bytes.to_vec()))?;
        for (path, count) in paths.into_iter().zip(counts) {
            let facet = Facet::from_encoded(path).map_err(|_| corrupt("category"))?;
            // The path lists the category and every ancestor: each contains the match.
            for id in facet
                .to_path()
                .iter()
                .filter_map(|id| id.parse::<u64>().ok())
            {
                *fruit.categories.entry(id).or_default() += count;
            }
        }
        if let (Some(keys), Some(raw)) = (&self.brand_keys, &self.brand_raw) {
            fruit.brands = brands(keys, raw, &self.brand_counts)?;
        }
        Ok(fruit)
    }
}

/// The ordinals with a non-zero count (sorted, as enumerated) and their counts.
fn hit_ords(counts: impl Iterator<Item = u64>) -> (Vec<u64>, Vec<u64>) {
    counts
        .enumerate()
        .filter(|&(_, count)| count > 0)
        .map(|(ord, count)| (ord as u64, count))
        .unzip()
}

/// Brand key → (smallest spelling, matches), from per-key-ordinal counts.
fn brands(
    keys: &StrColumn,
    raw: &StrColumn,
    counts: &[(u64, u64)],
) -> tantivy::Result<HashMap<String, (String, u64)>> {
    let (key_ords, hits) = hit_ords(counts.iter().map(|&(count, _)| count));
    let mut key_texts = Vec::with_capacity(key_ords.len());
    keys.dictionary()
        .sorted_ords_to_term_cb(&key_ords, |bytes| key_texts.push(text(bytes)))?;
    let mut spelling_ords: Vec<u64> = key_ords
        .iter()
        .map(|&ord| counts[ord as usize].1)
        .filter(|&ord| ord != u64::MAX)
        .collect();
    spelling_ords.sort_unstable();
    spelling_ords.dedup();
    let mut spellings = Vec::with_capacity(spelling_ords.len());
    raw.dictionary()
        .sorted_ords_to_term_cb(&spelling_ords, |bytes| spellings.push(text(bytes)))?;
    let mut brands = HashMap::with_capacity(key_texts.len());
    for ((key, ord), count) in key_texts.into_iter().zip(key_ords).zip(hits) {
        let spelling = spelling_ords
            .binary_search(&counts[ord as usize].1)
            .map_or_else(|_| key.clone(), |index| spellings[index].clone());
        brands.insert(key, (spelling, count));
    }
    Ok(brands)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn corrupt(field: &str) -> tantivy::TantivyError {
    tantivy::TantivyError::InternalError(format!("unreadable `{field}` facet value"))
}

impl SegmentCollector for SegmentState {
    type Fruit = tantivy::Result<SegmentFruit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        // Only reached if tantivy bypasses `collect_segment`; without the predicate at
        // hand, a stock-filtered search must not count what it cannot check.
        debug_assert!(
            !self.needs_predicate,
            "stock-filtered searches go through collect_segment"
        );
        if !self.needs_predicate {
            self.offer(doc, score, None);
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.fruit()
    }
}

impl Collector for SearchCollector<'_> {
    type Fruit = Collected;
    type Child = SegmentState;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentState> {
        let fast = reader.fast_fields();
        let categories = reader.facet_reader("category")?;
        let brand_keys = fast.str("brand_key")?;
        let brand_counts =
            vec![(0, u64::MAX); brand_keys.as_ref().map_or(0, |column| column.num_terms())];
        Ok(SegmentState {
            segment,
            keep: self.keep,
            min_price: self.min_price,
            max_price: self.max_price,
            needs_predicate: self.in_stock.is_some(),
            ids: fast.u64("id")?,
            prices: fast.u64("price")?,
            category_counts: vec![0; categories.num_facets()],
            categories,
            brand_keys,
            brand_raw: fast.str("brand_raw")?,
            brand_counts,
            price_counts: [0; PRICE_BUCKET_EDGES.len() + 1],
            total: 0,
            top: BinaryHeap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<tantivy::Result<SegmentFruit>> {
        let mut state = self.for_segment(segment, reader)?;
        let alive = reader.alive_bitset();
        weight.for_each(reader, &mut |doc, score| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                state.offer(doc, score, self.in_stock);
            }
        })?;
        Ok(state.harvest())
    }

    fn merge_fruits(
        &self,
        fruits: Vec<tantivy::Result<SegmentFruit>>,
    ) -> tantivy::Result<Collected> {
        let mut hits = Vec::new();
        let mut total = 0;
        let mut categories: HashMap<u64, u64> = HashMap::new();
        let mut brands: HashMap<String, (String, u64)> = HashMap::new();
        let mut prices = [0; PRICE_BUCKET_EDGES.len() + 1];
        for fruit in fruits {
            let fruit = fruit?;
            hits.extend(fruit.hits);
            total += fruit.total;
            for (id, count) in fruit.categories {
                *categories.entry(id).or_default() += count;
            }
            for (key, (spelling, count)) in fruit.brands {
                let slot = brands.entry(key).or_insert_with(|| (spelling.clone(), 0));
                // Segments may spell a brand differently: the smallest spelling wins, so
                // the facet does not depend on segment order.
                if spelling < slot.0 {
                    slot.0 = spelling;
                }
                slot.1 += count;
            }
            for (sum, count) in prices.iter_mut().zip(fruit.prices) {
                *sum += count;
            }
        }
        hits.sort_by(Candidate::rank);
        hits.truncate(self.keep);
        let facets = Facets {
            category: category_facet(categories),
            brand: brand_facet(brands),
            price: price_facet(&prices),
        };
        Ok(Collected {
            hits,
            total,
            facets,
        })
    }
}

fn category_facet(counts: HashMap<u64, u64>) -> Vec<FacetCount> {
    let mut counts: Vec<(u64, u64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.truncate(CATEGORY_FACETS_MAX);
    counts
        .into_iter()
        .map(|(id, count)| FacetCount {
            value: CategoryId::from_raw(id).to_string(),
            count,
        })
        .collect()
}

fn brand_facet(counts: HashMap<String, (String, u64)>) -> Vec<FacetCount> {
    let mut counts: Vec<(String, u64)> = counts.into_values().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.truncate(BRAND_FACETS_MAX);
    counts
        .into_iter()
        .map(|(value, count)| FacetCount { value, count })
        .collect()
}

/// Every bucket, empty ones included.
fn price_facet(counts: &[u64; PRICE_BUCKET_EDGES.len() + 1]) -> Vec<PriceBucket> {
    counts
        .iter()
        .enumerate()
        .map(|(index, &count)| PriceBucket {
            min: if index == 0 {
                0
            } else {
                PRICE_BUCKET_EDGES[index - 1]
            },
            max: PRICE_BUCKET_EDGES.get(index).copied(),
            count,
        })
        .collect()
}
