//! Running a checked search over the segments: which documents match, their scores,
//! and handing each match to the segment's counters.
//!
//! The rules are those of `query.rs`: every word must match in the name, the brand or
//! the description; in each field the exact word scores BM25 times the field's boost,
//! and, for a word with a typo budget or being typed, any word of the field within
//! reach (the exact one included) adds half the boost; the exact title and the words
//! side by side in the name add their bonuses.
//!
//! How it runs, per segment (measured on a million products, where tantivy's generic
//! boolean query spent most of its time scoring 4,096-document windows of every clause,
//! matching or not, and decoding whole posting lists of common words):
//! 1. Each word's near words are found once per field with one automaton (built once
//!    per search, shared by every field and segment), leaving the exact word out: the
//!    near words are usually rare, so their documents are gathered into a bitset
//!    cheaply, while the exact word keeps its (often long) posting list for seeking.
//! 2. The cheapest source of candidates drives: the word with the fewest postings, or a
//!    category or brand filter when it is smaller still. Its documents are gathered
//!    into a bitset and walked in order.
//! 3. Each candidate first passes the cheap filters (price, category, brand, stock,
//!    read from the segment's decoded arrays); then the other words are probed, the
//!    most selective first, by seeking their exact posting lists forward and testing
//!    their near-word bitsets; only a document every word matched is scored.
//!
//! An empty `q` walks the smallest filter's posting list (or every document) and
//! scores every match 1.0.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::InvertedIndexReader;
use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::query::{Bm25Weight, EnableScoring, PhraseQuery, Query, Scorer, TermQuery, Weight};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

use super::collector::{self, Collected, Filters, SegmentState};
use super::index::Fields;
use super::query::{
    APPROXIMATE_FACTOR, BRAND_BOOST, DESCRIPTION_BOOST, EXACT_NAME_BOOST, NAME_BOOST, PHRASE_BOOST,
    Plan, Word,
};
use super::segment::SegmentColumns;
use super::vocabulary::Vocabulary;

/// A search ready to run on any segment of one searcher.
pub(crate) struct Prepared {
    kind: Kind,
    /// The category filter's facet term (the category and its descendants).
    category: Option<Term>,
    /// The brand filter's term.
    brand: Option<Term>,
}

enum Kind {
    /// Blank `q`: every product, scored 1.0.
    All,
    /// `q` without a single word: nothing.
    Nothing,
    /// Words to match.
    Text(Text),
}

struct Text {
    words: Vec<PreparedWord>,
    /// The whole name is the query.
    title: Box<dyn Weight>,
    /// The words side by side in the name (two words or more).
    phrase: Option<Box<dyn Weight>>,
}

struct PreparedWord {
    /// The words within reach (typos, or the word being typed), the exact word left
    /// out; `None` when the word has no typo budget and is not being typed.
    near: Option<Arc<[Box<[u8]>]>>,
    fields: Vec<PreparedField>,
}

struct PreparedField {
    field: Field,
    term: Term,
    /// BM25 of the exact word, boosted by the field's weight.
    bm25: Bm25Weight,
    /// What a near word in this field adds.
    near_bonus: Score,
}

impl Prepared {
    /// Prepares `plan` for `searcher` (BM25 statistics are the searcher's).
    pub(crate) fn new(
        plan: &Plan,
        fields: &Fields,
        category_path: Option<&[u64]>,
        searcher: &Searcher,
        vocabulary: &Vocabulary,
    ) -> tantivy::Result<Prepared> {
        let kind = if plan.match_all {
            Kind::All
        } else if plan.words.is_empty() {
            Kind::Nothing
        } else {
            Kind::Text(Text::new(&plan.words, fields, searcher, vocabulary)?)
        };
        let category = category_path.map(|path| {
            let facet = Facet::from_path(path.iter().map(u64::to_string));
            Term::from_facet(fields.category, &facet)
        });
        let brand = plan
            .brand_key
            .as_deref()
            .map(|key| Term::from_field_text(fields.brand_key, key));
        Ok(Prepared {
            kind,
            category,
            brand,
        })
    }

    /// Per word of the query, in order: the indexed words within its reach (sorted,
    /// itself left out), when it has a typo budget or is being typed.
    pub(crate) fn near_words(&self) -> Vec<Option<&[Box<[u8]>]>> {
        match &self.kind {
            Kind::Text(text) => text.words.iter().map(|word| word.near.as_deref()).collect(),
            Kind::All | Kind::Nothing => Vec::new(),
        }
    }

