//! From a [`SearchRequest`] to a [`Plan`]: checking the request, reading the cursor,
//! and turning plain text into words (`execute.rs` runs the plan).
//!
//! `q` is never parsed as syntax: it goes through the index's analyzer and each word
//! becomes a word to match, so quotes, colons, `AND` or emoji are just text and can
//! never make a query fail. Every word must match in the name, the brand or the
//! description (boosted in that order); words of 5+ letters tolerate one typo and of 9+
//! two (as Meilisearch does), a transposition counting as one; the last word, while
//! still being typed, also matches as a prefix. An exact title earns a large bonus so it
//! ranks first.

use tantivy::tokenizer::TextAnalyzer;

use super::index::{brand_key, words};
use super::{SEARCH_LIMIT_MAX, SEARCH_OFFSET_MAX, SEARCH_QUERY_CHARS_MAX, SEARCH_WORDS_MAX};
use super::{SearchError, SearchRequest};
use crate::model::{BRAND_CHARS_MAX, CategoryId, hex_decode, hex_encode};

/// Field boosts: a word in the name counts more than in the brand, more than in the
/// description.
pub(crate) const NAME_BOOST: f32 = 3.0;
pub(crate) const BRAND_BOOST: f32 = 2.0;
pub(crate) const DESCRIPTION_BOOST: f32 = 1.0;
/// A typo or prefix match scores a constant (tantivy's automaton queries do not use
/// BM25): this fraction of the field boost, so an exact word outranks a near one.
pub(crate) const APPROXIMATE_FACTOR: f32 = 0.5;
/// The exact-title clause: large enough to dominate every word clause together.
pub(crate) const EXACT_NAME_BOOST: f32 = 20.0;
/// The words of the query next to each other in the name.
pub(crate) const PHRASE_BOOST: f32 = 2.0;
/// Shortest word (in characters) allowed one typo, and two.
const ONE_TYPO_CHARS_MIN: usize = 5;
const TWO_TYPOS_CHARS_MIN: usize = 9;
/// A cursor is hex of: version (1 byte), offset (4), tag (8).
const CURSOR_VERSION: u8 = 1;
const CURSOR_BYTES: usize = 13;
/// Mixed into every cursor tag, so a checksum of other data is not a valid cursor.
const CURSOR_DOMAIN: &[u8] = b"emporium.search.cursor";

const _: () = assert!(SEARCH_OFFSET_MAX + SEARCH_LIMIT_MAX <= u32::MAX as usize);

/// One word of the query as searched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Word {
    /// The analyzed word (lower case, ASCII-folded).
    pub(crate) text: String,
    /// Edits tolerated: 0, 1 or 2.
    pub(crate) typos: u8,
    /// Also matches words it begins (the word being typed).
    pub(crate) prefix: bool,
}

/// A checked request, ready to run.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// `q` was blank: every product matches.
    pub(crate) match_all: bool,
    /// The words of `q`, at most [`SEARCH_WORDS_MAX`]; empty with `match_all` false
    /// when `q` has no word at all (only punctuation), which matches nothing.
    pub(crate) words: Vec<Word>,
    pub(crate) category: Option<CategoryId>,
    pub(crate) brand_key: Option<String>,
    pub(crate) min_price: u64,
    pub(crate) max_price: u64,
    pub(crate) offset: usize,
    pub(crate) limit: usize,
    /// Binds cursors to this search (everything but the page).
    pub(crate) fingerprint: u64,
}

impl Plan {
    /// Checks `request`: every range error names its field; `q` is never refused for
    /// what it contains, only for its length.
    pub(crate) fn new(
        request: &SearchRequest,
        analyzer: &mut TextAnalyzer,
    ) -> Result<Plan, SearchError> {
        if !(1..=SEARCH_LIMIT_MAX).contains(&request.limit) {
            return Err(invalid(
                "limit",
                format!("must be between 1 and {SEARCH_LIMIT_MAX}"),
            ));
        }
        if request.q.chars().nth(SEARCH_QUERY_CHARS_MAX).is_some() {
            return Err(invalid(
                "q",
                format!("must be at most {SEARCH_QUERY_CHARS_MAX} characters"),
            ));
        }
        let brand = request
            .brand
            .as_deref()
            .filter(|brand| !brand.trim().is_empty());
        if brand.is_some_and(|brand| brand.chars().nth(BRAND_CHARS_MAX).is_some()) {
            return Err(invalid(
                "brand",
                format!("must be at most {BRAND_CHARS_MAX} characters"),
            ));
        }
        let min_price = request.min_price.unwrap_or(0);
        let max_price = request.max_price.unwrap_or(u64::MAX);
        if min_price > max_price {
            return Err(invalid(
                "min_price",
                "must not be more than `max_price`".into(),
            ));
        }
        let q = request.q.trim();
        let fingerprint = fingerprint(request, q);
        let offset = match &request.cursor {
            None => 0,
            Some(cursor) => decode_cursor(cursor, fingerprint)?,
        };
        Ok(Plan {
            match_all: q.is_empty(),
            words: plan_words(analyzer, q, &request.q),
            category: request.category,
            brand_key: brand.map(brand_key),
            min_price,
            max_price,
            offset,
            limit: request.limit,
            fingerprint,
        })
    }
}

