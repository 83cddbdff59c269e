//! Per-product counts of every window slot in one table, interleaved by slot.
//!
//! Each window slot owns a lane. A product's row holds, for each of views,
//! add-to-carts, orders and units, one `u32` per lane, lanes side by side: a product
//! view lands in five windows (three tumbling, two sliding) and bumps five counters
//! of one 64-byte line, where separate per-window arrays would touch five lines, most
//! of them cold for the long tail of the catalog. The four columns of a row are
//! adjacent (256 bytes for up to 15 lanes), so the add-to-cart line of a product
//! whose views line is cached is one prefetch away.
//!
//! A line holds fifteen lanes; its sixteenth word, in the views column, is the
//! touched mask of those lanes: bit `l` is set once the product is counted in lane
//! `l`, so the first-touch check of a view reads nothing but the line it updates.

use super::hll::Sketches;

/// Lanes that share one cache line of counters.
const LANES_PER_LINE: usize = 15;
/// The word of a views line that holds its lanes' touched mask.
const MASK: usize = LANES_PER_LINE;

/// The counters of a row, in row order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Column {
    Views = 0,
    AddToCarts = 1,
    Orders = 2,
    Units = 3,
}

const COLUMNS: usize = 4;

/// Rows are added in blocks of at least this many products.
const ROWS_MIN: usize = 1_024;

/// One cache line: the counters of fifteen lanes and, in the views column, their
/// touched mask.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
struct Line([u32; LANES_PER_LINE + 1]);

const _: () = assert!(std::mem::size_of::<Line>() == 64);
const _: () = assert!(LANES_PER_LINE < u32::BITS as usize);

/// One product's counts in one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ProductCounts {
    pub(crate) views: u32,
    pub(crate) add_to_carts: u32,
    /// Orders that contained the product.
    pub(crate) orders: u32,
    /// Units bought.
    pub(crate) units: u32,
}

impl ProductCounts {
    /// Whether nothing was counted.
    pub(crate) fn is_empty(&self) -> bool {
        (self.views | self.add_to_carts | self.orders | self.units) == 0
    }
}

/// The products a slot counted, each list in first-touch order: every product, the
/// products added to a cart, and the products ordered. Resetting a lane zeroes only
/// the columns a product was counted in, and the purchases ranking reads only the
/// products ordered.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    pub(crate) all: Vec<u32>,
    pub(crate) carted: Vec<u32>,
    pub(crate) ordered: Vec<u32>,
}

impl Touched {
    /// Notes what a count of product `index` in the slot's lane did (see
    /// [`Counted::is_news`]).
    #[inline]
    pub(crate) fn note(&mut self, index: u32, counted: Counted) {
        if counted.first {
            self.all.push(index);
        }
        if counted.column == Column::AddToCarts && counted.before == 0 {
            self.carted.push(index);
        }
    }

    fn clear(&mut self) {
        self.all.clear();
        self.carted.clear();
        self.ordered.clear();
    }
}

/// A lane and where its counters sit in a row, worked out once per slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lane {
    /// The lane number (also the slot's sketch lane).
    pub(crate) index: usize,
    /// Its line within a column of a row.
    line: usize,
    /// Its word within that line.
    at: usize,
}

impl Lane {
    pub(crate) fn new(index: usize) -> Lane {
        Lane {
            index,
            line: index / LANES_PER_LINE,
            at: index % LANES_PER_LINE,
        }
    }
}

/// The per-product counters of every lane (see the module docs).
#[derive(Debug)]
pub(crate) struct ProductTable {
    /// Lines per column of a row: the lane count in lines, rounded up.
    lines_per_column: usize,
    /// Lines per row: `COLUMNS × lines_per_column`.
    lines_per_row: usize,
    lines: Vec<Line>,
    /// Products with a row.
    rows: usize,
}

impl ProductTable {
    fn new(lanes: usize) -> ProductTable {
        let lines_per_column = lanes.max(1).div_ceil(LANES_PER_LINE);
        ProductTable {
            lines_per_column,
            lines_per_row: COLUMNS * lines_per_column,
            lines: Vec::new(),
            rows: 0,
        }
    }

    /// Makes sure product `index` has a row.
    #[inline]
    pub(crate) fn reserve(&mut self, index: u32) {
        if index as usize >= self.rows {
            self.grow(index as usize);
        }
    }

