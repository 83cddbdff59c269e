//! Search against a small hand-made catalog fed to [`SearchIndex::apply`] as events:
//! ranking, typo and prefix rules, every filter, facets checked against brute force,
//! pagination, cursors, updates and hostile text. Persistence and rebuilds are tested
//! in `index.rs` with the same catalog.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::index::brand_key;
use super::*;
use crate::model::{
    Category, CategoryId, Currency, Event, EventRecord, Money, Product, ProductId, ProductStatus,
    Timestamp,
};
use crate::store::StoreLocation;

pub(super) fn category(id: u64, name: &str, parent: Option<u64>) -> Category {
    Category {
        id: CategoryId::from_raw(id),
        name: name.into(),
        parent_id: parent.map(CategoryId::from_raw),
        created_at: Timestamp::from_millis(1),
    }
}

pub(super) fn product(
    id: u64,
    name: &str,
    brand: Option<&str>,
    category: u64,
    price: u64,
    description: &str,
) -> Product {
    Product {
        id: ProductId::from_raw(id),
        sku: format!("SKU-{id}"),
        name: name.into(),
        description: description.into(),
        brand: brand.map(Into::into),
        category_id: CategoryId::from_raw(category),
        price: Money::new(price, Currency::USD),
        attributes: BTreeMap::new(),
        images: Vec::new(),
        status: ProductStatus::Active,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
        version: 1,
    }
}

/// Electronics(1) > Audio(2) > Headphones(3); Home(4) > Kitchen(5).
pub(super) fn categories() -> Vec<Category> {
    vec![
        category(1, "Electronics", None),
        category(2, "Audio", Some(1)),
        category(3, "Headphones", Some(2)),
        category(4, "Home", None),
        category(5, "Kitchen", Some(4)),
    ]
}

pub(super) fn products() -> Vec<Product> {
    let mut draft = product(
        9,
        "Draft Lamp",
        Some("Lumen"),
        4,
        3_000,
        "Not for sale yet.",
    );
    draft.status = ProductStatus::Draft;
    vec![
        product(
            1,
            "Studio Headphones Pro",
            Some("Acme Audio"),
            3,
            19_900,
            "Closed-back monitoring headphones for the studio.",
        ),
        product(
            2,
            "Headphones",
            Some("Sonic"),
            3,
            4_999,
            "Simple wired headphones.",
        ),
        product(
            3,
            "Wireless Earbuds",
            Some("Sonic"),
            2,
            7_900,
            "True wireless earbuds with a charging case.",
        ),
        product(
            4,
            "Café Noir Coffee Beans",
            Some("Café Bleu"),
            5,
            1_299,
            "Dark roast beans.",
        ),
        product(
            5,
            "Espresso Machine",
            Some("Brewmaster"),
            5,
            29_900,
            "Fifteen bar espresso machine with a milk frother.",
        ),
        product(
            6,
            "Bluetooth Speaker",
            Some("acme  AUDIO"),
            2,
            2_500,
            "Portable speaker with deep bass.",
        ),
        product(
            7,
            "Head Torch",
            Some("Lumen"),
            1,
            999,
            "A bright torch to wear while camping.",
        ),
        product(
            8,
            "Kitchen Scale",
            None,
            5,
            1_000,
            "Digital scale, accurate to the gram.",
        ),
        draft,
        product(
            10,
            "Telephone Handset",
            Some("Retro"),
            1,
            60_000,
            "A classic handset <b>&</b> cord.",
        ),
    ]
}

pub(super) fn records(events: Vec<Event>, first_seq: u64) -> Vec<EventRecord> {
    let at = Timestamp::from_millis(1);
    events
        .into_iter()
        .zip(first_seq..)
        .map(|(event, seq)| EventRecord { seq, at, event })
        .collect()
}

pub(super) fn catalog_events() -> Vec<EventRecord> {
    let mut events: Vec<Event> = categories()
        .into_iter()
        .map(Event::CategoryCreated)
        .collect();
    events.extend(products().into_iter().map(Event::ProductCreated));
    records(events, 1)
}

