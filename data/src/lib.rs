//! Deterministic generator of realistic Emporium product catalogs, of any size.
//!
//! A catalog is named by a `seed`; its products are numbered by an `index` from 0.
//! [`product`]`(seed, index)` computes one product from those two numbers alone, so a
//! catalog can be generated in any order, in parallel, or partly (products 5,000,000 to
//! 5,000,999 without the first five million), and always comes out the same.
//!
//! # Determinism
//!
//! Randomness comes from a hand-written splitmix64 stream seeded by `(seed, index)`,
//! not from the `rand` crate: a dependency update must never change a catalog. The
//! output is a pure function of `(seed, index)` and of this crate's source; the
//! committed `sample.jsonl` (10,000 products, seed 42) is checked against the
//! generator by a test, so any change to the tables or the code that alters products
//! shows up as a failing test and a regenerated sample in the same change.
//!
//! # Format
//!
//! A [`ProductLine`] serializes (with `serde_json`) to exactly the body of
//! `POST /v1/products`, with the category given as a path. For example (description
//! shortened):
//!
//! ```json
//! {"sku":"ELE-HPH-00000007","name":"Wireless Headphones Pro","description":"…",
//!  "brand":"Acme Audio","category":"Electronics/Audio/Headphones",
//!  "price":{"amount":1999,"currency":"USD"},"attributes":{"color":"black"},
//!  "images":["https://img.emporium.example/p/ELE-HPH-00000007-1.jpg"],"stock":120}
//! ```
//!
//! Written one per line, products form a JSON Lines catalog (see the
//! `emporium-gen` binary and `data/README.md`).
//!
//! # Example
//!
//! ```
//! let first = emporium_data::product(42, 0);
//! assert_eq!(first, emporium_data::product(42, 0));
//! assert!(emporium_data::categories().contains(&first.category));
//! let line = serde_json::to_string(&first).unwrap();
//! assert!(line.starts_with(r#"{"sku":""#));
//! ```

#![deny(missing_docs)]

mod compose;
mod rng;
// Both are mostly data tables, laid out by hand to be scanned row by row.
#[rustfmt::skip]
mod taxonomy;
#[rustfmt::skip]
mod vocab;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compose::Subject;
use crate::rng::Rng;

/// The seed of the committed sample and the default of `emporium-gen`.
pub const DEFAULT_SEED: u64 = 42;

/// A price: an integer amount of minor units in an ISO 4217 currency.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Price {
    /// Minor units (cents for USD), always more than zero.
    pub amount: u64,
    /// ISO 4217 code; the generator always uses `"USD"`.
    pub currency: String,
}

/// One catalog product, shaped as the `POST /v1/products` body (fields serialize in
/// this order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductLine {
    /// Unique within a seed: `DEPT-LEAF-<index, 8+ digits>`, e.g. `ELE-HPH-00000007`.
    /// Uppercase letters, digits and `-` only; at most 28 characters.
    pub sku: String,
    /// Display name, 1–200 characters.
    pub name: String,
    /// 2–5 sentences of plain text, far below the 10,000-character limit.
    pub description: String,
    /// Brand name; brands belong to one department and some carry accents.
    pub brand: String,
    /// `Department/Sub/Leaf`: one of [`categories`].
    pub category: String,
    /// Unit price in USD cents.
    pub price: Price,
    /// 1–4 of `color`, `size`, `material`, `weight_g`, `warranty_years`, as strings.
    pub attributes: BTreeMap<String, String>,
    /// 1–3 image URLs derived from the SKU.
    pub images: Vec<String>,
    /// Units on hand: about 5% zero, mostly up to 500, a few in the thousands.
    pub stock: u64,
}

