//! The review operations (`/v1/products/{id}/reviews`) and their schemas, with the
//! limits taken from the engine's own constants.

use emporium::{
    RATING_MAX, RATING_MIN, REVIEW_BODY_CHARS_MAX, REVIEW_PAGE_LIMIT_DEFAULT,
    REVIEW_PAGE_LIMIT_MAX, REVIEW_TITLE_CHARS_MAX,
};
use serde_json::{Value, json};

use super::commerce::idempotency_header;
use super::{
    created, cursor_param, error_response, id_pattern, limit_param, list_schema, ok, one_line,
    path_param, request_body, with_body, with_common,
};

fn product_param() -> Value {
    path_param("id", "The product id (`prod_…`).")
}

pub(super) fn list_reviews() -> Value {
    json!({
        "operationId": "listReviews",
        "summary": "A product's reviews, newest first.",
        "description": "The token is optional: without one only active products' reviews \
            are listed; admins also see those of drafts and archived products.",
        "tags": ["reviews"],
        "security": [{}, {super::BEARER: []}],
        "parameters": [
            product_param(),
            limit_param(REVIEW_PAGE_LIMIT_DEFAULT, REVIEW_PAGE_LIMIT_MAX),
            cursor_param(),
        ],
        "responses": with_common(json!({
            "200": ok("A page of reviews.", "ReviewList"),
            "404": error_response("No product the caller may see has this id (unknown and malformed ids alike)."),
            "422": error_response("`limit` or `cursor` is not valid (`param` names it)."),
        })),
    })
}

pub(super) fn create_review() -> Value {
    json!({
        "operationId": "createReview",
        "summary": "Review an active product: one review per user per product.",
        "description": "`verified_purchase` is true when the author has a paid, shipped or \
            delivered order containing the product.",
        "tags": ["reviews"],
        "parameters": [product_param(), idempotency_header()],
        "requestBody": request_body("NewReview", true),
        "responses": with_common(with_body(json!({
            "201": created("The review.", "Review"),
            "404": error_response("No active product has this id (unknown and malformed ids alike)."),
            "409": error_response("The caller has already reviewed this product (`duplicate_review`), or the idempotency key is in use (`idempotency_conflict`, `idempotency_in_flight`)."),
        }))),
    })
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let rating = json!({"type": "integer", "minimum": RATING_MIN, "maximum": RATING_MAX});
    let new_review = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["rating", "title", "body"],
        "properties": {
            "rating": rating,
            "title": one_line(1, REVIEW_TITLE_CHARS_MAX),
            "body": {
                "type": "string",
                "maxLength": REVIEW_BODY_CHARS_MAX,
                "description": "May be empty; line breaks and tabs are the only control characters allowed.",
                "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$",
            },
        },
    });
    let review = json!({
        "type": "object",
        "required": ["id", "product_id", "user_id", "rating", "title", "body", "verified_purchase", "created_at"],
        "properties": {
            "id": {"type": "string", "pattern": id_pattern("rev")},
            "product_id": {"type": "string", "pattern": id_pattern("prod")},
            "user_id": {"type": "string", "pattern": id_pattern("usr")},
            "rating": rating,
            "title": {"type": "string"},
            "body": {"type": "string"},
            "verified_purchase": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    });
    vec![
        ("NewReview", new_review),
        ("Review", review),
        ("ReviewList", list_schema("Review")),
    ]
}
