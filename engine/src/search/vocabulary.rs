//! Every word of the searchable segments in one dictionary, so a typo or a prefix is
//! looked up once per search rather than once per field and segment.
//!
//! Finding the words within reach of a query word means walking a term dictionary with
//! a Levenshtein automaton. Each segment has its own dictionary per field, so a
//! three-field, five-segment index walked fifteen dictionaries per query word, most of
//! them holding the same words (descriptions repeat names, segments share one catalog
//! vocabulary): on a million products that was the largest single cost of a search.
//! [`Vocabulary`] merges the words of name, brand and description of every segment
//! into one in-memory dictionary: a query word's near words are found with one walk,
//! then looked up (a plain dictionary get) in each field of each segment. The near
//! words of recent query words are kept, so a repeated word costs no walk at all.
//!
//! The vocabulary is a superset of the live words: it grows when a new segment brings
//! words it lacks (rebuilt in the reload's warm-up, off the search path), and words of
//! segments merged away stay until the next rebuild. A stale word only costs a lookup
//! that finds nothing; a missing word would lose matches, so a search checks that
//! every segment it reads is covered and brings the vocabulary up to date if not.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use tantivy::directory::FileSlice;
use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::termdict::{TermDictionary, TermDictionaryBuilder};
use tantivy::{Searcher, SegmentReader, Term};

use super::query::Word;

/// Query words whose near words are remembered; the memory is cleared when full.
const NEAR_CACHE_WORDS_MAX: usize = 10_000;

/// The words of some segments, searchable with an automaton.
/// Query word (text, typos, prefix) → its near words, shared by readers.
type NearCache = Arc<Mutex<HashMap<(String, u8, bool), Arc<[Box<[u8]>]>>>>;

pub(crate) struct Vocabulary {
    dictionary: TermDictionary,
    words: Arc<HashSet<Box<[u8]>>>,
    /// The segments whose words are all in `dictionary`.
    covered: HashSet<SegmentId>,
    /// Query word (text, typos, prefix) → its near words, the exact word left out.
    near: NearCache,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("words", &self.words.len())
            .field("covered", &self.covered.len())
            .finish()
    }
}

impl Vocabulary {
    fn empty() -> Vocabulary {
        Vocabulary {
            dictionary: TermDictionary::empty(),
            words: Arc::default(),
            covered: HashSet::new(),
            near: Arc::default(),
        }
    }

    /// Whether every segment of `searcher` is covered.
    fn covers(&self, searcher: &Searcher) -> bool {
        searcher
            .segment_readers()
            .iter()
            .all(|reader| self.covered.contains(&reader.segment_id()))
    }

    /// The words within reach of `word` (its typo budget, and as a prefix when it is
    /// being typed), without the word itself.
    pub(crate) fn near_words(&self, word: &Word) -> tantivy::Result<Arc<[Box<[u8]>]>> {
        let key = (word.text.clone(), word.typos, word.prefix);
        if let Some(found) = self.near.lock().get(&key) {
            return Ok(Arc::clone(found));
        }
        // The automaton only reads the text; the field is irrelevant.
        let term = Term::from_field_text(Field::from_field_id(0), &word.text);
        let automaton = if word.prefix {
            FuzzyTermQuery::new_prefix(term, word.typos, true).automaton()?
        } else {
            FuzzyTermQuery::new(term, word.typos, true).automaton()?
        };
        let mut found = Vec::new();
        let mut stream = self.dictionary.search(&automaton).into_stream()?;
        while stream.advance() {
            if stream.key() != word.text.as_bytes() {
                found.push(Box::from(stream.key()));
            }
        }
        let found: Arc<[Box<[u8]>]> = found.into();
        let mut near = self.near.lock();
        if near.len() >= NEAR_CACHE_WORDS_MAX {
            near.clear();
        }
        near.insert(key, Arc::clone(&found));
        Ok(found)
    }
}

/// The current vocabulary, replaced whole when it changes.
#[derive(Debug)]
pub(crate) struct Vocabularies {
    /// The text fields whose words are gathered.
    fields: Vec<Field>,
    current: RwLock<Arc<Vocabulary>>,
    /// Serializes updates.
    updating: Mutex<()>,
}

impl Vocabularies {
    pub(crate) fn new(fields: Vec<Field>) -> Vocabularies {
        Vocabularies {
            fields,
            current: RwLock::new(Arc::new(Vocabulary::empty())),
            updating: Mutex::new(()),
        }
    }

    /// A vocabulary covering every segment of `searcher`.
    pub(crate) fn for_searcher(&self, searcher: &Searcher) -> tantivy::Result<Arc<Vocabulary>> {
        let current = Arc::clone(&self.current.read());
        if current.covers(searcher) {
            return Ok(current);
        }
        self.update(searcher)
    }

    /// Adds the words of the segments of `searcher` not covered yet; rebuilds the
    /// dictionary if they bring new words (then from the live segments only, which
    /// drops the words of segments gone since).
    pub(crate) fn update(&self, searcher: &Searcher) -> tantivy::Result<Arc<Vocabulary>> {
        let _updating = self.updating.lock();
        let current = Arc::clone(&self.current.read());
        let readers = searcher.segment_readers();
        let fresh: Vec<&SegmentReader> = readers
            .iter()
            .filter(|reader| !current.covered.contains(&reader.segment_id()))
            .collect();
        if fresh.is_empty() {
            return Ok(current);
        }
        let mut added = false;
        for reader in &fresh {
            self.for_each_word(reader, &mut |word| {
                added |= !current.words.contains(word);
            })?;
            if added {
                break;
            }
        }
        let next = if added {
            let mut words = HashSet::new();
            for reader in readers {
                self.for_each_word(reader, &mut |word| {
                    if !words.contains(word) {
                        words.insert(Box::from(word));
                    }
                })?;
            }
            let mut sorted: Vec<&[u8]> = words.iter().map(|word| &word[..]).collect();
            sorted.sort_unstable();
            let mut builder = TermDictionaryBuilder::create(Vec::new())?;
            for word in sorted {
                builder.insert(word, &TermInfo::default())?;
            }
            let bytes = builder.finish()?;
            let dictionary = TermDictionary::open(FileSlice::from(bytes))?;
            tracing::debug!(words = words.len(), "search vocabulary rebuilt");
            Vocabulary {
                dictionary,
                words: Arc::new(words),
                covered: readers.iter().map(SegmentReader::segment_id).collect(),
                near: Arc::default(),
            }
        } else {
            let mut covered = current.covered.clone();
            covered.extend(fresh.iter().map(|reader| reader.segment_id()));
            Vocabulary {
                dictionary: current.dictionary.clone(),
                words: Arc::clone(&current.words),
                covered,
                near: Arc::clone(&current.near),
            }
        };
        let next = Arc::new(next);
        *self.current.write() = Arc::clone(&next);
        Ok(next)
    }

    fn for_each_word(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(&[u8]),
    ) -> tantivy::Result<()> {
        for &field in &self.fields {
            let index = reader.inverted_index(field)?;
            let mut stream = index.terms().stream()?;
            while stream.advance() {
                callback(stream.key());
            }
        }
        Ok(())
    }
}
