//! What the driver knows about the shop: learned from the server's own listings before
//! the run, so the workload touches real ids and SKUs whatever catalog is loaded.
//!
//! Popularity is Zipf-skewed (a few products get most of the views, as in any shop),
//! over a seeded shuffle of the products, so that popularity is not tied to the order
//! the catalog was imported in. Cart additions draw from the products that were in
//! stock when the run started, as a shopper cannot add what the page shows sold out.

use rand::Rng;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;

use super::LoadError;
use super::client::{Call, Connection};
use crate::Zipf;

/// Products asked for per listing page (the API's maximum).
const PAGE_PRODUCTS: usize = 100;
/// Words a shopper types into the search box, at most.
const QUERY_WORDS_MAX: usize = 3;
/// Characters typed before autocomplete is asked, at least and at most.
const PREFIX_CHARS_MIN: usize = 2;
const PREFIX_CHARS_MAX: usize = 8;

/// One product as the listing showed it.
#[derive(Debug, Clone)]
pub struct Product {
    /// `prod_…`.
    pub id: String,
    /// The merchant's SKU.
    pub sku: String,
    /// The name, the source of search words and autocomplete prefixes.
    pub name: String,
    /// Units available when the run started.
    pub available: u64,
}

/// Products and categories of the shop, with Zipf-skewed draws over them.
#[derive(Debug)]
pub struct Catalog {
    /// Every product learned, in listing order.
    pub products: Vec<Product>,
    /// `cat_…` ids.
    pub categories: Vec<String>,
    popular: Ranked,
    in_stock: Ranked,
    popular_categories: Ranked,
}

/// A Zipf draw over a shuffled list of indices.
#[derive(Debug)]
struct Ranked {
    zipf: Zipf,
    /// Rank → index into the underlying list.
    order: Vec<usize>,
}

impl Ranked {
    fn new(mut order: Vec<usize>, exponent: f64, rng: &mut SmallRng) -> Ranked {
        order.shuffle(rng);
        Ranked {
            zipf: Zipf::new(order.len(), exponent),
            order,
        }
    }

    fn draw(&self, rng: &mut SmallRng) -> usize {
        self.order[self.zipf.rank(rng.random::<f64>())]
    }
}

impl Catalog {
    /// Reads the categories and up to `products_max` active products (listing pages
    /// of 100), and ranks them with Zipf exponent `exponent` over a shuffle seeded by
    /// `seed`.
    pub async fn learn(
        connection: &mut Connection,
        products_max: usize,
        exponent: f64,
        seed: u64,
    ) -> Result<Catalog, LoadError> {
        let categories = learn_categories(connection).await?;
        let products = learn_products(connection, products_max).await?;
        Catalog::new(products, categories, exponent, seed)
    }

    /// A catalog over given products and categories (at least one product).
    pub fn new(
        products: Vec<Product>,
        categories: Vec<String>,
        exponent: f64,
        seed: u64,
    ) -> Result<Catalog, LoadError> {
        if products.is_empty() {
            return Err(LoadError::Reply(
                "GET /v1/products lists no product: load a catalog first".into(),
            ));
        }
        let mut rng = SmallRng::seed_from_u64(seed);
        let popular = Ranked::new((0..products.len()).collect(), exponent, &mut rng);
        let mut stocked: Vec<usize> = (0..products.len())
            .filter(|&index| products[index].available > 0)
            .collect();
        if stocked.is_empty() {
            // Everything is sold out: adds will meet 409s, reported as such.
            stocked = (0..products.len()).collect();
        }
        let in_stock = Ranked::new(stocked, exponent, &mut rng);
        let popular_categories = Ranked::new((0..categories.len()).collect(), exponent, &mut rng);
        Ok(Catalog {
            products,
            categories,
            popular,
            in_stock,
            popular_categories,
        })
    }

    /// A product to view, by popularity.
    pub fn product(&self, rng: &mut SmallRng) -> &Product {
        &self.products[self.popular.draw(rng)]
    }

    /// A product to put in a cart, by popularity among those in stock at the start.
    pub fn cart_product(&self, rng: &mut SmallRng) -> &Product {
        &self.products[self.in_stock.draw(rng)]
    }

    /// A category to browse, by popularity; `None` when the shop has none.
    pub fn category(&self, rng: &mut SmallRng) -> Option<&str> {
        if self.categories.is_empty() {
            return None;
        }
        Some(&self.categories[self.popular_categories.draw(rng)])
    }

    /// What a shopper searches for: one to three words of a popular product's name.
    pub fn query(&self, rng: &mut SmallRng) -> String {
        let name = &self.product(rng).name;
        let words: Vec<&str> = name
            .split_whitespace()
            .filter(|word| word.chars().all(char::is_alphanumeric))
            .collect();
        if words.is_empty() {
            return name.clone();
        }
        let count = rng.random_range(1..=words.len().min(QUERY_WORDS_MAX));
        let start = rng.random_range(0..=words.len() - count);
        words[start..start + count].join(" ")
    }

