//! Product reviews through the engine's public API: every field's rule names its field
//! and writes nothing, one review per user per product (also within one batch),
//! `verified_purchase` only for a paid, shipped or delivered order containing the
//! product, the rating aggregate after several reviews, newest-first pages without
//! duplicates, and reviews, aggregates and the uniqueness rule after a file store is
//! closed and opened again.

mod common;

use std::sync::Arc;

use common::{cod, config, new_product, usd};
use emporium::model::{Actor, Event, PaymentMethod};
use emporium::{
    CatalogError, Engine, Error, NewReview, NewUser, PasswordParams, Product, ProductStatus,
    REVIEW_BODY_CHARS_MAX, REVIEW_TITLE_CHARS_MAX, RatingSummary, ReviewError, StoreLocation,
    TestProvider, UserError, UserId,
};

fn engine_at(location: StoreLocation) -> Engine {
    let mut config = config(location, Arc::new(TestProvider::default()));
    config.users.password_params = PasswordParams::INSECURE_FAST_FOR_TESTS;
    Engine::open_with(config).expect("open")
}

fn user(engine: &Engine, name: &str) -> UserId {
    engine
        .register(NewUser {
            email: format!("{name}@example.com"),
            password: "correct horse battery".into(),
            name: name.into(),
        })
        .expect("register")
        .user
        .id
}

fn product(engine: &Engine, sku: &str) -> Product {
    engine
        .create_product(new_product(sku, usd(1_000), 50))
        .expect("product")
}

fn review(rating: u64, title: &str) -> NewReview {
    NewReview {
        rating,
        title: title.into(),
        body: "Solid and well made.\nWould buy again.".into(),
    }
}

/// An order of `skus` by `user_id`, paid by `method` (card: paid at once; cash on
/// delivery: pending).
fn order(
    engine: &Engine,
    user_id: UserId,
    skus: &[&str],
    method: PaymentMethod,
) -> emporium::Order {
    let mut cart = engine.create_cart(Some(user_id)).expect("cart");
    for sku in skus {
        cart = engine
            .add_cart_item(cart.id, Some(user_id), None, sku, 1)
            .expect("add");
    }
    let request = match method {
        PaymentMethod::Cod => cod(),
        _ => common::good_card(),
    };
    engine
        .checkout(cart.id, Some(user_id), request, None)
        .expect("checkout")
        .order
}

#[test]
fn every_field_is_checked_by_name_and_a_refusal_writes_nothing() {
    let engine = engine_at(StoreLocation::Memory);
    let item = product(&engine, "MUG-1");
    let ada = user(&engine, "ada");
    let long_title = "t".repeat(REVIEW_TITLE_CHARS_MAX + 1);
    let long_body = "b".repeat(REVIEW_BODY_CHARS_MAX + 1);
    let cases = [
        (review(0, "Fine"), "rating"),
        (review(6, "Fine"), "rating"),
        (review(u64::MAX, "Fine"), "rating"),
        (review(4, ""), "title"),
        (review(4, " \u{3000} "), "title"),
        (review(4, "two\nlines"), "title"),
        (review(4, &long_title), "title"),
        (
            NewReview {
                body: long_body,
                ..review(4, "Fine")
            },
            "body",
        ),
        (
            NewReview {
                body: "bell \u{7}".into(),
                ..review(4, "Fine")
            },
            "body",
        ),
    ];
    for (new, field) in cases {
        match engine.post_review(item.id, ada, new.clone()) {
            Err(Error::Invalid(error)) => assert_eq!(error.field, field, "{new:?}"),
            other => panic!("{new:?}: expected a refusal of `{field}`, got {other:?}"),
        }
    }
    assert_eq!(engine.rating(item.id), RatingSummary::default());
    assert!(
        engine
            .reviews(item.id, 10, None)
            .expect("list")
            .reviews
            .is_empty()
    );
    // The limits themselves are allowed.
    let at_limits = NewReview {
        rating: 5,
        title: "é".repeat(REVIEW_TITLE_CHARS_MAX),
        body: "é".repeat(REVIEW_BODY_CHARS_MAX),
    };
    let posted = engine.post_review(item.id, ada, at_limits).expect("post");
    assert_eq!(posted.title.chars().count(), REVIEW_TITLE_CHARS_MAX);
}

