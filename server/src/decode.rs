//! Request bodies → engine inputs: JSON values to [`NewProduct`], [`ProductPatch`] and
//! [`NewCategory`], and (in `users.rs`) to accounts, profile changes and addresses, with
//! every refusal naming the field by its JSON path (`price.amount`, `attributes.color`,
//! `images.2`, `preferences.locale`).
//!
//! One decoder serves every way a product comes in (`POST /v1/products`, `PATCH`, and
//! `emporium import`), so a line that the importer refuses is refused by the API with
//! the same field and message. Decoding checks shapes and types; the engine's own
//! `validate` is run here too, so a bad import line is caught while lines are decoded
//! in parallel rather than one by one in the committer.
//!
//! Unknown fields are refused rather than ignored: a misspelt `categroy` would
//! otherwise be silently dropped and the product filed somewhere unexpected.

use std::collections::BTreeMap;

use emporium::model::validate_category;
use emporium::{
    CategoryId, CategoryRef, Currency, Money, NewProduct, ProductPatch, ProductStatus,
    ValidationError,
};
use serde_json::{Map, Value};

mod commerce;
mod reviews;
mod users;

pub use commerce::{
    NEW_VOUCHER_FIELDS, SHIPPING_ADDRESS_FIELDS, cart_item, cart_quantity, checkout, new_voucher,
    refund_amount, stock_adjustment, voucher_code,
};
pub use reviews::{NEW_REVIEW_FIELDS, new_review};
pub use users::{
    Credentials, NEW_ADDRESS_FIELDS, address_patch, credentials, new_address, new_user, user_patch,
};

/// The fields of a `POST /v1/products` body.
pub const NEW_PRODUCT_FIELDS: &[&str] = &[
    "sku",
    "name",
    "description",
    "brand",
    "category_id",
    "category",
    "price",
    "attributes",
    "images",
    "stock",
    "status",
];

/// The fields of a `PATCH /v1/products/{id}` body.
pub const PRODUCT_PATCH_FIELDS: &[&str] = &[
    "name",
    "description",
    "brand",
    "category_id",
    "category",
    "price",
    "attributes",
    "images",
    "status",
];

/// The body of `POST /v1/categories`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCategory {
    /// Its name, exactly as given.
    pub name: String,
    /// Its parent; `None` for a root category.
    pub parent_id: Option<CategoryId>,
}

/// One line of a JSON Lines catalog: JSON syntax errors are reported like field errors
/// (with no field), so an importer has one kind of refusal to print.
pub fn product_line(line: &[u8]) -> Result<NewProduct, ValidationError> {
    let value: Value = serde_json::from_slice(line).map_err(|error| {
        ValidationError::new("", "invalid_json", format!("invalid JSON: {error}"))
    })?;
    new_product(&value)
}

/// A `POST /v1/products` body.
pub fn new_product(value: &Value) -> Result<NewProduct, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(NEW_PRODUCT_FIELDS)?;
    let category = category(&fields)?.ok_or_else(|| {
        ValidationError::new(
            "category",
            "required",
            "either `category_id` or `category` (a path such as `Home/Kitchen`) is required",
        )
    })?;
    let product = NewProduct {
        sku: string(fields.required("sku")?, "sku")?,
        name: string(fields.required("name")?, "name")?,
        description: string(fields.required("description")?, "description")?,
        brand: fields
            .optional("brand")
            .map(|value| string(value, "brand"))
            .transpose()?,
        category,
        price: money(fields.required("price")?, "price")?,
        attributes: fields
            .optional("attributes")
            .map(|value| attributes(value, "attributes"))
            .transpose()?
            .unwrap_or_default(),
        images: fields
            .optional("images")
            .map(|value| images(value, "images"))
            .transpose()?
            .unwrap_or_default(),
        stock: fields
            .optional("stock")
            .map(|value| whole(value, "stock"))
            .transpose()?
            .unwrap_or(0),
        status: fields
            .optional("status")
            .map(status)
            .transpose()?
            .unwrap_or_default(),
    };
    product.validate()?;
    Ok(product)
}

