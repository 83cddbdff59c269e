//! Saved addresses: at most [`ADDRESSES_PER_USER_MAX`] per account, exactly one default
//! whenever there is any.
//!
//! Every write loads the account's whole list inside the transaction (it is small and
//! bounded), computes the list after the change, checks the one-default invariant on it,
//! and writes only the records that differ. Stored under (user id, address id), so a
//! user's list is one range in creation order, and another user's address is simply not
//! found.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::accounts::read_user;
use super::model::one_line;
use super::{UserError, Users, open_read};
use crate::Result;
use crate::model::{AddressId, UserId, ValidationError};
use crate::store::codec::encode;
use crate::store::{Counter, Store, StoreError, Tx, decode_from, tables};

/// Most saved addresses per account.
pub const ADDRESSES_PER_USER_MAX: usize = 50;
/// Longest recipient name, in characters.
pub const ADDRESS_NAME_CHARS_MAX: usize = 200;
/// Longest address line, in characters.
pub const ADDRESS_LINE_CHARS_MAX: usize = 200;
/// Longest city, in characters.
pub const ADDRESS_CITY_CHARS_MAX: usize = 100;
/// Longest region (state, province, county), in characters.
pub const ADDRESS_REGION_CHARS_MAX: usize = 100;
/// Longest postal code, in characters.
pub const ADDRESS_POSTAL_CODE_CHARS_MAX: usize = 20;

/// Every officially assigned ISO 3166-1 alpha-2 country code, sorted.
pub const COUNTRY_CODES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// A saved address (`/v1/me/addresses`), also usable as an order's shipping address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Its id (`adr_…`).
    pub id: AddressId,
    /// Recipient.
    pub name: String,
    /// First address line.
    pub line1: String,
    /// Second address line, if any.
    pub line2: Option<String>,
    /// City or town.
    pub city: String,
    /// State, province or county, if any.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, upper case (`GB`).
    pub country: String,
    /// Whether it is the account's default (exactly one is, when there are any).
    pub is_default: bool,
}

/// A new address (`POST /v1/me/addresses`, or checkout's inline `shipping_address`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewAddress {
    /// Recipient: 1–200 characters.
    pub name: String,
    /// First line: 1–200 characters.
    pub line1: String,
    /// Second line: up to 200 characters; blank counts as none.
    pub line2: Option<String>,
    /// City: 1–100 characters.
    pub city: String,
    /// Region: up to 100 characters; blank counts as none.
    pub region: Option<String>,
    /// Postal code: 1–20 characters.
    pub postal_code: String,
    /// Upper-case ISO 3166-1 alpha-2 code.
    pub country: String,
    /// Make it the default (the first address is the default anyway).
    pub is_default: bool,
}

/// Changes to a saved address: `None` leaves a field as it is; for `line2` and `region`,
/// `Some(None)` clears it. `is_default: Some(true)` makes it the default and clears the
/// others; `Some(false)` changes nothing, since an account with addresses always has a
/// default (make another one the default instead).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressPatch {
    /// New recipient.
    pub name: Option<String>,
    /// New first line.
    pub line1: Option<String>,
    /// New second line; `Some(None)` clears it.
    pub line2: Option<Option<String>>,
    /// New city.
    pub city: Option<String>,
    /// New region; `Some(None)` clears it.
    pub region: Option<Option<String>>,
    /// New postal code.
    pub postal_code: Option<String>,
    /// New country.
    pub country: Option<String>,
    /// `Some(true)` makes it the default.
    pub is_default: Option<bool>,
}