#[test]
fn unknown_draft_or_archived_products_and_unknown_users_are_refused() {
    let engine = engine_at(StoreLocation::Memory);
    let ada = user(&engine, "ada");
    let unknown = emporium::ProductId::from_raw(9_999);
    let refused = engine.post_review(unknown, ada, review(5, "Great"));
    assert!(matches!(
        refused,
        Err(Error::Catalog(CatalogError::ProductNotFound { .. }))
    ));
    assert!(matches!(
        engine.reviews(unknown, 10, None),
        Err(Error::Catalog(CatalogError::ProductNotFound { .. }))
    ));
    let mut draft = new_product("DRAFT-1", usd(500), 1);
    draft.status = ProductStatus::Draft;
    let draft = engine.create_product(draft).expect("draft");
    let refused = engine.post_review(draft.id, ada, review(5, "Great"));
    assert!(matches!(
        refused,
        Err(Error::Catalog(CatalogError::ProductNotFound { .. }))
    ));
    let archived = product(&engine, "OLD-1");
    engine.archive_product(archived.id).expect("archive");
    let refused = engine.post_review(archived.id, ada, review(5, "Great"));
    assert!(matches!(
        refused,
        Err(Error::Catalog(CatalogError::ProductNotFound { .. }))
    ));
    let item = product(&engine, "MUG-1");
    let nobody = UserId::from_raw(9_999);
    let refused = engine.post_review(item.id, nobody, review(5, "Great"));
    assert!(matches!(
        refused,
        Err(Error::Users(UserError::UserNotFound { .. }))
    ));
    assert_eq!(engine.rating(item.id).count, 0);
}

#[test]
fn one_review_per_user_per_product() {
    let engine = engine_at(StoreLocation::Memory);
    let (mug, cup) = (product(&engine, "MUG-1"), product(&engine, "CUP-1"));
    let (ada, bob) = (user(&engine, "ada"), user(&engine, "bob"));
    let first = engine
        .post_review(mug.id, ada, review(5, "Great"))
        .expect("first");
    match engine.post_review(mug.id, ada, review(1, "Changed my mind")) {
        Err(Error::Review(error @ ReviewError::Duplicate { .. })) => {
            assert_eq!(error.code(), "duplicate_review");
            assert_eq!(
                error,
                ReviewError::Duplicate {
                    product_id: mug.id,
                    review_id: first.id
                }
            );
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
    // Another user of the same product, and the same user of another product, may.
    engine
        .post_review(mug.id, bob, review(3, "Fine"))
        .expect("bob");
    engine
        .post_review(cup.id, ada, review(4, "Nice"))
        .expect("other product");
    assert_eq!(engine.rating(mug.id), RatingSummary { count: 2, sum: 8 });
    assert_eq!(engine.rating(cup.id), RatingSummary { count: 1, sum: 4 });
}

#[test]
fn concurrent_second_reviews_collide_inside_the_committer() {
    let engine = engine_at(StoreLocation::Memory);
    let mug = product(&engine, "MUG-1");
    let ada = user(&engine, "ada");
    let threads: Vec<_> = (0..8)
        .map(|n| {
            let engine = engine.clone();
            std::thread::spawn(move || engine.post_review(mug.id, ada, review(1 + n % 5, "Again")))
        })
        .collect();
    let outcomes: Vec<_> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    let posted = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let duplicates = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Err(Error::Review(ReviewError::Duplicate { .. }))))
        .count();
    assert_eq!((posted, duplicates), (1, 7), "{outcomes:?}");
    assert_eq!(engine.rating(mug.id).count, 1);
    assert_eq!(
        engine
            .reviews(mug.id, 100, None)
            .expect("list")
            .reviews
            .len(),
        1
    );
}

#[test]
fn verified_only_after_a_paid_order_containing_the_product() {
    let engine = engine_at(StoreLocation::Memory);
    let (mug, cup, pen, ink) = (
        product(&engine, "MUG-1"),
        product(&engine, "CUP-1"),
        product(&engine, "PEN-1"),
        product(&engine, "INK-1"),
    );
    let (ada, bob, cy) = (
        user(&engine, "ada"),
        user(&engine, "bob"),
        user(&engine, "cy"),
    );

    // Pending (cash on delivery): not yet a purchase.
    let pending = order(&engine, ada, &["MUG-1", "CUP-1"], PaymentMethod::Cod);
    assert!(
        !engine
            .post_review(mug.id, ada, review(4, "Nice"))
            .expect("post")
            .verified_purchase
    );
    // Once paid, the other product of that order is a verified purchase.
    engine
        .mark_order_paid(pending.id, Actor::System)
        .expect("paid");
    assert!(
        engine
            .post_review(cup.id, ada, review(5, "Lovely"))
            .expect("post")
            .verified_purchase
    );
    // A product that was not in the order is not.
    assert!(
        !engine
            .post_review(pen.id, ada, review(3, "Ok"))
            .expect("post")
            .verified_purchase
    );

    // Paid by card at checkout, then shipped and delivered: still verified.
    let paid = order(&engine, bob, &["PEN-1", "INK-1"], PaymentMethod::Card);
    engine.ship_order(paid.id, Actor::System).expect("ship");
    assert!(
        engine
            .post_review(pen.id, bob, review(5, "Smooth"))
            .expect("post")
            .verified_purchase
    );
    engine
        .deliver_order(paid.id, Actor::System)
        .expect("deliver");
    assert!(
        engine
            .post_review(ink.id, bob, review(2, "Smudges"))
            .expect("post")
            .verified_purchase
    );

    // Cancelled before payment: not a purchase.
    let cancelled = order(&engine, cy, &["MUG-1"], PaymentMethod::Cod);
    engine
        .cancel_order(cancelled.id, Actor::Customer(cy))
        .expect("cancel");
    assert!(
        !engine
            .post_review(mug.id, cy, review(1, "Never came"))
            .expect("post")
            .verified_purchase
    );

    let events = engine.events_after(0, 10_000).expect("events");
    let posted: Vec<(bool, u8)> = events
        .iter()
        .filter_map(|record| match &record.event {
            Event::ReviewPosted {
                verified_purchase,
                rating,
                ..
            } => Some((*verified_purchase, *rating)),
            _ => None,
        })
        .collect();
    assert_eq!(
        posted,
        [
            (false, 4),
            (true, 5),
            (false, 3),
            (true, 5),
            (true, 2),
            (false, 1)
        ]
    );
}