    #[cold]
    fn grow(&mut self, index: usize) {
        self.rows = (index + 1).next_power_of_two().max(ROWS_MIN);
        self.lines
            .resize(self.rows * self.lines_per_row, Line::default());
    }

    /// The line of `column` in the row of product `index` that holds `lane`.
    #[inline]
    fn line(&self, index: u32, column: Column, lane: Lane) -> usize {
        index as usize * self.lines_per_row + column as usize * self.lines_per_column + lane.line
    }

    #[inline]
    fn value(&self, index: u32, column: Column, lane: Lane) -> u32 {
        self.lines[self.line(index, column, lane)].0[lane.at]
    }

    fn set_value(&mut self, index: u32, column: Column, lane: Lane, value: u32) {
        let line = self.line(index, column, lane);
        self.lines[line].0[lane.at] = value;
    }

    /// The row of product `index`, for updates in several lanes.
    #[inline]
    pub(crate) fn row(&mut self, index: u32) -> Row<'_> {
        let start = index as usize * self.lines_per_row;
        Row {
            lines: &mut self.lines[start..start + self.lines_per_row],
            lines_per_column: self.lines_per_column,
        }
    }

    fn is_touched(&self, index: u32, lane: Lane) -> bool {
        (index as usize) < self.rows
            && self.lines[self.line(index, Column::Views, lane)].0[MASK] & (1 << lane.at) != 0
    }

    /// An order line of `units` of product `index` in `lane`.
    pub(crate) fn order(&mut self, index: u32, lane: Lane, units: u64, touched: &mut Touched) {
        let units = u32::try_from(units).unwrap_or(u32::MAX);
        let mut row = self.row(index);
        let orders = row.add(Column::Orders, lane, 1);
        let units_before = row.add(Column::Units, lane, units).before;
        touched.note(index, orders);
        if orders.before == 0 && units_before == 0 {
            touched.ordered.push(index);
        }
    }

    /// Reads the views line of product `index` (which holds the touched masks) so
    /// that the window pass finds it cached. Staging does this for a batch of records
    /// whose reads are independent, so their cache misses overlap; std has no safe
    /// prefetch, and `black_box` keeps the read.
    #[inline]
    pub(crate) fn warm(&self, index: u32) {
        let line = index as usize * self.lines_per_row;
        std::hint::black_box(self.lines[line].0[MASK]);
    }

    /// The counts of product `index` in `lane` (zero if it has no row).
    pub(crate) fn get(&self, index: u32, lane: Lane) -> ProductCounts {
        if index as usize >= self.rows {
            return ProductCounts::default();
        }
        ProductCounts {
            views: self.value(index, Column::Views, lane),
            add_to_carts: self.value(index, Column::AddToCarts, lane),
            orders: self.value(index, Column::Orders, lane),
            units: self.value(index, Column::Units, lane),
        }
    }

    /// The views of product `index` in `lane` (zero if it has no row).
    pub(crate) fn views(&self, index: u32, lane: Lane) -> u32 {
        if index as usize >= self.rows {
            return 0;
        }
        self.value(index, Column::Views, lane)
    }

    /// Sets the counts of product `index` in `lane` and marks it touched (checkpoint
    /// restore).
    fn restore(&mut self, index: u32, lane: Lane, counts: ProductCounts, touched: &mut Touched) {
        self.reserve(index);
        touched.all.push(index);
        if counts.add_to_carts > 0 {
            touched.carted.push(index);
        }
        if counts.orders > 0 || counts.units > 0 {
            touched.ordered.push(index);
        }
        self.set_value(index, Column::Views, lane, counts.views);
        self.set_value(index, Column::AddToCarts, lane, counts.add_to_carts);
        self.set_value(index, Column::Orders, lane, counts.orders);
        self.set_value(index, Column::Units, lane, counts.units);
        let views = self.line(index, Column::Views, lane);
        self.lines[views].0[MASK] |= 1 << lane.at;
    }

    /// Zeroes the counts of the `touched` products in `lane`, marks them untouched
    /// and empties the lists. Only the columns a product was counted in are written.
    fn clear(&mut self, lane: Lane, touched: &mut Touched) {
        let bit = 1 << lane.at;
        for &index in &touched.all {
            let views = self.line(index, Column::Views, lane);
            let line = &mut self.lines[views].0;
            line[MASK] &= !bit;
            line[lane.at] = 0;
        }
        for &index in &touched.carted {
            self.set_value(index, Column::AddToCarts, lane, 0);
        }
        for &index in &touched.ordered {
            self.set_value(index, Column::Orders, lane, 0);
            self.set_value(index, Column::Units, lane, 0);
        }
        touched.clear();
    }
}