    /// What a shopper has typed so far: the first few characters of a popular name.
    pub fn prefix(&self, rng: &mut SmallRng) -> String {
        let name = &self.product(rng).name;
        let chars = rng.random_range(PREFIX_CHARS_MIN..=PREFIX_CHARS_MAX);
        name.chars().take(chars).collect()
    }
}

async fn learn_categories(connection: &mut Connection) -> Result<Vec<String>, LoadError> {
    let what = "GET /v1/categories";
    let reply = connection.send(Call::get("/v1/categories")).await?;
    if reply.status != 200 {
        return Err(reply.unexpected(what));
    }
    let page = reply.json(what)?;
    let data = list(&page, what)?;
    Ok(data
        .iter()
        .filter_map(|category| Some(category.get("id")?.as_str()?.to_string()))
        .collect())
}

async fn learn_products(
    connection: &mut Connection,
    products_max: usize,
) -> Result<Vec<Product>, LoadError> {
    let what = "GET /v1/products";
    let mut products = Vec::new();
    let mut cursor: Option<String> = None;
    while products.len() < products_max {
        let limit = PAGE_PRODUCTS.min(products_max - products.len());
        let path = match &cursor {
            Some(cursor) => format!(
                "/v1/products?limit={limit}&cursor={}",
                super::percent_encode(cursor)
            ),
            None => format!("/v1/products?limit={limit}"),
        };
        let reply = connection.send(Call::get(&path)).await?;
        if reply.status != 200 {
            return Err(reply.unexpected(what));
        }
        let page = reply.json(what)?;
        for item in list(&page, what)? {
            products.push(product(item)?);
        }
        cursor = page
            .get("next_cursor")
            .and_then(|cursor| cursor.as_str())
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    Ok(products)
}

fn list<'a>(
    page: &'a serde_json::Value,
    what: &str,
) -> Result<&'a Vec<serde_json::Value>, LoadError> {
    page.get("data")
        .and_then(|data| data.as_array())
        .ok_or_else(|| LoadError::Reply(format!("{what}: no `data` list")))
}

fn product(item: &serde_json::Value) -> Result<Product, LoadError> {
    let text = |field: &str| {
        item.get(field)
            .and_then(|value| value.as_str())
            .map(str::to_string)
            .ok_or_else(|| LoadError::Reply(format!("a listed product has no `{field}`")))
    };
    Ok(Product {
        id: text("id")?,
        sku: text("sku")?,
        name: text("name")?,
        available: item
            .get("stock")
            .and_then(|stock| stock.get("available"))
            .and_then(|available| available.as_u64())
            .unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let products = (0..100)
            .map(|n| Product {
                id: format!("prod_{n}"),
                sku: format!("SKU-{n}"),
                name: format!("Trail Running Shoes {n} - Olive"),
                available: u64::from(n % 2 == 0),
            })
            .collect();
        Catalog::new(products, vec!["cat_a".into(), "cat_b".into()], 1.0, 7).expect("a catalog")
    }

    #[test]
    fn cart_draws_only_products_in_stock() {
        let catalog = catalog();
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..1_000 {
            assert_eq!(catalog.cart_product(&mut rng).available, 1);
        }
    }

    #[test]
    fn popularity_is_skewed() {
        let catalog = catalog();
        let mut rng = SmallRng::seed_from_u64(2);
        let mut counts = std::collections::HashMap::new();
        for _ in 0..10_000 {
            *counts
                .entry(catalog.product(&mut rng).id.clone())
                .or_insert(0u32) += 1;
        }
        let most = counts.values().copied().max().unwrap_or(0);
        // Uniform would give about 100 each; rank 1 of Zipf(1.0) over 100 gets ~19 %.
        assert!(most > 1_000, "most popular drawn {most} times");
    }

    #[test]
    fn queries_are_words_of_names_and_prefixes_are_short() {
        let catalog = catalog();
        let mut rng = SmallRng::seed_from_u64(3);
        for _ in 0..200 {
            let query = catalog.query(&mut rng);
            let words = query.split(' ').count();
            assert!((1..=QUERY_WORDS_MAX).contains(&words), "{query}");
            assert!(!query.contains('-'), "{query}");
            let prefix = catalog.prefix(&mut rng);
            assert!(catalog.products.iter().any(|p| p.name.starts_with(&prefix)));
            assert!((PREFIX_CHARS_MIN..=PREFIX_CHARS_MAX).contains(&prefix.chars().count()));
        }
    }

    #[test]
    fn an_empty_shop_is_refused() {
        assert!(Catalog::new(Vec::new(), Vec::new(), 1.0, 1).is_err());
    }
}
