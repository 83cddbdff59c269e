use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::validate::{ValidationError, line, text, validate_sku};
use super::{CategoryId, Money, ProductId, Timestamp};

/// Longest product name, in characters.
pub const NAME_CHARS_MAX: usize = 200;
/// Longest product description, in characters.
pub const DESCRIPTION_CHARS_MAX: usize = 10_000;
/// Longest SKU, in characters.
pub const SKU_CHARS_MAX: usize = 100;
/// Longest brand, in characters.
pub const BRAND_CHARS_MAX: usize = 100;
/// Most attributes on one product.
pub const ATTRIBUTES_MAX: usize = 64;
/// Longest attribute name, in characters.
pub const ATTRIBUTE_KEY_CHARS_MAX: usize = 64;
/// Longest attribute value, in characters.
pub const ATTRIBUTE_VALUE_CHARS_MAX: usize = 1_000;
/// Most images on one product.
pub const IMAGES_MAX: usize = 32;
/// Longest image URL, in characters.
pub const IMAGE_URL_CHARS_MAX: usize = 2_048;
/// Largest stock quantity (API.md: stock and quantities go up to 10^12).
pub const STOCK_MAX: u64 = 1_000_000_000_000;
/// Largest price, in minor units (ten billion of the major unit). Totals are still
/// computed with checked arithmetic: price × quantity can exceed `u64` at the extremes.
pub const PRICE_AMOUNT_MAX: u64 = 1_000_000_000_000;
/// Longest category name, in characters.
pub const CATEGORY_NAME_CHARS_MAX: usize = 100;
/// Deepest category tree (a path has at most this many names).
pub const CATEGORY_DEPTH_MAX: usize = 8;

/// Whether a product is sold. Only `Active` products are listed or searched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductStatus {
    /// Listed, searchable, sellable.
    #[default]
    Active,
    /// Being prepared; visible to admins only.
    Draft,
    /// Withdrawn; kept for orders and history.
    Archived,
}

impl ProductStatus {
    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Active => "active",
            ProductStatus::Draft => "draft",
            ProductStatus::Archived => "archived",
        }
    }
}

/// A product as stored. Stock and ratings live with their own capabilities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Its id.
    pub id: ProductId,
    /// The merchant's stock-keeping unit: unique, never changes.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Long description (plain text).
    pub description: String,
    /// Brand, if any.
    pub brand: Option<String>,
    /// The category it is filed under.
    pub category_id: CategoryId,
    /// Unit price.
    pub price: Money,
    /// Free-form attributes (`color`, `size`…).
    pub attributes: BTreeMap<String, String>,
    /// Image URLs.
    pub images: Vec<String>,
    /// Listed or not.
    pub status: ProductStatus,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Bumped by every change, starting at 1.
    pub version: u64,
}

/// Where a new or moved product is filed: an existing category, or a path of names
/// (`"Home/Kitchen"`) whose missing parts are created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CategoryRef {
    /// An existing category.
    Id(CategoryId),
    /// A `/`-separated path of names from the root.
    Path(String),
}

/// The input of product creation (the `POST /v1/products` body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProduct {
    /// Unique SKU.
    pub sku: String,
    /// Display name, 1–200 characters.
    pub name: String,
    /// Description, at most 10,000 characters.
    pub description: String,
    /// Brand, if any.
    pub brand: Option<String>,
    /// Where it is filed.
    pub category: CategoryRef,
    /// Unit price, more than zero.
    pub price: Money,
    /// Attributes, an object of strings.
    pub attributes: BTreeMap<String, String>,
    /// Image URLs.
    pub images: Vec<String>,
    /// Initial stock on hand.
    pub stock: u64,
    /// Initial status (default active).
    pub status: ProductStatus,
}

/// A partial update: `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductPatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New brand; `Some(None)` removes it.
    pub brand: Option<Option<String>>,
    /// New category.
    pub category: Option<CategoryRef>,
    /// New price.
    pub price: Option<Money>,
    /// New attributes (replaces the whole object).
    pub attributes: Option<BTreeMap<String, String>>,
    /// New images (replaces the list).
    pub images: Option<Vec<String>>,
    /// New status.
    pub status: Option<ProductStatus>,
}

/// A category: a node of the catalog tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Its id.
    pub id: CategoryId,
    /// Its name, exactly as given.
    pub name: String,
    /// Its parent; `None` at the root.
    pub parent_id: Option<CategoryId>,
    /// When it was created.
    pub created_at: Timestamp,
}

