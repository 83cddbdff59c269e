use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 4217 currency code that Emporium knows, with its number of minor units.
///
/// Stored as its three ASCII letters; only codes in [`Currency::KNOWN`] can be built, so
/// a `Currency` value is always valid.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Every accepted currency with its minor-unit exponent (ISO 4217).
    pub const KNOWN: &'static [(&'static str, u8)] = &[
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("CHF", 2),
        ("CAD", 2),
        ("AUD", 2),
        ("NZD", 2),
        ("CNY", 2),
        ("HKD", 2),
        ("SGD", 2),
        ("SEK", 2),
        ("NOK", 2),
        ("DKK", 2),
        ("PLN", 2),
        ("CZK", 2),
        ("HUF", 2),
        ("RON", 2),
        ("BGN", 2),
        ("TRY", 2),
        ("ILS", 2),
        ("INR", 2),
        ("KRW", 0),
        ("TWD", 2),
        ("THB", 2),
        ("MYR", 2),
        ("IDR", 2),
        ("PHP", 2),
        ("VND", 0),
        ("BRL", 2),
        ("MXN", 2),
        ("ARS", 2),
        ("CLP", 0),
        ("COP", 2),
        ("PEN", 2),
        ("ZAR", 2),
        ("NGN", 2),
        ("KES", 2),
        ("EGP", 2),
        ("AED", 2),
        ("SAR", 2),
        ("QAR", 2),
        ("KWD", 3),
        ("BHD", 3),
        ("OMR", 3),
        ("JOD", 3),
        ("TND", 3),
        ("ISK", 0),
        ("UAH", 2),
    ];

    /// US dollars, the default currency of a new engine.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a code such as `"EUR"`; `None` if it is not a known ISO 4217 code.
    /// Lower case is not accepted: the API speaks upper-case codes only.
    pub fn parse(code: &str) -> Option<Currency> {
        Self::KNOWN
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(known, _)| Currency(known.as_bytes().try_into().expect("codes are 3 bytes")))
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("built only from ASCII codes")
    }

    /// How many decimal digits the minor unit has (2 for cents, 0 for yen).
    pub fn minor_unit_digits(&self) -> u8 {
        Self::KNOWN
            .iter()
            .find(|(known, _)| known.as_bytes() == self.0)
            .map(|(_, digits)| *digits)
            .expect("built only from known codes")
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Currency::parse(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown currency `{code}`")))
    }
}

/// An amount of money: an integer count of minor units (cents for USD) in a currency.
///
/// No floating point ever touches money. Arithmetic is checked; amounts are never
/// negative (a refund or a discount is its own positive amount).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents, pence, yen).
    pub amount: u64,
    /// The currency the amount is in.
    pub currency: Currency,
}

impl Money {
    /// Builds an amount in `currency`.
    pub const fn new(amount: u64, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Money {
        Money {
            amount: 0,
            currency,
        }
    }

    /// `self + other`, `None` on overflow or when the currencies differ.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.amount.checked_add(other.amount))
            .flatten()
            .map(|amount| Money::new(amount, self.currency))
    }

    /// `self - other`, `None` on underflow or when the currencies differ.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.amount.checked_sub(other.amount))
            .flatten()
            .map(|amount| Money::new(amount, self.currency))
    }

    /// `self × quantity`, `None` on overflow.
    pub fn checked_mul(self, quantity: u64) -> Option<Money> {
        self.amount
            .checked_mul(quantity)
            .map(|amount| Money::new(amount, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = u32::from(self.currency.minor_unit_digits());
        if digits == 0 {
            return write!(f, "{} {}", self.amount, self.currency);
        }
        let scale = 10u64.pow(digits);
        let whole = self.amount / scale;
        let fraction = self.amount % scale;
        write!(
            f,
            "{whole}.{fraction:0width$} {}",
            self.currency,
            width = digits as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_codes_only() {
        assert_eq!(
            Currency::parse("EUR").map(|c| c.code().to_string()),
            Some("EUR".into())
        );
        assert!(Currency::parse("eur").is_none());
        assert!(Currency::parse("XXX").is_none());
        assert!(Currency::parse("").is_none());
        assert!(Currency::parse("USDD").is_none());
    }

    #[test]
    fn arithmetic_is_checked_and_currency_aware() {
        let usd = |a| Money::new(a, Currency::USD);
        let eur = Money::new(5, Currency::parse("EUR").expect("known"));
        assert_eq!(usd(5).checked_add(usd(7)), Some(usd(12)));
        assert_eq!(usd(5).checked_add(eur), None);
        assert_eq!(usd(5).checked_sub(usd(7)), None);
        assert_eq!(usd(u64::MAX).checked_add(usd(1)), None);
        assert_eq!(usd(333).checked_mul(3), Some(usd(999)));
        assert_eq!(usd(u64::MAX).checked_mul(2), None);
    }

    #[test]
    fn displays_with_minor_units() {
        assert_eq!(Money::new(1999, Currency::USD).to_string(), "19.99 USD");
        assert_eq!(Money::new(5, Currency::USD).to_string(), "0.05 USD");
        let yen = Currency::parse("JPY").expect("known");
        assert_eq!(Money::new(1999, yen).to_string(), "1999 JPY");
        let dinar = Currency::parse("KWD").expect("known");
        assert_eq!(Money::new(1005, dinar).to_string(), "1.005 KWD");
    }

    #[test]
    fn serde_uses_the_api_shape() {
        let json = serde_json::to_string(&Money::new(1999, Currency::USD)).expect("serialize");
        assert_eq!(json, r#"{"amount":1999,"currency":"USD"}"#);
        let back: Money = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back.amount, 1999);
        assert!(serde_json::from_str::<Money>(r#"{"amount":1,"currency":"ZZZ"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":-1,"currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":1.5,"currency":"USD"}"#).is_err());
    }
}
