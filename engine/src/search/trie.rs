//! The autocomplete trie: whole product names and brands, folded (lower case, accents
//! removed), ranked by how many products carry them plus popularity.
//!
//! A radix trie (edges labelled with byte strings, a node only where keys branch or
//! end) keeps the node count below twice the number of keys. Every node with children
//! caches its best [`CACHE_LEN`] entries of its whole subtree, so a suggestion walks the
//! prefix and copies the cache: O(prefix length + k), never a subtree walk.
//!
//! Invariants (checked by `check_invariants` in tests):
//! - every node but the root has a non-empty label, and the labels of siblings start
//!   with different bytes (children are sorted by that byte);
//! - every node but the root either ends a key or has at least two children;
//! - the cache of a node with children is exactly the best entries of its subtree, in
//!   rank order; a leaf has no cache, its own entries are its best;
//! - an entry exists only while at least one product carries it.
//!
//! Updates mark the nodes of their path dirty and recompute those caches bottom-up once
//! per batch, so a bulk load recomputes every cache once rather than once per key. A
//! popularity bump (a score that only rises) instead moves its entry up in each cache
//! on its path, in place: no sort, no allocation.

use std::cmp::Ordering;

use parking_lot::RwLock;

use super::{Suggestion, SuggestionKind};
use crate::model::fold;

/// Most suggestions one request returns.
pub const SUGGEST_LIMIT_MAX: usize = 20;
/// Longest prefix, in characters, that is looked up; a longer one has no suggestions.
pub const SUGGEST_PREFIX_CHARS_MAX: usize = 100;
/// Longest folded key, in bytes. Product names and brands are at most 200 characters,
/// so only pathological text (characters that decompose into many) is left out.
pub(crate) const TRIE_KEY_BYTES_MAX: usize = 1_024;
/// Most distinct entries: node and entry indexes are `u32`.
pub(crate) const TRIE_ENTRIES_MAX: usize = 50_000_000;
/// Most distinct spellings remembered per entry (`Café Noir`, `CAFE NOIR`…) to pick the
/// most common one as the display text.
pub(crate) const SPELLINGS_MAX: usize = 4;
/// Entries cached per node: enough for the largest request.
const CACHE_LEN: usize = SUGGEST_LIMIT_MAX;
/// "No entry" in an entry slot.
const NONE: u32 = u32::MAX;
const ROOT: u32 = 0;

const _: () = assert!(TRIE_ENTRIES_MAX < NONE as usize / 2);
const _: () = assert!(CACHE_LEN >= SUGGEST_LIMIT_MAX);

/// One change to the trie; a batch of them is applied under one lock.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TrieOp<'a> {
    /// One more product carries this text.
    Add(&'a str, SuggestionKind),
    /// One fewer product carries it.
    Remove(&'a str, SuggestionKind),
    /// Popularity (views, purchases) for every entry with this text.
    Bump(&'a str, u64),
    /// Popularity taken back (a read model rebuilt from the start).
    Unbump(&'a str, u64),
}

/// The autocomplete index: reads are concurrent, writes exclusive.
pub(crate) struct Autocomplete {
    trie: RwLock<Trie>,
}

impl std::fmt::Debug for Autocomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Autocomplete")
            .field("len", &self.len())
            .finish()
    }
}

impl Default for Autocomplete {
    fn default() -> Self {
        Self::new()
    }
}

impl Autocomplete {
    /// An empty trie.
    pub(crate) fn new() -> Self {
        Autocomplete {
            trie: RwLock::new(Trie::new()),
        }
    }

    /// One more product carries `text` as its name or brand.
    #[cfg(test)]
    pub(crate) fn add(&self, text: &str, kind: SuggestionKind) {
        self.apply([TrieOp::Add(text, kind)]);
    }

    /// One fewer product carries `text`; the entry disappears when none does.
    #[cfg(test)]
    pub(crate) fn remove(&self, text: &str, kind: SuggestionKind) {
        self.apply([TrieOp::Remove(text, kind)]);
    }

    /// Adds popularity to every entry whose key is `text` (no-op for unknown text).
    pub(crate) fn bump(&self, text: &str, weight: u64) {
        self.apply([TrieOp::Bump(text, weight)]);
    }

    /// Applies a batch of changes, recomputing each touched cache once.
    pub(crate) fn apply<'a>(&self, ops: impl IntoIterator<Item = TrieOp<'a>>) {
        let mut trie = self.trie.write();
        for op in ops {
            match op {
                TrieOp::Add(text, kind) => trie.add(text, kind),
                TrieOp::Remove(text, kind) => trie.remove(text, kind),
                TrieOp::Bump(text, weight) => trie.bump(text, weight, true),
                TrieOp::Unbump(text, weight) => trie.bump(text, weight, false),
            }
        }
        trie.refresh_caches();
    }

    /// The best completions of `prefix` (case and accents ignored), at most `limit`
    /// (itself at most [`SUGGEST_LIMIT_MAX`]): highest score first, ties by text.
    pub(crate) fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        let limit = limit.min(SUGGEST_LIMIT_MAX);
        if limit == 0 || prefix.chars().nth(SUGGEST_PREFIX_CHARS_MAX).is_some() {
            return Vec::new();
        }
        let folded = fold_prefix(prefix);
        self.trie.read().suggest(folded.as_bytes(), limit)
    }

    /// The number of distinct entries (keys per kind).
    pub(crate) fn len(&self) -> usize {
        self.trie.read().live_entries
    }
}

