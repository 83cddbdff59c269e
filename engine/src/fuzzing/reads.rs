//! The read-only targets: search and autocomplete, and the cursors of every paged
//! listing, against one catalog built once per process.

use std::collections::HashSet;
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};

use super::{ADMIN, card, cod, new_product, open_engine};
use crate::search::{SearchError, SearchRequest, SearchResults};
use crate::{
    CategoryId, CategoryRef, Engine, Error, OrderId, OrderStatus, ProductQuery, ProductSort,
    ProductStatus, TEST_CARD_SUCCESS,
};

/// An engine with a small catalog, a few orders and ledger entries, built once per
/// process: the search and cursor targets only read it.
struct Fixture {
    engine: Engine,
    skus: Vec<String>,
    orders: Vec<OrderId>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

/// The catalog of the read-only targets: accents, shared words, several brands and
/// nested categories, a draft and an archived product, so filters and typo matching
/// all have something to find.
const FIXTURE_PRODUCTS: &[(&str, &str, &str, &str, u64, u64)] = &[
    (
        "HP-100",
        "Studio Headphones Pro",
        "Acme Audio",
        "Electronics/Audio",
        19_900,
        5,
    ),
    (
        "HP-200",
        "Studio Headphones Lite",
        "Acme Audio",
        "Electronics/Audio",
        9_900,
        0,
    ),
    (
        "SPK-1",
        "Bookshelf Speaker",
        "Sonora",
        "Electronics/Audio/Speakers",
        14_500,
        3,
    ),
    (
        "CAF-1",
        "Café Crème Mug",
        "Maison",
        "Home/Kitchen",
        1_250,
        40,
    ),
    (
        "CAF-2",
        "Espresso Cup Set",
        "Maison",
        "Home/Kitchen",
        2_400,
        12,
    ),
    ("LMP-1", "Desk Lamp", "Lumen", "Home/Office", 3_999, 7),
    (
        "LMP-2",
        "Floor Lamp with Dimmer",
        "Lumen",
        "Home/Living",
        8_950,
        2,
    ),
    ("BK-1", "The Art of Pages", "Papier", "Books", 2_000, 30),
    (
        "A+B.1-x",
        "Señor Ñandú Poster",
        "Arte",
        "Home/Décor",
        500,
        1,
    ),
    (
        "KB-1",
        "Mechanical Keyboard",
        "Clack",
        "Electronics",
        11_000,
        9,
    ),
    (
        "KB-2",
        "Keyboard Wrist Rest",
        "Clack",
        "Electronics",
        1_900,
        0,
    ),
    (
        "DR-1",
        "Draft Headphones",
        "Acme Audio",
        "Electronics/Audio",
        100,
        1,
    ),
];

fn build_fixture() -> Fixture {
    let engine = open_engine();
    let mut skus = Vec::new();
    for &(sku, name, brand, category, price, stock) in FIXTURE_PRODUCTS {
        let mut new = new_product(sku, price, stock);
        new.name = name.into();
        new.description = format!("{name} by {brand}, from the {category} range.");
        new.brand = Some(brand.into());
        new.category = CategoryRef::Path(category.into());
        if sku.starts_with("DR-") {
            new.status = ProductStatus::Draft;
        }
        engine.create_product(new).expect("fixture product");
        skus.push(sku.to_string());
    }
    let archived = engine
        .product_by_sku("KB-2")
        .expect("read")
        .expect("fixture product");
    engine.archive_product(archived.id).expect("archive");
    let mut orders = Vec::new();
    for (lines, request) in [
        (&[("CAF-1", 2), ("BK-1", 1)][..], card(TEST_CARD_SUCCESS)),
        (&[("LMP-1", 1)][..], cod()),
        (&[("CAF-2", 3), ("HP-100", 1), ("SPK-1", 1)][..], cod()),
    ] {
        let cart = engine.create_cart(None).expect("cart").id;
        for &(sku, quantity) in lines {
            engine
                .add_cart_item(cart, None, None, sku, quantity)
                .expect("fixture line");
        }
        let order = engine.checkout(cart, None, request, None).expect("order");
        orders.push(order.order.id);
    }
    engine.ship_order(orders[0], ADMIN).expect("ship");
    engine.deliver_order(orders[0], ADMIN).expect("deliver");
    engine.mark_order_paid(orders[1], ADMIN).expect("paid");
    engine.cancel_order(orders[1], ADMIN).expect("cancel");
    for delta in [5, -2, 1, 3, -1] {
        engine
            .adjust_stock("CAF-1", delta, "fuzz fixture", ADMIN)
            .expect("adjust");
    }
    Fixture {
        engine,
        skus,
        orders,
    }
}

/// Whether `error` is a refusal of the caller's input (a 4xx that names what was
/// wrong) rather than a failure of the engine.
fn is_refusal(error: &Error) -> bool {
    matches!(
        error,
        Error::Invalid(_)
            | Error::Search(SearchError::InvalidRequest { .. } | SearchError::InvalidCursor)
    )
}

/// A cursor as a client may send it.
#[derive(Arbitrary, Debug)]
enum CursorInput {
    /// The first page.
    None,
    /// Any text at all.
    Text(String),
    /// The cursor the engine gave for the second page, as given.
    Given,
    /// That cursor with one character replaced (a tampered or truncated copy).
    Edited { at: u16, with: char, truncate: bool },
}

impl CursorInput {
    /// The cursor text to send, given the `next_cursor` of a first page.
    fn resolve(&self, given: Option<String>) -> Option<String> {
        match self {
            CursorInput::None => None,
            CursorInput::Text(text) => Some(text.clone()),
            CursorInput::Given => given,
            CursorInput::Edited { at, with, truncate } => {
                let mut chars: Vec<char> = given?.chars().collect();
                let at = usize::from(*at) % chars.len().max(1);
                if *truncate {
                    chars.truncate(at);
                } else if let Some(slot) = chars.get_mut(at) {
                    *slot = *with;
                }
                Some(chars.into_iter().collect())
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Search and autocomplete.

#[derive(Arbitrary, Debug)]
struct SearchInput {
    q: String,
    category: Option<u8>,
    brand: Option<String>,
    min_price: Option<u64>,
    max_price: Option<u64>,
    in_stock: bool,
    limit: u8,
    cursor: CursorInput,
    suggest_limit: u8,
}

/// One search and one autocomplete, decoded from `bytes`, against the shared catalog.
pub fn search(bytes: &[u8]) {
    let Ok(input) = SearchInput::arbitrary_take_rest(Unstructured::new(bytes)) else {
        return;
    };
    let engine = &fixture().engine;
    let mut request = SearchRequest {
        q: input.q.clone(),
        // Small numbers name the fixture's categories; the rest are unknown ids.
        category: input
            .category
            .map(|raw| CategoryId::from_raw(u64::from(raw % 16))),
        brand: input.brand.clone(),
        min_price: input.min_price,
        max_price: input.max_price,
        in_stock: input.in_stock,
        limit: usize::from(input.limit),
        cursor: None,
    };
    if !matches!(input.cursor, CursorInput::None | CursorInput::Text(_)) {
        let first = SearchRequest {
            limit: 1,
            ..request.clone()
        };
        let given = match engine.search(&first) {
            Ok(results) => results.next_cursor,
            Err(error) => return assert!(is_refusal(&error), "search failed: {error:?}"),
        };
        request.cursor = input.cursor.resolve(given);
    } else {
        request.cursor = input.cursor.resolve(None);
    }
    match engine.search(&request) {
        Ok(results) => check_search_page(engine, &request, &results),
        Err(error) => assert!(is_refusal(&error), "search failed: {error:?}"),
    }
    let suggestions = engine.autocomplete(&input.q, usize::from(input.suggest_limit));
    assert!(suggestions.len() <= usize::from(input.suggest_limit));
}

fn check_search_page(engine: &Engine, request: &SearchRequest, results: &SearchResults) {
    assert!(results.hits.len() <= request.limit, "page beyond its limit");
    assert!(
        results.hits.len() as u64 <= results.total,
        "total below the page"
    );
    for hit in &results.hits {
        assert!(hit.score.is_finite(), "score {} of {:?}", hit.score, hit);
        let product = engine.product(hit.product_id).expect("read");
        assert!(
            product.is_some_and(|p| p.status == ProductStatus::Active),
            "a hit that is not an active product: {hit:?}"
        );
    }
    if let Some(cursor) = &results.next_cursor {
        let next = SearchRequest {
            cursor: Some(cursor.clone()),
            ..request.clone()
        };
        let page = engine.search(&next);
        assert!(
            page.is_ok(),
            "a cursor the engine gave is refused: {page:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Cursors of the paged listings.

#[derive(Arbitrary, Debug)]
enum Listing {
    Products { sort: u8 },
    Orders { status: Option<u8> },
    OrderEvents { order: u8 },
    Ledger { sku: u8 },
}

#[derive(Arbitrary, Debug)]
struct CursorProbe {
    listing: Listing,
    limit: u8,
    cursor: CursorInput,
}

/// One page of a paged listing, with a cursor decoded from `bytes`: an arbitrary one,
/// the engine's own, or the engine's own tampered with.
pub fn cursors(bytes: &[u8]) {
    let Ok(probe) = CursorProbe::arbitrary_take_rest(Unstructured::new(bytes)) else {
        return;
    };
    let fixture = fixture();
    let limit = usize::from(probe.limit);
    let first = page(fixture, &probe.listing, 1, None).expect("a first page of one row");
    let cursor = probe.cursor.resolve(first.1.clone());
    match page(fixture, &probe.listing, limit, cursor.as_deref()) {
        Ok((rows, next)) => {
            assert!(rows.len() <= limit, "page beyond its limit");
            if let Some(next) = next {
                let (after, _) = page(fixture, &probe.listing, limit, Some(&next))
                    .unwrap_or_else(|error| panic!("own cursor {next:?} refused: {error:?}"));
                let seen: HashSet<&u64> = rows.iter().collect();
                let repeated: Vec<_> = after.iter().filter(|row| seen.contains(row)).collect();
                assert!(repeated.is_empty(), "rows on two pages: {repeated:?}");
            }
        }
        Err(error) => assert!(is_refusal(&error), "listing failed: {error:?}"),
    }
}

/// The row keys of one page of `listing`, and its `next_cursor`.
fn page(
    fixture: &Fixture,
    listing: &Listing,
    limit: usize,
    cursor: Option<&str>,
) -> crate::Result<(Vec<u64>, Option<String>)> {
    let engine = &fixture.engine;
    let cursor_owned = cursor.map(str::to_string);
    match *listing {
        Listing::Products { sort } => {
            let sort = [
                ProductSort::PriceAsc,
                ProductSort::PriceDesc,
                ProductSort::Newest,
                ProductSort::Name,
            ][usize::from(sort % 4)];
            let query = ProductQuery {
                sort,
                limit,
                cursor: cursor_owned,
                ..ProductQuery::default()
            };
            let page = engine.list_products(&query)?;
            let ids = page.products.iter().map(|p| p.id.raw()).collect();
            Ok((ids, page.next_cursor))
        }
        Listing::Orders { status } => {
            let status = status.map(|s| ORDER_STATUSES[usize::from(s) % ORDER_STATUSES.len()]);
            let page = engine.orders(status, limit, cursor)?;
            let ids = page.orders.iter().map(|o| o.id.raw()).collect();
            Ok((ids, page.next_cursor))
        }
        Listing::OrderEvents { order } => {
            let id = fixture.orders[usize::from(order) % fixture.orders.len()];
            let page = engine.order_events(id, ADMIN, limit, cursor)?;
            let seqs = page.events.iter().map(|e| e.seq).collect();
            Ok((seqs, page.next_cursor))
        }
        Listing::Ledger { sku } => {
            let sku = &fixture.skus[usize::from(sku) % fixture.skus.len()];
            let page = engine.stock_ledger(sku, limit, cursor)?;
            let seqs = page.entries.iter().map(|e| e.seq).collect();
            Ok((seqs, page.next_cursor))
        }
    }
}

const ORDER_STATUSES: [OrderStatus; 6] = [
    OrderStatus::Pending,
    OrderStatus::Paid,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
    OrderStatus::Cancelled,
    OrderStatus::Refunded,
];
