//! Sets of documents of one segment, as the executor gathers them.

use tantivy::DocId;

/// A set of documents of one segment, one bit per document.
#[derive(Clone, Debug)]
pub(crate) struct Bits {
    words: Vec<u64>,
}

impl Bits {
    /// An empty set for a segment of `max_doc` documents.
    pub(crate) fn new(max_doc: DocId) -> Bits {
        Bits {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    #[inline]
    pub(crate) fn insert(&mut self, doc: DocId) {
        let doc = doc as usize;
        if let Some(word) = self.words.get_mut(doc / 64) {
            *word |= 1 << (doc % 64);
        }
    }

    #[inline]
    pub(crate) fn contains(&self, doc: DocId) -> bool {
        let doc = doc as usize;
        self.words
            .get(doc / 64)
            .is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }

    pub(crate) fn intersect_with(&mut self, other: &Bits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word &= other;
        }
    }

    pub(crate) fn union_with(&mut self, other: &Bits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word |= other;
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.words
            .iter()
            .map(|word| u64::from(word.count_ones()))
            .sum()
    }

    /// Calls `callback` with every document, in increasing order.
    pub(crate) fn for_each(&self, callback: &mut dyn FnMut(DocId)) {
        for (index, &word) in self.words.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let bit = word.trailing_zeros();
                callback((index * 64) as DocId + bit);
                word &= word - 1;
            }
        }
    }

    /// Heap size in bytes.
    pub(crate) fn bytes(&self) -> usize {
        self.words.len() * 8
    }
}

/// A sorted set of documents that also tells each document's position in it.
#[derive(Debug)]
pub(crate) struct Ranked {
    bits: Bits,
    /// Per word of `bits`: the documents in the words before it.
    before: Vec<u32>,
}

impl Ranked {
    /// `docs` must be increasing.
    pub(crate) fn new(docs: &[DocId], max_doc: DocId) -> Ranked {
        let mut bits = Bits::new(max_doc);
        docs.iter().for_each(|&doc| bits.insert(doc));
        let mut before = Vec::with_capacity(bits.words.len());
        let mut count = 0;
        for word in &bits.words {
            before.push(count);
            count += word.count_ones();
        }
        Ranked { bits, before }
    }

    /// The position of `doc` in the set, if it is in it.
    #[inline]
    pub(crate) fn position(&self, doc: DocId) -> Option<usize> {
        let at = doc as usize;
        let word = *self.bits.words.get(at / 64)?;
        let bit = 1u64 << (at % 64);
        (word & bit != 0)
            .then(|| self.before[at / 64] as usize + (word & (bit - 1)).count_ones() as usize)
    }
}

/// Documents of one segment, as a sorted list or a bitset, whichever suits the size.
#[derive(Debug)]
pub(crate) enum DocList {
    /// Few documents, sorted and without duplicates.
    Sorted(Vec<DocId>),
    /// Many.
    Bits(Bits),
}

impl DocList {
    /// Adds every document to `documents`.
    pub(crate) fn add_to(&self, documents: &mut Bits) {
        match self {
            DocList::Sorted(docs) => docs.iter().for_each(|&doc| documents.insert(doc)),
            DocList::Bits(bits) => documents.union_with(bits),
        }
    }

    /// Heap size in bytes.
    pub(crate) fn bytes(&self) -> usize {
        match self {
            DocList::Sorted(docs) => docs.len() * 4,
            DocList::Bits(bits) => bits.bytes(),
        }
    }
}

/// Membership tests on a [`DocList`] for documents asked in increasing order.
#[derive(Debug)]
pub(crate) struct DocCursor<L> {
    list: L,
    at: usize,
}

impl<L: std::ops::Deref<Target = DocList>> DocCursor<L> {
    pub(crate) fn new(list: L) -> DocCursor<L> {
        DocCursor { list, at: 0 }
    }

    pub(crate) fn list(&self) -> &DocList {
        &self.list
    }

    /// Whether `doc` is in the list; documents must be asked in increasing order.
    #[inline]
    pub(crate) fn contains(&mut self, doc: DocId) -> bool {
        match &*self.list {
            DocList::Bits(bits) => bits.contains(doc),
            DocList::Sorted(docs) => {
                while docs.get(self.at).is_some_and(|&next| next < doc) {
                    self.at += 1;
                }
                docs.get(self.at) == Some(&doc)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_hold_what_was_inserted_and_combine() {
        let mut a = Bits::new(200);
        let mut b = Bits::new(200);
        for doc in [0, 63, 64, 130, 199] {
            a.insert(doc);
        }
        for doc in [63, 130, 150] {
            b.insert(doc);
        }
        a.insert(500); // out of range: ignored
        assert_eq!(a.count(), 5);
        assert!(a.contains(64) && !a.contains(65) && !a.contains(500));
        let mut union = a.clone();
        union.union_with(&b);
        assert_eq!(union.count(), 6);
        a.intersect_with(&b);
        let mut seen = Vec::new();
        a.for_each(&mut |doc| seen.push(doc));
        assert_eq!(seen, [63, 130]);
    }

    #[test]
    fn ranked_sets_tell_positions() {
        let ranked = Ranked::new(&[2, 64, 65, 190], 200);
        assert_eq!(ranked.position(2), Some(0));
        assert_eq!(ranked.position(64), Some(1));
        assert_eq!(ranked.position(65), Some(2));
        assert_eq!(ranked.position(190), Some(3));
        assert_eq!(ranked.position(3), None);
        assert_eq!(ranked.position(1_000), None);
    }

    #[test]
    fn cursors_answer_in_increasing_order() {
        let sorted = DocList::Sorted(vec![3, 10, 11, 40]);
        let mut cursor = DocCursor::new(&sorted);
        let found: Vec<DocId> = (0..50).filter(|&doc| cursor.contains(doc)).collect();
        assert_eq!(found, [3, 10, 11, 40]);
        let mut bits = Bits::new(50);
        [3, 10, 11, 40].into_iter().for_each(|doc| bits.insert(doc));
        let bits = DocList::Bits(bits);
        let mut cursor = DocCursor::new(&bits);
        let found: Vec<DocId> = (0..50).filter(|&doc| cursor.contains(doc)).collect();
        assert_eq!(found, [3, 10, 11, 40]);
    }
}
