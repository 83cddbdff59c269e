//! Order queries: one order, a buyer's orders and every order (newest first, keyset
//! cursors), and an order's log. All read one snapshot; none waits for the writer.

use redb::ReadTransaction;

use super::{LogRecord, OrderError, decode_order};
use crate::model::{Order, OrderEvent, OrderId, OrderStatus, UserId, ValidationError};
use crate::store::{StoreError, decode_from, tables};
use crate::{Engine, Error, Result};

/// Page size when none is asked for.
pub const ORDER_PAGE_LIMIT_DEFAULT: usize = 20;
/// Largest page.
pub const ORDER_PAGE_LIMIT_MAX: usize = 100;

/// One page of orders, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderPage {
    /// The orders.
    pub orders: Vec<Order>,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// One page of an order's log, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderEventPage {
    /// The entries.
    pub events: Vec<OrderEvent>,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

fn check_limit(limit: usize) -> Result<usize> {
    if !(1..=ORDER_PAGE_LIMIT_MAX).contains(&limit) {
        let message = format!("`limit` must be between 1 and {ORDER_PAGE_LIMIT_MAX}");
        return Err(ValidationError::new("limit", "out_of_range", message).into());
    }
    Ok(limit)
}

fn bad_cursor() -> Error {
    ValidationError::new(
        "cursor",
        "invalid",
        "`cursor` is not a cursor this listing gave out",
    )
    .into()
}

/// The exclusive upper bound an order cursor stands for (the last id shown).
fn order_cursor(cursor: Option<&str>) -> Result<u64> {
    match cursor {
        None => Ok(u64::MAX),
        Some(text) => OrderId::parse(text)
            .map(OrderId::raw)
            .ok_or_else(bad_cursor),
    }
}

fn read_orders(txn: &ReadTransaction, ids: &[u64]) -> Result<Vec<Order>> {
    let table = txn.open_table(tables::ORDERS).map_err(StoreError::from)?;
    let mut orders = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(value) = table.get(id).map_err(StoreError::from)? {
            orders.push(decode_order(value.value())?.view());
        }
    }
    Ok(orders)
}

/// Cuts `ids` (fetched one beyond `limit`) into a page and its cursor.
fn page_of(txn: &ReadTransaction, mut ids: Vec<u64>, limit: usize) -> Result<OrderPage> {
    let more = ids.len() > limit;
    ids.truncate(limit);
    let next_cursor = more
        .then(|| ids.last().map(|&id| OrderId::from_raw(id).to_string()))
        .flatten();
    Ok(OrderPage {
        orders: read_orders(txn, &ids)?,
        next_cursor,
    })
}

impl Engine {
    /// `user`'s orders, newest first.
    pub fn orders_of_user(
        &self,
        user: UserId,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<OrderPage> {
        let limit = check_limit(limit)?;
        let before = order_cursor(cursor)?;
        let txn = self.inner.store.read()?;
        let table = txn
            .open_table(tables::USER_ORDERS)
            .map_err(StoreError::from)?;
        let mut ids = Vec::with_capacity(limit + 1);
        for entry in table
            .range((user.raw(), 0)..(user.raw(), before))
            .map_err(StoreError::from)?
            .rev()
            .take(limit + 1)
        {
            let (key, _) = entry.map_err(StoreError::from)?;
            ids.push(key.value().1);
        }
        page_of(&txn, ids, limit)
    }

    /// Every order (admin), newest first, optionally only those with `status`.
    pub fn orders(
        &self,
        status: Option<OrderStatus>,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<OrderPage> {
        let limit = check_limit(limit)?;
        let before = order_cursor(cursor)?;
        if let Some(status) = status {
            // The snapshot is taken after the index is read: an id in the index is
            // always in the snapshot (the index moves after commit).
            let ids = self
                .inner
                .orders
                .index
                .read()
                .page(status, before, limit + 1);
            let txn = self.inner.store.read()?;
            return page_of(&txn, ids, limit);
        }
        let txn = self.inner.store.read()?;
        let table = txn.open_table(tables::ORDERS).map_err(StoreError::from)?;
        let mut ids = Vec::with_capacity(limit + 1);
        for entry in table
            .range(..before)
            .map_err(StoreError::from)?
            .rev()
            .take(limit + 1)
        {
            ids.push(entry.map_err(StoreError::from)?.0.value());
        }
        page_of(&txn, ids, limit)
    }

    /// The log of order `id`, oldest first (`viewer` as for [`Engine::order`]).
    pub fn order_events(
        &self,
        id: OrderId,
        viewer: crate::model::Actor,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<OrderEventPage> {
        let limit = check_limit(limit)?;
        let after = match cursor {
            None => 0,
            Some(text) => text.parse::<u64>().map_err(|_| bad_cursor())?,
        };
        self.read_order(id, viewer)?;
        let txn = self.inner.store.read()?;
        let table = txn
            .open_table(tables::ORDER_LOG)
            .map_err(StoreError::from)?;
        let mut events = Vec::with_capacity(limit + 1);
        let range = (id.raw(), after.saturating_add(1))..=(id.raw(), u64::MAX);
        for entry in table
            .range(range)
            .map_err(StoreError::from)?
            .take(limit + 1)
        {
            let (key, value) = entry.map_err(StoreError::from)?;
            let record: LogRecord = decode_from("order_log", value.value())?;
            events.push(record.view(id, key.value().1));
        }
        let more = events.len() > limit;
        events.truncate(limit);
        let next_cursor = more
            .then(|| events.last().map(|event| event.seq.to_string()))
            .flatten();
        if events.is_empty() && after == 0 {
            return Err(OrderError::NotFound { id: id.to_string() }.into());
        }
        Ok(OrderEventPage {
            events,
            next_cursor,
        })
    }
}