pub(super) fn indexed() -> SearchIndex {
    let index = SearchIndex::open(&StoreLocation::Memory).expect("open in memory");
    index.apply(&catalog_events()).expect("apply");
    index
}

pub(super) fn run(index: &SearchIndex, request: &SearchRequest) -> SearchResults {
    index.search(request, &|_| true).expect("search")
}

pub(super) fn query(q: &str) -> SearchRequest {
    SearchRequest {
        q: q.into(),
        limit: SEARCH_LIMIT_MAX,
        ..Default::default()
    }
}

pub(super) fn ids(results: &SearchResults) -> Vec<u64> {
    results
        .hits
        .iter()
        .map(|hit| hit.product_id.raw())
        .collect()
}

pub(super) fn id_set(results: &SearchResults) -> BTreeSet<u64> {
    ids(results).into_iter().collect()
}

pub(super) fn set(ids: &[u64]) -> BTreeSet<u64> {
    ids.iter().copied().collect()
}

#[test]
fn indexes_only_active_products() {
    let index = indexed();
    assert_eq!(index.doc_count(), 9, "the draft is left out");
    assert_eq!(index.indexed_seq(), catalog_events().len() as u64);
    assert!(run(&index, &query("draft lamp")).hits.is_empty());
}

#[test]
fn exact_title_ranks_first() {
    let index = indexed();
    let results = run(&index, &query("headphones"));
    assert_eq!(
        ids(&results),
        [2, 1],
        "the product named exactly `Headphones` first"
    );
    assert!(results.hits[0].score > results.hits[1].score);
    let results = run(&index, &query("Studio Headphones Pro"));
    assert_eq!(ids(&results)[0], 1);
}

#[test]
fn tolerates_typos_by_word_length() {
    let index = indexed();
    assert_eq!(
        id_set(&run(&index, &query("headphnes"))),
        set(&[1, 2]),
        "one typo in 9 letters"
    );
    assert_eq!(
        id_set(&run(&index, &query("torhc lamp"))),
        set(&[]),
        "every word must match"
    );
    assert_eq!(
        ids(&run(&index, &query("torhc bright"))),
        [7],
        "a transposition is one typo"
    );
    assert!(
        run(&index, &query("trch bright")).hits.is_empty(),
        "no typo under 5 letters"
    );
    assert_eq!(
        ids(&run(&index, &query("espreso machine"))),
        [5],
        "one typo from 5 letters"
    );
    assert!(
        run(&index, &query("exspreso machine")).hits.is_empty(),
        "two typos need 9 letters"
    );
    assert_eq!(
        ids(&run(&index, &query("haedphnes pro"))),
        [1],
        "two typos from 9 letters"
    );
    assert!(
        run(&index, &query("hedphnes pro")).hits.is_empty(),
        "8 letters allow one typo"
    );
}

#[test]
fn the_last_word_matches_as_a_prefix() {
    let index = indexed();
    assert_eq!(ids(&run(&index, &query("studio headph"))), [1]);
    assert_eq!(id_set(&run(&index, &query("hea"))), set(&[1, 2, 7]));
    assert!(
        run(&index, &query("headph studio")).hits.is_empty(),
        "only the last word"
    );
    assert!(
        run(&index, &query("studio headph ")).hits.is_empty(),
        "a finished word is whole"
    );
}

#[test]
fn ignores_accents_and_case() {
    let index = indexed();
    for q in ["cafe", "CAFÉ", "café noir"] {
        assert_eq!(ids(&run(&index, &query(q))), [4], "{q}");
    }
    let results = run(&index, &query("cafe"));
    assert_eq!(
        results.hits[0].highlights["name"],
        "<mark>Café</mark> Noir Coffee Beans"
    );
    assert_eq!(
        results.hits[0].highlights["brand"],
        "<mark>Café</mark> Bleu"
    );
}