impl NewProduct {
    /// Checks every field rule; the error names the first field that breaks one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_sku(&self.sku)?;
        validate_name(&self.name)?;
        validate_description(&self.description)?;
        if let Some(brand) = &self.brand {
            validate_brand(brand)?;
        }
        if let CategoryRef::Path(path) = &self.category {
            split_category_path(path, "category")?;
        }
        validate_price(&self.price)?;
        validate_attributes(&self.attributes)?;
        validate_images(&self.images)?;
        if self.stock > STOCK_MAX {
            let message = format!("`stock` must be at most {STOCK_MAX}");
            return Err(ValidationError::new("stock", "out_of_range", message));
        }
        Ok(())
    }
}

impl ProductPatch {
    /// Checks every field that is present.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(name) = &self.name {
            validate_name(name)?;
        }
        if let Some(description) = &self.description {
            validate_description(description)?;
        }
        if let Some(Some(brand)) = &self.brand {
            validate_brand(brand)?;
        }
        if let Some(CategoryRef::Path(path)) = &self.category {
            split_category_path(path, "category")?;
        }
        if let Some(price) = &self.price {
            validate_price(price)?;
        }
        if let Some(attributes) = &self.attributes {
            validate_attributes(attributes)?;
        }
        if let Some(images) = &self.images {
            validate_images(images)?;
        }
        Ok(())
    }

    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == ProductPatch::default()
    }
}

fn validate_name(name: &str) -> Result<(), ValidationError> {
    line("name", name, 1, NAME_CHARS_MAX)?;
    if name.trim().is_empty() {
        return Err(ValidationError::new(
            "name",
            "too_short",
            "`name` must not be blank",
        ));
    }
    Ok(())
}

fn validate_description(description: &str) -> Result<(), ValidationError> {
    text("description", description, 0, DESCRIPTION_CHARS_MAX)
}

fn validate_brand(brand: &str) -> Result<(), ValidationError> {
    line("brand", brand, 1, BRAND_CHARS_MAX)
}

fn validate_price(price: &Money) -> Result<(), ValidationError> {
    if price.amount == 0 {
        let message = "`price.amount` must be more than zero";
        return Err(ValidationError::new(
            "price.amount",
            "out_of_range",
            message,
        ));
    }
    if price.amount > PRICE_AMOUNT_MAX {
        let message = format!("`price.amount` must be at most {PRICE_AMOUNT_MAX}");
        return Err(ValidationError::new(
            "price.amount",
            "out_of_range",
            message,
        ));
    }
    Ok(())
}

fn validate_attributes(attributes: &BTreeMap<String, String>) -> Result<(), ValidationError> {
    if attributes.len() > ATTRIBUTES_MAX {
        let message = format!("`attributes` may have at most {ATTRIBUTES_MAX} entries");
        return Err(ValidationError::new("attributes", "too_long", message));
    }
    for (key, value) in attributes {
        let field = format!("attributes.{key}");
        line(&field, key, 1, ATTRIBUTE_KEY_CHARS_MAX).map_err(|error| ValidationError {
            field: "attributes".into(),
            ..error
        })?;
        text(&field, value, 0, ATTRIBUTE_VALUE_CHARS_MAX)?;
    }
    Ok(())
}

fn validate_images(images: &[String]) -> Result<(), ValidationError> {
    if images.len() > IMAGES_MAX {
        let message = format!("`images` may have at most {IMAGES_MAX} entries");
        return Err(ValidationError::new("images", "too_long", message));
    }
    for (index, url) in images.iter().enumerate() {
        line(&format!("images.{index}"), url, 1, IMAGE_URL_CHARS_MAX)?;
    }
    Ok(())
}

/// Splits a category path (`"Home/Kitchen"`) into its names, each trimmed, checking
/// that there is at least one, none is empty, and the depth is bounded.
pub fn split_category_path<'a>(
    path: &'a str,
    field: &str,
) -> Result<Vec<&'a str>, ValidationError> {
    let names: Vec<&str> = path.split('/').map(str::trim).collect();
    if names.len() > CATEGORY_DEPTH_MAX {
        let message = format!("`{field}` may have at most {CATEGORY_DEPTH_MAX} levels");
        return Err(ValidationError::new(field, "too_long", message));
    }
    for name in &names {
        validate_category_name(name, field)?;
    }
    Ok(names)
}

