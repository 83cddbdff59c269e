//! Highlighting: the stored text of a hit with every word that matched the query
//! wrapped in `<mark>`…`</mark>` and everything else HTML-escaped.
//!
//! tantivy's `SnippetGenerator` marks only exact terms; a typo or prefix match would
//! show unmarked. So this runs the index's analyzer over the text (its tokens keep
//! their byte offsets in the original) and applies the query's own matching rules to
//! each token: exact, within the word's typo budget (a transposition counts as one
//! edit, as in the fuzzy queries), or, for the word being typed, a prefix within it.
//! When the search knows the indexed words within a query word's reach (it looked them
//! up to match documents), a token is simply checked against that sorted list, which
//! is both cheaper than an edit-distance table per token and exactly what matched.

use std::collections::BTreeMap;

use tantivy::TantivyDocument;
use tantivy::schema::{Field, Value};
use tantivy::tokenizer::TextAnalyzer;

use super::index::Fields;
use super::query::Word;

/// Longest description snippet, in characters (ellipses aside).
pub(crate) const SNIPPET_CHARS_MAX: usize = 200;
/// Characters of context kept before the first match in a description snippet.
const SNIPPET_LEAD_CHARS: usize = 60;
/// Longest word compared, in characters: tokens are capped at 40 bytes by the analyzer,
/// so this only bounds the edit-distance table.
const COMPARED_CHARS_MAX: usize = 64;
const MARK_OPEN: &str = "<mark>";
const MARK_CLOSE: &str = "</mark>";

/// A query word as highlighting matches it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Marker<'a> {
    pub(crate) word: &'a Word,
    /// The indexed words within the word's reach other than itself (sorted), when the
    /// search looked them up: a token then matches if it is the word, begins with it
    /// while typed, or is one of them. Without them, the rules are applied to the token
    /// (the same outcome, computed).
    pub(crate) near: Option<&'a [Box<[u8]>]>,
}

impl Marker<'_> {
    fn marks(&self, token: &str) -> bool {
        let word = self.word;
        match self.near {
            Some(near) => {
                token == word.text
                    || (word.prefix && token.starts_with(word.text.as_str()))
                    || near
                        .binary_search_by(|near| near[..].cmp(token.as_bytes()))
                        .is_ok()
            }
            None => word_matches(word, token),
        }
    }
}

/// The highlights of one hit: name, brand and description, each present only if some
/// query word matched in it.
pub(crate) fn highlights(
    analyzer: &mut TextAnalyzer,
    words: &[Marker<'_>],
    fields: &Fields,
    doc: &TantivyDocument,
) -> BTreeMap<String, String> {
    let mut highlights = BTreeMap::new();
    if words.is_empty() {
        return highlights;
    }
    let whole_fields = [("name", fields.name), ("brand", fields.brand)];
    for (name, field) in whole_fields {
        let Some(text) = stored_text(doc, field) else {
            continue;
        };
        let matches = matches(analyzer, words, text);
        if !matches.is_empty() {
            highlights.insert(name.to_owned(), render(text, &matches, 0, text.len()));
        }
    }
    if let Some(text) = stored_text(doc, fields.description) {
        let matches = matches(analyzer, words, text);
        if let Some(&(first, _)) = matches.first() {
            let (start, end) = window(text, first);
            let mut snippet = String::new();
            if start > 0 {
                snippet.push('…');
            }
            snippet.push_str(&render(text, &matches, start, end));
            if end < text.len() {
                snippet.push('…');
            }
            highlights.insert("description".to_owned(), snippet);
        }
    }
    highlights
}

fn stored_text(doc: &TantivyDocument, field: Field) -> Option<&str> {
    doc.get_first(field).and_then(|value| value.as_str())
}

/// Byte ranges of the tokens of `text` that match a query word, in order.
fn matches(analyzer: &mut TextAnalyzer, words: &[Marker<'_>], text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        if words.iter().any(|word| word.marks(&token.text)) {
            found.push((token.offset_from, token.offset_to));
        }
    }
    found
}

/// Whether an analyzed token matches a query word under the query's rules.
pub(crate) fn word_matches(word: &Word, token: &str) -> bool {
    if token == word.text || (word.prefix && token.starts_with(word.text.as_str())) {
        return true;
    }
    if word.typos == 0 {
        return false;
    }
    let budget = usize::from(word.typos);
    let (mut query, mut candidate) = (['\0'; COMPARED_CHARS_MAX], ['\0'; COMPARED_CHARS_MAX]);
    let query = fill(&mut query, &word.text);
    let token = fill(&mut candidate, token);
    // The distance is at least the difference in length: most tokens stop here, before
    // any table is filled.
    if word.prefix {
        // Near some beginning of the token; beginnings longer than the word plus the
        // budget are too far.
        if token.len() + budget < query.len() {
            return false;
        }
        let token = &token[..token.len().min(query.len() + budget)];
        edit_distances(query, token)[..=token.len()]
            .iter()
            .any(|&distance| distance <= budget)
    } else {
        query.len().abs_diff(token.len()) <= budget
            && edit_distances(query, token)[token.len()] <= budget
    }
}

/// The first [`COMPARED_CHARS_MAX`] characters of `text` in `buffer`.
fn fill<'a>(buffer: &'a mut [char; COMPARED_CHARS_MAX], text: &str) -> &'a [char] {
    let mut length = 0;
    for (slot, c) in buffer.iter_mut().zip(text.chars()) {
        *slot = c;
        length += 1;
    }
    &buffer[..length]
}