/// One product's row.
#[derive(Debug)]
pub(crate) struct Row<'a> {
    lines: &'a mut [Line],
    lines_per_column: usize,
}

impl Row<'_> {
    /// Adds a view in every lane of `shared`, if the product is touched in all of
    /// them already (the common case: a popular product seen again); false, changing
    /// nothing, if not.
    #[inline]
    pub(crate) fn view_seen(&mut self, shared: &SharedLine) -> bool {
        let line = &mut self.lines[shared.line].0;
        if line[MASK] & shared.mask != shared.mask {
            return false;
        }
        for &at in &shared.ats[..shared.count] {
            // Views are column 0, so they share the line with the mask.
            let counter = &mut line[at % LANES_PER_LINE];
            *counter = counter.saturating_add(1);
        }
        true
    }

    /// Adds `amount` to `column` in `lane`, marking the product touched there.
    #[inline]
    pub(crate) fn add(&mut self, column: Column, lane: Lane, amount: u32) -> Counted {
        let mask = &mut self.lines[lane.line].0[MASK];
        let bit = 1 << lane.at;
        let first = *mask & bit == 0;
        *mask |= bit;
        let counter =
            &mut self.lines[column as usize * self.lines_per_column + lane.line].0[lane.at];
        let before = *counter;
        *counter = before.saturating_add(amount);
        Counted {
            first,
            column,
            before,
        }
    }
}

/// Lanes whose counters all sit in the same line of a column (all lanes do, with up
/// to fifteen), for counting in all of them at once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SharedLine {
    line: usize,
    /// Their bits in the touched mask.
    mask: u32,
    ats: [usize; LANES_SHARED_MAX],
    count: usize,
}

/// The most lanes a [`SharedLine`] holds (a record's windows).
pub(crate) const LANES_SHARED_MAX: usize = 8;

impl SharedLine {
    /// The line `lanes` share, if they do and are at most [`LANES_SHARED_MAX`].
    pub(crate) fn of(lanes: impl IntoIterator<Item = Lane>) -> Option<SharedLine> {
        let mut shared = SharedLine {
            line: usize::MAX,
            mask: 0,
            ats: [0; LANES_SHARED_MAX],
            count: 0,
        };
        for lane in lanes {
            if shared.count == LANES_SHARED_MAX || shared.count > 0 && lane.line != shared.line {
                return None;
            }
            shared.line = lane.line;
            shared.mask |= 1 << lane.at;
            shared.ats[shared.count] = lane.at;
            shared.count += 1;
        }
        Some(shared)
    }
}

/// What one count did to a product's row in a lane.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counted {
    /// It was the product's first count in the lane.
    first: bool,
    column: Column,
    /// The counter's value before.
    before: u32,
}

impl Counted {
    /// Whether the slot's lists of touched products must hear of it
    /// ([`Touched::note`]): a first count, or a first add-to-cart.
    #[inline]
    pub(crate) fn is_news(&self) -> bool {
        self.first || self.column == Column::AddToCarts && self.before == 0
    }
}

/// Everything a window slot keeps per lane: its per-product counts and its two
/// sketches.
#[derive(Debug)]
pub(crate) struct Lanes {
    pub(crate) products: ProductTable,
    pub(crate) users: Sketches,
    pub(crate) sessions: Sketches,
}

impl Lanes {
    /// Tables for `lanes` slots, all empty.
    pub(crate) fn new(lanes: usize) -> Lanes {
        Lanes {
            products: ProductTable::new(lanes),
            users: Sketches::new(lanes),
            sessions: Sketches::new(lanes),
        }
    }

