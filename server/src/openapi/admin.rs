//! The admin catalog writes (`POST /v1/categories`, `POST|PATCH|DELETE /v1/products…`)
//! and their request schemas, with the limits taken from the engine's constants.

use emporium::Currency;
use emporium::model::{
    ATTRIBUTE_KEY_CHARS_MAX, ATTRIBUTE_VALUE_CHARS_MAX, ATTRIBUTES_MAX, BRAND_CHARS_MAX,
    CATEGORY_DEPTH_MAX, CATEGORY_NAME_CHARS_MAX, DESCRIPTION_CHARS_MAX, IMAGE_URL_CHARS_MAX,
    IMAGES_MAX, NAME_CHARS_MAX, PRICE_AMOUNT_MAX, STOCK_MAX,
};
use emporium::store::BACKUP_NAME_CHARS_MAX;
use serde_json::{Value, json};

use super::{
    BY_ID, NO_CONTROLS, created, error_response, id_pattern, if_match_schema, linked, nullable, ok,
    one_line, path_param, request_body, schema_ref, sku_schema, with_body, with_common,
};

pub(super) fn create_category() -> Value {
    json!({
        "operationId": "createCategory",
        "summary": "Add a category under `parent_id` (or at the root).",
        "tags": ["catalog"],
        "requestBody": request_body("NewCategory", true),
        "responses": with_common(with_body(json!({
            "201": created("The category.", "Category"),
            "409": error_response("The parent already has a child of this name (`duplicate_category`)."),
        }))),
    })
}

/// The link parameters of an operation on the SKU of the product a response returned.
const SKU: &[(&str, &str)] = &[("sku", "$response.body#/sku")];

pub(super) fn create_product() -> Value {
    json!({
        "operationId": "createProduct",
        "summary": "Create a product; answered once it is durable and searchable.",
        "description": "`category_id` names an existing category (an unknown one is 422 on \
            `category_id`); `category` is a path of names such as `Home/Kitchen`, created \
            if missing. Exactly one of them is required.",
        "tags": ["catalog"],
        "requestBody": request_body("NewProduct", true),
        "responses": with_common(with_body(json!({
            "201": linked(created("The product.", "Product"), &[
                ("getProduct", BY_ID), ("updateProduct", BY_ID), ("archiveProduct", BY_ID),
                ("listReviews", BY_ID), ("createReview", BY_ID),
                ("getInventory", SKU), ("adjustInventory", SKU),
            ]),
            "409": error_response("A product has this SKU (`duplicate_sku`, `param` is `sku`)."),
        }))),
    })
}

pub(super) fn update_product() -> Value {
    json!({
        "operationId": "updateProduct",
        "summary": "Change a product (any status); answered once the change is searchable.",
        "tags": ["catalog"],
        "parameters": [
            path_param("id", "The product id (`prod_…`)."),
            {
                "name": "If-Match", "in": "header", "required": false,
                "description": "The `version` the change is meant for (a bare integer; quotes \
                    tolerated; `*` for any). Another version is 412, checked first; a value \
                    that is no version is 422 naming `If-Match`.",
                "schema": if_match_schema(),
            },
        ],
        "requestBody": request_body("ProductPatch", false),
        "responses": with_common(with_body(json!({
            "200": ok("The product.", "Product"),
            "404": error_response("No product has this id (unknown and malformed ids alike)."),
            "412": error_response("The product is not at the `If-Match` version (`version_mismatch`)."),
        }))),
    })
}

pub(super) fn archive_product() -> Value {
    json!({
        "operationId": "archiveProduct",
        "summary": "Archive a product: no longer listed, searched or sold; kept for history.",
        "tags": ["catalog"],
        "parameters": [path_param("id", "The product id (`prod_…`).")],
        "responses": with_common(json!({
            "200": ok("The archived product.", "Product"),
            "404": error_response("No product has this id (unknown and malformed ids alike)."),
        })),
    })
}

