//! Vouchers: codes that take a percentage or a fixed amount off a cart's subtotal.
//!
//! Codes are unique case-insensitively (indexed by their lower-case form). The whole
//! set is small and changes rarely, so it is cached in memory for pricing. Uses are
//! counted once, in the checkout commit, against the stored count: limits hold under
//! any number of concurrent checkouts.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use crate::model::{Timestamp, ValidationError, VoucherId};
use crate::store::codec::encode;
use crate::store::{Counter, Store, StoreError, Tx, decode_from, tables};
use crate::{Error, Result};

/// Longest voucher code, in characters.
pub const VOUCHER_CODE_CHARS_MAX: usize = 64;
/// Most vouchers a shop may have (they are all cached in memory).
pub const VOUCHERS_MAX: usize = 100_000;
/// Largest fixed voucher value and minimum subtotal, in minor units.
pub const VOUCHER_AMOUNT_MAX: u64 = 1_000_000_000_000_000;

/// How a voucher discounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    /// `value` whole percent of the subtotal, rounded down.
    Percent,
    /// `value` minor units of the cart's currency, at most the subtotal.
    Fixed,
}

/// A voucher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// Its id (`vch_…`).
    pub id: VoucherId,
    /// The code as created (matched case-insensitively).
    pub code: String,
    /// Percent or fixed.
    pub kind: VoucherKind,
    /// Whole percent (1–100) or minor units (> 0).
    pub value: u64,
    /// The cart's subtotal must be at least this, in minor units.
    pub min_subtotal: Option<u64>,
    /// Not valid before.
    pub starts_at: Option<Timestamp>,
    /// Not valid from this time on.
    pub ends_at: Option<Timestamp>,
    /// Most checkouts that may use it.
    pub max_uses: Option<u64>,
    /// Most checkouts one account may use it in.
    pub max_uses_per_user: Option<u64>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// The input of voucher creation (`POST /v1/vouchers`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVoucher {
    /// 1–64 characters without white space.
    pub code: String,
    /// Percent or fixed.
    pub kind: VoucherKind,
    /// Whole percent 1–100, or minor units > 0.
    pub value: u64,
    /// Minimum subtotal in minor units.
    pub min_subtotal: Option<u64>,
    /// Start of validity.
    pub starts_at: Option<Timestamp>,
    /// End of validity (exclusive); after `starts_at`.
    pub ends_at: Option<Timestamp>,
    /// At least 1 when given.
    pub max_uses: Option<u64>,
    /// At least 1 when given.
    pub max_uses_per_user: Option<u64>,
}

/// A voucher with the number of checkouts that used it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherUsage {
    /// The voucher.
    #[serde(flatten)]
    pub voucher: Voucher,
    /// Committed uses.
    pub uses: u64,
}

/// Why a voucher was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VoucherError {
    /// No voucher has this code (HTTP 404, `voucher_not_found`).
    #[error("no voucher `{code}`")]
    NotFound {
        /// The code asked for.
        code: String,
    },
    /// Another voucher has this code (HTTP 409, `duplicate_code`).
    #[error("a voucher with code `{code}` already exists")]
    DuplicateCode {
        /// The code.
        code: String,
    },
    /// Outside its validity window (HTTP 422, `voucher_not_active`).
    #[error("voucher `{code}` is not valid now")]
    NotActive {
        /// The code.
        code: String,
    },
    /// The cart's subtotal is below the voucher's minimum (HTTP 422,
    /// `voucher_min_subtotal`).
    #[error("voucher `{code}` needs a subtotal of at least {min_subtotal}")]
    MinSubtotal {
        /// The code.
        code: String,
        /// The minimum, in minor units.
        min_subtotal: u64,
    },
    /// Every allowed use is taken (HTTP 409, `voucher_limit_reached`).
    #[error("voucher `{code}` has been used up")]
    LimitReached {
        /// The code.
        code: String,
    },
    /// This account has used it as often as allowed (HTTP 409,
    /// `voucher_user_limit_reached`).
    #[error("voucher `{code}` has been used as often as allowed for this account")]
    UserLimitReached {
        /// The code.
        code: String,
    },
    /// A per-account limit needs a signed-in shopper (HTTP 422,
    /// `voucher_requires_account`).
    #[error("voucher `{code}` can only be used by a signed-in customer")]
    RequiresAccount {
        /// The code.
        code: String,
    },
    /// The shop already has [`VOUCHERS_MAX`] vouchers (HTTP 409, `too_many_vouchers`).
    #[error("a shop may have at most {VOUCHERS_MAX} vouchers")]
    TooMany,
}