#[test]
fn highlights_exact_typo_and_prefix_matches_and_escapes_the_rest() {
    let index = indexed();
    let results = run(&index, &query("headphnes studi"));
    let hit = &results.hits[0];
    assert_eq!(hit.product_id.raw(), 1);
    assert_eq!(
        hit.highlights["name"],
        "<mark>Studio</mark> <mark>Headphones</mark> Pro"
    );
    assert_eq!(
        hit.highlights["description"],
        "Closed-back monitoring <mark>headphones</mark> for the <mark>studio</mark>."
    );
    assert!(
        !hit.highlights.contains_key("brand"),
        "only fields with a match"
    );
    let results = run(&index, &query("handset"));
    assert_eq!(
        results.hits[0].highlights["description"],
        "A classic <mark>handset</mark> &lt;b&gt;&amp;&lt;/b&gt; cord."
    );
    assert!(
        run(&index, &query(""))
            .hits
            .iter()
            .all(|hit| hit.highlights.is_empty())
    );
}

#[test]
fn description_snippets_are_bounded_around_the_first_match() {
    let index = SearchIndex::open(&StoreLocation::Memory).expect("open");
    let long = format!(
        "{} needle {}",
        "filler ".repeat(100),
        "padding ".repeat(100)
    );
    let events = vec![
        Event::CategoryCreated(category(1, "All", None)),
        Event::ProductCreated(product(1, "Thing", None, 1, 100, &long)),
    ];
    index.apply(&records(events, 1)).expect("apply");
    let results = run(&index, &query("needle"));
    let snippet = &results.hits[0].highlights["description"];
    assert!(snippet.contains("<mark>needle</mark>"), "{snippet}");
    assert!(
        snippet.starts_with('…') && snippet.ends_with('…'),
        "{snippet}"
    );
    let visible = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        visible.chars().count() <= highlight::SNIPPET_CHARS_MAX + 2,
        "{}",
        visible.len()
    );
}

#[test]
fn each_filter_is_exact() {
    let index = indexed();
    let in_category = |id| SearchRequest {
        category: Some(CategoryId::from_raw(id)),
        ..query("")
    };
    assert_eq!(
        id_set(&run(&index, &in_category(2))),
        set(&[1, 2, 3, 6]),
        "descendants included"
    );
    assert_eq!(
        id_set(&run(&index, &in_category(1))),
        set(&[1, 2, 3, 6, 7, 10])
    );
    assert_eq!(id_set(&run(&index, &in_category(3))), set(&[1, 2]));
    assert!(
        run(&index, &in_category(99)).hits.is_empty(),
        "an unknown category has nothing"
    );
    let of_brand = |brand: &str| SearchRequest {
        brand: Some(brand.into()),
        ..query("")
    };
    assert_eq!(
        id_set(&run(&index, &of_brand("ACME AUDIO"))),
        set(&[1, 6]),
        "case and spaces"
    );
    assert_eq!(
        id_set(&run(&index, &of_brand("cafe bleu"))),
        set(&[4]),
        "accents"
    );
    assert!(
        run(&index, &of_brand("Acme")).hits.is_empty(),
        "the whole brand only"
    );
    let priced = SearchRequest {
        min_price: Some(1_000),
        max_price: Some(2_500),
        ..query("")
    };
    assert_eq!(
        id_set(&run(&index, &priced)),
        set(&[4, 6, 8]),
        "both ends inclusive"
    );
    let stocked = SearchRequest {
        in_stock: true,
        ..query("")
    };
    let results = index
        .search(&stocked, &|id: ProductId| id.raw() % 2 == 0)
        .expect("search");
    assert_eq!(id_set(&results), set(&[2, 4, 6, 8, 10]));
    assert_eq!(results.total, 5);
    let ignored = index
        .search(&query(""), &|_: ProductId| false)
        .expect("search");
    assert_eq!(ignored.total, 9, "the predicate applies only when asked");
    let combined = SearchRequest {
        q: "sonic".into(),
        max_price: Some(5_000),
        ..in_category(2)
    };
    assert_eq!(ids(&run(&index, &combined)), [2]);
}

