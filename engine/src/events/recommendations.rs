//! The recommendations read model: "frequently bought together" from products that
//! share an order, "also viewed" from products viewed in one session, and the popular
//! products of the same category as the fallback. Updated incrementally from events.
//!
//! Bounds keep it small on a large catalog: each product keeps at most
//! [`NEIGHBOURS_MAX`] co-purchased and co-viewed neighbours (a full list replaces its
//! weakest entry, ties to the higher product id, so the model stays a pure function of
//! the log), each category its [`CATEGORY_TOP_MAX`] most popular products, and at most
//! [`SESSIONS_MAX`] sessions are remembered (the least recently active is forgotten).
//! Popularity is views plus [`PURCHASE_WEIGHT`] per unit bought.

use std::collections::{BTreeMap, HashMap};

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use super::Subscriber;
use crate::model::{CategoryId, Event, EventRecord, ProductId};

/// The subscriber's name.
pub(crate) const NAME: &str = "recommendations";
/// Neighbours kept per product and relation.
pub const NEIGHBOURS_MAX: usize = 32;
/// Popular products kept per category.
pub const CATEGORY_TOP_MAX: usize = 32;
/// Sessions remembered for "also viewed".
pub const SESSIONS_MAX: usize = 100_000;
/// Products remembered per session: a view pairs with these.
pub const SESSION_RECENT_MAX: usize = 8;
/// Lines of one order paired with each other (the rest still count for popularity).
pub const ORDER_LINES_PAIRED_MAX: usize = 16;
/// A unit bought counts as this many views towards popularity.
pub const PURCHASE_WEIGHT: u64 = 5;

/// Why a product was recommended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationReason {
    /// Bought in the same orders.
    BoughtTogether,
    /// Viewed in the same sessions.
    AlsoViewed,
    /// Popular in the same category.
    PopularInCategory,
}

#[derive(Default, Serialize, Deserialize)]
struct State {
    /// Product → category, from product events.
    category_of: HashMap<ProductId, CategoryId>,
    /// Product → (neighbour → orders together).
    bought: HashMap<ProductId, Vec<(ProductId, u64)>>,
    /// Product → (neighbour → sessions that viewed both).
    viewed: HashMap<ProductId, Vec<(ProductId, u64)>>,
    /// Product → popularity.
    popularity: HashMap<ProductId, u64>,
    /// Category → its most popular products, best first.
    category_top: HashMap<CategoryId, Vec<(ProductId, u64)>>,
    /// Session → (last event seq, recent products, newest last).
    sessions: HashMap<String, (u64, Vec<ProductId>)>,
    /// Last seq → session, to forget the least recently active first.
    session_order: BTreeMap<u64, String>,
}

/// The model behind a lock.
#[derive(Default)]
pub(crate) struct Recommendations {
    state: RwLock<State>,
}

/// Bumps `neighbour` in `list` by `by`; a full list drops its weakest entry for a new
/// one only if the new count is at least as strong.
fn bump(list: &mut Vec<(ProductId, u64)>, neighbour: ProductId, by: u64) {
    if let Some(entry) = list.iter_mut().find(|(id, _)| *id == neighbour) {
        entry.1 += by;
        return;
    }
    if list.len() < NEIGHBOURS_MAX {
        list.push((neighbour, by));
        return;
    }
    // The weakest: lowest count, then highest id.
    if let Some((index, weakest)) = list
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(index, entry)| (index, *entry))
        && (by, std::cmp::Reverse(neighbour)) >= (weakest.1, std::cmp::Reverse(weakest.0))
    {
        list[index] = (neighbour, by);
    }
}

/// Best first: higher count, then lower id.
fn ranked(list: &[(ProductId, u64)]) -> Vec<(ProductId, u64)> {
    let mut ranked = list.to_vec();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}

impl State {
    fn add_popularity(&mut self, product: ProductId, by: u64) {
        let score = self.popularity.entry(product).or_insert(0);
        *score += by;
        let score = *score;
        let Some(&category) = self.category_of.get(&product) else {
            return;
        };
        let top = self.category_top.entry(category).or_default();
        match top.iter_mut().find(|(id, _)| *id == product) {
            Some(entry) => entry.1 = score,
            None => top.push((product, score)),
        }
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(CATEGORY_TOP_MAX);
    }