impl NewAddress {
    /// Checks every field, with blank optional lines turned into `None`; the error names
    /// the first field that breaks a rule (`line1`, `country`…). Checkout prefixes the
    /// field with `shipping_address.` for an inline address.
    pub fn normalized(mut self) -> Result<NewAddress, ValidationError> {
        validate_name(&self.name)?;
        validate_line1(&self.line1)?;
        self.line2 = optional("line2", self.line2, ADDRESS_LINE_CHARS_MAX)?;
        validate_city(&self.city)?;
        self.region = optional("region", self.region, ADDRESS_REGION_CHARS_MAX)?;
        validate_postal_code(&self.postal_code)?;
        validate_country(&self.country)?;
        Ok(self)
    }
}

impl AddressPatch {
    /// Checks every field that is present, with blank optional lines turned into
    /// `Some(None)` (cleared).
    pub fn normalized(mut self) -> Result<AddressPatch, ValidationError> {
        if let Some(name) = &self.name {
            validate_name(name)?;
        }
        if let Some(line1) = &self.line1 {
            validate_line1(line1)?;
        }
        if let Some(line2) = self.line2.take() {
            self.line2 = Some(optional("line2", line2, ADDRESS_LINE_CHARS_MAX)?);
        }
        if let Some(city) = &self.city {
            validate_city(city)?;
        }
        if let Some(region) = self.region.take() {
            self.region = Some(optional("region", region, ADDRESS_REGION_CHARS_MAX)?);
        }
        if let Some(postal_code) = &self.postal_code {
            validate_postal_code(postal_code)?;
        }
        if let Some(country) = &self.country {
            validate_country(country)?;
        }
        Ok(self)
    }

    fn apply(self, address: &mut Address) {
        let AddressPatch {
            name,
            line1,
            line2,
            city,
            region,
            postal_code,
            country,
            is_default: _,
        } = self;
        address.name = name.unwrap_or_else(|| address.name.clone());
        address.line1 = line1.unwrap_or_else(|| address.line1.clone());
        address.line2 = line2.unwrap_or_else(|| address.line2.clone());
        address.city = city.unwrap_or_else(|| address.city.clone());
        address.region = region.unwrap_or_else(|| address.region.clone());
        address.postal_code = postal_code.unwrap_or_else(|| address.postal_code.clone());
        address.country = country.unwrap_or_else(|| address.country.clone());
    }
}

fn validate_name(name: &str) -> Result<(), ValidationError> {
    one_line("name", name, 1, ADDRESS_NAME_CHARS_MAX)
}

fn validate_line1(line1: &str) -> Result<(), ValidationError> {
    one_line("line1", line1, 1, ADDRESS_LINE_CHARS_MAX)
}

fn validate_city(city: &str) -> Result<(), ValidationError> {
    one_line("city", city, 1, ADDRESS_CITY_CHARS_MAX)
}

fn validate_postal_code(postal_code: &str) -> Result<(), ValidationError> {
    one_line("postal_code", postal_code, 1, ADDRESS_POSTAL_CODE_CHARS_MAX)
}

/// An upper-case ISO 3166-1 alpha-2 code in [`COUNTRY_CODES`] (like currencies, the API
/// speaks upper-case codes only).
pub(crate) fn validate_country(country: &str) -> Result<(), ValidationError> {
    if COUNTRY_CODES.binary_search(&country).is_err() {
        let message = "`country` must be an upper-case ISO 3166-1 alpha-2 code such as `US`";
        return Err(ValidationError::new("country", "invalid", message));
    }
    Ok(())
}

fn optional(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    match value {
        Some(value) if !value.trim().is_empty() => {
            one_line(field, &value, 1, max)?;
            Ok(Some(value))
        }
        _ => Ok(None),
    }
}

impl Users {
    /// The addresses of `user_id`: the default first, then in creation order.
    pub(crate) fn addresses(&self, store: &Store, user_id: UserId) -> Result<Vec<Address>> {
        let txn = store.read()?;
        let mut addresses = Vec::new();
        if let Some(table) = open_read(&txn, tables::ADDRESSES)? {
            for entry in table.range(key_range(user_id)).map_err(StoreError::from)? {
                let (_, value) = entry.map_err(StoreError::from)?;
                addresses.push(decode_from::<Address>("addresses", value.value())?);
            }
        }
        // Stable: the rest stay in creation (id) order.
        addresses.sort_by_key(|address| !address.is_default);
        Ok(addresses)
    }