impl VoucherError {
    /// A stable machine word for the API error object's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            VoucherError::NotFound { .. } => "voucher_not_found",
            VoucherError::DuplicateCode { .. } => "duplicate_code",
            VoucherError::NotActive { .. } => "voucher_not_active",
            VoucherError::MinSubtotal { .. } => "voucher_min_subtotal",
            VoucherError::LimitReached { .. } => "voucher_limit_reached",
            VoucherError::UserLimitReached { .. } => "voucher_user_limit_reached",
            VoucherError::RequiresAccount { .. } => "voucher_requires_account",
            VoucherError::TooMany => "too_many_vouchers",
        }
    }
}

impl Voucher {
    /// The discount on `subtotal` minor units: floor(subtotal × percent / 100), or the
    /// fixed value capped at the subtotal.
    pub fn discount(&self, subtotal: u64) -> u64 {
        match self.kind {
            VoucherKind::Percent => {
                let percent = u128::from(self.value.min(100));
                // ≤ subtotal, so it fits back into u64.
                (u128::from(subtotal) * percent / 100) as u64
            }
            VoucherKind::Fixed => self.value.min(subtotal),
        }
    }

    /// Checks the window and the minimum subtotal (not the use limits: those are
    /// checked inside the checkout commit).
    pub(crate) fn check_applies(&self, now: Timestamp, subtotal: u64) -> Result<(), VoucherError> {
        let code = || self.code.clone();
        if self.starts_at.is_some_and(|start| now < start)
            || self.ends_at.is_some_and(|end| now >= end)
        {
            return Err(VoucherError::NotActive { code: code() });
        }
        if let Some(min_subtotal) = self.min_subtotal.filter(|&min| subtotal < min) {
            return Err(VoucherError::MinSubtotal {
                code: code(),
                min_subtotal,
            });
        }
        Ok(())
    }
}

/// The key of a code in [`tables::VOUCHER_CODES`] and the cache.
pub(crate) fn code_key(code: &str) -> String {
    code.to_lowercase()
}

/// Checks a code's shape (also for lookups, so garbage never reaches the store).
pub(crate) fn validate_code(field: &str, code: &str) -> Result<(), ValidationError> {
    crate::model::validate_line(field, code, 1, VOUCHER_CODE_CHARS_MAX)?;
    if code.chars().any(char::is_whitespace) {
        let message = format!("`{field}` must not contain white space");
        return Err(ValidationError::new(field, "invalid", message));
    }
    Ok(())
}

impl NewVoucher {
    /// Checks every field rule; the error names the field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_code("code", &self.code)?;
        let range = |field: &str, ok: bool, rule: &str| {
            if ok {
                Ok(())
            } else {
                Err(ValidationError::new(
                    field,
                    "out_of_range",
                    format!("`{field}` {rule}"),
                ))
            }
        };
        match self.kind {
            VoucherKind::Percent => range(
                "value",
                (1..=100).contains(&self.value),
                "must be a whole percent from 1 to 100",
            )?,
            VoucherKind::Fixed => range(
                "value",
                (1..=VOUCHER_AMOUNT_MAX).contains(&self.value),
                "must be a positive amount in minor units",
            )?,
        }
        range(
            "min_subtotal",
            self.min_subtotal.is_none_or(|m| m <= VOUCHER_AMOUNT_MAX),
            "is too large",
        )?;
        range(
            "max_uses",
            self.max_uses.is_none_or(|m| m >= 1),
            "must be at least 1",
        )?;
        range(
            "max_uses_per_user",
            self.max_uses_per_user.is_none_or(|m| m >= 1),
            "must be at least 1",
        )?;
        if let (Some(start), Some(end)) = (self.starts_at, self.ends_at) {
            range("ends_at", end > start, "must be after `starts_at`")?;
        }
        Ok(())
    }
}