    fn set_category(&mut self, product: ProductId, category: CategoryId) {
        if let Some(old) = self.category_of.insert(product, category)
            && old != category
            && let Some(top) = self.category_top.get_mut(&old)
        {
            top.retain(|(id, _)| *id != product);
        }
        // Re-rank it under its (possibly new) category.
        self.add_popularity(product, 0);
    }

    fn order(&mut self, products: &[ProductId], units: &[u64]) {
        let mut distinct: Vec<ProductId> = products.to_vec();
        distinct.sort();
        distinct.dedup();
        distinct.truncate(ORDER_LINES_PAIRED_MAX);
        for &a in &distinct {
            for &b in &distinct {
                if a != b {
                    bump(self.bought.entry(a).or_default(), b, 1);
                }
            }
        }
        for (&product, &quantity) in products.iter().zip(units) {
            self.add_popularity(product, quantity.saturating_mul(PURCHASE_WEIGHT));
        }
    }

    fn view(&mut self, seq: u64, product: ProductId, session: Option<&str>) {
        self.add_popularity(product, 1);
        let Some(session) = session else {
            return;
        };
        let (last_seq, recent) = self
            .sessions
            .remove(session)
            .unwrap_or_else(|| (0, Vec::new()));
        self.session_order.remove(&last_seq);
        let mut recent = recent;
        for &other in &recent {
            if other != product {
                bump(self.viewed.entry(product).or_default(), other, 1);
                bump(self.viewed.entry(other).or_default(), product, 1);
            }
        }
        recent.retain(|id| *id != product);
        recent.push(product);
        if recent.len() > SESSION_RECENT_MAX {
            recent.remove(0);
        }
        self.sessions.insert(session.to_string(), (seq, recent));
        self.session_order.insert(seq, session.to_string());
        while self.sessions.len() > SESSIONS_MAX {
            let Some((_, oldest)) = self.session_order.pop_first() else {
                break;
            };
            self.sessions.remove(&oldest);
        }
    }
}

impl Recommendations {
    /// Up to `limit` recommendations for `product`, best first, each with its reason:
    /// bought together, then also viewed, then popular in the category. `keep` says
    /// whether a product may be shown (it exists and is active).
    pub(crate) fn for_product(
        &self,
        product: ProductId,
        limit: usize,
        mut keep: impl FnMut(ProductId) -> bool,
    ) -> Vec<(ProductId, RecommendationReason)> {
        let state = self.state.read();
        let mut chosen: Vec<(ProductId, RecommendationReason)> = Vec::with_capacity(limit);
        let mut consider = |id: ProductId, reason, chosen: &mut Vec<_>| {
            if chosen.len() < limit
                && id != product
                && !chosen.iter().any(|(seen, _)| *seen == id)
                && keep(id)
            {
                chosen.push((id, reason));
            }
        };
        let relations = [
            (&state.bought, RecommendationReason::BoughtTogether),
            (&state.viewed, RecommendationReason::AlsoViewed),
        ];
        for (relation, reason) in relations {
            if let Some(list) = relation.get(&product) {
                for (id, _) in ranked(list) {
                    consider(id, reason, &mut chosen);
                }
            }
        }
        if let Some(top) = state
            .category_of
            .get(&product)
            .and_then(|category| state.category_top.get(category))
        {
            for &(id, _) in top {
                consider(id, RecommendationReason::PopularInCategory, &mut chosen);
            }
        }
        chosen
    }
}

/// The checkpoint: every map as a sorted list, so equal states give equal bytes.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    category_of: Vec<(ProductId, CategoryId)>,
    bought: Vec<(ProductId, Vec<(ProductId, u64)>)>,
    viewed: Vec<(ProductId, Vec<(ProductId, u64)>)>,
    popularity: Vec<(ProductId, u64)>,
    category_top: Vec<(CategoryId, Vec<(ProductId, u64)>)>,
    sessions: Vec<(String, u64, Vec<ProductId>)>,
}

