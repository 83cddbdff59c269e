//! Holds taken directly on the live stock, for embedders whose own flows (a quote, a
//! phone order, a reservation queue) need stock set aside without a cart.
//!
//! These are the same holds a cart takes, in the same lock stripes and expiry index,
//! without the cart's durable record: they live in memory, lapse at their expiry (the
//! sweeper returns them to stock), and end with the process. A holder here is a
//! [`Reservation`], whose ids live apart from cart ids, so the two never share a hold.

use super::{HOLD_LINES_MAX, InventoryError, StockLevel};
use crate::model::{ProductId, Timestamp};
use crate::{Engine, Error, Result};

/// The bit that sets reservation holders apart from carts (whose ids count up from 1
/// and never reach it) and from the adjustment holder (0).
const RESERVATION_BIT: u64 = 1 << 63;

/// The holder of live holds taken through [`Engine::reserve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reservation(u64);

impl Reservation {
    /// The reservation numbered `number` (any `u64`; the highest bit is ignored).
    pub fn new(number: u64) -> Reservation {
        Reservation((number & !RESERVATION_BIT) | RESERVATION_BIT)
    }

    /// The number this reservation was made from.
    pub fn number(self) -> u64 {
        self.0 & !RESERVATION_BIT
    }
}

impl Engine {
    /// Sets `reservation`'s holds to exactly the given quantities (0 releases that
    /// product), all lines or none, expiring at `expires_at`. Lines for one product are
    /// summed. Fails with [`InventoryError::Insufficient`] when a product lacks the
    /// units, [`InventoryError::UnknownProduct`] for a product without stock, and
    /// [`InventoryError::TooManyLines`] beyond [`HOLD_LINES_MAX`] products.
    ///
    /// In memory only (see the module documentation): a checkout never sells these
    /// units, and a restart returns them to stock.
    pub fn reserve(
        &self,
        reservation: Reservation,
        lines: &[(ProductId, u64)],
        expires_at: Timestamp,
    ) -> Result<()> {
        if lines.len() > HOLD_LINES_MAX {
            return Err(Error::Inventory(InventoryError::TooManyLines));
        }
        // A stack copy: a reservation is a hot path, and lines are few.
        let mut raw = [(0u64, 0u64); HOLD_LINES_MAX];
        for (slot, (product, quantity)) in raw.iter_mut().zip(lines) {
            *slot = (product.raw(), *quantity);
        }
        self.inner
            .inventory
            .reserve(reservation.0, &raw[..lines.len()], expires_at.as_millis())
            .map_err(Error::Inventory)
    }

    /// Returns `reservation`'s holds on `products` to stock; products it does not hold
    /// are ignored.
    pub fn release(&self, reservation: Reservation, products: &[ProductId]) {
        let mut raw = [0u64; HOLD_LINES_MAX];
        for chunk in products.chunks(HOLD_LINES_MAX) {
            for (slot, product) in raw.iter_mut().zip(chunk) {
                *slot = product.raw();
            }
            self.inner
                .inventory
                .release(reservation.0, &raw[..chunk.len()]);
        }
    }

    /// `reservation`'s hold on `product`: its quantity and expiry.
    pub fn reservation_hold(
        &self,
        reservation: Reservation,
        product: ProductId,
    ) -> Option<super::Hold> {
        self.inner.inventory.hold(reservation.0, product.raw())
    }

    /// The live level of `product` (on hand, reserved by carts and reservations,
    /// available); `None` for a product without stock.
    pub fn live_stock(&self, product: ProductId) -> Option<StockLevel> {
        self.inner.inventory.level(product.raw())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservation_holders_never_meet_carts_or_adjustments() {
        for number in [0, 1, 42, u64::MAX >> 1, u64::MAX] {
            let reservation = Reservation::new(number);
            assert_ne!(reservation.0, super::super::ADJUSTMENT_HOLDER);
            assert!(reservation.0 >= RESERVATION_BIT);
            assert_eq!(reservation.number(), number & !RESERVATION_BIT);
        }
    }
}
