//! Typed identifiers with a type prefix (`prod_…`, `ord_…`).
//!
//! Inside the engine an id is a `u64` handed out in sequence, so that B-tree keys append
//! at the right edge. Outside it is the prefix plus 13 base-32 characters of a
//! bijective scramble of that number, so public ids neither reveal counts nor invite
//! enumeration, and parsing is exact: any string that does not decode to a valid id of
//! the right type is simply "no such id" (a 404, never a 400).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const ENCODED_CHARS: usize = 13;
/// Odd, so multiplication by it is a bijection on u64; `INVERSE` undoes it.
const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;
const INVERSE: u64 = mod_inverse(MULTIPLIER);
const MASK: u64 = 0x5DEE_CE66_D1CE_4E5B;

const fn mod_inverse(a: u64) -> u64 {
    // Newton's iteration doubles the correct low bits each step: 5 steps cover 64 bits.
    let mut x = a;
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        i += 1;
    }
    x
}
const _: () = assert!(MULTIPLIER.wrapping_mul(INVERSE) == 1);

fn scramble(raw: u64) -> u64 {
    (raw ^ MASK).wrapping_mul(MULTIPLIER)
}

fn unscramble(public: u64) -> u64 {
    public.wrapping_mul(INVERSE) ^ MASK
}

pub(crate) fn encode(prefix: &str, raw: u64, out: &mut String) {
    out.push_str(prefix);
    let value = scramble(raw);
    // 13 characters of 5 bits = 65 bits: the first character carries the top 4 bits.
    for index in (0..ENCODED_CHARS).rev() {
        let digit = (value >> (index * 5)) & 31;
        out.push(ALPHABET[digit as usize] as char);
    }
}

pub(crate) fn decode(prefix: &str, text: &str) -> Option<u64> {
    let body = text.strip_prefix(prefix)?;
    if body.len() != ENCODED_CHARS {
        return None;
    }
    let mut value: u64 = 0;
    for (position, byte) in body.bytes().enumerate() {
        let digit = ALPHABET.iter().position(|&c| c == byte)? as u64;
        if position == 0 && digit > 15 {
            return None;
        }
        value = (value << 5) | digit;
    }
    Some(unscramble(value))
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u64);

        impl $name {
            /// The prefix of this id's public form.
            pub const PREFIX: &'static str = $prefix;

            /// Wraps the engine's internal number.
            pub const fn from_raw(raw: u64) -> Self {
                Self(raw)
            }

            /// The engine's internal number (the storage key).
            pub const fn raw(self) -> u64 {
                self.0
            }

            /// Parses the public form; `None` for anything that is not exactly one.
            pub fn parse(text: &str) -> Option<Self> {
                decode($prefix, text).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut text = String::with_capacity($prefix.len() + ENCODED_CHARS);
                encode($prefix, self.0, &mut text);
                f.write_str(&text)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(text: &str) -> Result<Self, InvalidId> {
                Self::parse(text).ok_or(InvalidId)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                if serializer.is_human_readable() {
                    serializer.collect_str(self)
                } else {
                    serializer.serialize_u64(self.0)
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                if deserializer.is_human_readable() {
                    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                    Self::parse(&text).ok_or_else(|| {
                        serde::de::Error::custom(concat!("not a valid ", $prefix, "… id"))
                    })
                } else {
                    u64::deserialize(deserializer).map(Self)
                }
            }
        }
    };
}

/// The error of parsing a public id that is not one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct InvalidId;

typed_id!(/// A product (`prod_…`).
    ProductId, "prod_");
typed_id!(/// A category (`cat_…`).
    CategoryId, "cat_");
typed_id!(/// A cart (`cart_…`).
    CartId, "cart_");
typed_id!(/// An order (`ord_…`).
    OrderId, "ord_");
typed_id!(/// A payment (`pay_…`).
    PaymentId, "pay_");
typed_id!(/// A user account (`usr_…`).
    UserId, "usr_");
typed_id!(/// A saved address (`adr_…`).
    AddressId, "adr_");
typed_id!(/// A voucher (`vch_…`).
    VoucherId, "vch_");
typed_id!(/// A product review (`rev_…`).
    ReviewId, "rev_");
typed_id!(/// A notification (`ntf_…`).
    NotificationId, "ntf_");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_the_range() {
        for raw in [0, 1, 2, 41, 1 << 32, u64::MAX - 1, u64::MAX] {
            let id = ProductId::from_raw(raw);
            let text = id.to_string();
            assert!(text.starts_with("prod_"));
            assert_eq!(text.len(), 5 + ENCODED_CHARS);
            assert_eq!(ProductId::parse(&text), Some(id), "{text}");
        }
    }

    #[test]
    fn sequential_ids_do_not_look_sequential() {
        let a = ProductId::from_raw(1).to_string();
        let b = ProductId::from_raw(2).to_string();
        let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        assert!(common < a.len() - 3, "{a} vs {b}");
    }

    #[test]
    fn rejects_everything_that_is_not_exactly_an_id() {
        let good = OrderId::from_raw(7).to_string();
        assert!(ProductId::parse(&good).is_none(), "wrong prefix");
        assert!(
            OrderId::parse(&good[..good.len() - 1]).is_none(),
            "too short"
        );
        assert!(OrderId::parse(&format!("{good}0")).is_none(), "too long");
        assert!(OrderId::parse(&good.to_uppercase()).is_none(), "upper case");
        assert!(
            OrderId::parse("ord_zzzzzzzzzzzzz").is_none(),
            "overflows 64 bits"
        );
        assert!(
            OrderId::parse("ord_ilou0000000a").is_none(),
            "letters outside the alphabet"
        );
        assert!(OrderId::parse("").is_none());
        assert!(OrderId::parse("ord_é").is_none());
    }

    #[test]
    fn serde_is_text_for_json_and_numeric_for_postcard() {
        let id = CartId::from_raw(99);
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(
            serde_json::from_str::<CartId>(&json).expect("deserialize"),
            id
        );
        let bytes = postcard::to_allocvec(&id).expect("serialize");
        assert_eq!(bytes, vec![99]);
        assert_eq!(
            postcard::from_bytes::<CartId>(&bytes).expect("deserialize"),
            id
        );
    }
}