/// A `PATCH /v1/products/{id}` body: absent fields stay as they are; `"brand": null`
/// removes the brand; `null` for any other field is refused (it has no "none").
pub fn product_patch(value: &Value) -> Result<ProductPatch, ValidationError> {
    let fields = Fields::of(value, "")?;
    if fields.map.contains_key("sku") {
        return Err(ValidationError::new(
            "sku",
            "immutable",
            "`sku` cannot change; create a new product instead",
        ));
    }
    if fields.map.contains_key("stock") {
        return Err(ValidationError::new(
            "stock",
            "immutable",
            "`stock` changes through POST /v1/inventory/{sku}/adjust",
        ));
    }
    fields.only(PRODUCT_PATCH_FIELDS)?;
    let present = |key: &str| fields.present(key);
    let patch = ProductPatch {
        name: present("name")?.map(|v| string(v, "name")).transpose()?,
        description: present("description")?
            .map(|v| string(v, "description"))
            .transpose()?,
        brand: match fields.map.get("brand") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(value) => Some(Some(string(value, "brand")?)),
        },
        category: category(&fields)?,
        price: present("price")?.map(|v| money(v, "price")).transpose()?,
        attributes: present("attributes")?
            .map(|v| attributes(v, "attributes"))
            .transpose()?,
        images: present("images")?
            .map(|v| images(v, "images"))
            .transpose()?,
        status: present("status")?.map(status).transpose()?,
    };
    patch.validate()?;
    Ok(patch)
}

/// A `POST /v1/categories` body.
pub fn new_category(value: &Value) -> Result<NewCategory, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["name", "parent_id"])?;
    let name = string(fields.required("name")?, "name")?;
    validate_category(&name, "name")?;
    let parent_id = fields
        .optional("parent_id")
        .map(|value| category_id(value, "parent_id"))
        .transpose()?;
    Ok(NewCategory { name, parent_id })
}

/// A `POST /v1/admin/backup` body: the optional name `to` of the backup, a safe single
/// path segment.
pub fn backup_name(value: &Value) -> Result<Option<String>, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["to"])?;
    let Some(to) = fields.optional("to") else {
        return Ok(None);
    };
    let name = string(to, "to")?;
    emporium::store::validate_backup_name(&name, "to")?;
    Ok(Some(name))
}

/// The members of one JSON object, with the path that prefixes their field names.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'a str,
}

impl<'a> Fields<'a> {
    fn of(value: &'a Value, field: &'a str) -> Result<Fields<'a>, ValidationError> {
        match value {
            Value::Object(map) => Ok(Fields { map, prefix: field }),
            _ if field.is_empty() => Err(ValidationError::new(
                "",
                "invalid_type",
                "the body must be a JSON object",
            )),
            _ => Err(type_error(field, "an object")),
        }
    }

    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// Refuses any member not in `allowed`.
    fn only(&self, allowed: &[&str]) -> Result<(), ValidationError> {
        match self.map.keys().find(|key| !allowed.contains(&key.as_str())) {
            None => Ok(()),
            Some(key) => {
                let field = self.path(key);
                let message = format!("unknown field `{field}`; expected one of {allowed:?}");
                Err(ValidationError::new(field, "unknown_field", message))
            }
        }
    }

    /// A member that must be there and not null.
    fn required(&self, key: &str) -> Result<&'a Value, ValidationError> {
        self.optional(key)
            .ok_or_else(|| ValidationError::required(&self.path(key)))
    }

    /// A member that may be absent or null (both mean "none").
    fn optional(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|value| !value.is_null())
    }

    /// A member that may be absent but, when present, must not be null.
    fn present(&self, key: &str) -> Result<Option<&'a Value>, ValidationError> {
        match self.map.get(key) {
            Some(Value::Null) => Err(type_error(&self.path(key), "a value, not null")),
            other => Ok(other),
        }
    }
}

fn type_error(field: &str, expected: &str) -> ValidationError {
    ValidationError::new(
        field,
        "invalid_type",
        format!("`{field}` must be {expected}"),
    )
}

fn string(value: &Value, field: &str) -> Result<String, ValidationError> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| type_error(field, "a string"))
}

/// Largest whole number a JSON float holds exactly (2^53).
const FLOAT_EXACT_MAX: f64 = 9_007_199_254_740_992.0;