/// The last row of the optimal-string-alignment distance table between `word` and
/// every prefix of `token`: entry `j` is the distance from `word` to `token[..j]`
/// (entries past `token.len()` are meaningless). Both are at most
/// [`COMPARED_CHARS_MAX`] characters; the rows live on the stack.
fn edit_distances(word: &[char], token: &[char]) -> [usize; COMPARED_CHARS_MAX + 1] {
    let columns = token.len() + 1;
    // Rows i-2, i-1 and i of the table, for the transposition case.
    let mut before = [0; COMPARED_CHARS_MAX + 1];
    let mut previous = [0; COMPARED_CHARS_MAX + 1];
    for (j, slot) in previous.iter_mut().enumerate().take(columns) {
        *slot = j;
    }
    let mut current = [0; COMPARED_CHARS_MAX + 1];
    for i in 1..=word.len() {
        current[0] = i;
        for j in 1..columns {
            let cost = usize::from(word[i - 1] != token[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && word[i - 1] == token[j - 2] && word[i - 2] == token[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous
}

/// The byte range of a description snippet around the match starting at `first`: up
/// to [`SNIPPET_LEAD_CHARS`] before it (from a word start), [`SNIPPET_CHARS_MAX`] in
/// all (cut at a word end when there is one).
fn window(text: &str, first: usize) -> (usize, usize) {
    let lead: Vec<(usize, char)> = text[..first]
        .char_indices()
        .rev()
        .take(SNIPPET_LEAD_CHARS)
        .collect();
    let mut start = lead.last().map_or(first, |&(at, _)| at);
    if start > 0 {
        // Start after a space rather than inside a word, when the lead has one.
        let space = text[start..first]
            .char_indices()
            .find(|(_, c)| c.is_whitespace());
        if let Some((at, space)) = space {
            start += at + space.len_utf8();
        }
    }
    let end = text[start..]
        .char_indices()
        .nth(SNIPPET_CHARS_MAX)
        .map_or(text.len(), |(at, _)| start + at);
    if end == text.len() {
        return (start, end);
    }
    let cut = text[start..end]
        .rfind(char::is_whitespace)
        .map_or(end, |at| start + at);
    (start, if cut > first { cut } else { end })
}

/// `text[start..end]` escaped, with `matches` (inside it) wrapped in marks.
fn render(text: &str, matches: &[(usize, usize)], start: usize, end: usize) -> String {
    let mut out = String::with_capacity(end - start + matches.len() * 13);
    let mut at = start;
    for &(from, to) in matches
        .iter()
        .filter(|&&(from, to)| from >= start && to <= end)
    {
        escape_into(&text[at..from], &mut out);
        out.push_str(MARK_OPEN);
        escape_into(&text[from..to], &mut out);
        out.push_str(MARK_CLOSE);
        at = to;
    }
    escape_into(&text[at..end], &mut out);
    out
}

fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::analyzer;
    use crate::search::query::typo_budget;

    fn word(text: &str, prefix: bool) -> Word {
        Word {
            text: text.into(),
            typos: typo_budget(text),
            prefix,
        }
    }

    fn marked(text: &str, words: &[Word]) -> String {
        let markers: Vec<Marker<'_>> = words
            .iter()
            .map(|word| Marker { word, near: None })
            .collect();
        let found = matches(&mut analyzer(), &markers, text);
        render(text, &found, 0, text.len())
    }

    #[test]
    fn distances_count_a_transposition_as_one_edit() {
        let chars = |text: &str| text.chars().collect::<Vec<_>>();
        let distance = |a: &str, b: &str| edit_distances(&chars(a), &chars(b))[b.chars().count()];
        assert_eq!(distance("torch", "torch"), 0);
        assert_eq!(distance("torhc", "torch"), 1);
        assert_eq!(distance("tortch", "torch"), 1);
        assert_eq!(distance("haedphnes", "headphones"), 2);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("café", "cafe"), 1, "characters, not bytes");
    }

    #[test]
    fn matches_follow_the_query_rules() {
        assert!(word_matches(&word("torch", false), "torch"));
        assert!(word_matches(&word("torhc", false), "torch"));
        assert!(
            !word_matches(&word("trch", false), "torch"),
            "no typo under 5 letters"
        );
        assert!(
            !word_matches(&word("torch", false), "torches"),
            "whole words unless typing"
        );
        assert!(word_matches(&word("torch", true), "torches"));
        assert!(
            word_matches(&word("torhc", true), "torches"),
            "a prefix within a typo"
        );
        assert!(word_matches(&word("to", true), "torch"));
        assert!(!word_matches(&word("xo", true), "torch"));
    }

    #[test]
    fn marks_every_match_and_escapes_everything_else() {
        let words = [word("fish", false), word("chips", true)];
        assert_eq!(
            marked("Fish & Chips <b>\"fresh\"</b> 'fish'", &words),
            "<mark>Fish</mark> &amp; <mark>Chips</mark> &lt;b&gt;&quot;fresh&quot;&lt;/b&gt; &#39;<mark>fish</mark>&#39;"
        );
        assert_eq!(
            marked("Crème brûlée", &[word("creme", false)]),
            "<mark>Crème</mark> brûlée"
        );
        assert_eq!(marked("nothing here", &words), "nothing here");
    }

    #[test]
    fn windows_start_at_a_word_and_stay_within_the_bound() {
        let text = format!("{}target{}", "word ".repeat(50), " tail".repeat(100));
        let first = text.find("target").expect("present");
        let (start, end) = window(&text, first);
        assert!(start <= first && first < end);
        assert!(text[start..end].chars().count() <= SNIPPET_CHARS_MAX);
        assert!(text[start..].starts_with("word") && text[..end].ends_with("tail"));
        assert_eq!(window("short target", 6), (0, 12));
        let spaced = format!("{}\u{a0}target", "é".repeat(70));
        let first = spaced.find("target").expect("present");
        let (start, _) = window(&spaced, first);
        assert_eq!(start, first, "starts after a multi-byte space");
    }
}
