//! The engine's review operations: post one, list a product's, read its rating.

use std::sync::Arc;

use super::{NewReview, REVIEW_PAGE_LIMIT_MAX, RatingSummary, Review, store};
use crate::catalog::CatalogError;
use crate::model::{ProductId, UserId, ValidationError, hex_decode, hex_encode};
use crate::users::UserError;
use crate::{Engine, Result};

/// One page of a product's reviews, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewPage {
    /// The reviews.
    pub reviews: Vec<Review>,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

impl Engine {
    /// Posts `user_id`'s review of product `product_id`, answered once durable. The
    /// product must exist and be active; a second review of it by the same user is
    /// [`super::ReviewError::Duplicate`].
    pub fn post_review(
        &self,
        product_id: ProductId,
        user_id: UserId,
        new: NewReview,
    ) -> Result<Review> {
        new.validate()?;
        let verified_purchase = {
            let txn = self.inner.store.read()?;
            if !store::user_exists(&txn, user_id)? {
                let id = user_id.to_string();
                return Err(UserError::UserNotFound { id }.into());
            }
            store::has_bought(&txn, user_id, product_id)?
        };
        let reviews = Arc::clone(&self.inner.reviews);
        self.inner.store.write(
            move |tx| store::post_job(tx, product_id, user_id, new, verified_purchase),
            move |review| reviews.record(review),
        )
    }

    /// A page of at most `limit` (1 to [`REVIEW_PAGE_LIMIT_MAX`]) reviews of product
    /// `product_id`, newest first, from `cursor` (a `next_cursor` of this listing).
    /// Lists the reviews of a product whatever its status; an unknown product is
    /// [`CatalogError::ProductNotFound`].
    pub fn reviews(
        &self,
        product_id: ProductId,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<ReviewPage> {
        if !(1..=REVIEW_PAGE_LIMIT_MAX).contains(&limit) {
            let message = format!("`limit` must be between 1 and {REVIEW_PAGE_LIMIT_MAX}");
            return Err(ValidationError::new("limit", "out_of_range", message).into());
        }
        let before = match cursor {
            None => u64::MAX,
            Some(text) => decode_cursor(text, product_id)?,
        };
        if self.product(product_id)?.is_none() {
            let id = product_id.to_string();
            return Err(CatalogError::ProductNotFound { id }.into());
        }
        let txn = self.inner.store.read()?;
        let mut reviews = store::page(&txn, product_id, before, limit + 1)?;
        let more = reviews.len() > limit;
        reviews.truncate(limit);
        let next_cursor = more
            .then(|| {
                reviews
                    .last()
                    .map(|last| encode_cursor(product_id, last.id.raw()))
            })
            .flatten();
        Ok(ReviewPage {
            reviews,
            next_cursor,
        })
    }

    /// The rating count and sum of product `product_id` (zero without reviews); read
    /// from memory, never from the store.
    pub fn rating(&self, product_id: ProductId) -> RatingSummary {
        self.inner.reviews.summary(product_id)
    }
}

/// A cursor is hex of the product id, the last review id shown and a checksum: one made
/// for another product, or edited by hand, is refused instead of misread.
fn encode_cursor(product_id: ProductId, last_review: u64) -> String {
    let mut bytes = Vec::with_capacity(20);
    bytes.extend_from_slice(&product_id.raw().to_be_bytes());
    bytes.extend_from_slice(&last_review.to_be_bytes());
    bytes.extend_from_slice(&checksum(&bytes).to_be_bytes());
    hex_encode(&bytes)
}

/// The exclusive upper bound of review ids the cursor stands for.
fn decode_cursor(text: &str, product_id: ProductId) -> Result<u64, ValidationError> {
    let invalid = || {
        ValidationError::new(
            "cursor",
            "invalid_cursor",
            "`cursor` is not a cursor of this listing; use a `next_cursor` as given",
        )
    };
    let bytes = hex_decode(text).ok_or_else(invalid)?;
    let bytes: [u8; 20] = bytes.try_into().map_err(|_| invalid())?;
    let (body, sum) = bytes.split_at(16);
    if sum != checksum(body).to_be_bytes() {
        return Err(invalid());
    }
    let (product, review) = body.split_at(8);
    let product = u64::from_be_bytes(product.try_into().map_err(|_| invalid())?);
    let review = u64::from_be_bytes(review.try_into().map_err(|_| invalid())?);
    if product != product_id.raw() {
        return Err(invalid());
    }
    Ok(review)
}

/// FNV-1a: not a secret, only a guard against corrupted or hand-edited cursors.
fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_product() {
        let product = ProductId::from_raw(7);
        let cursor = encode_cursor(product, 42);
        assert_eq!(decode_cursor(&cursor, product), Ok(42));
        let other = ProductId::from_raw(8);
        assert_eq!(
            decode_cursor(&cursor, other).map_err(|e| e.field),
            Err("cursor".into())
        );
        let mut tampered = cursor.clone().into_bytes();
        tampered[20] = if tampered[20] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert!(decode_cursor(&tampered, product).is_err());
        for bad in [
            "",
            "zz",
            &cursor[..cursor.len() - 2],
            &format!("{cursor}00"),
        ] {
            assert!(decode_cursor(bad, product).is_err(), "{bad}");
        }
    }
}