    /// Sets the counts of an untouched product in `lane` (checkpoint restore); false,
    /// changing nothing, if it was touched already or `counts` is empty.
    pub(crate) fn restore_product(
        &mut self,
        index: u32,
        lane: Lane,
        counts: ProductCounts,
        touched: &mut Touched,
    ) -> bool {
        if counts.is_empty() || self.products.is_touched(index, lane) {
            return false;
        }
        self.products.restore(index, lane, counts, touched);
        true
    }

    /// Empties `lane`: the counts of its `touched` products (emptying the lists), and
    /// its sketches when it saw any record.
    pub(crate) fn clear(&mut self, lane: Lane, touched: &mut Touched, had_events: bool) {
        self.products.clear(lane, touched);
        if had_events {
            self.users.clear(lane.index);
            self.sessions.clear(lane.index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What ingest does for a view or an add-to-cart in one lane.
    fn count(
        table: &mut ProductTable,
        index: u32,
        column: Column,
        lane: Lane,
        touched: &mut Touched,
    ) {
        let counted = table.row(index).add(column, lane, 1);
        if counted.is_news() {
            touched.note(index, counted);
        }
    }

    #[test]
    fn lanes_count_separately_and_track_first_touches() {
        for lanes in [2, 14, 15, 16, 31, 40] {
            let mut table = ProductTable::new(lanes);
            let (first, last) = (Lane::new(0), Lane::new(lanes - 1));
            let mut touched_first = Touched::default();
            let mut touched_last = Touched::default();
            table.reserve(5);
            count(&mut table, 5, Column::Views, first, &mut touched_first);
            count(&mut table, 5, Column::Views, first, &mut touched_first);
            count(&mut table, 3, Column::AddToCarts, last, &mut touched_last);
            count(&mut table, 3, Column::AddToCarts, last, &mut touched_last);
            table.order(5, last, 7, &mut touched_last);
            table.order(3, last, 1, &mut touched_last);
            assert_eq!(touched_first.all, [5]);
            assert_eq!(touched_last.all, [3, 5], "first-touch order");
            assert_eq!(touched_last.carted, [3]);
            assert_eq!(touched_last.ordered, [5, 3]);
            assert_eq!(
                table.get(5, first),
                ProductCounts {
                    views: 2,
                    ..ProductCounts::default()
                }
            );
            assert_eq!(
                table.get(5, last),
                ProductCounts {
                    orders: 1,
                    units: 7,
                    ..ProductCounts::default()
                }
            );
            assert_eq!(table.get(3, last).add_to_carts, 2);
            assert!(table.get(1_000_000, first).is_empty(), "no row");
            table.clear(last, &mut touched_last);
            assert!(touched_last.all.is_empty() && touched_last.ordered.is_empty());
            assert!(table.get(3, last).is_empty());
            assert!(table.get(5, last).is_empty());
            assert_eq!(
                table.get(5, first).views,
                2,
                "other lanes keep their counts"
            );
            count(&mut table, 3, Column::Views, last, &mut touched_last);
            assert_eq!(touched_last.all, [3], "a cleared lane starts untouched");
        }
    }

    #[test]
    fn counters_saturate_and_stay_touched() {
        let mut table = ProductTable::new(2);
        let mut touched = Touched::default();
        table.reserve(0);
        let lane = Lane::new(1);
        table.order(0, lane, u64::MAX, &mut touched);
        table.order(0, lane, 5, &mut touched);
        assert_eq!(table.get(0, lane).units, u32::MAX);
        assert_eq!(
            (touched.all.as_slice(), touched.ordered.as_slice()),
            (&[0][..], &[0][..])
        );
        let mut lanes = Lanes::new(2);
        let counts = ProductCounts {
            units: 3,
            ..ProductCounts::default()
        };
        let mut restored = Touched::default();
        assert!(lanes.restore_product(9, lane, counts, &mut restored));
        assert!(
            !lanes.restore_product(9, lane, counts, &mut restored),
            "listed twice"
        );
        let empty = ProductCounts::default();
        assert!(
            !lanes.restore_product(8, lane, empty, &mut restored),
            "empty"
        );
        assert_eq!(restored.ordered, [9], "units count as ordered");
        count(&mut lanes.products, 9, Column::Views, lane, &mut restored);
        lanes.products.order(9, lane, 1, &mut restored);
        assert_eq!(
            (restored.all.len(), restored.ordered.len()),
            (1, 1),
            "touched already"
        );
    }
}