/// A category name: 1–100 characters, one line, not blank, no `/` (the path separator).
pub fn validate_category_name(name: &str, field: &str) -> Result<(), ValidationError> {
    line(field, name, 1, CATEGORY_NAME_CHARS_MAX)?;
    if name.trim().is_empty() || name.contains('/') {
        let message = format!("`{field}` names must be non-blank and must not contain `/`");
        return Err(ValidationError::new(field, "invalid", message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Currency;

    fn valid() -> NewProduct {
        NewProduct {
            sku: "HP-1".into(),
            name: "Studio Headphones Pro".into(),
            description: "Closed-back.".into(),
            brand: Some("Acme".into()),
            category: CategoryRef::Path("Electronics/Audio".into()),
            price: Money::new(1999, Currency::USD),
            attributes: BTreeMap::from([("color".into(), "black".into())]),
            images: vec!["https://img.example/1.jpg".into()],
            stock: 10,
            status: ProductStatus::Active,
        }
    }

    fn field_of(product: NewProduct) -> String {
        product.validate().expect_err("must be refused").field
    }

    #[test]
    fn accepts_a_valid_product() {
        assert_eq!(valid().validate(), Ok(()));
    }

    #[test]
    fn every_rule_names_its_field() {
        assert_eq!(
            field_of(NewProduct {
                sku: String::new(),
                ..valid()
            }),
            "sku"
        );
        assert_eq!(
            field_of(NewProduct {
                sku: "a/b".into(),
                ..valid()
            }),
            "sku"
        );
        assert_eq!(
            field_of(NewProduct {
                name: String::new(),
                ..valid()
            }),
            "name"
        );
        assert_eq!(
            field_of(NewProduct {
                name: "   ".into(),
                ..valid()
            }),
            "name"
        );
        assert_eq!(
            field_of(NewProduct {
                name: "n".repeat(201),
                ..valid()
            }),
            "name"
        );
        let description = "d".repeat(10_001);
        assert_eq!(
            field_of(NewProduct {
                description,
                ..valid()
            }),
            "description"
        );
        assert_eq!(
            field_of(NewProduct {
                brand: Some(String::new()),
                ..valid()
            }),
            "brand"
        );
        let category = CategoryRef::Path("Home//Kitchen".into());
        assert_eq!(
            field_of(NewProduct {
                category,
                ..valid()
            }),
            "category"
        );
        let category = CategoryRef::Path("a/b/c/d/e/f/g/h/i".into());
        assert_eq!(
            field_of(NewProduct {
                category,
                ..valid()
            }),
            "category"
        );
        let price = Money::new(0, Currency::USD);
        assert_eq!(field_of(NewProduct { price, ..valid() }), "price.amount");
        let price = Money::new(PRICE_AMOUNT_MAX + 1, Currency::USD);
        assert_eq!(field_of(NewProduct { price, ..valid() }), "price.amount");
        let attributes = BTreeMap::from([(String::new(), "x".into())]);
        assert_eq!(
            field_of(NewProduct {
                attributes,
                ..valid()
            }),
            "attributes"
        );
        let attributes = BTreeMap::from([("k".into(), "v".repeat(1_001))]);
        assert_eq!(
            field_of(NewProduct {
                attributes,
                ..valid()
            }),
            "attributes.k"
        );
        let attributes = (0..65).map(|i| (i.to_string(), String::new())).collect();
        assert_eq!(
            field_of(NewProduct {
                attributes,
                ..valid()
            }),
            "attributes"
        );
        assert_eq!(
            field_of(NewProduct {
                images: vec![String::new()],
                ..valid()
            }),
            "images.0"
        );
        let images = vec!["u".into(); 33];
        assert_eq!(field_of(NewProduct { images, ..valid() }), "images");
        assert_eq!(
            field_of(NewProduct {
                stock: STOCK_MAX + 1,
                ..valid()
            }),
            "stock"
        );
    }

    #[test]
    fn boundaries_are_inclusive() {
        let name = "n".repeat(NAME_CHARS_MAX);
        assert!(NewProduct { name, ..valid() }.validate().is_ok());
        let description = "é".repeat(DESCRIPTION_CHARS_MAX);
        assert!(
            NewProduct {
                description,
                ..valid()
            }
            .validate()
            .is_ok()
        );
        assert!(
            NewProduct {
                stock: STOCK_MAX,
                ..valid()
            }
            .validate()
            .is_ok()
        );
        let price = Money::new(1, Currency::USD);
        assert!(NewProduct { price, ..valid() }.validate().is_ok());
    }

    #[test]
    fn patch_validates_present_fields_only() {
        assert!(ProductPatch::default().validate().is_ok());
        assert!(ProductPatch::default().is_empty());
        let patch = ProductPatch {
            name: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(
            patch.validate().map_err(|e| e.field),
            Err("name".to_string())
        );
        let patch = ProductPatch {
            brand: Some(None),
            ..Default::default()
        };
        assert!(patch.validate().is_ok());
        assert!(!patch.is_empty());
    }
}
