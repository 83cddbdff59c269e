//! Field validation shared by every capability: one error type that names the field.

use std::fmt;

/// Outside input that breaks a rule. `field` is the JSON path of the offending value
/// (`"price.amount"`, `"attributes.color"`), so the HTTP layer can report it as `param`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// The JSON path of the offending field.
    pub field: String,
    /// A stable machine word for the rule (`too_long`, `required`, `invalid`).
    pub code: &'static str,
    /// A sentence a person can read.
    pub message: String,
}

impl ValidationError {
    /// A broken rule on `field`.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// `field` is missing.
    pub fn required(field: &str) -> Self {
        Self::new(field, "required", format!("`{field}` is required"))
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Checks that `text` has `min..=max` characters (not bytes) and no control characters.
pub(crate) fn text(field: &str, text: &str, min: usize, max: usize) -> Result<(), ValidationError> {
    let chars = text.chars().count();
    if chars < min {
        let message = if min == 1 {
            format!("`{field}` must not be empty")
        } else {
            format!("`{field}` must have at least {min} characters")
        };
        return Err(ValidationError::new(field, "too_short", message));
    }
    if chars > max {
        let message = format!("`{field}` must have at most {max} characters, it has {chars}");
        return Err(ValidationError::new(field, "too_long", message));
    }
    Ok(())
}

/// Like [`text`], and also refuses control characters (for one-line values).
pub(crate) fn line(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    text(field, value, min, max)?;
    if value.chars().any(char::is_control) {
        let message = format!("`{field}` must not contain control characters");
        return Err(ValidationError::new(field, "invalid", message));
    }
    Ok(())
}

/// A SKU is 1–100 printable characters without `/` (it appears in URL paths) and
/// without surrounding white space (it is an exact key).
pub fn validate_sku(sku: &str) -> Result<(), ValidationError> {
    line("sku", sku, 1, super::SKU_CHARS_MAX)?;
    if sku.contains('/') {
        return Err(ValidationError::new(
            "sku",
            "invalid",
            "`sku` must not contain `/`",
        ));
    }
    if sku.trim() != sku || sku.chars().any(char::is_whitespace) {
        let message = "`sku` must not contain white space";
        return Err(ValidationError::new("sku", "invalid", message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(text("name", "ééé", 1, 3).is_ok());
        assert_eq!(
            text("name", "éééé", 1, 3).map_err(|e| e.code),
            Err("too_long")
        );
        assert_eq!(text("name", "", 1, 3).map_err(|e| e.code), Err("too_short"));
    }

    #[test]
    fn sku_rules() {
        for good in ["A", "ABC-123", "x+y.z", "É-1", &"s".repeat(100)] {
            assert!(validate_sku(good).is_ok(), "{good}");
        }
        for bad in ["", "a/b", " a", "a b", "a\tb", "a\u{0}", &"s".repeat(101)] {
            let error = validate_sku(bad).expect_err(bad);
            assert_eq!(error.field, "sku");
        }
    }
}