/// The catalog write schemas, for `components.schemas`.
pub(super) fn create_backup() -> Value {
    json!({
        "operationId": "createBackup",
        "summary": "Back up the store as a consistent snapshot, while serving.",
        "description": "Every table is copied inside one read transaction (a snapshot), so \
            writes go on meanwhile and the copy is the store as of one commit. The copy and \
            its `manifest.json` go into `backups/<to>` inside the data directory; restore it \
            with `emporium restore`. The search index is not copied: it is rebuilt from the \
            store when the restored store is opened.",
        "tags": ["operations"],
        "requestBody": request_body("BackupRequest", false),
        "responses": with_common(with_body(json!({
            "201": created("The backup's name and manifest.", "Backup"),
            "409": error_response("A backup named `to` exists (`backup_exists`, `param` is `to`), \
                or the store is in memory (`store_in_memory`)."),
        }))),
    })
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "BackupRequest",
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "to": nullable(json!({
                        "type": "string", "minLength": 1, "maxLength": BACKUP_NAME_CHARS_MAX,
                        "pattern": "^[A-Za-z0-9_-][A-Za-z0-9._-]*$",
                        "description": "The backup's folder name under `backups/` (default: \
                            the current time, e.g. `2026-11-21T09-30-00.000Z`).",
                    })),
                },
            }),
        ),
        (
            "Backup",
            json!({
                "type": "object",
                "required": ["name", "format_version", "last_event_seq", "products", "orders",
                    "tables", "store_bytes", "created_at", "engine_version"],
                "properties": {
                    "name": {"type": "string"},
                    "format_version": {"type": "integer", "minimum": 1,
                        "description": "The store format version of the copy."},
                    "last_event_seq": {"type": "integer", "minimum": 0,
                        "description": "Every event up to this one is in the copy."},
                    "products": {"type": "integer", "minimum": 0},
                    "orders": {"type": "integer", "minimum": 0},
                    "tables": {"type": "object",
                        "additionalProperties": {"type": "integer", "minimum": 0},
                        "description": "Rows of every table, by name."},
                    "store_bytes": {"type": "integer", "minimum": 0},
                    "created_at": {"type": "string", "format": "date-time"},
                    "engine_version": {"type": "string"},
                },
            }),
        ),
        (
            "NewCategory",
            json!({
                "type": "object",
                "required": ["name"],
                "additionalProperties": false,
                "properties": {
                    "name": category_name(),
                    "parent_id": nullable(json!({"type": "string", "pattern": id_pattern("cat")})),
                },
            }),
        ),
        (
            "PriceInput",
            json!({
                "type": "object",
                "required": ["amount", "currency"],
                "additionalProperties": false,
                "properties": {
                    "amount": {"type": "integer", "minimum": 1, "maximum": PRICE_AMOUNT_MAX,
                        "description": "Minor units."},
                    "currency": {"type": "string", "enum": currency_codes()},
                },
            }),
        ),
        ("NewProduct", product_input(true)),
        ("ProductPatch", product_input(false)),
    ]
}

fn currency_codes() -> Vec<&'static str> {
    Currency::KNOWN.iter().map(|(code, _)| *code).collect()
}

/// 1–100 characters, no control characters, not blank, no `/` (the path separator).
fn category_name() -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": CATEGORY_NAME_CHARS_MAX,
        "pattern": format!("^{SEGMENT}$"),
    })
}

/// A category path segment: not blank, no control characters, no `/`.
const SEGMENT: &str = r"[^/\x00-\x1f\x7f-\x9f]*[^/\s\x00-\x1f\x7f-\x9f][^/\x00-\x1f\x7f-\x9f]*";

/// A new product (`create`) or a patch. A patch may not name `sku` or `stock`, and
/// refuses `null` for every field but `brand` (where it removes the brand); a new
/// product takes `null` for any optional field as "not given".
fn product_input(create: bool) -> Value {
    let optional = |schema: Value| if create { nullable(schema) } else { schema };
    let mut properties = json!({
        "name": one_line(1, NAME_CHARS_MAX),
        "description": {"type": "string", "maxLength": DESCRIPTION_CHARS_MAX},
        "brand": nullable(json!({"type": "string", "minLength": 1, "maxLength": BRAND_CHARS_MAX, "pattern": NO_CONTROLS})),
        "category_id": {"type": "string", "pattern": id_pattern("cat")},
        "category": {
            "type": "string",
            "pattern": format!("^{SEGMENT}(/{SEGMENT}){{0,{}}}$", CATEGORY_DEPTH_MAX - 1),
            "description": format!("A path of names from the root, `/`-separated, each trimmed \
                and 1–{CATEGORY_NAME_CHARS_MAX} characters; at most {CATEGORY_DEPTH_MAX} levels."),
        },
        "price": schema_ref("PriceInput"),
        "attributes": optional(json!({
            "type": "object",
            "maxProperties": ATTRIBUTES_MAX,
            "propertyNames": {"minLength": 1, "maxLength": ATTRIBUTE_KEY_CHARS_MAX, "pattern": NO_CONTROLS},
            "additionalProperties": {"type": "string", "maxLength": ATTRIBUTE_VALUE_CHARS_MAX},
        })),
        "images": optional(json!({
            "type": "array",
            "maxItems": IMAGES_MAX,
            "items": {"type": "string", "minLength": 1, "maxLength": IMAGE_URL_CHARS_MAX, "pattern": NO_CONTROLS},
        })),
        "status": optional(json!({"type": "string", "enum": ["active", "draft", "archived"], "default": "active"})),
    });
    let mut schema = json!({"type": "object", "additionalProperties": false});
    if create {
        properties["sku"] = sku_schema();
        properties["sku"]["description"] = json!("Printable, no white space, no `/`; unique.");
        properties["stock"] =
            nullable(json!({"type": "integer", "minimum": 0, "maximum": STOCK_MAX, "default": 0}));
        schema["required"] = json!(["sku", "name", "description", "price"]);
        schema["oneOf"] = json!([{"required": ["category_id"]}, {"required": ["category"]}]);
    } else {
        schema["not"] = json!({"required": ["category_id", "category"]});
    }
    schema["properties"] = properties;
    schema
}
