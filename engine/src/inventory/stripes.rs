//! The striped cells and holds. Every public method takes the stripes it needs in
//! ascending order and releases them before returning.

use std::collections::{BTreeSet, HashMap};

use parking_lot::{Mutex, MutexGuard};
use smallvec::SmallVec;

use super::hash::IdBuildHasher;
use super::{ExpiredHold, HOLD_LINES_MAX, Hold, InventoryError, STRIPES, StockLevel};
use crate::model::ProductId;

#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    on_hand: u64,
    reserved: u64,
}

impl Cell {
    fn level(self) -> StockLevel {
        assert!(
            self.reserved <= self.on_hand,
            "reserved {} beyond on hand {}",
            self.reserved,
            self.on_hand
        );
        StockLevel {
            on_hand: self.on_hand,
            reserved: self.reserved,
            available: self.on_hand - self.reserved,
        }
    }
}

#[derive(Debug, Default)]
struct Stripe {
    cells: HashMap<u64, Cell, IdBuildHasher>,
    /// (holder, product) → hold.
    holds: HashMap<(u64, u64), Hold, IdBuildHasher>,
    /// (expires_ms, holder, product) for every hold: the sweep pops from the front.
    expiry: BTreeSet<(u64, u64, u64)>,
}

impl Stripe {
    fn put_hold(&mut self, holder: u64, product: u64, hold: Option<Hold>) {
        let key = (holder, product);
        if let Some(old) = self.holds.remove(&key) {
            self.expiry.remove(&(old.expires_ms, holder, product));
        }
        if let Some(hold) = hold.filter(|hold| hold.quantity > 0) {
            self.expiry.insert((hold.expires_ms, holder, product));
            self.holds.insert(key, hold);
        }
    }

    fn available(&self, product: u64) -> bool {
        self.cells
            .get(&product)
            .is_some_and(|cell| cell.on_hand > cell.reserved)
    }
}

/// The stripes: a fixed array of mutexes.
#[derive(Debug)]
pub(crate) struct Stripes {
    stripes: Box<[Mutex<Stripe>]>,
}