/// Facets computed by hand from the catalog over a set of matching ids.
fn brute_force_facets(matching: &BTreeSet<u64>) -> Facets {
    brute_force_facets_of(&products(), matching)
}

/// Facets computed by hand from `catalog` (filed under [`categories`]) over a set of
/// matching ids.
fn brute_force_facets_of(catalog: &[Product], matching: &BTreeSet<u64>) -> Facets {
    let parents: BTreeMap<u64, Option<u64>> = categories()
        .iter()
        .map(|c| (c.id.raw(), c.parent_id.map(CategoryId::raw)))
        .collect();
    let mut by_category: BTreeMap<u64, u64> = BTreeMap::new();
    let mut by_brand: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut buckets = [0; PRICE_BUCKET_EDGES.len() + 1];
    for product in catalog.iter().filter(|p| matching.contains(&p.id.raw())) {
        let mut at = Some(product.category_id.raw());
        while let Some(id) = at {
            *by_category.entry(id).or_default() += 1;
            at = parents[&id];
        }
        if let Some(brand) = &product.brand {
            let slot = by_brand
                .entry(brand_key(brand))
                .or_insert_with(|| (brand.clone(), 0));
            slot.0 = slot.0.clone().min(brand.trim().to_owned());
            slot.1 += 1;
        }
        buckets[PRICE_BUCKET_EDGES
            .iter()
            .filter(|&&edge| edge <= product.price.amount)
            .count()] += 1;
    }
    let mut category: Vec<FacetCount> = by_category
        .into_iter()
        .map(|(id, count)| FacetCount {
            value: CategoryId::from_raw(id).to_string(),
            count,
        })
        .collect();
    category.sort_by(|a, b| {
        b.count.cmp(&a.count).then_with(|| {
            let raw = |value: &str| CategoryId::parse(value).map(CategoryId::raw);
            raw(&a.value).cmp(&raw(&b.value))
        })
    });
    category.truncate(CATEGORY_FACETS_MAX);
    let mut brand: Vec<FacetCount> = by_brand
        .into_values()
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    brand.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    brand.truncate(BRAND_FACETS_MAX);
    let price = buckets
        .iter()
        .enumerate()
        .map(|(i, &count)| PriceBucket {
            min: if i == 0 { 0 } else { PRICE_BUCKET_EDGES[i - 1] },
            max: PRICE_BUCKET_EDGES.get(i).copied(),
            count,
        })
        .collect();
    Facets {
        category,
        brand,
        price,
    }
}

#[test]
fn facets_and_totals_match_brute_force() {
    let index = indexed();
    let stock = |id: ProductId| id.raw() != 6;
    let cases = [
        (query(""), vec![1, 2, 3, 4, 5, 6, 7, 8, 10]),
        (query("headphones"), vec![1, 2]),
        (
            SearchRequest {
                category: Some(CategoryId::from_raw(2)),
                ..query("")
            },
            vec![1, 2, 3, 6],
        ),
        (
            SearchRequest {
                brand: Some("acme audio".into()),
                ..query("")
            },
            vec![1, 6],
        ),
        (
            SearchRequest {
                min_price: Some(2_500),
                max_price: Some(29_900),
                ..query("")
            },
            vec![1, 2, 3, 5, 6],
        ),
        (
            SearchRequest {
                in_stock: true,
                ..query("")
            },
            vec![1, 2, 3, 4, 5, 7, 8, 10],
        ),
        (
            SearchRequest {
                in_stock: true,
                ..query("with")
            },
            vec![3, 5],
        ),
    ];
    for (request, expected) in cases {
        let results = index.search(&request, &stock).expect("search");
        let expected = set(&expected);
        assert_eq!(id_set(&results), expected, "{request:?}");
        assert_eq!(results.total, expected.len() as u64, "{request:?}");
        assert_eq!(results.facets, brute_force_facets(&expected), "{request:?}");
    }
}

