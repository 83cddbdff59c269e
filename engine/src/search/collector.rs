//! Counting one search: for every matching document it applies the filters and the
//! stock predicate, counts the total, accumulates the facets and keeps the best
//! `offset + limit` hits, all in one pass over the matches.
//!
//! Doing it in one pass is what keeps totals and facets exact and consistent with the
//! page: everything is counted after every filter, stock included, which tantivy's
//! stock collectors (that see only the query) cannot do.
//!
//! Everything per document reads the segment's decoded arrays ([`SegmentColumns`]):
//! facets count per category ordinal and per brand spelling ordinal of the segment, and
//! only the ordinals that were hit are turned into category ids (with their ancestors)
//! and brands when the segment is done.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::fastfield::AliveBitSet;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal};

use super::index::brand_key;
use super::segment::{DocValues, NONE, SegmentColumns};
use super::{
    BRAND_FACETS_MAX, CATEGORY_FACETS_MAX, FacetCount, Facets, PRICE_BUCKET_EDGES, PriceBucket,
};
use crate::model::{CategoryId, ProductId};

/// The stock predicate of a search.
pub(crate) type InStock<'a> = &'a (dyn Fn(ProductId) -> bool + Sync);

/// The filters of a search that every match must pass, segment-independent.
#[derive(Clone, Copy)]
pub(crate) struct Filters<'a> {
    /// Hits to keep: the page's offset plus its limit.
    pub(crate) keep: usize,
    /// Price range, inclusive, in minor units.
    pub(crate) min_price: u64,
    pub(crate) max_price: u64,
    /// The path from the root to the requested category: a product matches when its
    /// category path starts with it (the category itself or a descendant).
    pub(crate) category_path: Option<&'a [u64]>,
    /// The folded brand wanted.
    pub(crate) brand_key: Option<&'a str>,
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
    /// Brand key → (the smallest spelling among the matches, matches).
    brands: HashMap<String, (String, u64)>,
    prices: [u64; PRICE_BUCKET_EDGES.len() + 1],
}

/// One segment's filters, counters and kept hits.
pub(crate) struct SegmentState<'a> {
    segment: SegmentOrdinal,
    columns: Arc<SegmentColumns>,
    alive: Option<&'a AliveBitSet>,
    filters: Filters<'a>,
    /// Per category ordinal of the segment: whether it passes the category filter.
    category_allowed: Option<Vec<bool>>,
    /// The brand key ordinal wanted, when filtering on a brand this segment has.
    brand_key: Option<u32>,
    /// The filters exclude every document of the segment.
    excludes_all: bool,
    /// Matches per category ordinal.
    category_counts: Vec<u64>,
    /// Matches per brand spelling ordinal.
    spelling_counts: Vec<u64>,
    price_counts: [u64; PRICE_BUCKET_EDGES.len() + 1],
    total: u64,
    top: BinaryHeap<Worst>,
}