    /// Runs on every segment of `searcher` (the one this was prepared with), with the
    /// segments' decoded columns in the same order.
    pub(crate) fn run(
        &self,
        searcher: &Searcher,
        columns: &[Arc<SegmentColumns>],
        filters: Filters<'_>,
    ) -> tantivy::Result<Collected> {
        let mut fruits = Vec::with_capacity(columns.len());
        for (ordinal, (reader, columns)) in
            searcher.segment_readers().iter().zip(columns).enumerate()
        {
            let ordinal = u32::try_from(ordinal).expect("fewer than 2^32 segments");
            let mut state =
                SegmentState::new(ordinal, Arc::clone(columns), reader.alive_bitset(), filters);
            if !state.excludes_all() {
                match &self.kind {
                    Kind::All => self.list(reader, &mut state)?,
                    Kind::Nothing => {}
                    Kind::Text(text) => self.match_text(text, reader, &mut state)?,
                }
            }
            fruits.push(state.finish());
        }
        Ok(collector::merge(fruits, filters.keep))
    }

    /// The filter terms' postings in `reader`: `None` when a filter matches nothing.
    fn filter_infos(&self, reader: &SegmentReader) -> tantivy::Result<Option<Vec<FilterPostings>>> {
        let mut infos = Vec::new();
        for term in [&self.category, &self.brand].into_iter().flatten() {
            let index = reader.inverted_index(term.field())?;
            match index.get_term_info(term)? {
                Some(info) => infos.push(FilterPostings {
                    term: term.clone(),
                    index,
                    info,
                }),
                None => return Ok(None),
            }
        }
        Ok(Some(infos))
    }

    /// Blank `q`: every product passing the filters: the brand filter's postings when
    /// it is the narrower, else the segment's products in category order (only the
    /// requested category's, when there is one).
    fn list(&self, reader: &SegmentReader, state: &mut SegmentState<'_>) -> tantivy::Result<()> {
        let Some(filters) = self.filter_infos(reader)? else {
            return Ok(());
        };
        let narrowest = filters
            .into_iter()
            .min_by_key(|filter| filter.info.doc_freq);
        match narrowest {
            Some(filter) if self.brand.as_ref() == Some(&filter.term) => {
                filter.for_each_block(&mut |docs| state.count_listed(docs))?;
            }
            _ => state.count_all_listed(),
        }
        Ok(())
    }

    fn match_text(
        &self,
        text: &Text,
        reader: &SegmentReader,
        state: &mut SegmentState<'_>,
    ) -> tantivy::Result<()> {
        let Some(filters) = self.filter_infos(reader)? else {
            return Ok(());
        };
        let max_doc = reader.max_doc();
        let mut words = Vec::with_capacity(text.words.len());
        for word in &text.words {
            let word = SegmentWord::open(word, reader)?;
            if word.cost == 0 {
                // A word found nowhere in this segment: nothing here matches.
                return Ok(());
            }
            words.push(word);
        }
        // Candidates: the intersection of the cheapest sources (words and filters),
        // each gathered into a bitset while that costs less than probing it document by
        // document; the rest are probed for the few documents that survive.
        let mut sources: Vec<(u64, Source)> = (0..words.len())
            .map(|index| (words[index].cost, Source::Word(index)))
            .chain(
                filters
                    .into_iter()
                    .map(|filter| (u64::from(filter.info.doc_freq), Source::Filter(filter))),
            )
            .collect();
        sources.sort_by_key(|(cost, _)| *cost);
        let mut survivors: Option<Bits> = None;
        let mut probed: Vec<usize> = Vec::new();
        for (cost, source) in sources {
            if let Some(survivors) = &survivors {
                if cost > survivors.count().saturating_mul(GATHER_PER_SURVIVOR_MAX) {
                    // Filters need no probing: every survivor goes through them anyway.
                    if let Source::Word(index) = source {
                        probed.push(index);
                    }
                    continue;
                }
            }
            let documents = match source {
                Source::Word(index) => words[index].documents(max_doc)?,
                Source::Filter(filter) => filter.documents(max_doc)?,
            };
            match &mut survivors {
                Some(survivors) => survivors.intersect_with(&documents),
                None => survivors = Some(documents),
            }
            if survivors
                .as_ref()
                .is_some_and(|survivors| survivors.count() == 0)
            {
                return Ok(());
            }
        }
        let Some(survivors) = survivors else {
            return Ok(());
        };
        if std::env::var_os("SEARCH_DEBUG").is_some() {
            let costs: Vec<u64> = words.iter().map(|w| w.cost).collect();
            let nears: Vec<usize> = text
                .words
                .iter()
                .map(|w| w.near.as_ref().map_or(0, |n| n.len()))
                .collect();
            eprintln!(
                "seg max_doc {max_doc} costs {costs:?} near {nears:?} survivors {} probed {probed:?}",
                survivors.count()
            );
        }
        let mut title = text.title.scorer(reader, EXACT_NAME_BOOST)?;
        let mut phrase = match &text.phrase {
            Some(phrase) => Some(phrase.scorer(reader, PHRASE_BOOST)?),
            None => None,
        };
        let mut scores: Vec<Score> = vec![0.0; words.len()];
        survivors.for_each(&mut |doc| {
            if !probed.iter().all(|&index| words[index].matches(doc)) || !state.passes(doc) {
                return;
            }
            for (word, slot) in words.iter_mut().zip(scores.iter_mut()) {
                // Every word matched (gathered or probed): the score is there.
                *slot = word.probe(doc).unwrap_or(0.0);
            }
            // Summed in query order, so a document scores the same in any segment.
            let mut score: Score = scores.iter().sum();
            if contains(title.as_mut(), doc) {
                score += title.score();
            }
            if let Some(phrase) = phrase.as_mut() {
                if contains(phrase.as_mut(), doc) {
                    score += phrase.score();
                }
            }
            state.count(doc, score);
        });
        Ok(())
    }
}