fn stripe_of(product: u64) -> usize {
    (product.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize & (STRIPES - 1)
}

/// Sorts `lines` by product and sums quantities of repeated products: holds that share
/// stock are checked as one, never line by line.
/// Lines and products of one call kept on the stack: a cart has a few lines, and a
/// reservation is on the hot path.
type Lines = SmallVec<[(u64, u64); 8]>;
/// Touched products, with whether each still has stock available.
pub(crate) type Touched = SmallVec<[(u64, bool); 8]>;

fn merge(lines: &[(u64, u64)]) -> Lines {
    let mut merged: Lines = lines.iter().copied().collect();
    merged.sort_unstable_by_key(|&(product, _)| product);
    merged.dedup_by(|next, kept| {
        if next.0 == kept.0 {
            kept.1 = kept.1.saturating_add(next.1);
            true
        } else {
            false
        }
    });
    merged
}

impl Stripes {
    pub(crate) fn new() -> Stripes {
        Stripes {
            stripes: (0..STRIPES)
                .map(|_| Mutex::new(Stripe::default()))
                .collect(),
        }
    }

    fn one(&self, product: u64) -> MutexGuard<'_, Stripe> {
        self.stripes[stripe_of(product)].lock()
    }

    /// Locks the stripes of `products` in ascending order; `guards[i]` is stripe
    /// `indexes[i]`.
    fn lock_all(
        &self,
        products: impl Iterator<Item = u64>,
    ) -> (SmallVec<[usize; 8]>, SmallVec<[MutexGuard<'_, Stripe>; 8]>) {
        let mut indexes: SmallVec<[usize; 8]> = products.map(stripe_of).collect();
        indexes.sort_unstable();
        indexes.dedup();
        let guards = indexes
            .iter()
            .map(|&index| self.stripes[index].lock())
            .collect();
        (indexes, guards)
    }

    pub(crate) fn set_on_hand(&self, product: u64, on_hand: u64) -> bool {
        let mut stripe = self.one(product);
        let cell = stripe.cells.entry(product).or_default();
        // Only an admin correction can put on hand below what is held; checkout
        // re-checks every hold against on hand, so the excess is never sold.
        cell.on_hand = on_hand.max(cell.reserved);
        stripe.available(product)
    }

    pub(crate) fn add_on_hand(&self, product: u64, delta: u64) -> bool {
        let mut stripe = self.one(product);
        let cell = stripe.cells.entry(product).or_default();
        cell.on_hand = cell.on_hand.saturating_add(delta);
        stripe.available(product)
    }

    pub(crate) fn level(&self, product: u64) -> Option<StockLevel> {
        self.one(product)
            .cells
            .get(&product)
            .map(|cell| cell.level())
    }

    pub(crate) fn hold(&self, holder: u64, product: u64) -> Option<Hold> {
        self.one(product).holds.get(&(holder, product)).copied()
    }

    /// Sets holds; returns each touched product with whether it still has stock available.
    pub(crate) fn reserve(
        &self,
        holder: u64,
        lines: &[(u64, u64)],
        expires_ms: u64,
    ) -> Result<Touched, InventoryError> {
        let lines = merge(lines);
        if lines.len() > HOLD_LINES_MAX {
            return Err(InventoryError::TooManyLines);
        }
        let (indexes, mut guards) = self.lock_all(lines.iter().map(|&(product, _)| product));
        let slot = |product: u64| {
            indexes
                .binary_search(&stripe_of(product))
                .expect("locked above")
        };
        for &(product, quantity) in &lines {
            let stripe = &guards[slot(product)];
            let cell = stripe
                .cells
                .get(&product)
                .ok_or(InventoryError::UnknownProduct {
                    product: ProductId::from_raw(product),
                })?;
            let mine = stripe
                .holds
                .get(&(holder, product))
                .map_or(0, |hold| hold.quantity);
            let available = cell.on_hand - cell.reserved + mine;
            if quantity > available {
                return Err(InventoryError::Insufficient {
                    product: ProductId::from_raw(product),
                    sku: String::new(),
                    requested: quantity,
                    available,
                });
            }
        }
        let mut touched = Touched::new();
        for &(product, quantity) in &lines {
            let stripe = &mut guards[slot(product)];
            let mine = stripe
                .holds
                .get(&(holder, product))
                .map_or(0, |hold| hold.quantity);
            let cell = stripe.cells.get_mut(&product).expect("checked above");
            cell.reserved = cell.reserved - mine + quantity;
            stripe.put_hold(
                holder,
                product,
                Some(Hold {
                    quantity,
                    expires_ms,
                }),
            );
            touched.push((product, stripe.available(product)));
        }
        Ok(touched)
    }

    pub(crate) fn set_expiry(&self, holder: u64, products: &[u64], expires_ms: u64) {
        for &product in products {
            let mut stripe = self.one(product);
            if let Some(hold) = stripe.holds.get(&(holder, product)).copied() {
                stripe.put_hold(holder, product, Some(Hold { expires_ms, ..hold }));
            }
        }
    }

    pub(crate) fn release(&self, holder: u64, products: &[u64]) -> Touched {
        let mut touched = Touched::new();
        for &product in products {
            let mut stripe = self.one(product);
            if let Some(hold) = stripe.holds.get(&(holder, product)).copied() {
                if let Some(cell) = stripe.cells.get_mut(&product) {
                    cell.reserved -= hold.quantity;
                }
                stripe.put_hold(holder, product, None);
                touched.push((product, stripe.available(product)));
            }
        }
        touched
    }

    pub(crate) fn commit_sale(&self, holder: u64, lines: &[(u64, u64)]) -> Touched {
        let mut touched = Touched::new();
        for (product, quantity) in merge(lines) {
            let mut stripe = self.one(product);
            let held = stripe
                .holds
                .get(&(holder, product))
                .map_or(0, |hold| hold.quantity);
            // The checkout verified the hold before committing and holds pinned by a
            // checkout are never swept, so the sale is always fully held.
            assert!(held >= quantity, "sale of {quantity} beyond hold of {held}");
            let cell = stripe
                .cells
                .get_mut(&product)
                .expect("a held product has a cell");
            cell.reserved -= quantity;
            cell.on_hand -= quantity;
            let rest = held - quantity;
            let hold = stripe.holds.get(&(holder, product)).copied();
            stripe.put_hold(
                holder,
                product,
                hold.map(|hold| Hold {
                    quantity: rest,
                    ..hold
                }),
            );
            touched.push((product, stripe.available(product)));
        }
        touched
    }

    pub(crate) fn sweep(&self, now_ms: u64, max: usize) -> Vec<ExpiredHold> {
        let mut expired = Vec::new();
        for stripe in self.stripes.iter() {
            let mut stripe = stripe.lock();
            while expired.len() < max {
                let Some(&(expires_ms, holder, product)) = stripe.expiry.first() else {
                    break;
                };
                if expires_ms > now_ms {
                    break;
                }
                let quantity = stripe
                    .holds
                    .get(&(holder, product))
                    .map_or(0, |hold| hold.quantity);
                if let Some(cell) = stripe.cells.get_mut(&product) {
                    cell.reserved -= quantity;
                }
                stripe.put_hold(holder, product, None);
                expired.push(ExpiredHold {
                    holder,
                    product,
                    quantity,
                });
            }
        }
        expired
    }

    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        for (index, stripe) in self.stripes.iter().enumerate() {
            let stripe = stripe.lock();
            let mut held: HashMap<u64, u64> = HashMap::new();
            for (&(_, product), hold) in &stripe.holds {
                *held.entry(product).or_default() += hold.quantity;
                if stripe_of(product) != index {
                    return Err(format!("hold on {product} in the wrong stripe"));
                }
            }
            if stripe.expiry.len() != stripe.holds.len() {
                return Err(format!(
                    "stripe {index}: {} expiry entries for {} holds",
                    stripe.expiry.len(),
                    stripe.holds.len()
                ));
            }
            for (&product, cell) in &stripe.cells {
                let sum = held.get(&product).copied().unwrap_or(0);
                if cell.reserved != sum {
                    return Err(format!(
                        "product {product}: reserved {} but holds sum to {sum}",
                        cell.reserved
                    ));
                }
                if cell.reserved > cell.on_hand {
                    return Err(format!(
                        "product {product}: reserved {} beyond on hand {}",
                        cell.reserved, cell.on_hand
                    ));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn reserved_total(&self) -> u64 {
        self.stripes
            .iter()
            .map(|stripe| {
                stripe
                    .lock()
                    .cells
                    .values()
                    .map(|cell| cell.reserved)
                    .sum::<u64>()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stocked(products: &[(u64, u64)]) -> Stripes {
        let stripes = Stripes::new();
        products.iter().for_each(|&(product, on_hand)| {
            stripes.set_on_hand(product, on_hand);
        });
        stripes
    }

    #[test]
    fn reservation_is_all_or_nothing() {
        let stripes = stocked(&[(1, 5), (2, 1)]);
        let refused = stripes.reserve(7, &[(1, 3), (2, 2)], 100);
        assert!(matches!(
            refused,
            Err(InventoryError::Insufficient {
                requested: 2,
                available: 1,
                ..
            })
        ));
        assert_eq!(
            stripes.level(1).map(|l| l.reserved),
            Some(0),
            "line 1 was not held"
        );
        stripes.check_invariants().expect("invariants");
    }

    #[test]
    fn lines_sharing_stock_are_summed() {
        let stripes = stocked(&[(1, 5)]);
        let refused = stripes.reserve(7, &[(1, 3), (1, 3)], 100);
        assert!(matches!(
            refused,
            Err(InventoryError::Insufficient {
                requested: 6,
                available: 5,
                ..
            })
        ));
        stripes.reserve(7, &[(1, 2), (1, 3)], 100).expect("5 of 5");
        assert_eq!(stripes.level(1).map(|l| l.available), Some(0));
    }

    #[test]
    fn setting_a_hold_replaces_it_and_zero_releases() {
        let stripes = stocked(&[(1, 5)]);
        stripes.reserve(7, &[(1, 4)], 100).expect("hold 4");
        stripes
            .reserve(7, &[(1, 5)], 100)
            .expect("grow to 5: my own 4 count as available");
        assert!(
            stripes.reserve(8, &[(1, 1)], 100).is_err(),
            "nothing left for others"
        );
        stripes.reserve(7, &[(1, 2)], 100).expect("shrink");
        stripes
            .reserve(8, &[(1, 3)], 100)
            .expect("freed units go to others");
        stripes.reserve(7, &[(1, 0)], 100).expect("release");
        assert_eq!(stripes.hold(7, 1), None);
        assert_eq!(stripes.level(1).map(|l| l.reserved), Some(3));
        stripes.check_invariants().expect("invariants");
    }

    #[test]
    fn sweep_returns_due_holds_only_and_is_bounded() {
        let stripes = stocked(&[(1, 100), (2, 100)]);
        for holder in 1..=10 {
            stripes
                .reserve(holder, &[(1, 1), (2, 1)], holder * 10)
                .expect("hold");
        }
        let expired = stripes.sweep(50, 3);
        assert_eq!(expired.len(), 3, "bounded");
        let expired = stripes.sweep(50, 100);
        assert_eq!(expired.len(), 7, "the rest of the ten due at or before 50");
        assert_eq!(stripes.level(1).map(|l| l.reserved), Some(5));
        stripes.check_invariants().expect("invariants");
    }

    #[test]
    fn sale_consumes_the_hold_and_stock() {
        let stripes = stocked(&[(1, 10)]);
        stripes.reserve(7, &[(1, 4)], 100).expect("hold");
        stripes.commit_sale(7, &[(1, 4)]);
        assert_eq!(
            stripes.level(1),
            Some(StockLevel {
                on_hand: 6,
                reserved: 0,
                available: 6
            })
        );
        assert_eq!(stripes.hold(7, 1), None);
        stripes.check_invariants().expect("invariants");
    }

    #[test]
    fn unknown_products_and_oversized_reservations_are_refused() {
        let stripes = stocked(&[(1, 10)]);
        assert!(matches!(
            stripes.reserve(7, &[(9, 1)], 100),
            Err(InventoryError::UnknownProduct { .. })
        ));
        let many: Vec<(u64, u64)> = (0..=HOLD_LINES_MAX as u64).map(|p| (p, 1)).collect();
        assert!(matches!(
            stripes.reserve(7, &many, 100),
            Err(InventoryError::TooManyLines)
        ));
    }
}
