//! Running a checked search over the segments: which documents match, their scores,
//! and handing each match to the segment's counters.
//!
//! The rules are those of `query.rs`: every word must match in the name, the brand or
//! the description; in each field the exact word scores BM25 times the field's boost,
//! and, for a word with a typo budget or being typed, any word of the field within
//! reach (the exact one included) adds half the boost; the exact title and the words
//! side by side in the name add their bonuses. Filters restrict without scoring.
//!
//! How it runs, per segment. (It replaced a tantivy boolean query of per-field term and
//! fuzzy clauses, which on a million products spent most of its time walking fifteen
//! term dictionaries per word with Levenshtein automata, decoding whole posting lists
//! of common words into bitsets, and scoring 4,096-document windows of every clause,
//! matching or not.)
//! 1. Each word's near words come from the [`Vocabulary`] (one walk per search, or
//!    none when recently asked), the exact word left out, and are looked up in each
//!    field: the exact word keeps its posting list for seeking and scoring; the near
//!    words, usually few and rare, are gathered into one document set per field when
//!    needed.
//! 2. The candidates are the intersection of the cheapest sources (words, and the
//!    category and brand filters' posting lists), each gathered into a bitset while its
//!    postings number at most [`GATHER_PER_SURVIVOR_MAX`] per surviving candidate and
//!    it would narrow them (a word in nearly every document, such as "the", is not
//!    worth reading whole).
//! 3. Each survivor is checked against the filters (price, category, brand, stock,
//!    from the segment's decoded arrays), then scored, which also checks the words not
//!    gathered: per word and field, the exact word's posting list is sought forward
//!    (documents come in increasing order) or, for many documents, read through once;
//!    the near-word sets are tested.
//!
//! An empty `q` lists the segment's products in category order (the requested
//! category's only), or the brand filter's posting list when narrower, and scores every
//! match 1.0.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::InvertedIndexReader;
use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::query::{Bm25Weight, EnableScoring, PhraseQuery, Query, Scorer, TermQuery, Weight};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

use super::collector::{self, Collected, Filters, SegmentState};
use super::docs::{Bits, DocCursor, DocList, Ranked};
use super::index::Fields;
use super::query::{
    APPROXIMATE_FACTOR, BRAND_BOOST, DESCRIPTION_BOOST, EXACT_NAME_BOOST, NAME_BOOST, PHRASE_BOOST,
    Plan, Word,
};
use super::segment::{NearKey, SegmentColumns};
use super::vocabulary::Vocabulary;