impl Text {
    fn new(
        words: &[Word],
        fields: &Fields,
        searcher: &Searcher,
        vocabulary: &Vocabulary,
    ) -> tantivy::Result<Text> {
        let scoring = EnableScoring::enabled_from_searcher(searcher);
        let boosts = [
            (fields.name, NAME_BOOST),
            (fields.brand, BRAND_BOOST),
            (fields.description, DESCRIPTION_BOOST),
        ];
        let mut prepared = Vec::with_capacity(words.len());
        for word in words {
            // One lookup per word serves every field and segment.
            let near = if word.prefix || word.typos > 0 {
                Some(vocabulary.near_words(word)?)
            } else {
                None
            };
            let mut clauses = Vec::with_capacity(boosts.len());
            for (field, boost) in boosts {
                let term = Term::from_field_text(field, &word.text);
                let bm25 = Bm25Weight::for_terms(searcher, std::slice::from_ref(&term))?;
                clauses.push(PreparedField {
                    field,
                    term,
                    bm25: bm25.boost_by(boost),
                    near_bonus: boost * APPROXIMATE_FACTOR,
                });
            }
            prepared.push(PreparedWord {
                near,
                fields: clauses,
            });
        }
        let texts: Vec<&str> = words.iter().map(|word| word.text.as_str()).collect();
        let exact = Term::from_field_text(fields.name_exact, &texts.join(" "));
        let title = TermQuery::new(exact, IndexRecordOption::Basic).weight(scoring)?;
        let phrase = if texts.len() >= 2 {
            let terms = texts
                .iter()
                .map(|text| Term::from_field_text(fields.name, text))
                .collect();
            Some(PhraseQuery::new(terms).weight(scoring)?)
        } else {
            None
        };
        Ok(Text {
            words: prepared,
            title,
            phrase,
        })
    }
}

/// Most documents of several near words merged into one sorted list (beyond, a bitset
/// is cheaper than the sort).
const SORTED_NEAR_DOCS_MAX: u64 = 1_024;

/// What narrows the candidates of a segment.
enum Source {
    /// A word of the query.
    Word(usize),
    /// A category or brand filter.
    Filter(FilterPostings),
}

/// A source is gathered into the candidate bitset while its postings number at most
/// this many per surviving candidate; beyond, seeking its postings for each survivor
/// is cheaper (a seek decodes a block of 128, a gathered posting costs a bit-set).
const GATHER_PER_SURVIVOR_MAX: u64 = 32;

/// A filter term's posting list in one segment.
struct FilterPostings {
    term: Term,
    index: Arc<InvertedIndexReader>,
    info: TermInfo,
}

