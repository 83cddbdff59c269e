//! Product reviews: a rating of 1 to 5 with a title and a body, at most one per user per
//! product, marked `verified_purchase` when the author bought the product.
//!
//! Owns three tables ([`tables::REVIEWS`], [`tables::PRODUCT_REVIEWS`],
//! [`tables::REVIEW_AUTHORS`]) and one read model: each product's rating count and sum,
//! kept in memory, rebuilt from `product_reviews` when the engine opens and moved only
//! after a review's commit, in commit order.
//!
//! Invariants: `review_authors` has exactly one entry per review, so a user's second
//! review of a product is refused inside the committer's transaction (two posted in one
//! batch still collide); a review, its index entries and its `ReviewPosted` event are
//! written in one transaction; every aggregate equals the count and sum of the ratings
//! in `product_reviews`.
//!
//! [`tables::REVIEWS`]: crate::store::tables::REVIEWS
//! [`tables::PRODUCT_REVIEWS`]: crate::store::tables::PRODUCT_REVIEWS
//! [`tables::REVIEW_AUTHORS`]: crate::store::tables::REVIEW_AUTHORS

mod api;
mod store;

use std::collections::HashMap;

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use crate::model::{ProductId, ReviewId, Timestamp, UserId, ValidationError};

pub use api::ReviewPage;

/// Lowest rating.
pub const RATING_MIN: u64 = 1;
/// Highest rating.
pub const RATING_MAX: u64 = 5;
/// Longest review title, in characters.
pub const REVIEW_TITLE_CHARS_MAX: usize = 120;
/// Longest review body, in characters.
pub const REVIEW_BODY_CHARS_MAX: usize = 5_000;
/// Page size of a review listing when none is asked for.
pub const REVIEW_PAGE_LIMIT_DEFAULT: usize = 20;
/// Largest page of a review listing.
pub const REVIEW_PAGE_LIMIT_MAX: usize = 100;
/// Most of an author's orders (newest first) looked through for a purchase of the
/// product: bounds the read a review costs, whoever posts it.
pub const VERIFY_ORDERS_SCANNED_MAX: usize = 10_000;
const _: () = assert!(RATING_MIN >= 1 && RATING_MIN <= RATING_MAX && RATING_MAX <= u8::MAX as u64);

/// A product review (`/v1/products/{id}/reviews`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Its id (`rev_…`).
    pub id: ReviewId,
    /// The product reviewed.
    pub product_id: ProductId,
    /// Its author.
    pub user_id: UserId,
    /// 1 to 5.
    pub rating: u8,
    /// One line of 1 to [`REVIEW_TITLE_CHARS_MAX`] characters.
    pub title: String,
    /// Up to [`REVIEW_BODY_CHARS_MAX`] characters; may be empty.
    pub body: String,
    /// Whether the author had a paid, shipped or delivered order containing the product
    /// when the review was posted.
    pub verified_purchase: bool,
    /// When it was posted.
    pub created_at: Timestamp,
}

/// A review to post (`POST /v1/products/{id}/reviews`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReview {
    /// [`RATING_MIN`] to [`RATING_MAX`]; wider so that an out-of-range number is
    /// refused by name instead of wrapping.
    pub rating: u64,
    /// One line of 1 to [`REVIEW_TITLE_CHARS_MAX`] characters, not only white space.
    pub title: String,
    /// Up to [`REVIEW_BODY_CHARS_MAX`] characters; line breaks and tabs allowed, other
    /// control characters not.
    pub body: String,
}

impl NewReview {
    /// Checks every field; the error names the first that breaks a rule (`rating`,
    /// `title`, `body`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !(RATING_MIN..=RATING_MAX).contains(&self.rating) {
            let message =
                format!("`rating` must be a whole number from {RATING_MIN} to {RATING_MAX}");
            return Err(ValidationError::new("rating", "out_of_range", message));
        }
        crate::model::validate_line("title", &self.title, 1, REVIEW_TITLE_CHARS_MAX)?;
        if self.title.trim().is_empty() {
            let message = "`title` must not be blank";
            return Err(ValidationError::new("title", "too_short", message));
        }
        let body_chars = self.body.chars().count();
        if body_chars > REVIEW_BODY_CHARS_MAX {
            let message = format!(
                "`body` must have at most {REVIEW_BODY_CHARS_MAX} characters, it has {body_chars}"
            );
            return Err(ValidationError::new("body", "too_long", message));
        }
        let control = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
        if self.body.chars().any(control) {
            let message =
                "`body` must not contain control characters other than line breaks and tabs";
            return Err(ValidationError::new("body", "invalid", message));
        }
        Ok(())
    }
}