/// Product `index` of catalog `seed`: a pure function of its two arguments.
pub fn product(seed: u64, index: u64) -> ProductLine {
    let mut rng = Rng::for_product(seed, index);
    let slots = taxonomy::slots();
    let slot = &slots[rng.below(slots.len() as u64) as usize];
    let (department, leaf) = (slot.department, slot.leaf);
    // The index makes the SKU unique on its own; the codes only make it readable.
    let sku = format!("{}-{}-{index:08}", department.code, leaf.code);
    let brand = *rng.pick(department.brands);
    let traits = compose::traits(&mut rng, leaf);
    let (name, base_name) = compose::name(&mut rng, leaf, &traits);
    let attributes = compose::attributes(&mut rng, &traits);
    let subject = Subject {
        name: &base_name,
        brand,
        leaf,
    };
    let description = compose::description(&mut rng, &subject, &traits);
    let amount = compose::price(&mut rng, leaf.price);
    let images = compose::images(&mut rng, &sku);
    let stock = compose::stock(&mut rng);
    ProductLine {
        sku,
        name,
        description,
        brand: brand.to_string(),
        category: slot.path.clone(),
        price: Price {
            amount,
            currency: "USD".to_string(),
        },
        attributes,
        images,
        stock,
    }
}

/// Products `0..count` of catalog `seed`, in order: the same as calling [`product`]
/// for each index.
pub fn generate(seed: u64, count: u64) -> impl Iterator<Item = ProductLine> {
    (0..count).map(move |index| product(seed, index))
}