impl FilterPostings {
    fn documents(&self, max_doc: DocId) -> tantivy::Result<Bits> {
        let mut documents = Bits::new(max_doc);
        self.for_each(&mut |doc| documents.insert(doc))?;
        Ok(documents)
    }

    fn for_each(&self, callback: &mut dyn FnMut(DocId)) -> tantivy::Result<()> {
        self.for_each_block(&mut |docs| docs.iter().for_each(|&doc| callback(doc)))
    }

    /// Calls `callback` with the documents a block at a time, in increasing order.
    fn for_each_block(&self, callback: &mut dyn FnMut(&[DocId])) -> tantivy::Result<()> {
        let mut postings = self
            .index
            .read_block_postings_from_terminfo(&self.info, IndexRecordOption::Basic)?;
        loop {
            let docs = postings.docs();
            if docs.is_empty() {
                return Ok(());
            }
            callback(docs);
            postings.advance();
        }
    }
}

/// One word in one segment.
struct SegmentWord<'a> {
    word: &'a PreparedWord,
    fields: Vec<SegmentField>,
    /// Postings of the word, exact and near, in every field: what driving costs.
    cost: u64,
}

struct SegmentField {
    index: Arc<InvertedIndexReader>,
    /// The exact word's postings, when the field has it.
    exact: Option<(TermInfo, SegmentPostings)>,
    fieldnorms: FieldNormReader,
    /// Documents with a near word (not the exact one) in the field.
    near: Option<NearDocs>,
}

impl<'a> SegmentWord<'a> {
    fn open(word: &'a PreparedWord, reader: &SegmentReader) -> tantivy::Result<SegmentWord<'a>> {
        let max_doc = reader.max_doc();
        let mut fields = Vec::with_capacity(word.fields.len());
        let mut cost = 0;
        for prepared in &word.fields {
            let index = reader.inverted_index(prepared.field)?;
            let exact = match index.get_term_info(&prepared.term)? {
                Some(info) => {
                    cost += u64::from(info.doc_freq);
                    let postings =
                        index.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
                    Some((info, postings))
                }
                None => None,
            };
            let fieldnorms = match reader.fieldnorms_readers().get_field(prepared.field)? {
                Some(fieldnorms) => fieldnorms,
                None => FieldNormReader::constant(max_doc, 1),
            };
            let near = match &word.near {
                Some(near) => {
                    let (near, postings) = NearDocs::gather(&index, near, max_doc)?;
                    cost += postings;
                    near
                }
                None => None,
            };
            fields.push(SegmentField {
                index,
                exact,
                fieldnorms,
                near,
            });
        }
        Ok(SegmentWord { word, fields, cost })
    }

    /// Every document the word matches in some field.
    fn documents(&self, max_doc: DocId) -> tantivy::Result<Bits> {
        let mut documents = Bits::new(max_doc);
        for field in &self.fields {
            match &field.near {
                Some(NearDocs::Bits(near)) => documents.union_with(near),
                Some(NearDocs::Sorted { docs, .. }) => {
                    docs.iter().for_each(|&doc| documents.insert(doc));
                }
                None => {}
            }
            if let Some((info, _)) = &field.exact {
                let mut postings = field
                    .index
                    .read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
                loop {
                    let docs = postings.docs();
                    if docs.is_empty() {
                        break;
                    }
                    docs.iter().for_each(|&doc| documents.insert(doc));
                    postings.advance();
                }
            }
        }
        Ok(documents)
    }

    /// Whether the word matches `doc`, in any field. Documents must be asked in
    /// increasing order.
    fn matches(&mut self, doc: DocId) -> bool {
        let near_rule = self.word.near.is_some();
        self.fields.iter_mut().any(|field| {
            (near_rule && field.near.as_mut().is_some_and(|near| near.contains(doc)))
                || field
                    .exact
                    .as_mut()
                    .is_some_and(|(_, postings)| contains(postings, doc))
        })
    }

    /// The word's score in `doc`, or `None` if it does not match there. Documents must
    /// be probed in increasing order.
    fn probe(&mut self, doc: DocId) -> Option<Score> {
        let mut matched = false;
        let mut score = 0.0;
        let near_rule = self.word.near.is_some();
        for (field, prepared) in self.fields.iter_mut().zip(&self.word.fields) {
            let exact = match &mut field.exact {
                Some((_, postings)) => {
                    let found = contains(postings, doc);
                    if found {
                        let norm = field.fieldnorms.fieldnorm_id(doc);
                        score += prepared.bm25.score(norm, postings.term_freq());
                    }
                    found
                }
                None => false,
            };
            if near_rule && (exact || field.near.as_mut().is_some_and(|near| near.contains(doc))) {
                // The near-word clause matches the exact word too.
                score += prepared.near_bonus;
                matched = true;
            }
            matched |= exact;
        }
        matched.then_some(score)
    }
}

/// The documents of one field holding a near word.
enum NearDocs {
    /// Few: sorted, with a cursor for probes in increasing order.
    Sorted { docs: Vec<DocId>, at: usize },
    /// Many.
    Bits(Bits),
}

impl NearDocs {
    /// The documents of `index` holding one of `words`, and how many postings that was
    /// (`None` when no word is in the field).
    fn gather(
        index: &InvertedIndexReader,
        words: &[Box<[u8]>],
        max_doc: DocId,
    ) -> tantivy::Result<(Option<NearDocs>, u64)> {
        let dictionary = index.terms();
        let mut infos = Vec::new();
        let mut count = 0;
        for word in words {
            if let Some(info) = dictionary.get(word)? {
                count += u64::from(info.doc_freq);
                infos.push(info);
            }
        }
        if infos.is_empty() {
            return Ok((None, 0));
        }
        // A sorted list when it is already one (a single word) or short enough to sort
        // quickly and smaller than a bitset of the segment; a bitset otherwise.
        let small = count.saturating_mul(32) < u64::from(max_doc);
        let sorted = small && (infos.len() == 1 || count <= SORTED_NEAR_DOCS_MAX);
        let mut docs = Vec::new();
        let mut bits = if sorted {
            None
        } else {
            Some(Bits::new(max_doc))
        };
        for info in &infos {
            let mut postings =
                index.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
            loop {
                let block = postings.docs();
                if block.is_empty() {
                    break;
                }
                match &mut bits {
                    Some(bits) => block.iter().for_each(|&doc| bits.insert(doc)),
                    None => docs.extend_from_slice(block),
                }
                postings.advance();
            }
        }
        let near = match bits {
            Some(bits) => NearDocs::Bits(bits),
            None => {
                if infos.len() > 1 {
                    docs.sort_unstable();
                    docs.dedup();
                }
                NearDocs::Sorted { docs, at: 0 }
            }
        };
        Ok((Some(near), count))
    }