fn invalid(field: &'static str, message: String) -> SearchError {
    SearchError::InvalidRequest { field, message }
}

/// The words of `q` (trimmed); `raw` is the text as typed, whose end tells whether the
/// last word is still being typed.
fn plan_words(analyzer: &mut TextAnalyzer, q: &str, raw: &str) -> Vec<Word> {
    let mut words = words(analyzer, q);
    words.truncate(SEARCH_WORDS_MAX);
    // The last word is still being typed unless the text ends after it (a space or a
    // punctuation mark says the word is complete).
    let typing = raw.chars().last().is_some_and(char::is_alphanumeric);
    let count = words.len();
    words
        .into_iter()
        .enumerate()
        .map(|(index, text)| {
            let typos = typo_budget(&text);
            Word {
                text,
                typos,
                prefix: typing && index + 1 == count,
            }
        })
        .collect()
}

/// Edits tolerated in a word of this length: 0 under 5 characters, 1 from 5, 2 from 9.
pub(crate) fn typo_budget(word: &str) -> u8 {
    match word.chars().count() {
        length if length >= TWO_TYPOS_CHARS_MIN => 2,
        length if length >= ONE_TYPO_CHARS_MIN => 1,
        _ => 0,
    }
}

/// The cursor of the page starting at `offset` of the search with `fingerprint`.
pub(crate) fn encode_cursor(offset: usize, fingerprint: u64) -> String {
    let offset = u32::try_from(offset).expect("offsets are capped far below u32::MAX");
    let mut bytes = Vec::with_capacity(CURSOR_BYTES);
    bytes.push(CURSOR_VERSION);
    bytes.extend_from_slice(&offset.to_be_bytes());
    bytes.extend_from_slice(&cursor_tag(offset, fingerprint).to_be_bytes());
    hex_encode(&bytes)
}

/// The offset in a cursor of the search with `fingerprint`. Anything this search did
/// not produce is `InvalidCursor`; a well-formed cursor past [`SEARCH_OFFSET_MAX`] is
/// an `InvalidRequest` on `cursor`.
pub(crate) fn decode_cursor(cursor: &str, fingerprint: u64) -> Result<usize, SearchError> {
    if cursor.len() != CURSOR_BYTES * 2 {
        return Err(SearchError::InvalidCursor);
    }
    let bytes = hex_decode(cursor).ok_or(SearchError::InvalidCursor)?;
    let (version, rest) = bytes.split_first().ok_or(SearchError::InvalidCursor)?;
    let (offset, tag) = rest.split_at(4);
    let offset = u32::from_be_bytes(offset.try_into().map_err(|_| SearchError::InvalidCursor)?);
    let tag = u64::from_be_bytes(tag.try_into().map_err(|_| SearchError::InvalidCursor)?);
    if *version != CURSOR_VERSION || tag != cursor_tag(offset, fingerprint) {
        return Err(SearchError::InvalidCursor);
    }
    let offset = offset as usize;
    if offset > SEARCH_OFFSET_MAX {
        let message = format!("cannot page past {SEARCH_OFFSET_MAX} results; narrow the search");
        return Err(invalid("cursor", message));
    }
    Ok(offset)
}

/// A checksum, not a secret: it rejects garbage and cursors of other searches.
fn cursor_tag(offset: u32, fingerprint: u64) -> u64 {
    let mut hash = Fnv::new();
    hash.write(CURSOR_DOMAIN);
    hash.write(&[CURSOR_VERSION]);
    hash.write(&offset.to_be_bytes());
    hash.write(&fingerprint.to_be_bytes());
    hash.finish()
}

/// Everything that defines the result list (not the page), so a cursor is only valid
/// for the search that produced it.
fn fingerprint(request: &SearchRequest, q: &str) -> u64 {
    let mut hash = Fnv::new();
    hash.write_field(q.as_bytes());
    hash.write_field(&request.category.map_or(0, CategoryId::raw).to_be_bytes());
    hash.write_field(&[
        u8::from(request.category.is_some()),
        u8::from(request.in_stock),
    ]);
    hash.write_field(
        request
            .brand
            .as_deref()
            .map(brand_key)
            .unwrap_or_default()
            .as_bytes(),
    );
    hash.write_field(&request.min_price.unwrap_or(0).to_be_bytes());
    hash.write_field(&request.max_price.unwrap_or(u64::MAX).to_be_bytes());
    hash.finish()
}

