//! Card number checks, done on the caller's thread before any provider call.

use crate::model::ValidationError;

/// Fewest digits of a card number.
pub const CARD_DIGITS_MIN: usize = 12;
/// Most digits of a card number.
pub const CARD_DIGITS_MAX: usize = 19;

const FIELD: &str = "payment.card_number";

/// Checks that `number` is 12–19 ASCII digits passing the Luhn check; the error names
/// `payment.card_number`.
pub fn validate_card_number(number: &str) -> Result<(), ValidationError> {
    let invalid = |message: &str| ValidationError::new(FIELD, "invalid", message);
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("`payment.card_number` must contain digits only"));
    }
    if !(CARD_DIGITS_MIN..=CARD_DIGITS_MAX).contains(&number.len()) {
        return Err(invalid("`payment.card_number` must have 12 to 19 digits"));
    }
    if !luhn(number) {
        return Err(invalid("`payment.card_number` is not a valid card number"));
    }
    Ok(())
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte - b'0');
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_test_cards_and_refuses_garbage() {
        for good in [
            "4242424242424242",
            "4000000000000002",
            "4000000000009995",
            "378282246310005",
        ] {
            assert!(validate_card_number(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "4242 4242 4242 4242",
            "4242424242424241",
            "42424242",
            "4242424242424242424242",
            "42424242424242é",
        ] {
            let error = validate_card_number(bad).expect_err(bad);
            assert_eq!(error.field, FIELD);
        }
    }
}