/// The key of a name or brand: folded, whitespace trimmed and collapsed to one space.
pub(crate) fn fold_key(text: &str) -> String {
    let folded = fold(text);
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A typed prefix folded like a key, except that a trailing space is kept: `studio `
/// must not complete to `studioline`.
pub(crate) fn fold_prefix(prefix: &str) -> String {
    let folded = fold(prefix);
    let mut key = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    if !key.is_empty() && folded.ends_with(char::is_whitespace) {
        key.push(' ');
    }
    key
}

struct Node {
    /// The bytes on the edge from the parent; empty only at the root.
    label: Box<[u8]>,
    /// (first byte of the child's label, child), sorted by byte.
    children: Vec<(u8, u32)>,
    /// The entries ending here, by kind ([`kind_slot`]); [`NONE`] if absent.
    entries: [u32; 2],
    /// Best entries of the subtree, in rank order; empty for a leaf.
    top: Box<[u32]>,
    /// On the path of a change since the caches were last refreshed.
    dirty: bool,
}

struct Entry {
    /// Spellings and how many products use each; the first is the display text (most
    /// common, ties by text).
    spellings: Vec<(Box<str>, u64)>,
    /// Products carrying this key (including spellings beyond [`SPELLINGS_MAX`]).
    products: u64,
    /// Popularity added by [`Autocomplete::bump`].
    bumps: u64,
    kind: SuggestionKind,
}

impl Entry {
    fn score(&self) -> u64 {
        self.products.saturating_add(self.bumps)
    }

    fn display(&self) -> &str {
        self.spellings.first().map_or("", |(text, _)| text)
    }

    fn count_spelling(&mut self, text: &str, delta: i8) {
        match self
            .spellings
            .iter()
            .position(|(known, _)| &**known == text)
        {
            Some(index) if delta > 0 => self.spellings[index].1 += 1,
            // The last spelling stays while any product carries the key, so there is
            // always a display text; its count may then read 0.
            Some(index) if self.spellings[index].1 <= 1 && self.spellings.len() > 1 => {
                self.spellings.remove(index);
            }
            Some(index) => self.spellings[index].1 = self.spellings[index].1.saturating_sub(1),
            None if delta > 0 && self.spellings.len() < SPELLINGS_MAX => {
                self.spellings.push((text.into(), 1));
            }
            None => {}
        }
        self.spellings
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
}

fn kind_slot(kind: SuggestionKind) -> usize {
    match kind {
        SuggestionKind::Product => 0,
        SuggestionKind::Brand => 1,
    }
}

struct Trie {
    nodes: Vec<Node>,
    free_nodes: Vec<u32>,
    entries: Vec<Entry>,
    free_entries: Vec<u32>,
    live_entries: usize,
}

impl Trie {
    fn new() -> Self {
        let root = Node::new(Box::from([]));
        Trie {
            nodes: vec![root],
            free_nodes: Vec::new(),
            entries: Vec::new(),
            free_entries: Vec::new(),
            live_entries: 0,
        }
    }

    fn node(&self, id: u32) -> &Node {
        &self.nodes[id as usize]
    }

    fn node_mut(&mut self, id: u32) -> &mut Node {
        &mut self.nodes[id as usize]
    }

    fn add(&mut self, text: &str, kind: SuggestionKind) {
        let Some(key) = usable_key(text) else { return };
        let display = text.trim();
        let existing = self
            .find(key.as_bytes())
            .map(|path| self.node(path[path.len() - 1]));
        let has_entry = existing.is_some_and(|node| node.entries[kind_slot(kind)] != NONE);
        if !has_entry && self.live_entries >= TRIE_ENTRIES_MAX {
            tracing::warn!(
                entries = self.live_entries,
                "autocomplete is full; key not added"
            );
            return;
        }
        let node = self.insert_path(key.as_bytes());
        let slot = self.node(node).entries[kind_slot(kind)];
        if slot == NONE {
            let entry = self.new_entry(display, kind);
            self.node_mut(node).entries[kind_slot(kind)] = entry;
        } else {
            let entry = &mut self.entries[slot as usize];
            entry.products = entry.products.saturating_add(1);
            entry.count_spelling(display, 1);
        }
    }

    fn remove(&mut self, text: &str, kind: SuggestionKind) {
        let Some(key) = usable_key(text) else { return };
        let Some(path) = self.find(key.as_bytes()) else {
            tracing::debug!(key, "autocomplete remove of an unknown key");
            return;
        };
        let node = path[path.len() - 1];
        let slot = self.node(node).entries[kind_slot(kind)];
        if slot == NONE {
            return;
        }
        let entry = &mut self.entries[slot as usize];
        entry.products = entry.products.saturating_sub(1);
        if entry.products > 0 {
            entry.count_spelling(text.trim(), -1);
        } else {
            entry.spellings = Vec::new();
            self.free_entries.push(slot);
            self.live_entries -= 1;
            self.node_mut(node).entries[kind_slot(kind)] = NONE;
        }
        for &id in &path {
            self.node_mut(id).dirty = true;
        }
        self.prune(&path);
    }

    fn bump(&mut self, text: &str, weight: u64, add: bool) {
        let Some(key) = usable_key(text) else { return };
        let Some(path) = self.find(key.as_bytes()) else {
            return;
        };
        let node = path[path.len() - 1];
        for slot in self.node(node).entries {
            if slot == NONE {
                continue;
            }
            let entry = &mut self.entries[slot as usize];
            if add {
                entry.bumps = entry.bumps.saturating_add(weight);
                // Views and purchases bump all the time; re-sorting every cache on
                // the path for each of them was the popularity subscriber's whole
                // cost. One entry at a time: the caches must be exact but for it.
                for &id in &path {
                    self.raise_in_cache(id, slot);
                }
            } else {
                entry.bumps = entry.bumps.saturating_sub(weight);
                for &id in &path {
                    self.node_mut(id).dirty = true;
                }
            }
        }
    }

    /// Puts `slot`, whose score just rose, in its place in the cache of `node` (an
    /// ancestor of its entry), in place. Exact because only `slot` moved, and only up:
    /// every entry outside the cache still ranks below every cached one other than
    /// `slot`, so the new best are the old ones with `slot` moved up or taking the last
    /// place. A node already dirty is left to the refresh.
    fn raise_in_cache(&mut self, node: u32, slot: u32) {
        let current = self.node(node);
        if current.dirty || current.children.is_empty() {
            return;
        }
        let top = &current.top;
        let mut at = match top.iter().position(|&cached| cached == slot) {
            Some(at) => at,
            None if top.len() == CACHE_LEN
                && self.rank(slot, top[CACHE_LEN - 1]) == Ordering::Less =>
            {
                CACHE_LEN - 1
            }
            None if top.len() == CACHE_LEN => return,
            None => {
                // A cache shorter than CACHE_LEN holds the whole subtree, `slot`
                // included; if it does not, recompute rather than guess.
                self.node_mut(node).dirty = true;
                return;
            }
        };
        let mut top = std::mem::take(&mut self.node_mut(node).top);
        top[at] = slot;
        while at > 0 && self.rank(slot, top[at - 1]) == Ordering::Less {
            top.swap(at, at - 1);
            at -= 1;
        }
        self.node_mut(node).top = top;
    }

    fn new_entry(&mut self, display: &str, kind: SuggestionKind) -> u32 {
        let entry = Entry {
            spellings: vec![(display.into(), 1)],
            products: 1,
            bumps: 0,
            kind,
        };
        self.live_entries += 1;
        if let Some(slot) = self.free_entries.pop() {
            self.entries[slot as usize] = entry;
            return slot;
        }
        self.entries.push(entry);
        u32::try_from(self.entries.len() - 1).expect("entries are capped below u32::MAX")
    }

    fn new_node(&mut self, node: Node) -> u32 {
        if let Some(id) = self.free_nodes.pop() {
            self.nodes[id as usize] = node;
            return id;
        }
        self.nodes.push(node);
        // At most two nodes per entry plus the root, and entries are capped.
        u32::try_from(self.nodes.len() - 1).expect("nodes are capped below u32::MAX")
    }

    fn child(&self, node: u32, byte: u8) -> Result<u32, usize> {
        let children = &self.node(node).children;
        children
            .binary_search_by_key(&byte, |&(first, _)| first)
            .map(|index| children[index].1)
    }

    /// The path (root first) to the node where `key` ends exactly, if it does.
    fn find(&self, key: &[u8]) -> Option<Vec<u32>> {
        let mut path = vec![ROOT];
        let mut rest = key;
        while let Some(&first) = rest.first() {
            let child = self.child(path[path.len() - 1], first).ok()?;
            rest = rest.strip_prefix(&*self.node(child).label)?;
            path.push(child);
        }
        Some(path)
    }

    /// The node where `key` ends, created (splitting an edge if needed); every node on
    /// the way is marked dirty.
    fn insert_path(&mut self, key: &[u8]) -> u32 {
        let mut node = ROOT;
        let mut rest = key;
        loop {
            self.node_mut(node).dirty = true;
            let Some(&first) = rest.first() else {
                return node;
            };
            let child = match self.child(node, first) {
                Ok(child) => child,
                Err(index) => {
                    let leaf = self.new_node(Node::new(rest.into()));
                    self.node_mut(node).children.insert(index, (first, leaf));
                    self.node_mut(leaf).dirty = true;
                    return leaf;
                }
            };
            let label = &self.node(child).label;
            let common = label.iter().zip(rest).take_while(|(a, b)| a == b).count();
            if common < label.len() {
                self.split(node, child, common);
            }
            node = self
                .child(node, first)
                .expect("the child or its split is there");
            rest = &rest[common..];
        }
    }

    /// Puts a new node between `parent` and `child`, taking the first `at` bytes of the
    /// child's label.
    fn split(&mut self, parent: u32, child: u32, at: usize) {
        let label = std::mem::take(&mut self.node_mut(child).label);
        let (head, tail) = label.split_at(at);
        let mut middle = Node::new(head.into());
        middle.children.push((tail[0], child));
        self.node_mut(child).label = tail.into();
        let middle = self.new_node(middle);
        let first = head[0];
        let parent_node = self.node_mut(parent);
        let index = parent_node
            .children
            .binary_search_by_key(&first, |&(byte, _)| byte)
            .expect("the split child hangs under this byte");
        parent_node.children[index].1 = middle;
    }

    /// After an entry left the last node of `path`: drops nodes that no longer end a
    /// key nor branch, so churn does not leak nodes.
    fn prune(&mut self, path: &[u32]) {
        let mut index = path.len() - 1;
        while index > 0 {
            let (node, parent) = (path[index], path[index - 1]);
            let current = self.node(node);
            let ends_key = current.entries.iter().any(|&slot| slot != NONE);
            match (ends_key, current.children.len()) {
                (false, 0) => {
                    let first = current.label[0];
                    let siblings = &mut self.node_mut(parent).children;
                    siblings.retain(|&(byte, _)| byte != first);
                    self.release(node);
                }
                (false, 1) => {
                    self.merge_with_only_child(node);
                    return;
                }
                _ => return,
            }
            index -= 1;
        }
    }

    fn merge_with_only_child(&mut self, node: u32) {
        let (_, child) = self.node(node).children[0];
        let child_node = std::mem::replace(self.node_mut(child), Node::new(Box::from([])));
        let merged = self.node_mut(node);
        let mut label = std::mem::take(&mut merged.label).into_vec();
        label.extend_from_slice(&child_node.label);
        merged.label = label.into_boxed_slice();
        merged.children = child_node.children;
        merged.entries = child_node.entries;
        merged.top = child_node.top;
        merged.dirty = true;
        self.release(child);
    }

    fn release(&mut self, node: u32) {
        self.nodes[node as usize] = Node::new(Box::from([]));
        self.free_nodes.push(node);
    }

    /// Recomputes the cache of every dirty node, children before parents. Dirty nodes
    /// form subtrees hanging from the root (a change marks its whole path), so a walk
    /// from the root that only enters dirty children finds them all.
    fn refresh_caches(&mut self) {
        if !self.node(ROOT).dirty {
            return;
        }
        let mut stack = vec![(ROOT, false)];
        let mut scratch = Vec::new();
        while let Some((node, children_done)) = stack.pop() {
            if children_done {
                self.recompute(node, &mut scratch);
                continue;
            }
            stack.push((node, true));
            for &(_, child) in &self.node(node).children {
                if self.node(child).dirty {
                    stack.push((child, false));
                }
            }
        }
    }

    fn recompute(&mut self, node: u32, scratch: &mut Vec<u32>) {
        scratch.clear();
        let current = self.node(node);
        let top: Box<[u32]> = if current.children.is_empty() {
            Box::from([])
        } else {
            scratch.extend(current.entries.iter().copied().filter(|&slot| slot != NONE));
            for &(_, child) in &current.children {
                self.push_best(child, scratch);
            }
            scratch.sort_unstable_by(|&a, &b| self.rank(a, b));
            scratch.truncate(CACHE_LEN);
            scratch.as_slice().into()
        };
        let current = self.node_mut(node);
        current.top = top;
        current.dirty = false;
    }

    /// Appends the best entries of `node`'s subtree, in rank order.
    fn push_best(&self, node: u32, out: &mut Vec<u32>) {
        let current = self.node(node);
        if !current.children.is_empty() {
            out.extend_from_slice(&current.top);
            return;
        }
        let start = out.len();
        out.extend(current.entries.iter().copied().filter(|&slot| slot != NONE));
        out[start..].sort_unstable_by(|&a, &b| self.rank(a, b));
    }

    /// Rank order: higher score first, then display text, then kind.
    fn rank(&self, a: u32, b: u32) -> Ordering {
        let (a, b) = (&self.entries[a as usize], &self.entries[b as usize]);
        b.score()
            .cmp(&a.score())
            .then_with(|| a.display().cmp(b.display()))
            .then_with(|| a.kind.cmp(&b.kind))
    }

    fn suggest(&self, prefix: &[u8], limit: usize) -> Vec<Suggestion> {
        let mut node = ROOT;
        let mut rest = prefix;
        while let Some(&first) = rest.first() {
            let Ok(child) = self.child(node, first) else {
                return Vec::new();
            };
            let label = &self.node(child).label;
            if rest.len() <= label.len() {
                if !label.starts_with(rest) {
                    return Vec::new();
                }
                rest = &[];
            } else {
                let Some(after) = rest.strip_prefix(&**label) else {
                    return Vec::new();
                };
                rest = after;
            }
            node = child;
        }
        let mut best = Vec::with_capacity(CACHE_LEN);
        self.push_best(node, &mut best);
        best.into_iter()
            .take(limit)
            .map(|slot| {
                let entry = &self.entries[slot as usize];
                Suggestion {
                    text: entry.display().to_owned(),
                    kind: entry.kind,
                    score: entry.score(),
                }
            })
            .collect()
    }
}

impl Node {
    fn new(label: Box<[u8]>) -> Node {
        Node {
            label,
            children: Vec::new(),
            entries: [NONE; 2],
            top: Box::from([]),
            dirty: true,
        }
    }
}

/// The key of `text`, or `None` if it cannot be a key (blank or beyond the length cap).
fn usable_key(text: &str) -> Option<String> {
    let key = fold_key(text);
    if key.is_empty() || key.len() > TRIE_KEY_BYTES_MAX {
        return None;
    }
    Some(key)
}

#[cfg(test)]
mod tests;
