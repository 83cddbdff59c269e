//! The body of `POST /v1/products/{id}/reviews`: `{rating, title, body}`. Types are
//! checked here; the engine's own rules (the rating's range, the lengths) run too, so a
//! bad field is refused by name before the request reaches the committer.

use emporium::{NewReview, ValidationError};
use serde_json::Value;

use super::{Fields, string, whole};

/// The fields of a `POST /v1/products/{id}/reviews` body.
pub const NEW_REVIEW_FIELDS: &[&str] = &["rating", "title", "body"];

/// A `POST /v1/products/{id}/reviews` body.
pub fn new_review(value: &Value) -> Result<NewReview, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(NEW_REVIEW_FIELDS)?;
    let review = NewReview {
        rating: whole(fields.required("rating")?, "rating")?,
        title: string(fields.required("title")?, "title")?,
        body: string(fields.required("body")?, "body")?,
    };
    review.validate()?;
    Ok(review)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::new_review;

    fn refused(body: serde_json::Value) -> (String, &'static str) {
        let error = new_review(&body).expect_err("refused");
        (error.field, error.code)
    }

    #[test]
    fn names_the_field_of_every_refusal() {
        let good = json!({"rating": 4, "title": "Nice", "body": ""});
        assert_eq!(new_review(&good).expect("good").rating, 4);
        assert_eq!(
            refused(json!({"title": "t", "body": ""})),
            ("rating".into(), "required")
        );
        assert_eq!(
            refused(json!({"rating": "5", "title": "t", "body": ""})),
            ("rating".into(), "invalid_type")
        );
        assert_eq!(
            refused(json!({"rating": 4.5, "title": "t", "body": ""})),
            ("rating".into(), "invalid_type")
        );
        assert_eq!(
            refused(json!({"rating": -1, "title": "t", "body": ""})),
            ("rating".into(), "out_of_range")
        );
        assert_eq!(
            refused(json!({"rating": 9, "title": "t", "body": ""})),
            ("rating".into(), "out_of_range")
        );
        assert_eq!(
            refused(json!({"rating": 5, "body": ""})),
            ("title".into(), "required")
        );
        assert_eq!(
            refused(json!({"rating": 5, "title": 7, "body": ""})),
            ("title".into(), "invalid_type")
        );
        assert_eq!(
            refused(json!({"rating": 5, "title": "t"})),
            ("body".into(), "required")
        );
        assert_eq!(
            refused(json!({"rating": 5, "title": "t", "body": "", "stars": 5})),
            ("stars".into(), "unknown_field")
        );
        assert_eq!(refused(json!([1, 2])), ("".into(), "invalid_type"));
    }
}