fn sorted<K: Ord + Clone, V: Clone>(map: &HashMap<K, V>) -> Vec<(K, V)> {
    let mut entries: Vec<(K, V)> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

impl Subscriber for Recommendations {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(&self, events: &[EventRecord]) {
        let mut state = self.state.write();
        for record in events {
            match &record.event {
                Event::ProductCreated(product) => {
                    state.set_category(product.id, product.category_id)
                }
                Event::ProductUpdated { after, .. } => {
                    state.set_category(after.id, after.category_id)
                }
                Event::OrderPlaced(placed) => {
                    let products: Vec<ProductId> =
                        placed.lines.iter().map(|line| line.product_id).collect();
                    let units: Vec<u64> = placed.lines.iter().map(|line| line.quantity).collect();
                    state.order(&products, &units);
                }
                Event::ProductViewed(viewed) => state.view(
                    record.seq,
                    viewed.product_id,
                    viewed.visitor.session_id.as_deref(),
                ),
                _ => {}
            }
        }
    }

    fn checkpoint(&self) -> Vec<u8> {
        let state = self.state.read();
        let mut sessions: Vec<(String, u64, Vec<ProductId>)> = state
            .sessions
            .iter()
            .map(|(name, (seq, recent))| (name.clone(), *seq, recent.clone()))
            .collect();
        sessions.sort_by(|a, b| a.0.cmp(&b.0));
        let checkpoint = Checkpoint {
            category_of: sorted(&state.category_of),
            bought: sorted(&state.bought),
            viewed: sorted(&state.viewed),
            popularity: sorted(&state.popularity),
            category_top: sorted(&state.category_top),
            sessions,
        };
        // Plain owned data into a Vec cannot fail to serialize.
        postcard::to_allocvec(&checkpoint).unwrap_or_default()
    }

    fn restore(&self, bytes: &[u8]) -> Result<(), String> {
        let checkpoint: Checkpoint =
            postcard::from_bytes(bytes).map_err(|error| error.to_string())?;
        let mut state = State {
            category_of: checkpoint.category_of.into_iter().collect(),
            bought: checkpoint.bought.into_iter().collect(),
            viewed: checkpoint.viewed.into_iter().collect(),
            popularity: checkpoint.popularity.into_iter().collect(),
            category_top: checkpoint.category_top.into_iter().collect(),
            ..State::default()
        };
        for (name, seq, recent) in checkpoint.sessions {
            state.session_order.insert(seq, name.clone());
            state.sessions.insert(name, (seq, recent));
        }
        *self.state.write() = state;
        Ok(())
    }

    fn reset(&self) {
        *self.state.write() = State::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> ProductId {
        ProductId::from_raw(n)
    }

    #[test]
    fn a_full_neighbour_list_keeps_the_strongest() {
        let mut list = Vec::new();
        let first = 10;
        let last = first + NEIGHBOURS_MAX as u64 - 1;
        for n in first..=last {
            bump(&mut list, id(n), 2);
        }
        bump(&mut list, id(1_000), 1);
        assert!(
            !list.iter().any(|(p, _)| *p == id(1_000)),
            "weaker than all"
        );
        bump(&mut list, id(1_001), 2);
        assert!(
            !list.iter().any(|(p, _)| *p == id(1_001)),
            "a tie with a higher id than all loses, as it would rank last"
        );
        bump(&mut list, id(5), 2);
        assert!(
            list.iter().any(|(p, _)| *p == id(5)),
            "a tie with a lower id wins"
        );
        assert!(
            !list.iter().any(|(p, _)| *p == id(last)),
            "the highest id went"
        );
        bump(&mut list, id(2_000), 3);
        assert!(
            list.iter().any(|(p, _)| *p == id(2_000)),
            "stronger than the weakest"
        );
        assert_eq!(list.len(), NEIGHBOURS_MAX);
    }

    #[test]
    fn sessions_are_bounded_and_pair_recent_views() {
        let mut state = State::default();
        state.view(1, id(1), Some("s"));
        state.view(2, id(2), Some("s"));
        state.view(3, id(1), Some("s"));
        assert_eq!(state.viewed[&id(1)], vec![(id(2), 2)]);
        assert_eq!(state.sessions["s"].1, vec![id(2), id(1)]);
        assert_eq!(state.session_order.len(), 1);
        state.view(4, id(3), None);
        assert_eq!(state.popularity[&id(3)], 1);
        assert!(!state.viewed.contains_key(&id(3)), "no session, no pairs");
    }
}