    /// Whether `doc` is in the set; documents must be asked in increasing order.
    #[inline]
    fn contains(&mut self, doc: DocId) -> bool {
        match self {
            NearDocs::Bits(bits) => bits.contains(doc),
            NearDocs::Sorted { docs, at } => {
                while docs.get(*at).is_some_and(|&next| next < doc) {
                    *at += 1;
                }
                docs.get(*at) == Some(&doc)
            }
        }
    }
}

/// Whether `docset` holds `doc`, moving it forward to `doc` if it is behind.
#[inline]
fn contains<D: DocSet + ?Sized>(docset: &mut D, doc: DocId) -> bool {
    let mut at = docset.doc();
    if at < doc {
        at = docset.seek(doc);
    }
    at == doc && at != TERMINATED
}

/// A set of documents of one segment.
struct Bits {
    words: Vec<u64>,
}

impl Bits {
    fn new(max_doc: DocId) -> Bits {
        Bits {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    #[inline]
    fn insert(&mut self, doc: DocId) {
        let doc = doc as usize;
        if let Some(word) = self.words.get_mut(doc / 64) {
            *word |= 1 << (doc % 64);
        }
    }

    #[inline]
    fn contains(&self, doc: DocId) -> bool {
        let doc = doc as usize;
        self.words
            .get(doc / 64)
            .is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }

    fn intersect_with(&mut self, other: &Bits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word &= other;
        }
    }

    fn count(&self) -> u64 {
        self.words
            .iter()
            .map(|word| u64::from(word.count_ones()))
            .sum()
    }

    fn union_with(&mut self, other: &Bits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word |= other;
        }
    }

    /// Calls `callback` with every document, in increasing order.
    fn for_each(&self, callback: &mut dyn FnMut(DocId)) {
        for (index, &word) in self.words.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let bit = word.trailing_zeros();
                callback((index * 64) as DocId + bit);
                word &= word - 1;
            }
        }
    }
}