    /// Address `id` of `user_id`; another user's address is not found.
    pub(crate) fn address(&self, store: &Store, user_id: UserId, id: AddressId) -> Result<Address> {
        let txn = store.read()?;
        let address = match open_read(&txn, tables::ADDRESSES)? {
            Some(table) => match table
                .get((user_id.raw(), id.raw()))
                .map_err(StoreError::from)?
            {
                Some(bytes) => Some(decode_from::<Address>("addresses", bytes.value())?),
                None => None,
            },
            None => None,
        };
        address.ok_or_else(|| address_not_found(id).into())
    }

    /// Saves a new address; the first one, or one with `is_default`, becomes the default.
    pub(crate) fn create_address(
        &self,
        store: &Store,
        user_id: UserId,
        new: NewAddress,
    ) -> Result<Address> {
        let new = new.normalized()?;
        store.write(move |tx| create_job(tx, user_id, new), |_| {})
    }

    /// Changes address `id` of `user_id`.
    pub(crate) fn update_address(
        &self,
        store: &Store,
        user_id: UserId,
        id: AddressId,
        patch: AddressPatch,
    ) -> Result<Address> {
        let patch = patch.normalized()?;
        store.write(
            move |tx| {
                let before = load(tx, user_id)?;
                let mut after = before.clone();
                let index = position(&after, id)?;
                let make_default = patch.is_default == Some(true);
                patch.apply(&mut after[index]);
                if make_default {
                    set_default(&mut after, id);
                }
                save(tx, user_id, &before, &after)?;
                Ok(after[index].clone())
            },
            |_| {},
        )
    }

    /// Deletes address `id` of `user_id` and returns it; if it was the default, the
    /// oldest remaining address becomes the default.
    pub(crate) fn delete_address(
        &self,
        store: &Store,
        user_id: UserId,
        id: AddressId,
    ) -> Result<Address> {
        store.write(
            move |tx| {
                let before = load(tx, user_id)?;
                let mut after = before.clone();
                let removed = after.remove(position(&after, id)?);
                if removed.is_default {
                    if let Some(oldest) = after.first().map(|address| address.id) {
                        set_default(&mut after, oldest);
                    }
                }
                save(tx, user_id, &before, &after)?;
                Ok(removed)
            },
            |_| {},
        )
    }
}

fn create_job(tx: &mut Tx<'_>, user_id: UserId, new: NewAddress) -> Result<Address> {
    if read_user(tx, user_id)?.is_none() {
        return Err(UserError::UserNotFound {
            id: user_id.to_string(),
        }
        .into());
    }
    let before = load(tx, user_id)?;
    if before.len() >= ADDRESSES_PER_USER_MAX {
        return Err(UserError::TooManyAddresses {
            max: ADDRESSES_PER_USER_MAX,
        }
        .into());
    }
    let id = AddressId::from_raw(tx.next_id(Counter::Address));
    let make_default = new.is_default || before.is_empty();
    let mut after = before.clone();
    after.push(Address {
        id,
        name: new.name,
        line1: new.line1,
        line2: new.line2,
        city: new.city,
        region: new.region,
        postal_code: new.postal_code,
        country: new.country,
        is_default: false,
    });
    if make_default {
        set_default(&mut after, id);
    }
    save(tx, user_id, &before, &after)?;
    let created = after.last().expect("pushed just above").clone();
    Ok(created)
}

fn address_not_found(id: AddressId) -> UserError {
    UserError::AddressNotFound { id: id.to_string() }
}

fn position(addresses: &[Address], id: AddressId) -> Result<usize> {
    addresses
        .iter()
        .position(|address| address.id == id)
        .ok_or_else(|| address_not_found(id).into())
}