/// Every category path the generator can produce (`"Electronics/Audio/Headphones"`…),
/// in table order, without duplicates.
pub fn categories() -> Vec<String> {
    taxonomy::slots()
        .iter()
        .map(|slot| slot.path.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};

    use super::*;

    const ATTRIBUTE_KEYS: &[&str] = &["color", "size", "material", "weight_g", "warranty_years"];

    fn assert_limits(line: &ProductLine) {
        let chars = |s: &str| s.chars().count();
        assert!((1..=100).contains(&chars(&line.sku)), "{line:?}");
        assert!(
            line.sku
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        );
        assert!((1..=200).contains(&chars(&line.name)), "{}", line.name);
        assert!(!line.name.chars().any(char::is_control) && line.name.trim() == line.name);
        assert!((1..=10_000).contains(&chars(&line.description)));
        assert!((1..=100).contains(&chars(&line.brand)));
        let names: Vec<&str> = line.category.split('/').collect();
        assert_eq!(names.len(), 3, "{}", line.category);
        assert!(
            names
                .iter()
                .all(|n| !n.is_empty() && n.trim() == *n && chars(n) <= 100)
        );
        assert!(line.price.amount > 0 && line.price.amount <= 1_000_000_000_000);
        assert_eq!(line.price.currency, "USD");
        assert!(
            (1..=4).contains(&line.attributes.len()),
            "{:?}",
            line.attributes
        );
        for (key, value) in &line.attributes {
            assert!(
                ATTRIBUTE_KEYS.contains(&key.as_str()) && !value.is_empty(),
                "{key}"
            );
        }
        assert!((1..=3).contains(&line.images.len()));
        for (n, url) in line.images.iter().enumerate() {
            assert_eq!(
                *url,
                format!("https://img.emporium.example/p/{}-{}.jpg", line.sku, n + 1)
            );
        }
        assert!(line.stock <= 1_000_000_000_000);
    }

    #[test]
    fn same_seed_and_index_give_the_same_line() {
        for index in (0..1_000).chain([u64::MAX - 1, u64::MAX]) {
            let a = serde_json::to_string(&product(7, index)).unwrap();
            let b = serde_json::to_string(&product(7, index)).unwrap();
            assert_eq!(a, b);
        }
        let differing = (0..1_000)
            .filter(|&i| product(1, i) != product(2, i))
            .count();
        assert!(
            differing > 990,
            "seeds must give different catalogs ({differing})"
        );
    }

    #[test]
    fn generate_equals_product_per_index() {
        let lines: Vec<ProductLine> = generate(42, 2_000).collect();
        assert_eq!(lines.len(), 2_000);
        for (index, line) in lines.iter().enumerate() {
            assert_eq!(*line, product(42, index as u64));
        }
    }

    #[test]
    fn skus_are_unique_over_200_000_indices() {
        let mut seen = HashSet::with_capacity(200_000);
        for line in generate(42, 200_000) {
            assert!(seen.insert(line.sku), "duplicate SKU");
        }
        // Indices past 10^8 still give distinct, valid SKUs (just with more digits).
        let far = [99_999_999, 100_000_000, u64::MAX];
        let skus: HashSet<String> = far.iter().map(|&i| product(42, i).sku).collect();
        assert_eq!(skus.len(), far.len());
        assert!(
            skus.iter()
                .all(|sku| sku.len() <= 100 && !sku.contains('/'))
        );
    }

    #[test]
    fn every_field_respects_its_limits() {
        for index in (0..5_000).chain(1_000_000_000..1_000_000_500) {
            assert_limits(&product(42, index));
        }
        for line in generate(3, 2_000) {
            assert_limits(&line);
        }
    }

    #[test]
    fn a_line_round_trips_through_json() {
        for index in 0..200 {
            let line = product(42, index);
            let json = serde_json::to_string(&line).unwrap();
            assert_eq!(serde_json::from_str::<ProductLine>(&json).unwrap(), line);
        }
        // The exact shape of the POST /v1/products body.
        let value: serde_json::Value = serde_json::to_value(product(42, 0)).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let expected = ["sku", "name", "description", "brand", "category", "price"];
        assert!(expected.iter().all(|k| keys.contains(k)));
        assert!(
            ["attributes", "images", "stock"]
                .iter()
                .all(|k| keys.contains(k))
        );
        assert_eq!(keys.len(), 9);
        assert!(value["price"]["amount"].is_u64());
        assert_eq!(value["price"]["currency"], "USD");
        assert!(
            value["attributes"]
                .as_object()
                .unwrap()
                .values()
                .all(|v| v.is_string())
        );
    }

    #[test]
    fn categories_cover_every_generated_category() {
        let all: BTreeSet<String> = categories().into_iter().collect();
        assert_eq!(all.len(), categories().len(), "no duplicates");
        assert_eq!(all.len(), 120);
        let subs: BTreeSet<&str> = all.iter().map(|c| &c[..c.rfind('/').unwrap()]).collect();
        assert_eq!(subs.len(), 40);
        assert_eq!(taxonomy::departments().len(), 10);
        let generated: BTreeSet<String> = generate(9, 20_000).map(|l| l.category).collect();
        assert!(generated.is_subset(&all));
        assert_eq!(
            generated.len(),
            all.len(),
            "20,000 products reach every leaf"
        );
    }

    #[test]
    fn catalogs_look_realistic() {
        let lines: Vec<ProductLine> = generate(42, 10_000).collect();
        let ratio = |n: usize| n as f64 / lines.len() as f64;
        let out_of_stock = ratio(lines.iter().filter(|l| l.stock == 0).count());
        assert!((0.03..0.07).contains(&out_of_stock), "{out_of_stock}");
        let tidy = |a: u64| a % 100 == 99 || a % 100 == 0;
        assert!(ratio(lines.iter().filter(|l| tidy(l.price.amount)).count()) > 0.8);
        let names: HashSet<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert!(
            ratio(names.len()) > 0.6,
            "names must be varied: {}",
            names.len()
        );
        assert!(
            lines
                .iter()
                .any(|l| l.brand == "Café Noir" || l.brand == "Müller & Söhne")
        );
        for line in &lines {
            let text = &line.description;
            assert!(text.ends_with('.') && !text.contains(".."), "{text}");
            // Sentence ends: a period before a capital, plus the last one. A brand such
            // as "Basecamp Co." right before a name can add one.
            let starts = text
                .match_indices(". ")
                .filter(|(i, _)| text[i + 2..].starts_with(|c: char| c.is_uppercase()));
            let sentences = starts.count() + 1;
            assert!((2..=6).contains(&sentences), "{sentences}: {text}");
        }
    }

    #[test]
    fn brands_are_about_300_distinct_names() {
        let mut brands = HashSet::new();
        for department in taxonomy::departments() {
            for brand in department.brands {
                assert!(brands.insert(*brand), "{brand} appears twice");
            }
        }
        assert!((280..=320).contains(&brands.len()), "{}", brands.len());
    }

    #[test]
    fn the_committed_sample_matches_the_generator() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample.jsonl");
        let sample = std::fs::read_to_string(path).expect("data/sample.jsonl is committed");
        let mut count = 0;
        for (index, line) in sample.lines().enumerate() {
            let expected = serde_json::to_string(&product(DEFAULT_SEED, index as u64)).unwrap();
            assert!(
                line == expected,
                "line {} differs: regenerate the sample",
                index + 1
            );
            count += 1;
        }
        assert_eq!(count, 10_000);
        assert!(sample.ends_with('\n'));
    }
}
