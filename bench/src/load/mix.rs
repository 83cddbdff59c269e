//! The storefront's operations, the requests they send, and the mix of operations.
//!
//! An operation is what one scheduled slot does: usually one request; adding to a cart
//! first creates the cart when the shopper has none, and a checkout first fills the cart
//! up to the lines it needs. Each request is recorded under its own [`RequestKind`], so
//! the report shows `POST /v1/carts` apart from `POST /v1/carts/{id}/items`.

use std::fmt;

use rand::Rng;
use rand::rngs::SmallRng;

/// What a scheduled slot does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A category page: `GET /v1/products?category=…`.
    Browse,
    /// A product page: `GET /v1/products/{id}`.
    Product,
    /// `GET /v1/search?q=…`.
    Search,
    /// `GET /v1/autocomplete?q=…`.
    Autocomplete,
    /// `POST /v1/carts/{id}/items` (after `POST /v1/carts` when there is no cart).
    AddToCart,
    /// `POST /v1/carts/{id}/checkout` (after filling the cart when it is short of lines).
    Checkout,
}

impl Operation {
    /// Every operation, in the order of the mix's text form.
    pub const ALL: [Operation; 6] = [
        Operation::Browse,
        Operation::Product,
        Operation::Search,
        Operation::Autocomplete,
        Operation::AddToCart,
        Operation::Checkout,
    ];

    /// The name used in `--mix`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Browse => "browse",
            Operation::Product => "product",
            Operation::Search => "search",
            Operation::Autocomplete => "autocomplete",
            Operation::AddToCart => "cart",
            Operation::Checkout => "checkout",
        }
    }
}

/// A request as the report counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequestKind {
    /// `GET /v1/products?category=…`.
    Browse,
    /// `GET /v1/products/{id}`.
    Product,
    /// `GET /v1/search?q=…`.
    Search,
    /// `GET /v1/autocomplete?q=…`.
    Autocomplete,
    /// `POST /v1/carts`.
    CartCreate,
    /// `POST /v1/carts/{id}/items`.
    CartAdd,
    /// `POST /v1/carts/{id}/checkout`.
    Checkout,
    /// `POST /v1/inventory/{sku}/adjust` (admin), after a sell-out.
    Restock,
}

impl RequestKind {
    /// Every kind, in report order.
    pub const ALL: [RequestKind; 8] = [
        RequestKind::Browse,
        RequestKind::Product,
        RequestKind::Search,
        RequestKind::Autocomplete,
        RequestKind::CartCreate,
        RequestKind::CartAdd,
        RequestKind::Checkout,
        RequestKind::Restock,
    ];

    /// Position in [`RequestKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// A short name for tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            RequestKind::Browse => "browse",
            RequestKind::Product => "product",
            RequestKind::Search => "search",
            RequestKind::Autocomplete => "autocomplete",
            RequestKind::CartCreate => "cart_create",
            RequestKind::CartAdd => "cart_add",
            RequestKind::Checkout => "checkout",
            RequestKind::Restock => "restock",
        }
    }

    /// The request line, for people.
    pub fn route(self) -> &'static str {
        match self {
            RequestKind::Browse => "GET /v1/products?category=",
            RequestKind::Product => "GET /v1/products/{id}",
            RequestKind::Search => "GET /v1/search?q=",
            RequestKind::Autocomplete => "GET /v1/autocomplete?q=",
            RequestKind::CartCreate => "POST /v1/carts",
            RequestKind::CartAdd => "POST /v1/carts/{id}/items",
            RequestKind::Checkout => "POST /v1/carts/{id}/checkout",
            RequestKind::Restock => "POST /v1/inventory/{sku}/adjust",
        }
    }
}

/// Relative weights of the operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix {
    weights: [u32; 6],
    total: u32,
}

impl Mix {
    /// Reads `browse=25,product=35,...`: every name at most once, weights are whole
    /// numbers, a name left out weighs 0, and at least one weight is above 0.
    pub fn parse(text: &str) -> Result<Mix, String> {
        // Bounds the sum, so that it fits a u32 with room to spare.
        const WEIGHT_MAX: u32 = 1_000_000;
        let mut weights = [0u32; 6];
        let mut seen = [false; 6];
        for part in text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not NAME=WEIGHT"))?;
            let position = Operation::ALL
                .iter()
                .position(|operation| operation.name() == name.trim())
                .ok_or_else(|| {
                    format!(
                        "unknown operation `{}` (known: {})",
                        name.trim(),
                        Operation::ALL.map(Operation::name).join(", ")
                    )
                })?;
            if seen[position] {
                return Err(format!("`{}` is given twice", name.trim()));
            }
            seen[position] = true;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| format!("the weight of `{}` is not a whole number", name.trim()))?;
            if weight > WEIGHT_MAX {
                return Err(format!(
                    "the weight of `{}` is above {WEIGHT_MAX}",
                    name.trim()
                ));
            }
            weights[position] = weight;
        }
        let total = weights.iter().sum();
        if total == 0 {
            return Err("the mix has no operation with a weight above 0".into());
        }
        Ok(Mix { weights, total })
    }

    /// An operation drawn by weight.
    pub fn draw(&self, rng: &mut SmallRng) -> Operation {
        let mut ticket = rng.random_range(0..self.total);
        for (operation, &weight) in Operation::ALL.iter().zip(&self.weights) {
            if ticket < weight {
                return *operation;
            }
            ticket -= weight;
        }
        unreachable!("the ticket is below the sum of the weights")
    }

    /// The weight of `operation`.
    pub fn weight(&self, operation: Operation) -> u32 {
        self.weights[Operation::ALL
            .iter()
            .position(|&o| o == operation)
            .expect("ALL lists every operation")]
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = Operation::ALL
            .iter()
            .zip(&self.weights)
            .filter(|(_, weight)| **weight > 0)
            .map(|(operation, weight)| format!("{}={weight}", operation.name()))
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_mix_reads_back_as_written() {
        let mix = Mix::parse("browse=25, product=35,search=15,autocomplete=12,cart=9,checkout=4")
            .expect("valid");
        assert_eq!(
            mix.to_string(),
            "browse=25,product=35,search=15,autocomplete=12,cart=9,checkout=4"
        );
        assert_eq!(
            Mix::parse("checkout=1").expect("valid").to_string(),
            "checkout=1"
        );
    }

    #[test]
    fn bad_mixes_name_the_problem() {
        assert!(Mix::parse("browse=1,shop=2").unwrap_err().contains("shop"));
        assert!(Mix::parse("browse=x").unwrap_err().contains("browse"));
        assert!(
            Mix::parse("browse=1,browse=2")
                .unwrap_err()
                .contains("twice")
        );
        assert!(Mix::parse("browse=0").is_err());
        assert!(Mix::parse("").is_err());
        assert!(Mix::parse("browse").is_err());
        assert!(Mix::parse("browse=99999999999").is_err());
    }

    #[test]
    fn draws_follow_the_weights() {
        let mix = Mix::parse("browse=1,checkout=3").expect("valid");
        let mut rng = SmallRng::seed_from_u64(5);
        let checkouts = (0..10_000)
            .filter(|_| mix.draw(&mut rng) == Operation::Checkout)
            .count();
        assert!((7_000..8_000).contains(&checkouts), "{checkouts}");
        assert_eq!(mix.weight(Operation::Search), 0);
    }

    #[test]
    fn kinds_are_indexed_in_order() {
        for (position, kind) in RequestKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), position);
        }
    }
}