#[test]
fn empty_query_pages_through_everything_without_gaps_or_duplicates() {
    let index = indexed();
    for request in [
        query(""),
        SearchRequest {
            category: Some(CategoryId::from_raw(1)),
            ..query("")
        },
        query("a"),
    ] {
        let everything = run(&index, &request);
        let mut seen = Vec::new();
        let mut page = SearchRequest {
            limit: 2,
            ..request.clone()
        };
        loop {
            let results = run(&index, &page);
            assert_eq!(
                results.total, everything.total,
                "every page has the exact total"
            );
            seen.extend(ids(&results));
            match results.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        assert_eq!(
            seen,
            ids(&everything),
            "{request:?}: same order, no gap, no duplicate"
        );
        assert_eq!(seen.len() as u64, everything.total);
    }
    let all = run(&index, &query(""));
    assert_eq!(
        ids(&all),
        [1, 2, 3, 4, 5, 6, 7, 8, 10],
        "ties ordered by product id"
    );
    assert_eq!(all.next_cursor, None);
}

#[test]
fn bad_cursors_are_refused() {
    let index = indexed();
    for cursor in ["", "garbage", "0000000000000000000000000000", "%%%"] {
        let request = SearchRequest {
            cursor: Some(cursor.into()),
            ..query("")
        };
        assert!(
            matches!(
                index.search(&request, &|_| true),
                Err(SearchError::InvalidCursor)
            ),
            "{cursor:?}"
        );
    }
    let first = run(
        &index,
        &SearchRequest {
            limit: 2,
            ..query("")
        },
    );
    let cursor = first.next_cursor.expect("more pages");
    let elsewhere = SearchRequest {
        cursor: Some(cursor),
        limit: 2,
        ..query("headphones")
    };
    assert!(matches!(
        index.search(&elsewhere, &|_| true),
        Err(SearchError::InvalidCursor)
    ));
}

#[test]
fn changes_are_visible_after_apply() {
    let index = indexed();
    let all = products();
    let mut renamed = all[2].clone();
    renamed.name = "Wireless Earphones".into();
    renamed.description = "True wireless earphones.".into();
    let mut archived = all[1].clone();
    archived.status = ProductStatus::Archived;
    let mut published = all[8].clone();
    published.status = ProductStatus::Active;
    let next = catalog_events().len() as u64 + 1;
    let events = vec![
        Event::ProductUpdated {
            before: all[2].clone(),
            after: renamed,
        },
        Event::ProductUpdated {
            before: all[1].clone(),
            after: archived,
        },
        Event::ProductUpdated {
            before: all[8].clone(),
            after: published,
        },
    ];
    index.apply(&records(events, next)).expect("apply");
    assert_eq!(index.indexed_seq(), next + 2);
    assert!(run(&index, &query("earbuds")).hits.is_empty());
    // `earphones` is within two typos of `headphones` too, but the exact name wins.
    assert_eq!(ids(&run(&index, &query("earphones")))[0], 3);
    assert!(
        !ids(&run(&index, &query("headphones"))).contains(&2),
        "archived is gone"
    );
    assert_eq!(
        ids(&run(&index, &query("draft lamp"))),
        [9],
        "published is in"
    );
    assert_eq!(index.doc_count(), 9);
    index.apply(&catalog_events()).expect("old events");
    assert!(
        run(&index, &query("earbuds")).hits.is_empty(),
        "old events never overwrite newer ones"
    );
}

#[test]
fn hostile_text_is_never_an_error() {
    let index = indexed();
    let punctuation: String = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
        .chars()
        .cycle()
        .take(500)
        .collect();
    let nasty = [
        punctuation.as_str(),
        "\"headphones\" AND title:studio OR -espresso",
        "headphones*",
        "🎧🎧🎧 café",
        "\u{0}\u{1}\u{7f}",
        "a b c d e f g h i j k l m n o p q r s t u v w x y z",
        "   ",
    ];
    for q in nasty {
        index
            .search(&query(q), &|_| true)
            .unwrap_or_else(|error| panic!("{q:?}: {error}"));
    }
    assert!(
        run(&index, &query(&punctuation)).hits.is_empty(),
        "no word matches nothing"
    );
    assert_eq!(ids(&run(&index, &query("\"headphones\" ~~"))), [2, 1]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_text_up_to_the_limit_searches(q in "\\PC{0,500}", punctuation in "[!-/:-@\\[-`{-~ ]{0,500}") {
        let index = indexed();
        for q in [q, punctuation] {
            let results = index.search(&query(&q), &|_| true);
            prop_assert!(results.is_ok(), "{:?}: {:?}", q, results.err());
        }
    }
}

/// The search as first written: one tantivy boolean query (per word, the exact term and
/// a fuzzy or prefix term per field; the title bonuses; the filters as zero-scored
/// terms), every match collected with its score, then the price range and the stock
/// predicate applied. The executor must agree with it on every match and score.
mod reference {
    use tantivy::collector::TopDocs;
    use tantivy::query::{
        AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur,
        PhraseQuery, Query, TermQuery,
    };
    use tantivy::schema::{Facet, IndexRecordOption};
    use tantivy::{Score, Term};

    use super::super::index::{Fields, SearchIndex, analyzer};
    use super::super::query::{
        APPROXIMATE_FACTOR, BRAND_BOOST, DESCRIPTION_BOOST, EXACT_NAME_BOOST, NAME_BOOST,
        PHRASE_BOOST, Plan, Word,
    };
    use super::*;

    /// Every match: (product id, score), best first, ties by id.
    pub(super) fn search(
        index: &SearchIndex,
        request: &SearchRequest,
        in_stock: &dyn Fn(ProductId) -> bool,
    ) -> Vec<(u64, Score)> {
        let plan = Plan::new(request, &mut analyzer()).expect("valid request");
        let path = plan.category.map(|category| index.path_of(category.raw()));
        let (searcher, fields) = index.searcher_and_fields();
        let query = build(&plan, &fields, path.as_deref());
        let limit = usize::try_from(searcher.num_docs()).expect("small").max(1);
        let found = searcher
            .search(query.as_ref(), &TopDocs::with_limit(limit).order_by_score())
            .expect("search");
        let mut matches = Vec::new();
        for (score, address) in found {
            let fast = searcher.segment_reader(address.segment_ord).fast_fields();
            let id = fast
                .u64("id")
                .expect("id")
                .first(address.doc_id)
                .expect("id");
            let price = fast
                .u64("price")
                .expect("price")
                .first(address.doc_id)
                .expect("price");
            if price < plan.min_price || price > plan.max_price {
                continue;
            }
            if request.in_stock && !in_stock(ProductId::from_raw(id)) {
                continue;
            }
            // tantivy drops the match-all clause's score once a filter joins it (0.0),
            // against the documented 1.0 for a blank `q`, which the executor keeps.
            let score = if plan.match_all { 1.0 } else { score };
            matches.push((id, score));
        }
        matches.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        matches
    }

    fn build(plan: &Plan, fields: &Fields, category_path: Option<&[u64]>) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if plan.match_all {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        } else if plan.words.is_empty() {
            return Box::new(EmptyQuery);
        } else {
            for word in &plan.words {
                clauses.push((Occur::Must, word_query(fields, word)));
            }
            for clause in title_clauses(fields, &plan.words) {
                clauses.push((Occur::Should, clause));
            }
        }
        if let Some(path) = category_path {
            let facet = Facet::from_path(path.iter().map(u64::to_string));
            clauses.push((
                Occur::Must,
                filter(Term::from_facet(fields.category, &facet)),
            ));
        }
        if let Some(key) = &plan.brand_key {
            clauses.push((
                Occur::Must,
                filter(Term::from_field_text(fields.brand_key, key)),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn filter(term: Term) -> Box<dyn Query> {
        Box::new(ConstScoreQuery::new(
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            0.0,
        ))
    }

    fn word_query(fields: &Fields, word: &Word) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in [
            (fields.name, NAME_BOOST),
            (fields.brand, BRAND_BOOST),
            (fields.description, DESCRIPTION_BOOST),
        ] {
            let term = Term::from_field_text(field, &word.text);
            let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(exact), boost)),
            ));
            let near: Option<Box<dyn Query>> = if word.prefix {
                Some(Box::new(FuzzyTermQuery::new_prefix(term, word.typos, true)))
            } else if word.typos > 0 {
                Some(Box::new(FuzzyTermQuery::new(term, word.typos, true)))
            } else {
                None
            };
            if let Some(near) = near {
                let boost = boost * APPROXIMATE_FACTOR;
                clauses.push((Occur::Should, Box::new(BoostQuery::new(near, boost))));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn title_clauses(fields: &Fields, words: &[Word]) -> Vec<Box<dyn Query>> {
        let texts: Vec<&str> = words.iter().map(|word| word.text.as_str()).collect();
        let exact = Term::from_field_text(fields.name_exact, &texts.join(" "));
        let exact = TermQuery::new(exact, IndexRecordOption::Basic);
        let mut clauses: Vec<Box<dyn Query>> =
            vec![Box::new(BoostQuery::new(Box::new(exact), EXACT_NAME_BOOST))];
        if texts.len() >= 2 {
            let terms = texts
                .iter()
                .map(|text| Term::from_field_text(fields.name, text))
                .collect();
            clauses.push(Box::new(BoostQuery::new(
                Box::new(PhraseQuery::new(terms)),
                PHRASE_BOOST,
            )));
        }
        clauses
    }
}

/// A small deterministic generator (xorshift), so the catalog and queries below are
/// the same on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const ADJECTIVES: [&str; 14] = [
    "studio",
    "wireless",
    "classic",
    "portable",
    "smart",
    "deluxe",
    "compact",
    "ultra",
    "vintage",
    "organic",
    "stainless",
    "professional",
    "waterproof",
    "the",
];
const NOUNS: [&str; 12] = [
    "headphones",
    "lamp",
    "kettle",
    "speaker",
    "chair",
    "backpack",
    "watch",
    "mug",
    "earphones",
    "headset",
    "steel",
    "of",
];
const BRANDS: [&str; 8] = [
    "Acme Audio",
    "acme  AUDIO",
    "Sonic",
    "Café Bleu",
    "Lumen",
    "Brewmaster",
    "Retro",
    "Steelworks",
];

/// A catalog whose words overlap on purpose: near words (`headphones`, `earphones`,
/// `headset`), prefixes of each other (`steel`, `stainless`, `studio`), short and long
/// words, brands spelled several ways, descriptions repeating the name.
fn generated_catalog(count: u64) -> Vec<Product> {
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    (1..=count)
        .map(|id| {
            let first = dice.pick(&ADJECTIVES);
            let second = dice.pick(&ADJECTIVES);
            let noun = dice.pick(&NOUNS);
            let name = if dice.chance(30) {
                format!("{first} {noun}")
            } else {
                format!("{first} {second} {noun} {}", id % 7)
            };
            let extra = dice.pick(&NOUNS);
            let description =
                format!("A {second} {noun} with a {extra}, the {first} way. Model {id}.");
            let brand = (!dice.chance(15)).then(|| dice.pick(&BRANDS));
            let category = 1 + (id % 5);
            let price = [
                500, 999, 1_000, 2_499, 2_500, 7_900, 10_000, 30_000, 50_000, 90_000,
            ][dice.below(10)];
            product(id, &name, brand, category, price, &description)
        })
        .collect()
}

/// A query word as a shopper might type it: whole, with a typo, or cut short.
fn mangle(dice: &mut Dice, word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    match dice.below(6) {
        0 if chars.len() > 2 => {
            let at = dice.below(chars.len() - 1);
            let mut swapped = chars.clone();
            swapped.swap(at, at + 1);
            swapped.into_iter().collect()
        }
        1 if chars.len() > 1 => {
            let at = dice.below(chars.len());
            chars
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != at)
                .map(|(_, c)| *c)
                .collect()
        }
        2 if chars.len() > 1 => chars[..1 + dice.below(chars.len() - 1)].iter().collect(),
        3 => {
            let at = dice.below(chars.len());
            let mut changed = chars.clone();
            changed[at] = 'x';
            changed.into_iter().collect()
        }
        _ => word.to_owned(),
    }
}

#[test]
fn the_executor_agrees_with_the_original_boolean_query() {
    let index = SearchIndex::open(&StoreLocation::Memory).expect("open");
    let tree = categories()
        .into_iter()
        .map(Event::CategoryCreated)
        .collect();
    index.apply(&records(tree, 1)).expect("apply");
    let mut catalog = generated_catalog(600);
    // Several batches make several segments; updates and archivals leave deletes.
    let mut seq = 6;
    for chunk in catalog.chunks(150) {
        let events: Vec<Event> = chunk.iter().cloned().map(Event::ProductCreated).collect();
        let count = events.len() as u64;
        index.apply(&records(events, seq)).expect("apply");
        seq += count;
    }
    let mut changes = Vec::new();
    for at in (0..catalog.len()).step_by(37) {
        let before = catalog[at].clone();
        let mut after = before.clone();
        if at % 2 == 0 {
            after.status = ProductStatus::Archived;
        } else {
            after.name = format!("{} refurbished", after.name);
        }
        catalog[at] = after.clone();
        changes.push(Event::ProductUpdated { before, after });
    }
    index.apply(&records(changes, seq)).expect("apply");
    let listed: Vec<Product> = catalog
        .iter()
        .filter(|product| product.status == ProductStatus::Active)
        .cloned()
        .collect();
    let stock = |id: ProductId| id.raw() % 3 != 0;

    let mut dice = Dice(42);
    let vocabulary: Vec<&str> = ADJECTIVES.iter().chain(&NOUNS).copied().collect();
    let mut checked_matches = 0;
    for round in 0..400 {
        let words = 1 + dice.below(3);
        let mut q: Vec<String> = (0..words)
            .map(|_| {
                let word = dice.pick(&vocabulary);
                mangle(&mut dice, word)
            })
            .collect();
        if round % 10 == 0 {
            q.clear();
        }
        let mut q = q.join(" ");
        if dice.chance(30) {
            q.push(' ');
        }
        let request = SearchRequest {
            q,
            category: dice
                .chance(25)
                .then(|| CategoryId::from_raw(1 + dice.below(5) as u64)),
            brand: dice.chance(15).then(|| dice.pick(&BRANDS).to_lowercase()),
            min_price: dice.chance(20).then_some(1_000),
            max_price: dice.chance(20).then_some(30_000),
            in_stock: dice.chance(30),
            limit: 1 + dice.below(SEARCH_LIMIT_MAX),
            cursor: None,
        };
        let expected = reference::search(&index, &request, &stock);
        let results = index.search(&request, &stock).expect("search");
        assert_eq!(results.total, expected.len() as u64, "{request:?}");
        let matching: BTreeSet<u64> = expected.iter().map(|&(id, _)| id).collect();
        assert_eq!(
            results.facets,
            brute_force_facets_of(&listed, &matching),
            "{request:?}"
        );
        let scores: BTreeMap<u64, f32> = expected.iter().copied().collect();
        assert!(results.hits.len() <= request.limit);
        assert_eq!(
            results.hits.len(),
            expected.len().min(request.limit),
            "{request:?}"
        );
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1.0);
        for (at, hit) in results.hits.iter().enumerate() {
            let id = hit.product_id.raw();
            let reference = scores.get(&id).copied();
            assert!(
                reference.is_some_and(|score| close(score, hit.score)),
                "{request:?}: hit {id} scored {} but {reference:?} originally",
                hit.score
            );
            // The page is a best-first page of the original ranking (up to rounding).
            assert!(close(expected[at].1, hit.score), "{request:?}: rank {at}");
        }
        checked_matches += expected.len();
    }
    assert!(
        checked_matches > 10_000,
        "the queries matched little: {checked_matches}"
    );
}
