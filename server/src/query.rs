//! Query strings and percent-decoding.
//!
//! Decoding never fails: a malformed escape (`%zz`) stays as written and bytes that are
//! not UTF-8 become U+FFFD, the way browsers treat form data. That keeps the rule for
//! `q` ("never a 4xx for what it contains") and leaves every refusal to the typed
//! getters, which name the parameter.

use emporium::CategoryId;

use crate::error::ApiError;

/// Most parameters in one query string; a page of filters needs about ten.
pub const QUERY_PAIRS_MAX: usize = 64;
/// Longest cursor accepted (the engine's own bound on listing cursors).
pub const CURSOR_CHARS_MAX: usize = 2_048;

/// Percent-decodes `text`; with `plus_is_space`, `+` is a space (query strings), else
/// it stays a `+` (paths, where SKUs such as `A+B` appear).
pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
    if !text.contains(['%', '+']) {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => match (hex(bytes.get(index + 1)), hex(bytes.get(index + 2))) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    index += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8(out).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into())
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    match byte? {
        byte @ b'0'..=b'9' => Some(byte - b'0'),
        byte @ b'a'..=b'f' => Some(byte - b'a' + 10),
        byte @ b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// A decoded query string.
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes `raw` (the part after `?`).
    pub fn parse(raw: Option<&str>) -> Result<Query, ApiError> {
        let mut pairs = Vec::new();
        for pair in raw.unwrap_or("").split('&').filter(|pair| !pair.is_empty()) {
            if pairs.len() == QUERY_PAIRS_MAX {
                let message = format!("at most {QUERY_PAIRS_MAX} query parameters are accepted");
                return Err(ApiError::invalid("", "too_many_parameters", message));
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            pairs.push((percent_decode(name, true), percent_decode(value, true)));
        }
        Ok(Query { pairs })
    }

    /// The value of `name` as sent, possibly empty; the last occurrence wins.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Free text: the value of `name`, `None` when absent or empty (`?brand=` is no
    /// filter, as an HTML form sends it). Typed values are not this lenient: an empty
    /// `limit` is refused like any other value that is not a number.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|value| !value.is_empty())
    }

    /// A whole number of at most `max`.
    pub fn u64(&self, name: &str, max: u64) -> Result<Option<u64>, ApiError> {
        let Some(text) = self.raw(name) else {
            return Ok(None);
        };
        match text.parse::<u64>() {
            Ok(value) if value <= max => Ok(Some(value)),
            _ => Err(ApiError::invalid(
                name,
                "invalid",
                format!("`{name}` must be a whole number from 0 to {max}"),
            )),
        }
    }

    /// `true`/`false` (also `1`/`0`); absent is false.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.raw(name) {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(_) => Err(ApiError::invalid(
                name,
                "invalid",
                format!("`{name}` must be `true` or `false`"),
            )),
        }
    }

    /// A page size from 1 to `max`, `default` when absent.
    pub fn limit(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.raw("limit").map(str::parse::<usize>) {
            None => Ok(default),
            Some(Ok(limit)) if (1..=max).contains(&limit) => Ok(limit),
            Some(_) => Err(ApiError::invalid(
                "limit",
                "out_of_range",
                format!("`limit` must be a whole number from 1 to {max}"),
            )),
        }
    }

    /// A category filter: a `cat_…` id. A well-formed id that names no category is
    /// accepted (the listing is simply empty); text that is not an id at all is refused,
    /// since it is most likely a category name given where an id belongs.
    pub fn category(&self, name: &str) -> Result<Option<CategoryId>, ApiError> {
        let Some(text) = self.raw(name) else {
            return Ok(None);
        };
        CategoryId::parse(text).map(Some).ok_or_else(|| {
            ApiError::invalid(
                name,
                "invalid",
                format!("`{name}` must be a category id (`cat_…`); see GET /v1/categories"),
            )
        })
    }

    /// A listing cursor: what the server hands out is lower-case hex, so anything else
    /// is refused here, before any engine work and whatever else the query says.
    pub fn cursor(&self) -> Result<Option<&str>, ApiError> {
        match self.get("cursor") {
            Some(cursor)
                if cursor.len() > CURSOR_CHARS_MAX
                    || !cursor
                        .bytes()
                        .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')) =>
            {
                Err(ApiError::invalid(
                    "cursor",
                    "invalid_cursor",
                    "`cursor` is not a cursor of this listing; use a `next_cursor` as given",
                ))
            }
            other => Ok(other),
        }
    }

    /// Any text of at most `max_chars` characters.
    pub fn text(&self, name: &str, max_chars: usize) -> Result<Option<&str>, ApiError> {
        match self.get(name) {
            Some(text) if text.chars().count() > max_chars => Err(ApiError::invalid(
                name,
                "too_long",
                format!("`{name}` must have at most {max_chars} characters"),
            )),
            other => Ok(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%20b+c", false), "a b+c");
        assert_eq!(percent_decode("caf%C3%A9", true), "café");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("%FF", true), "\u{FFFD}");
    }

    #[test]
    fn last_non_empty_value_wins() {
        let query = Query::parse(Some("brand=a&brand=b&empty=&flag")).expect("parses");
        assert_eq!(query.get("brand"), Some("b"));
        assert_eq!(query.get("empty"), None);
        assert_eq!(query.raw("empty"), Some(""));
        assert_eq!(query.get("flag"), None);
        assert_eq!(query.get("missing"), None);
    }

    #[test]
    fn typed_getters_name_the_parameter() {
        let query =
            Query::parse(Some("limit=0&min_price=-1&in_stock=yes&category=Home")).expect("parses");
        let param = |result: Result<(), ApiError>| result.expect_err("refused").param;
        assert_eq!(
            param(query.limit(20, 100).map(drop)),
            Some("limit".to_string())
        );
        assert_eq!(
            param(query.u64("min_price", u64::MAX).map(drop)),
            Some("min_price".to_string())
        );
        assert_eq!(
            param(query.flag("in_stock").map(drop)),
            Some("in_stock".to_string())
        );
        assert_eq!(
            param(query.category("category").map(drop)),
            Some("category".to_string())
        );
    }

    #[test]
    fn empty_typed_values_are_refused() {
        let query = Query::parse(Some("limit=&min_price=&in_stock=&category=")).expect("parses");
        assert!(query.limit(20, 100).is_err());
        assert!(query.u64("min_price", u64::MAX).is_err());
        assert!(query.flag("in_stock").is_err());
        assert!(query.category("category").is_err());
    }

    #[test]
    fn cursors_are_lower_case_hex() {
        let cursor = |raw: &str| {
            Query::parse(Some(raw))
                .expect("parses")
                .cursor()
                .map(|c| c.map(str::to_string))
        };
        assert_eq!(cursor("cursor=0a1f").ok(), Some(Some("0a1f".to_string())));
        assert_eq!(cursor("cursor=").ok(), Some(None));
        assert!(cursor("cursor=0A1F").is_err());
        assert!(cursor("cursor=%C2%87").is_err());
        assert!(cursor(&format!("cursor={}", "a".repeat(CURSOR_CHARS_MAX + 1))).is_err());
    }

    #[test]
    fn defaults_and_bounds() {
        let query = Query::parse(None).expect("parses");
        assert_eq!(query.limit(20, 100).ok(), Some(20));
        assert_eq!(query.flag("in_stock").ok(), Some(false));
        let query = Query::parse(Some("limit=100&in_stock=1")).expect("parses");
        assert_eq!(query.limit(20, 100).ok(), Some(100));
        assert_eq!(query.flag("in_stock").ok(), Some(true));
        let many = vec!["a=1"; QUERY_PAIRS_MAX + 1].join("&");
        assert!(Query::parse(Some(&many)).is_err());
    }
}