/// The in-memory set of vouchers, keyed by lower-case code.
#[derive(Debug, Default)]
pub(crate) struct VoucherCache {
    by_code: RwLock<HashMap<String, Arc<Voucher>>>,
}

impl VoucherCache {
    /// Loads every voucher from a snapshot.
    pub(crate) fn load(store: &Store) -> Result<VoucherCache> {
        let txn = store.read()?;
        let table = txn.open_table(tables::VOUCHERS).map_err(StoreError::from)?;
        let mut by_code = HashMap::new();
        for entry in table.iter().map_err(StoreError::from)? {
            let (_, value) = entry.map_err(StoreError::from)?;
            let voucher: Voucher = decode_from("vouchers", value.value())?;
            by_code.insert(code_key(&voucher.code), Arc::new(voucher));
        }
        Ok(VoucherCache {
            by_code: RwLock::new(by_code),
        })
    }

    /// The voucher with `code` (any case).
    pub(crate) fn get(&self, code: &str) -> Option<Arc<Voucher>> {
        self.by_code.read().get(&code_key(code)).cloned()
    }

    /// Every voucher, newest first.
    pub(crate) fn all(&self) -> Vec<Arc<Voucher>> {
        let mut all: Vec<_> = self.by_code.read().values().cloned().collect();
        all.sort_by_key(|voucher| std::cmp::Reverse(voucher.id));
        all
    }

    fn len(&self) -> usize {
        self.by_code.read().len()
    }

    fn insert(&self, voucher: Voucher) {
        self.by_code
            .write()
            .insert(code_key(&voucher.code), Arc::new(voucher));
    }
}

/// Creates a voucher; answered once durable.
pub(crate) fn create(store: &Store, cache: &Arc<VoucherCache>, new: NewVoucher) -> Result<Voucher> {
    new.validate()?;
    if cache.len() >= VOUCHERS_MAX {
        return Err(VoucherError::TooMany.into());
    }
    let cache = Arc::clone(cache);
    store.write(
        move |tx| insert_voucher(tx, new),
        move |voucher: &Voucher| cache.insert(voucher.clone()),
    )
}

fn insert_voucher(tx: &mut Tx<'_>, new: NewVoucher) -> Result<Voucher> {
    let key = code_key(&new.code);
    let mut codes = tx
        .txn()
        .open_table(tables::VOUCHER_CODES)
        .map_err(StoreError::from)?;
    if codes.get(key.as_str())?.is_some() {
        return Err(VoucherError::DuplicateCode { code: new.code }.into());
    }
    let voucher = Voucher {
        id: VoucherId::from_raw(tx.next_id(Counter::Voucher)),
        code: new.code,
        kind: new.kind,
        value: new.value,
        min_subtotal: new.min_subtotal,
        starts_at: new.starts_at,
        ends_at: new.ends_at,
        max_uses: new.max_uses,
        max_uses_per_user: new.max_uses_per_user,
        created_at: tx.now,
    };
    codes.insert(key.as_str(), voucher.id.raw())?;
    drop(codes);
    let mut vouchers = tx
        .txn()
        .open_table(tables::VOUCHERS)
        .map_err(StoreError::from)?;
    vouchers.insert(voucher.id.raw(), encode(&voucher).as_slice())?;
    Ok(voucher)
}

/// The committed uses of `voucher` in total (`user` 0) or by one account.
pub(crate) fn uses_in(
    txn: &redb::ReadTransaction,
    voucher: VoucherId,
    user: u64,
) -> Result<u64, StoreError> {
    let table = txn.open_table(tables::VOUCHER_USES)?;
    Ok(table
        .get((voucher.raw(), user))?
        .map_or(0, |uses| uses.value()))
}

/// One more use of a voucher, checked and ready to write.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VoucherUse {
    voucher: u64,
    total: u64,
    per_user: Option<(u64, u64)>,
}

