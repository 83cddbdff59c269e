//! The search-popularity subscriber: product views and purchases raise the product's
//! name and brand in autocomplete, so that of two completions the one shoppers look at
//! and buy comes first.
//!
//! A view adds 1, a unit bought [`super::PURCHASE_WEIGHT`]. The weights are attributed to
//! the product's name and brand as they are when the event is applied (a renamed
//! product's earlier popularity stays with its old name). The trie itself lives in
//! memory and is rebuilt from the store at open without popularity, so the checkpoint
//! keeps the weight given to each text and a restore gives it back; a rebuild takes
//! it all away before replaying.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::Subscriber;
use super::recommendations::PURCHASE_WEIGHT;
use crate::catalog::Catalog;
use crate::model::{Event, EventRecord, ProductId};
use crate::search::{Autocomplete, TrieOp};
use crate::store::Store;

/// The subscriber's name.
pub(crate) const NAME: &str = "search_popularity";

/// The weights given to autocomplete texts.
pub(crate) struct SearchPopularity {
    store: Arc<Store>,
    catalog: Catalog,
    autocomplete: Arc<Autocomplete>,
    /// Text → weight given to it so far.
    given: Mutex<HashMap<String, u64>>,
}

#[derive(Serialize, Deserialize)]
struct Checkpoint {
    given: Vec<(String, u64)>,
}

impl SearchPopularity {
    pub(crate) fn new(
        store: Arc<Store>,
        catalog: Catalog,
        autocomplete: Arc<Autocomplete>,
    ) -> SearchPopularity {
        SearchPopularity {
            store,
            catalog,
            autocomplete,
            given: Mutex::new(HashMap::new()),
        }
    }
}

impl Subscriber for SearchPopularity {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(&self, events: &[EventRecord]) {
        // Weight per product in this batch, then one lookup per product.
        let mut weights: HashMap<ProductId, u64> = HashMap::new();
        for record in events {
            match &record.event {
                Event::ProductViewed(viewed) => {
                    *weights.entry(viewed.product_id).or_default() += 1;
                }
                Event::OrderPlaced(placed) => {
                    for line in &placed.lines {
                        *weights.entry(line.product_id).or_default() +=
                            line.quantity.saturating_mul(PURCHASE_WEIGHT);
                    }
                }
                _ => {}
            }
        }
        if weights.is_empty() {
            return;
        }
        let mut texts: Vec<(String, u64)> = Vec::with_capacity(weights.len() * 2);
        for (product, weight) in weights {
            // A product that cannot be read now is skipped: popularity is a ranking
            // hint, not a record.
            let Ok(Some(product)) = self.catalog.product(&self.store, product) else {
                continue;
            };
            texts.push((product.name.clone(), weight));
            if let Some(brand) = &product.brand {
                texts.push((brand.clone(), weight));
            }
        }
        let mut given = self.given.lock();
        for (text, weight) in &texts {
            *given.entry(text.clone()).or_default() += weight;
        }
        self.autocomplete.apply(
            texts
                .iter()
                .map(|(text, weight)| TrieOp::Bump(text, *weight)),
        );
    }

    fn checkpoint(&self) -> Vec<u8> {
        let mut given: Vec<(String, u64)> = self
            .given
            .lock()
            .iter()
            .map(|(text, weight)| (text.clone(), *weight))
            .collect();
        given.sort();
        // Plain owned data into a Vec cannot fail to serialize.
        postcard::to_allocvec(&Checkpoint { given }).unwrap_or_default()
    }

    fn restore(&self, bytes: &[u8]) -> Result<(), String> {
        let checkpoint: Checkpoint =
            postcard::from_bytes(bytes).map_err(|error| error.to_string())?;
        self.reset();
        self.autocomplete.apply(
            checkpoint
                .given
                .iter()
                .map(|(text, weight)| TrieOp::Bump(text, *weight)),
        );
        *self.given.lock() = checkpoint.given.into_iter().collect();
        Ok(())
    }

    fn reset(&self) {
        let mut given = self.given.lock();
        self.autocomplete.apply(
            given
                .iter()
                .map(|(text, weight)| TrieOp::Unbump(text, *weight)),
        );
        given.clear();
    }
}