#[test]
fn aggregate_and_newest_first_pages_after_several_reviews() {
    let engine = engine_at(StoreLocation::Memory);
    let (mug, cup) = (product(&engine, "MUG-1"), product(&engine, "CUP-1"));
    let ratings = [5, 4, 4, 1, 3, 5, 2];
    let mut posted = Vec::new();
    for (n, rating) in ratings.into_iter().enumerate() {
        let author = user(&engine, &format!("user{n}"));
        posted.push(
            engine
                .post_review(mug.id, author, review(rating, &format!("Review {n}")))
                .expect("post"),
        );
    }
    let summary = engine.rating(mug.id);
    assert_eq!(summary, RatingSummary { count: 7, sum: 24 });
    assert_eq!(summary.average_hundredths(), Some(343));
    assert_eq!(engine.rating(cup.id).average_hundredths(), None);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = engine.reviews(mug.id, 3, cursor.as_deref()).expect("page");
        assert!(page.reviews.len() <= 3);
        seen.extend(page.reviews.iter().map(|review| review.id));
        pages += 1;
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let newest_first: Vec<_> = posted.iter().rev().map(|review| review.id).collect();
    assert_eq!(seen, newest_first);
    // A cursor of one product's listing is refused by another's.
    let page = engine.reviews(mug.id, 3, None).expect("page");
    let cursor = page.next_cursor.expect("more");
    match engine.reviews(cup.id, 3, Some(&cursor)) {
        Err(Error::Invalid(error)) => assert_eq!(error.field, "cursor"),
        other => panic!("expected a refused cursor, got {other:?}"),
    }
    for limit in [0, 101] {
        match engine.reviews(mug.id, limit, None) {
            Err(Error::Invalid(error)) => assert_eq!(error.field, "limit"),
            other => panic!("limit {limit}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn reviews_aggregates_and_uniqueness_survive_reopening_a_file_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let location = || StoreLocation::Directory(dir.path().to_path_buf());
    let (mug, ada, listed) = {
        let engine = engine_at(location());
        let mug = product(&engine, "MUG-1");
        let ada = user(&engine, "ada");
        let bob = user(&engine, "bob");
        engine
            .post_review(mug.id, ada, review(5, "Great"))
            .expect("ada");
        engine
            .post_review(mug.id, bob, review(2, "Meh"))
            .expect("bob");
        let listed = engine.reviews(mug.id, 10, None).expect("list").reviews;
        (mug, ada, listed)
    };
    let engine = engine_at(location());
    assert_eq!(engine.rating(mug.id), RatingSummary { count: 2, sum: 7 });
    assert_eq!(
        engine.reviews(mug.id, 10, None).expect("list").reviews,
        listed
    );
    assert!(matches!(
        engine.post_review(mug.id, ada, review(1, "Again")),
        Err(Error::Review(ReviewError::Duplicate { .. }))
    ));
    // Ids keep counting after the reopen: a new review is listed first, never reused.
    let cy = user(&engine, "cy");
    let third = engine
        .post_review(mug.id, cy, review(4, "Good"))
        .expect("cy");
    assert!(listed.iter().all(|review| review.id != third.id));
    let page = engine.reviews(mug.id, 10, None).expect("list").reviews;
    assert_eq!(page.first().map(|review| review.id), Some(third.id));
    assert_eq!(engine.rating(mug.id), RatingSummary { count: 3, sum: 11 });
}