/// FNV-1a, 64 bits: stable across builds and Rust versions, unlike `DefaultHasher`,
/// so cursors survive a restart.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Writes a length before the bytes, so field boundaries cannot be shifted.
    fn write_field(&mut self, bytes: &[u8]) {
        self.write(&(bytes.len() as u64).to_be_bytes());
        self.write(bytes);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::analyzer;

    fn plan(request: &SearchRequest) -> Result<Plan, SearchError> {
        Plan::new(request, &mut analyzer())
    }

    fn field_of(error: SearchError) -> &'static str {
        match error {
            SearchError::InvalidRequest { field, .. } => field,
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    #[test]
    fn typo_budget_follows_word_length() {
        assert_eq!(typo_budget("head"), 0);
        assert_eq!(typo_budget("heads"), 1);
        assert_eq!(typo_budget("headsets"), 1);
        assert_eq!(typo_budget("headphone"), 2);
        assert_eq!(typo_budget("éèêëà"), 1, "characters, not bytes");
    }

    #[test]
    fn words_are_analyzed_capped_and_the_last_is_a_prefix_while_typed() {
        let request = SearchRequest {
            q: "  Studio HEADPH ".into(),
            ..Default::default()
        };
        let words = plan(&request).expect("valid").words;
        assert_eq!(
            words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["studio", "headph"]
        );
        assert!(!words[1].prefix, "a trailing space ends the word");
        let typing = plan(&SearchRequest {
            q: "Café headph".into(),
            ..Default::default()
        });
        let words = typing.expect("valid").words;
        assert_eq!((words[0].text.as_str(), words[0].prefix), ("cafe", false));
        assert!(words[1].prefix);
        let many = SearchRequest {
            q: "word ".repeat(100),
            ..Default::default()
        };
        assert_eq!(plan(&many).expect("valid").words.len(), SEARCH_WORDS_MAX);
        let punctuation = plan(&SearchRequest {
            q: "!!! ::: \"".into(),
            ..Default::default()
        });
        let punctuation = punctuation.expect("punctuation is never an error");
        assert!(!punctuation.match_all && punctuation.words.is_empty());
    }

    #[test]
    fn refuses_out_of_range_fields_by_name() {
        let base = SearchRequest::default();
        assert_eq!(
            field_of(
                plan(&SearchRequest {
                    limit: 0,
                    ..base.clone()
                })
                .unwrap_err()
            ),
            "limit"
        );
        assert_eq!(
            field_of(
                plan(&SearchRequest {
                    limit: 101,
                    ..base.clone()
                })
                .unwrap_err()
            ),
            "limit"
        );
        let long_q = SearchRequest {
            q: "x".repeat(SEARCH_QUERY_CHARS_MAX + 1),
            ..base.clone()
        };
        assert_eq!(field_of(plan(&long_q).unwrap_err()), "q");
        let ok_q = SearchRequest {
            q: "é".repeat(SEARCH_QUERY_CHARS_MAX),
            ..base.clone()
        };
        assert!(
            plan(&ok_q).is_ok(),
            "500 characters are fine, whatever their bytes"
        );
        let prices = SearchRequest {
            min_price: Some(10),
            max_price: Some(9),
            ..base.clone()
        };
        assert_eq!(field_of(plan(&prices).unwrap_err()), "min_price");
        let equal = SearchRequest {
            min_price: Some(10),
            max_price: Some(10),
            ..base.clone()
        };
        assert!(plan(&equal).is_ok());
        let brand = SearchRequest {
            brand: Some("b".repeat(BRAND_CHARS_MAX + 1)),
            ..base
        };
        assert_eq!(field_of(plan(&brand).unwrap_err()), "brand");
    }

    #[test]
    fn cursors_round_trip_and_reject_everything_else() {
        let request = SearchRequest {
            q: "lamp".into(),
            ..Default::default()
        };
        let fingerprint = plan(&request).expect("valid").fingerprint;
        let cursor = encode_cursor(40, fingerprint);
        assert_eq!(decode_cursor(&cursor, fingerprint).expect("own cursor"), 40);
        let with_cursor = SearchRequest {
            cursor: Some(cursor.clone()),
            limit: 7,
            ..request.clone()
        };
        assert_eq!(
            plan(&with_cursor).expect("valid").offset,
            40,
            "the page size may change"
        );
        let other = SearchRequest {
            q: "desk".into(),
            cursor: Some(cursor.clone()),
            ..request.clone()
        };
        assert!(
            matches!(plan(&other), Err(SearchError::InvalidCursor)),
            "another search's cursor"
        );
        let mut flipped = cursor.clone().into_bytes();
        flipped[8] = if flipped[8] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).expect("hex");
        for garbage in [
            "",
            "abc",
            "zz",
            &flipped,
            &cursor.to_uppercase(),
            &format!("{cursor}00"),
            "é",
        ] {
            assert!(
                matches!(
                    decode_cursor(garbage, fingerprint),
                    Err(SearchError::InvalidCursor)
                ),
                "{garbage:?}"
            );
        }
        let deep = encode_cursor(SEARCH_OFFSET_MAX + 1, fingerprint);
        assert_eq!(
            field_of(decode_cursor(&deep, fingerprint).unwrap_err()),
            "cursor"
        );
    }
}