/// A review rule refused the operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// The user has already reviewed this product (HTTP 409, `duplicate_review`).
    #[error("you have already reviewed product `{product_id}` (review `{review_id}`)")]
    Duplicate {
        /// The product.
        product_id: ProductId,
        /// The review already posted.
        review_id: ReviewId,
    },
}

impl ReviewError {
    /// A stable machine word for the API error object's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            ReviewError::Duplicate { .. } => "duplicate_review",
        }
    }
}

/// A product's ratings: how many, and their sum (integers, so the aggregate is exact
/// and rebuilding it gives the same value).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RatingSummary {
    /// Reviews of the product.
    pub count: u64,
    /// Sum of their ratings.
    pub sum: u64,
}

impl RatingSummary {
    /// The mean rating in hundredths, rounded half up (`433` for 4.33); `None` without
    /// reviews. Integer arithmetic, so every reader shows the same figure.
    pub fn average_hundredths(&self) -> Option<u64> {
        (self.count > 0).then(|| (self.sum * 100 + self.count / 2) / self.count)
    }

    fn add(&mut self, rating: u8) {
        self.count += 1;
        self.sum += u64::from(rating);
    }
}

/// The in-memory read model: rating aggregates by product id.
#[derive(Debug, Default)]
pub(crate) struct Reviews {
    ratings: RwLock<HashMap<u64, RatingSummary>>,
}

impl Reviews {
    /// Rebuilds every aggregate from the store.
    pub(crate) fn load(store: &crate::store::Store) -> crate::Result<Reviews> {
        let ratings = store::load_ratings(store)?;
        Ok(Reviews {
            ratings: RwLock::new(ratings),
        })
    }

    fn summary(&self, product_id: ProductId) -> RatingSummary {
        self.ratings
            .read()
            .get(&product_id.raw())
            .copied()
            .unwrap_or_default()
    }

    /// Counts a committed review (called in commit order, once per review).
    fn record(&self, review: &Review) {
        self.ratings
            .write()
            .entry(review.product_id.raw())
            .or_default()
            .add(review.rating);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(rating: u64, title: &str, body: &str) -> NewReview {
        NewReview {
            rating,
            title: title.into(),
            body: body.into(),
        }
    }

    fn field_and_code(new: NewReview) -> (String, &'static str) {
        let error = new.validate().expect_err("refused");
        (error.field, error.code)
    }

    #[test]
    fn accepts_the_bounds() {
        for rating in RATING_MIN..=RATING_MAX {
            assert!(review(rating, "Good", "").validate().is_ok());
        }
        let title = "é".repeat(REVIEW_TITLE_CHARS_MAX);
        let body = "é".repeat(REVIEW_BODY_CHARS_MAX);
        assert!(review(5, &title, &body).validate().is_ok());
        assert!(
            review(5, "Fine", "line one\nline two\ttab")
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn names_the_field_it_refuses() {
        assert_eq!(
            field_and_code(review(0, "t", "")),
            ("rating".into(), "out_of_range")
        );
        assert_eq!(
            field_and_code(review(6, "t", "")),
            ("rating".into(), "out_of_range")
        );
        assert_eq!(
            field_and_code(review(3, "", "")),
            ("title".into(), "too_short")
        );
        assert_eq!(
            field_and_code(review(3, "   ", "")),
            ("title".into(), "too_short")
        );
        assert_eq!(
            field_and_code(review(3, "a\nb", "")),
            ("title".into(), "invalid")
        );
        let long = "x".repeat(REVIEW_TITLE_CHARS_MAX + 1);
        assert_eq!(
            field_and_code(review(3, &long, "")),
            ("title".into(), "too_long")
        );
        let long = "x".repeat(REVIEW_BODY_CHARS_MAX + 1);
        assert_eq!(
            field_and_code(review(3, "t", &long)),
            ("body".into(), "too_long")
        );
        assert_eq!(
            field_and_code(review(3, "t", "a\u{0}b")),
            ("body".into(), "invalid")
        );
    }

    #[test]
    fn average_is_rounded_half_up_in_hundredths() {
        let mut summary = RatingSummary::default();
        assert_eq!(summary.average_hundredths(), None);
        for rating in [5, 4, 4] {
            summary.add(rating);
        }
        assert_eq!(summary.average_hundredths(), Some(433));
        summary.add(5);
        assert_eq!(summary.average_hundredths(), Some(450));
        let two_thirds = RatingSummary { count: 3, sum: 5 };
        assert_eq!(two_thirds.average_hundredths(), Some(167));
    }
}