/// A non-negative whole number that fits in 64 bits (money and stock never go
/// negative and are never fractional). `100.0` is `100`, as JSON Schema's `integer`
/// says, up to 2^53 (beyond it a float is not exact; every limit is far below).
fn whole(value: &Value, field: &str) -> Result<u64, ValidationError> {
    if let Some(whole) = value.as_u64() {
        return Ok(whole);
    }
    let negative = value.as_i64().is_some_and(|number| number < 0)
        || value.as_f64().is_some_and(|number| number < 0.0);
    if negative {
        let message = format!("`{field}` must not be negative");
        return Err(ValidationError::new(field, "out_of_range", message));
    }
    match whole_float(value) {
        // Exact: a whole float no larger than 2^53 converts without rounding.
        Some(number) => Ok(number as u64),
        None => Err(type_error(field, "a whole number")),
    }
}

/// A whole number that may be negative (a stock delta), by the same rule as [`whole`]:
/// `-4.0` is `-4`. A whole number beyond 64 signed bits is out of range rather than of
/// the wrong type, so the refusal says what is wrong with it.
fn signed_whole(value: &Value, field: &str) -> Result<i64, ValidationError> {
    if let Some(whole) = value.as_i64() {
        return Ok(whole);
    }
    if value.is_u64() {
        let message = format!("`{field}` is out of range");
        return Err(ValidationError::new(field, "out_of_range", message));
    }
    match whole_float(value) {
        // Exact: a whole float within ±2^53 converts without rounding.
        Some(number) => Ok(number as i64),
        None => Err(type_error(field, "a whole number")),
    }
}

/// The value of a float that JSON Schema counts as an `integer` (no fraction), as long
/// as the float holds it exactly: past 2^53 the number parsed may not be the number
/// sent, so such floats are refused rather than rounded.
fn whole_float(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .filter(|number| number.fract() == 0.0 && number.abs() <= FLOAT_EXACT_MAX)
}

fn money(value: &Value, field: &str) -> Result<Money, ValidationError> {
    let fields = Fields::of(value, field)?;
    fields.only(&["amount", "currency"])?;
    let amount_field = fields.path("amount");
    let amount = whole(fields.required("amount")?, &amount_field)?;
    let currency_field = fields.path("currency");
    let code = string(fields.required("currency")?, &currency_field)?;
    let currency = Currency::parse(&code).ok_or_else(|| {
        let message = format!("`{currency_field}` must be an ISO 4217 code such as `USD`");
        ValidationError::new(currency_field.clone(), "invalid", message)
    })?;
    Ok(Money::new(amount, currency))
}

/// `category_id` (an existing category) or `category` (a path, created if missing):
/// at most one of them; `None` when neither is given.
fn category(fields: &Fields<'_>) -> Result<Option<CategoryRef>, ValidationError> {
    let id = fields.present("category_id")?;
    let path = fields.present("category")?;
    match (id, path) {
        (Some(_), Some(_)) => Err(ValidationError::new(
            "category",
            "conflicting_fields",
            "give either `category_id` or `category`, not both",
        )),
        (Some(id), None) => Ok(Some(CategoryRef::Id(category_id(id, "category_id")?))),
        (None, Some(path)) => Ok(Some(CategoryRef::Path(string(path, "category")?))),
        (None, None) => Ok(None),
    }
}

fn category_id(value: &Value, field: &str) -> Result<CategoryId, ValidationError> {
    let text = value
        .as_str()
        .ok_or_else(|| type_error(field, "a string"))?;
    CategoryId::parse(text).ok_or_else(|| {
        let message = format!("`{field}` is not a category id (`cat_…`)");
        ValidationError::new(field, "invalid", message)
    })
}

fn attributes(value: &Value, field: &str) -> Result<BTreeMap<String, String>, ValidationError> {
    let fields = Fields::of(value, field)?;
    fields
        .map
        .iter()
        .map(|(key, value)| {
            let text = value
                .as_str()
                .ok_or_else(|| type_error(&fields.path(key), "a string"))?;
            Ok((key.clone(), text.to_string()))
        })
        .collect()
}

fn images(value: &Value, field: &str) -> Result<Vec<String>, ValidationError> {
    let items = value
        .as_array()
        .ok_or_else(|| type_error(field, "an array of strings"))?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| string(item, &format!("{field}.{index}")))
        .collect()
}

fn status(value: &Value) -> Result<ProductStatus, ValidationError> {
    match value.as_str() {
        Some("active") => Ok(ProductStatus::Active),
        Some("draft") => Ok(ProductStatus::Draft),
        Some("archived") => Ok(ProductStatus::Archived),
        _ => Err(ValidationError::new(
            "status",
            "invalid",
            "`status` must be one of `active`, `draft`, `archived`",
        )),
    }
}

#[cfg(test)]
mod tests;