impl<'a> SegmentState<'a> {
    pub(crate) fn new(
        segment: SegmentOrdinal,
        columns: Arc<SegmentColumns>,
        alive: Option<&'a AliveBitSet>,
        filters: Filters<'a>,
    ) -> SegmentState<'a> {
        let mut excludes_all = false;
        let category_allowed = filters.category_path.map(|wanted| {
            let allowed: Vec<bool> = columns
                .category_paths
                .iter()
                .map(|path| path.starts_with(wanted))
                .collect();
            excludes_all |= !allowed.contains(&true);
            allowed
        });
        let brand_key = filters.brand_key.and_then(|key| {
            let ord = columns.key_ord(key);
            excludes_all |= ord.is_none();
            ord
        });
        SegmentState {
            segment,
            category_counts: vec![0; columns.category_paths.len()],
            spelling_counts: vec![0; columns.spelling_texts.len()],
            columns,
            alive,
            filters,
            category_allowed,
            brand_key,
            excludes_all,
            price_counts: [0; PRICE_BUCKET_EDGES.len() + 1],
            total: 0,
            top: BinaryHeap::new(),
        }
    }

    /// The filters exclude every document of the segment: nothing to search in it.
    pub(crate) fn excludes_all(&self) -> bool {
        self.excludes_all
    }

    /// The values of the documents of `docs` (increasing) that pass every filter and
    /// the stock predicate, in order, for [`SegmentState::count_values`]. The values
    /// are looked up in tight loops first, so that the cache misses of scattered
    /// documents overlap rather than queue.
    pub(crate) fn passing(&self, docs: &[DocId]) -> Vec<DocValues> {
        let columns = &*self.columns;
        let ranks: Vec<u32> = docs.iter().map(|&doc| columns.rank(doc)).collect();
        let values: Vec<DocValues> = ranks
            .iter()
            .filter_map(|&rank| columns.values.get(rank as usize).copied())
            .collect();
        values
            .into_iter()
            .filter(|values| self.passes_with(values))
            .collect()
    }

    /// Counts a document [`SegmentState::passing`] returned, with its score.
    #[inline]
    pub(crate) fn count_values(&mut self, values: DocValues, score: Score) {
        self.count_with(values, score);
    }

    /// Counts every document of `docs` that passes, each scoring 1.0 (the listing of an
    /// empty query).
    pub(crate) fn count_listed(&mut self, docs: &[DocId]) {
        let columns = Arc::clone(&self.columns);
        for &doc in docs {
            if let Some(values) = columns.values(doc) {
                if self.passes_with(values) {
                    self.count_with(*values, 1.0);
                }
            }
        }
    }

    /// Counts every product that passes, each scoring 1.0: the listing of an empty
    /// query, read in the segment's category order (the category filter's products
    /// only, when there is one).
    pub(crate) fn count_all_listed(&mut self) {
        let columns = Arc::clone(&self.columns);
        let runs: Vec<&[DocValues]> = match &self.category_allowed {
            Some(allowed) => (0..allowed.len())
                .filter(|&ord| allowed[ord])
                .map(|ord| columns.in_category(ord))
                .collect(),
            None => vec![&columns.values],
        };
        for run in runs {
            for values in run {
                if self.passes_with(values) {
                    self.count_with(*values, 1.0);
                }
            }
        }
    }

    #[inline]
    fn passes_with(&self, values: &DocValues) -> bool {
        if self.alive.is_some_and(|alive| !alive.is_alive(values.doc)) {
            return false;
        }
        if values.price < self.filters.min_price || values.price > self.filters.max_price {
            return false;
        }
        if let Some(allowed) = &self.category_allowed {
            if !allowed
                .get(values.category as usize)
                .copied()
                .unwrap_or(false)
            {
                return false;
            }
        }
        if let Some(wanted) = self.brand_key {
            if self.columns.spelling_keys.get(values.spelling as usize) != Some(&wanted) {
                return false;
            }
        }
        match self.filters.in_stock {
            Some(in_stock) => in_stock(ProductId::from_raw(values.id)),
            None => true,
        }
    }

    #[inline]
    fn count_with(&mut self, values: DocValues, score: Score) {
        self.total += 1;
        // Branch-free: the number of edges at or below the price.
        let bucket = PRICE_BUCKET_EDGES
            .iter()
            .map(|&edge| usize::from(edge <= values.price))
            .sum::<usize>();
        self.price_counts[bucket] += 1;
        if let Some(count) = self.category_counts.get_mut(values.category as usize) {
            *count += 1;
        }
        if let Some(count) = self.spelling_counts.get_mut(values.spelling as usize) {
            *count += 1;
        }
        if self.filters.keep == 0 {
            return;
        }
        let candidate = Candidate {
            score,
            product: values.id,
            address: DocAddress::new(self.segment, values.doc),
        };
        if self.top.len() < self.filters.keep {
            self.top.push(Worst(candidate));
        } else if let Some(mut worst) = self.top.peek_mut() {
            if candidate.rank(&worst.0) == Ordering::Less {
                *worst = Worst(candidate);
            }
        }
    }

    /// Turns the counted ordinals into category ids (each with its ancestors) and
    /// brands; only ordinals that were hit are looked at.
    pub(crate) fn finish(self) -> SegmentFruit {
        let columns = &*self.columns;
        let mut categories: HashMap<u64, u64> = HashMap::new();
        for (ord, &count) in self.category_counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            // The path lists the category and every ancestor: each contains the match.
            for &id in columns.category_paths[ord].iter() {
                *categories.entry(id).or_default() += count;
            }
        }
        // Per brand key: matches, and the smallest spelling ordinal among them (ordinals
        // follow text order, and the first one met is the smallest).
        let mut by_key: HashMap<u32, (usize, u64)> = HashMap::new();
        let mut unkeyed: HashMap<String, (String, u64)> = HashMap::new();
        for (spelling, &count) in self.spelling_counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            match columns.spelling_keys.get(spelling) {
                Some(&key) if key != NONE => {
                    by_key.entry(key).or_insert((spelling, 0)).1 += count;
                }
                _ => {
                    // Never in practice: every spelling has a key. Derive it.
                    let text = &columns.spelling_texts[spelling];
                    unkeyed
                        .entry(brand_key(text))
                        .or_insert_with(|| (text.clone(), 0))
                        .1 += count;
                }
            }
        }
        let mut brands = unkeyed;
        for (key, (spelling, count)) in by_key {
            let key = columns.key_texts[key as usize].clone();
            let spelling = columns.spelling_texts[spelling].clone();
            merge_brand(&mut brands, key, spelling, count);
        }
        SegmentFruit {
            hits: self.top.into_iter().map(|worst| worst.0).collect(),
            total: self.total,
            categories,
            brands,
            prices: self.price_counts,
        }
    }
}

/// Adds `count` matches of a brand; the smallest spelling wins, so the facet does not
/// depend on segment order.
fn merge_brand(
    brands: &mut HashMap<String, (String, u64)>,
    key: String,
    spelling: String,
    count: u64,
) {
    match brands.get_mut(&key) {
        Some(slot) => {
            if spelling < slot.0 {
                slot.0 = spelling;
            }
            slot.1 += count;
        }
        None => {
            brands.insert(key, (spelling, count));
        }
    }
}

/// The whole search from its segments: the best `keep` hits and the summed counts.
pub(crate) fn merge(fruits: Vec<SegmentFruit>, keep: usize) -> Collected {
    let mut hits = Vec::new();
    let mut total = 0;
    let mut categories: HashMap<u64, u64> = HashMap::new();
    let mut brands: HashMap<String, (String, u64)> = HashMap::new();
    let mut prices = [0; PRICE_BUCKET_EDGES.len() + 1];
    for fruit in fruits {
        hits.extend(fruit.hits);
        total += fruit.total;
        for (id, count) in fruit.categories {
            *categories.entry(id).or_default() += count;
        }
        for (key, (spelling, count)) in fruit.brands {
            merge_brand(&mut brands, key, spelling, count);
        }
        for (sum, count) in prices.iter_mut().zip(fruit.prices) {
            *sum += count;
        }
    }
    hits.sort_by(Candidate::rank);
    hits.truncate(keep);
    let facets = Facets {
        category: category_facet(categories),
        brand: brand_facet(brands),
        price: price_facet(&prices),
    };
    Collected {
        hits,
        total,
        facets,
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
pub(crate) fn price_facet(counts: &[u64; PRICE_BUCKET_EDGES.len() + 1]) -> Vec<PriceBucket> {
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