fn set_default(addresses: &mut [Address], id: AddressId) {
    for address in addresses {
        address.is_default = address.id == id;
    }
}

/// Whether `addresses` has exactly one default, or is empty.
fn one_default(addresses: &[Address]) -> bool {
    addresses.is_empty() || addresses.iter().filter(|a| a.is_default).count() == 1
}

fn key_range(user_id: UserId) -> std::ops::RangeInclusive<(u64, u64)> {
    (user_id.raw(), 0)..=(user_id.raw(), u64::MAX)
}

/// The addresses of `user_id` in this transaction, in creation order.
fn load(tx: &Tx<'_>, user_id: UserId) -> Result<Vec<Address>, StoreError> {
    let table = tx.txn().open_table(tables::ADDRESSES)?;
    let mut addresses = Vec::new();
    for entry in table.range(key_range(user_id))? {
        let (_, value) = entry?;
        addresses.push(decode_from("addresses", value.value())?);
    }
    Ok(addresses)
}

/// Writes the difference between `before` and `after` (both in creation order).
fn save(
    tx: &Tx<'_>,
    user_id: UserId,
    before: &[Address],
    after: &[Address],
) -> Result<(), StoreError> {
    debug_assert!(one_default(after), "one default address: {after:?}");
    debug_assert!(after.len() <= ADDRESSES_PER_USER_MAX);
    let mut table = tx.txn().open_table(tables::ADDRESSES)?;
    for gone in before
        .iter()
        .filter(|old| !after.iter().any(|new| new.id == old.id))
    {
        table.remove((user_id.raw(), gone.id.raw()))?;
    }
    for address in after.iter().filter(|new| !before.contains(new)) {
        table.insert(
            (user_id.raw(), address.id.raw()),
            encode(address).as_slice(),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> NewAddress {
        NewAddress {
            name: "Ada Lovelace".into(),
            line1: "12 St James's Square".into(),
            line2: Some("  ".into()),
            city: "London".into(),
            region: None,
            postal_code: "SW1Y 4JH".into(),
            country: "GB".into(),
            is_default: false,
        }
    }

    #[test]
    fn country_codes_are_sorted_unique_and_complete() {
        assert_eq!(COUNTRY_CODES.len(), 249);
        assert!(COUNTRY_CODES.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(
            COUNTRY_CODES
                .iter()
                .all(|code| code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn blank_optional_lines_become_none() {
        let address = valid().normalized().expect("valid");
        assert_eq!(address.line2, None);
        let patch = AddressPatch {
            region: Some(Some(String::new())),
            ..Default::default()
        };
        assert_eq!(patch.normalized().expect("valid").region, Some(None));
    }

    #[test]
    fn every_field_error_names_its_field() {
        type Breaker = fn(&mut NewAddress);
        let cases: Vec<(&str, Breaker)> = vec![
            ("name", |a| a.name = String::new()),
            ("name", |a| a.name = "n".repeat(201)),
            ("line1", |a| a.line1 = " ".into()),
            ("line2", |a| a.line2 = Some("l".repeat(201))),
            ("city", |a| a.city = "c".repeat(101)),
            ("region", |a| a.region = Some("a\u{7}".into())),
            ("postal_code", |a| a.postal_code = "1".repeat(21)),
            ("postal_code", |a| a.postal_code = String::new()),
            ("country", |a| a.country = "gb".into()),
            ("country", |a| a.country = "XX".into()),
            ("country", |a| a.country = "GBR".into()),
            ("country", |a| a.country = String::new()),
        ];
        for (field, break_it) in cases {
            let mut address = valid();
            break_it(&mut address);
            let error = address.clone().normalized().expect_err(field);
            assert_eq!(error.field, field, "{address:?}");
        }
        let patch = AddressPatch {
            country: Some("ZZ".into()),
            ..Default::default()
        };
        assert_eq!(patch.normalized().expect_err("country").field, "country");
    }
}