/// Inside a checkout commit: checks the limits against the stored counts (the jobs
/// before it in the batch included). Reads only; [`VoucherUse::write`] counts the use.
pub(crate) fn check_use(
    tx: &mut Tx<'_>,
    voucher: &Voucher,
    user: Option<u64>,
) -> Result<VoucherUse, Error> {
    let code = || voucher.code.clone();
    let id = voucher.id.raw();
    let total = tx.voucher_uses()?.get((id, 0))?.map_or(0, |v| v.value());
    if voucher.max_uses.is_some_and(|max| total >= max) {
        return Err(VoucherError::LimitReached { code: code() }.into());
    }
    let per_user = match (voucher.max_uses_per_user, user) {
        (None, _) => None,
        (Some(_), None) => return Err(VoucherError::RequiresAccount { code: code() }.into()),
        (Some(max), Some(user)) => {
            let used = tx.voucher_uses()?.get((id, user))?.map_or(0, |v| v.value());
            if used >= max {
                return Err(VoucherError::UserLimitReached { code: code() }.into());
            }
            Some((user, used))
        }
    };
    Ok(VoucherUse {
        voucher: id,
        total,
        per_user,
    })
}

impl VoucherUse {
    /// Counts the use checked by [`check_use`].
    pub(crate) fn write(self, tx: &mut Tx<'_>) -> Result<(), Error> {
        let uses = tx.voucher_uses()?;
        uses.insert((self.voucher, 0), self.total + 1)?;
        if let Some((user, used)) = self.per_user {
            uses.insert((self.voucher, user), used + 1)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(kind: VoucherKind, value: u64) -> NewVoucher {
        NewVoucher {
            code: "SAVE10".into(),
            kind,
            value,
            min_subtotal: None,
            starts_at: None,
            ends_at: None,
            max_uses: None,
            max_uses_per_user: None,
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert!(new(VoucherKind::Percent, 100).validate().is_ok());
        let field = |n: NewVoucher| n.validate().expect_err("refused").field;
        assert_eq!(field(new(VoucherKind::Percent, 0)), "value");
        assert_eq!(field(new(VoucherKind::Percent, 101)), "value");
        assert_eq!(field(new(VoucherKind::Fixed, 0)), "value");
        assert_eq!(
            field(NewVoucher {
                code: "".into(),
                ..new(VoucherKind::Fixed, 1)
            }),
            "code"
        );
        assert_eq!(
            field(NewVoucher {
                code: "A B".into(),
                ..new(VoucherKind::Fixed, 1)
            }),
            "code"
        );
        assert_eq!(
            field(NewVoucher {
                code: "x".repeat(65),
                ..new(VoucherKind::Fixed, 1)
            }),
            "code"
        );
        assert_eq!(
            field(NewVoucher {
                max_uses: Some(0),
                ..new(VoucherKind::Fixed, 1)
            }),
            "max_uses"
        );
        let backwards = NewVoucher {
            starts_at: Some(Timestamp::from_millis(10)),
            ends_at: Some(Timestamp::from_millis(10)),
            ..new(VoucherKind::Fixed, 1)
        };
        assert_eq!(field(backwards), "ends_at");
    }

    #[test]
    fn window_and_minimum() {
        let voucher = Voucher {
            id: VoucherId::from_raw(1),
            code: "W".into(),
            kind: VoucherKind::Fixed,
            value: 5,
            min_subtotal: Some(100),
            starts_at: Some(Timestamp::from_millis(10)),
            ends_at: Some(Timestamp::from_millis(20)),
            max_uses: None,
            max_uses_per_user: None,
            created_at: Timestamp::EPOCH,
        };
        let at = Timestamp::from_millis;
        assert!(matches!(
            voucher.check_applies(at(9), 100),
            Err(VoucherError::NotActive { .. })
        ));
        assert!(matches!(
            voucher.check_applies(at(20), 100),
            Err(VoucherError::NotActive { .. })
        ));
        assert!(matches!(
            voucher.check_applies(at(10), 99),
            Err(VoucherError::MinSubtotal { .. })
        ));
        assert!(voucher.check_applies(at(19), 100).is_ok());
    }
}
