//! The reviews' reads and their committer job.
//!
//! Whether the author bought the product is read from a snapshot before the job is
//! queued: it may scan many of the author's orders, and the committer is the one writer
//! every other write waits behind. An order paid while the review is queued is at worst
//! missed, the same outcome as posting a moment earlier. Everything the job's decision
//! rests on (the product, the one-review-per-author rule) is read in the transaction.

use std::collections::HashMap;

use redb::{ReadTransaction, ReadableTable};

use super::{NewReview, RatingSummary, Review, ReviewError};
use crate::Result;
use crate::catalog::CatalogError;
use crate::model::{Event, OrderStatus, Product, ProductId, ProductStatus, ReviewId, UserId};
use crate::store::codec::{CodecError, encode};
use crate::store::{Counter, Store, StoreError, Tx, decode_from, tables};
use crate::users::open_read;

/// Every product's count and sum of ratings, from `product_reviews`.
pub(super) fn load_ratings(store: &Store) -> Result<HashMap<u64, RatingSummary>, StoreError> {
    let txn = store.read()?;
    let mut ratings: HashMap<u64, RatingSummary> = HashMap::new();
    if let Some(table) = open_read(&txn, tables::PRODUCT_REVIEWS)? {
        for entry in table.iter()? {
            let (key, rating) = entry?;
            let (product, _) = key.value();
            ratings.entry(product).or_default().add(rating.value());
        }
    }
    Ok(ratings)
}

/// Whether `user_id` has a paid, shipped or delivered order containing `product_id`,
/// among their newest [`super::VERIFY_ORDERS_SCANNED_MAX`] orders.
pub(super) fn has_bought(
    txn: &ReadTransaction,
    user_id: UserId,
    product_id: ProductId,
) -> Result<bool> {
    let (Some(user_orders), Some(orders)) = (
        open_read(txn, tables::USER_ORDERS)?,
        open_read(txn, tables::ORDERS)?,
    ) else {
        return Ok(false);
    };
    let range = (user_id.raw(), 0)..=(user_id.raw(), u64::MAX);
    for entry in user_orders
        .range(range)
        .map_err(StoreError::from)?
        .rev()
        .take(super::VERIFY_ORDERS_SCANNED_MAX)
    {
        let (key, _) = entry.map_err(StoreError::from)?;
        let Some(bytes) = orders.get(key.value().1).map_err(StoreError::from)? else {
            continue;
        };
        let order = crate::orders::decode_order(bytes.value())?;
        let settled = matches!(
            order.body.status,
            OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Delivered
        );
        if settled
            && order
                .body
                .lines
                .iter()
                .any(|line| line.product_id == product_id)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether account `user_id` exists.
pub(super) fn user_exists(txn: &ReadTransaction, user_id: UserId) -> Result<bool> {
    match open_read(txn, tables::USERS)? {
        Some(users) => Ok(users
            .get(user_id.raw())
            .map_err(StoreError::from)?
            .is_some()),
        None => Ok(false),
    }
}

/// The job that posts a review: refuses a product that is not active and a second
/// review by the same author, then writes the record, both index entries and the
/// event.
pub(super) fn post_job(
    tx: &mut Tx<'_>,
    product_id: ProductId,
    user_id: UserId,
    new: NewReview,
    verified_purchase: bool,
) -> Result<Review> {
    let product: Option<Product> = match tx.products()?.get(product_id.raw())? {
        Some(bytes) => Some(decode_from("products", bytes.value())?),
        None => None,
    };
    if product.is_none_or(|product| product.status != ProductStatus::Active) {
        let id = product_id.to_string();
        return Err(CatalogError::ProductNotFound { id }.into());
    }
    let author_key = (product_id.raw(), user_id.raw());
    let mut authors = tx
        .txn()
        .open_table(tables::REVIEW_AUTHORS)
        .map_err(StoreError::from)?;
    if let Some(existing) = authors.get(author_key)? {
        return Err(ReviewError::Duplicate {
            product_id,
            review_id: ReviewId::from_raw(existing.value()),
        }
        .into());
    }
    debug_assert!(new.validate().is_ok(), "validated before it was queued");
    let rating = u8::try_from(new.rating).expect("validated: RATING_MAX fits in u8");
    let review = Review {
        id: ReviewId::from_raw(tx.next_id(Counter::Review)),
        product_id,
        user_id,
        rating,
        title: new.title,
        body: new.body,
        verified_purchase,
        created_at: tx.now,
    };
    authors.insert(author_key, review.id.raw())?;
    drop(authors);
    tx.txn()
        .open_table(tables::PRODUCT_REVIEWS)
        .map_err(StoreError::from)?
        .insert((product_id.raw(), review.id.raw()), rating)?;
    tx.txn()
        .open_table(tables::REVIEWS)
        .map_err(StoreError::from)?
        .insert(review.id.raw(), encode(&review).as_slice())?;
    tx.emit(Event::ReviewPosted {
        review_id: review.id,
        product_id,
        user_id,
        rating,
        verified_purchase,
    })?;
    Ok(review)
}

/// Up to `count` reviews of `product_id` with ids below `before`, newest first.
pub(super) fn page(
    txn: &ReadTransaction,
    product_id: ProductId,
    before: u64,
    count: usize,
) -> Result<Vec<Review>> {
    let (Some(index), Some(records)) = (
        open_read(txn, tables::PRODUCT_REVIEWS)?,
        open_read(txn, tables::REVIEWS)?,
    ) else {
        return Ok(Vec::new());
    };
    let mut reviews = Vec::with_capacity(count);
    for entry in index
        .range((product_id.raw(), 0)..(product_id.raw(), before))
        .map_err(StoreError::from)?
        .rev()
        .take(count)
    {
        let (key, _) = entry.map_err(StoreError::from)?;
        let id = key.value().1;
        // The index and the record are written in one transaction: a snapshot that has
        // one has the other.
        let bytes =
            records
                .get(id)
                .map_err(StoreError::from)?
                .ok_or_else(|| StoreError::Corrupt {
                    table: "reviews",
                    error: CodecError::Malformed(format!("review {id} is indexed but not stored")),
                })?;
        reviews.push(decode_from("reviews", bytes.value())?);
    }
    Ok(reviews)
}