/// A source is gathered into the candidate bitset while its postings number at most
/// this many per surviving candidate; beyond, seeking its postings for each survivor
/// is cheaper (a seek decodes a block of 128, a gathered posting costs a bit-set).
const GATHER_PER_SURVIVOR_MAX: u64 = 32;
/// Relative cost of testing one near word's posting list for one survivor (a seek)
/// against gathering one posting: picks how a probed word's near words are tested.
const SEEK_PER_GATHERED: u64 = 16;
/// Scoring reads an exact word's whole posting list (rather than seeking it for each
/// document) while it holds fewer than this many postings per document to score.
const READ_THROUGH_PER_DOC_MAX: u64 = 12;
/// Most documents of several near words merged into one sorted list (beyond, a bitset
/// is cheaper than the sort).
const SORTED_NEAR_DOCS_MAX: u64 = 1_024;
/// A gathered near-word set covering at least one document in this many is kept in the
/// segment's [`super::segment::NearCache`].
const CACHED_NEAR_DENSITY: u64 = 16;

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
    /// The analyzed word, its typo budget and whether it is being typed.
    word: Word,
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
    /// Prepares `plan` for `searcher` (BM25 statistics are the searcher's, near words
    /// the vocabulary's, which must cover the searcher).
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
                    Kind::Text(text) => self.match_text(text, reader, columns, &mut state)?,
                }
            }
            fruits.push(state.finish());
        }
        Ok(collector::merge(fruits, filters.keep))
    }

    /// The filter terms' postings in `reader`: `None` when a filter matches nothing.
    fn filter_postings(
        &self,
        reader: &SegmentReader,
    ) -> tantivy::Result<Option<Vec<FilterPostings>>> {
        let mut found = Vec::new();
        for term in [&self.category, &self.brand].into_iter().flatten() {
            let index = reader.inverted_index(term.field())?;
            match index.get_term_info(term)? {
                Some(info) => found.push(FilterPostings {
                    is_brand: self.brand.as_ref() == Some(term),
                    index,
                    info,
                }),
                None => return Ok(None),
            }
        }
        Ok(Some(found))
    }

    /// Blank `q`: every product passing the filters: the brand filter's postings when
    /// it is the narrower, else the segment's products in category order (only the
    /// requested category's, when there is one).
    fn list(&self, reader: &SegmentReader, state: &mut SegmentState<'_>) -> tantivy::Result<()> {
        let Some(filters) = self.filter_postings(reader)? else {
            return Ok(());
        };
        match filters
            .into_iter()
            .min_by_key(|filter| filter.info.doc_freq)
        {
            Some(filter) if filter.is_brand => {
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
        columns: &SegmentColumns,
        state: &mut SegmentState<'_>,
    ) -> tantivy::Result<()> {
        let Some(filters) = self.filter_postings(reader)? else {
            return Ok(());
        };
        let max_doc = reader.max_doc();
        let mut words = Vec::with_capacity(text.words.len());
        for word in &text.words {
            let word = SegmentWord::open(word, reader, columns)?;
            if word.cost == 0 {
                // A word found nowhere in this segment: nothing here matches.
                return Ok(());
            }
            words.push(word);
        }
        // Candidates: the intersection of the cheapest sources, each gathered while
        // that costs less than probing it for every survivor.
        let mut sources: Vec<(u64, Source)> = (0..words.len())
            .map(|index| (words[index].cost, Source::Word(index)))
            .chain(
                filters
                    .into_iter()
                    .map(|filter| (u64::from(filter.info.doc_freq), Source::Filter(filter))),
            )
            .collect();
        sources.sort_by_key(|(cost, _)| *cost);
        let mut survivors: Option<(Bits, u64)> = None;
        for (cost, source) in sources {
            if let Some((_, count)) = &survivors {
                // Not worth gathering: too long for the survivors, or matching so much
                // of the segment that it would hardly narrow them. Scoring checks the
                // word for each survivor anyway (and the filters check every survivor).
                if cost > count.saturating_mul(GATHER_PER_SURVIVOR_MAX)
                    || cost.saturating_mul(2) > u64::from(max_doc)
                {
                    continue;
                }
            }
            let documents = match source {
                Source::Word(index) => words[index].documents(max_doc, columns)?,
                Source::Filter(filter) => filter.documents(max_doc)?,
            };
            let (documents, count) = match survivors {
                Some((mut survivors, _)) => {
                    survivors.intersect_with(&documents);
                    let count = survivors.count();
                    (survivors, count)
                }
                None => {
                    let count = documents.count();
                    (documents, count)
                }
            };
            if count == 0 {
                return Ok(());
            }
            survivors = Some((documents, count));
        }
        let Some((survivors, count)) = survivors else {
            return Ok(());
        };
        for word in &mut words {
            word.prepare_probes(count, max_doc, columns)?;
        }
        // The survivors passing the filters, then those every word matches, scored.
        let mut candidates = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        survivors.for_each(&mut |doc| candidates.push(doc));
        let passing = state.passing(&candidates);
        if passing.is_empty() {
            return Ok(());
        }
        let docs: Vec<DocId> = passing.iter().map(|values| values.doc).collect();
        let scores = text.score(reader, &mut words, &docs)?;
        for (values, score) in passing.into_iter().zip(scores) {
            if let Some(score) = score {
                state.count_values(values, score);
            }
        }
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
                word: word.clone(),
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

impl Text {
    /// The scores of `docs` (increasing), in order: `None` for a document some word
    /// does not match. Per word and field, the exact word's postings are either sought
    /// for each document or, when the documents are many for the list's length, read
    /// through once (one sequential pass instead of a seek per document); the sums run
    /// in the same order either way, so a document scores the same whichever was
    /// chosen.
    fn score(
        &self,
        reader: &SegmentReader,
        words: &mut [SegmentWord<'_>],
        docs: &[DocId],
    ) -> tantivy::Result<Vec<Option<Score>>> {
        let count = docs.len();
        let mut ranked: Option<Ranked> = None;
        let mut total: Vec<Score> = vec![0.0; count];
        let mut matched_all: Vec<bool> = vec![true; count];
        let mut word_scores: Vec<Score> = vec![0.0; count];
        let mut exact_hits: Vec<bool> = vec![false; count];
        let mut word_hits: Vec<bool> = vec![false; count];
        for word in words.iter_mut() {
            word_scores.fill(0.0);
            word_hits.fill(false);
            let near_rule = word.word.near.is_some();
            for (field, prepared) in word.fields.iter_mut().zip(&word.word.fields) {
                exact_hits.fill(false);
                if let Some((info, postings)) = &mut field.exact {
                    let read_through = u64::from(info.doc_freq)
                        < (count as u64).saturating_mul(READ_THROUGH_PER_DOC_MAX);
                    if read_through {
                        let ranked =
                            ranked.get_or_insert_with(|| Ranked::new(docs, reader.max_doc()));
                        let mut block = field.index.read_block_postings_from_terminfo(
                            info,
                            IndexRecordOption::WithFreqs,
                        )?;
                        loop {
                            let found = block.docs();
                            if found.is_empty() {
                                break;
                            }
                            for (&doc, &freq) in found.iter().zip(block.freqs()) {
                                if let Some(at) = ranked.position(doc) {
                                    let norm = field.fieldnorms.fieldnorm_id(doc);
                                    word_scores[at] += prepared.bm25.score(norm, freq);
                                    exact_hits[at] = true;
                                }
                            }
                            block.advance();
                        }
                    } else {
                        for (at, &doc) in docs.iter().enumerate() {
                            if contains(postings, doc) {
                                let norm = field.fieldnorms.fieldnorm_id(doc);
                                word_scores[at] += prepared.bm25.score(norm, postings.term_freq());
                                exact_hits[at] = true;
                            }
                        }
                    }
                }
                if near_rule {
                    // The near-word clause matches the exact word too.
                    for (at, &doc) in docs.iter().enumerate() {
                        if exact_hits[at] || field.near.contains(doc) {
                            word_scores[at] += prepared.near_bonus;
                            word_hits[at] = true;
                        }
                    }
                } else {
                    for (hit, exact) in word_hits.iter_mut().zip(&exact_hits) {
                        *hit |= exact;
                    }
                }
            }
            // Summed in query order, so a document scores the same in any segment.
            for (sum, score) in total.iter_mut().zip(&word_scores) {
                *sum += score;
            }
            for (matched, hit) in matched_all.iter_mut().zip(&word_hits) {
                *matched &= hit;
            }
        }
        let mut title = self.title.scorer(reader, EXACT_NAME_BOOST)?;
        let mut phrase = match &self.phrase {
            Some(phrase) => Some(phrase.scorer(reader, PHRASE_BOOST)?),
            None => None,
        };
        let mut scores = Vec::with_capacity(count);
        for ((mut sum, &doc), matched) in total.into_iter().zip(docs).zip(matched_all) {
            if !matched {
                scores.push(None);
                continue;
            }
            if contains(title.as_mut(), doc) {
                sum += title.score();
            }
            if let Some(phrase) = phrase.as_mut() {
                if contains(phrase.as_mut(), doc) {
                    sum += phrase.score();
                }
            }
            scores.push(Some(sum));
        }
        Ok(scores)
    }
}

/// What narrows the candidates of a segment.
enum Source {
    /// A word of the query.
    Word(usize),
    /// A category or brand filter.
    Filter(FilterPostings),
}

/// A filter term's posting list in one segment.
struct FilterPostings {
    is_brand: bool,
    index: Arc<InvertedIndexReader>,
    info: TermInfo,
}

impl FilterPostings {
    fn documents(&self, max_doc: DocId) -> tantivy::Result<Bits> {
        let mut documents = Bits::new(max_doc);
        self.for_each_block(&mut |docs| docs.iter().for_each(|&doc| documents.insert(doc)))?;
        Ok(documents)
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
    /// Postings of the word, exact and near, in every field: what gathering costs.
    cost: u64,
}

struct SegmentField {
    index: Arc<InvertedIndexReader>,
    /// The exact word's postings, when the field has it.
    exact: Option<(TermInfo, SegmentPostings)>,
    fieldnorms: FieldNormReader,
    near: Near,
    /// Identifies the near-word set in the segment's cache.
    near_key: NearKey,
}

/// The near words of a word in one field of one segment.
enum Near {
    /// None: the word has no typo budget and is not being typed, or no word within its
    /// reach is in the field.
    Nothing,
    /// Looked up, not read yet: their dictionary entries and total postings.
    Terms(Vec<TermInfo>, u64),
    /// Their documents, gathered.
    Documents(DocCursor<Arc<DocList>>),
    /// Their posting lists, for a few survivors to seek.
    Postings(Vec<(TermInfo, SegmentPostings)>),
}

impl Near {
    /// Whether a near word is in `doc`; documents must be asked in increasing order.
    #[inline]
    fn contains(&mut self, doc: DocId) -> bool {
        match self {
            Near::Nothing => false,
            Near::Documents(cursor) => cursor.contains(doc),
            Near::Postings(postings) => postings
                .iter_mut()
                .any(|(_, postings)| contains(postings, doc)),
            Near::Terms(..) => unreachable!("near words are read before any probe"),
        }
    }
}

impl<'a> SegmentWord<'a> {
    fn open(
        word: &'a PreparedWord,
        reader: &SegmentReader,
        columns: &SegmentColumns,
    ) -> tantivy::Result<SegmentWord<'a>> {
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
            let near_key: NearKey = (
                prepared.field.field_id(),
                word.word.text.clone(),
                word.word.typos,
                word.word.prefix,
            );
            let near = match &word.near {
                None => Near::Nothing,
                Some(words) => match columns.near.get(&near_key) {
                    Some(list) => {
                        cost += approximate_len(&list);
                        Near::Documents(DocCursor::new(list))
                    }
                    None => {
                        let dictionary = index.terms();
                        let mut infos = Vec::new();
                        let mut postings = 0;
                        for near in words.iter() {
                            if let Some(info) = dictionary.get(near)? {
                                postings += u64::from(info.doc_freq);
                                infos.push(info);
                            }
                        }
                        cost += postings;
                        if infos.is_empty() {
                            Near::Nothing
                        } else {
                            Near::Terms(infos, postings)
                        }
                    }
                },
            };
            fields.push(SegmentField {
                index,
                exact,
                fieldnorms,
                near,
                near_key,
            });
        }
        Ok(SegmentWord { word, fields, cost })
    }

    /// Every document the word matches in some field.
    fn documents(&mut self, max_doc: DocId, columns: &SegmentColumns) -> tantivy::Result<Bits> {
        let mut documents = Bits::new(max_doc);
        for field in &mut self.fields {
            field.gather_near(max_doc, columns)?;
            if let Near::Documents(cursor) = &field.near {
                cursor.list().add_to(&mut documents);
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

    /// Reads the near words not read yet, for `survivors` candidates: their posting
    /// lists to seek when that is cheaper than gathering their documents.
    fn prepare_probes(
        &mut self,
        survivors: u64,
        max_doc: DocId,
        columns: &SegmentColumns,
    ) -> tantivy::Result<()> {
        for field in &mut self.fields {
            let Near::Terms(infos, postings) = &field.near else {
                continue;
            };
            let seeks = survivors.saturating_mul(infos.len() as u64);
            if seeks.saturating_mul(SEEK_PER_GATHERED) < *postings {
                let mut lists = Vec::with_capacity(infos.len());
                for info in infos {
                    let postings = field
                        .index
                        .read_postings_from_terminfo(info, IndexRecordOption::Basic)?;
                    lists.push((info.clone(), postings));
                }
                field.near = Near::Postings(lists);
            } else {
                field.gather_near(max_doc, columns)?;
            }
        }
        Ok(())
    }
}

impl SegmentField {
    /// Gathers the near words' documents, if read but not gathered yet; keeps a dense
    /// set in the segment's cache.
    fn gather_near(&mut self, max_doc: DocId, columns: &SegmentColumns) -> tantivy::Result<()> {
        let Near::Terms(infos, postings) = &self.near else {
            return Ok(());
        };
        let count = *postings;
        let small = count.saturating_mul(32) < u64::from(max_doc);
        let sorted = small && (infos.len() == 1 || count <= SORTED_NEAR_DOCS_MAX);
        let mut docs = Vec::new();
        let mut bits = if sorted {
            None
        } else {
            Some(Bits::new(max_doc))
        };
        for info in infos {
            let mut block = self
                .index
                .read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
            loop {
                let found = block.docs();
                if found.is_empty() {
                    break;
                }
                match &mut bits {
                    Some(bits) => found.iter().for_each(|&doc| bits.insert(doc)),
                    None => docs.extend_from_slice(found),
                }
                block.advance();
            }
        }
        let list = Arc::new(match bits {
            Some(bits) => DocList::Bits(bits),
            None => {
                if infos.len() > 1 {
                    docs.sort_unstable();
                    docs.dedup();
                }
                DocList::Sorted(docs)
            }
        });
        if count.saturating_mul(CACHED_NEAR_DENSITY) >= u64::from(max_doc) {
            columns
                .near
                .insert(self.near_key.clone(), Arc::clone(&list));
        }
        self.near = Near::Documents(DocCursor::new(list));
        Ok(())
    }
}

/// How many documents a list holds, as a gathering cost.
fn approximate_len(list: &DocList) -> u64 {
    match list {
        DocList::Sorted(docs) => docs.len() as u64,
        DocList::Bits(bits) => bits.count(),
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
