//! Tests of the autocomplete trie: behaviour on hand-picked names, a model-based
//! property test against a plain map (suggestions, caches and structural invariants after
//! every batch), and the prefix property over arbitrary Unicode names.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use SuggestionKind::{Brand, Product};

impl Trie {
    /// Checks every invariant of the module docs; panics with the first broken one.
    fn check_invariants(&self) {
        let mut stack = vec![ROOT];
        let mut reachable_entries = 0;
        while let Some(id) = stack.pop() {
            let node = self.node(id);
            assert!(!node.dirty, "node {id} left dirty");
            if id != ROOT {
                assert!(!node.label.is_empty(), "empty label below the root");
                let ends = node.entries.iter().any(|&slot| slot != NONE);
                assert!(
                    ends || node.children.len() >= 2,
                    "node {id} neither ends nor branches"
                );
            }
            let bytes: Vec<u8> = node.children.iter().map(|&(byte, _)| byte).collect();
            assert!(
                bytes.windows(2).all(|pair| pair[0] < pair[1]),
                "children out of order"
            );
            for &(byte, child) in &node.children {
                assert_eq!(
                    self.node(child).label[0],
                    byte,
                    "child filed under the wrong byte"
                );
            }
            for &slot in node.entries.iter().filter(|&&slot| slot != NONE) {
                assert!(
                    self.entries[slot as usize].products > 0,
                    "entry without products"
                );
                reachable_entries += 1;
            }
            let mut subtree = Vec::new();
            self.collect_subtree(id, &mut subtree);
            subtree.sort_by(|&a, &b| self.rank(a, b));
            subtree.truncate(CACHE_LEN);
            let mut best = Vec::new();
            self.push_best(id, &mut best);
            let best_len = best.len().min(CACHE_LEN);
            assert_eq!(best[..best_len], subtree[..], "stale cache at node {id}");
            stack.extend(node.children.iter().map(|&(_, child)| child));
        }
        assert_eq!(reachable_entries, self.live_entries);
    }

    fn collect_subtree(&self, id: u32, out: &mut Vec<u32>) {
        let node = self.node(id);
        out.extend(node.entries.iter().copied().filter(|&slot| slot != NONE));
        for &(_, child) in &node.children {
            self.collect_subtree(child, out);
        }
    }

    fn live_nodes(&self) -> usize {
        self.nodes.len() - self.free_nodes.len()
    }
}

fn texts(suggestions: &[Suggestion]) -> Vec<&str> {
    suggestions.iter().map(|s| s.text.as_str()).collect()
}

fn trie_of(names: &[&str]) -> Autocomplete {
    let autocomplete = Autocomplete::new();
    autocomplete.apply(names.iter().map(|name| TrieOp::Add(name, Product)));
    autocomplete
}

#[test]
fn completes_whole_names_from_a_prefix_of_words() {
    let autocomplete = trie_of(&["Studio Headphones Pro", "Studio Monitor", "Stand"]);
    let found = autocomplete.suggest("studio head", 10);
    assert_eq!(texts(&found), ["Studio Headphones Pro"]);
    assert_eq!(found[0].kind, Product);
    assert_eq!(found[0].score, 1);
    assert_eq!(
        texts(&autocomplete.suggest("stu", 10)),
        ["Studio Headphones Pro", "Studio Monitor"]
    );
    assert_eq!(autocomplete.suggest("s", 10).len(), 3);
    assert!(
        autocomplete.suggest("headphones", 10).is_empty(),
        "never a mid-word match"
    );
    assert!(autocomplete.suggest("studio x", 10).is_empty());
    assert_eq!(
        texts(&autocomplete.suggest("studio ", 10)).len(),
        2,
        "trailing space kept"
    );
    assert!(trie_of(&["Studioline"]).suggest("studio ", 10).is_empty());
}

#[test]
fn ignores_case_and_accents_both_ways() {
    let autocomplete = trie_of(&["Café Noir", "ÉCLAIR", "cafetière"]);
    assert_eq!(
        texts(&autocomplete.suggest("cafe", 10)),
        ["Café Noir", "cafetière"]
    );
    assert_eq!(texts(&autocomplete.suggest("CAFÉ N", 10)), ["Café Noir"]);
    assert_eq!(texts(&autocomplete.suggest("ecl", 10)), ["ÉCLAIR"]);
    assert_eq!(
        texts(&autocomplete.suggest("  café   noir", 10)),
        ["Café Noir"]
    );
}

#[test]
fn counts_products_and_forgets_a_key_at_zero() {
    let autocomplete = Autocomplete::new();
    autocomplete.add("Acme", Brand);
    autocomplete.add("ACME", Brand);
    autocomplete.add("Acme", Brand);
    autocomplete.add("Acme", Product);
    assert_eq!(autocomplete.len(), 2, "one entry per key and kind");
    let found = autocomplete.suggest("ac", 10);
    assert_eq!(
        found[0],
        Suggestion {
            text: "Acme".into(),
            kind: Brand,
            score: 3
        }
    );
    assert_eq!(
        found[1],
        Suggestion {
            text: "Acme".into(),
            kind: Product,
            score: 1
        }
    );
    autocomplete.remove("Acme", Brand);
    autocomplete.remove("Acme", Brand);
    let found = autocomplete.suggest("ac", 10);
    assert_eq!(
        (found[0].text.as_str(), found[0].score),
        ("ACME", 1),
        "display follows the count"
    );
    autocomplete.remove("ACME", Brand);
    autocomplete.remove("Acme", Product);
    assert!(autocomplete.suggest("ac", 10).is_empty());
    assert_eq!(autocomplete.len(), 0);
    autocomplete.remove("Acme", Product);
    assert_eq!(autocomplete.len(), 0, "an extra remove is harmless");
}

#[test]
fn bumps_reorder_and_ties_go_by_text() {
    let autocomplete = trie_of(&["Lamp B", "Lamp A", "Lamp C"]);
    assert_eq!(
        texts(&autocomplete.suggest("lamp", 10)),
        ["Lamp A", "Lamp B", "Lamp C"]
    );
    autocomplete.bump("lamp c", 5);
    autocomplete.bump("LAMP B", 2);
    autocomplete.bump("Lamp Z", 100);
    assert_eq!(
        texts(&autocomplete.suggest("lamp", 10)),
        ["Lamp C", "Lamp B", "Lamp A"]
    );
    assert_eq!(autocomplete.suggest("lamp", 10)[0].score, 6);
    assert_eq!(autocomplete.len(), 3, "bumping an unknown key adds nothing");
}

#[test]
fn respects_the_limits() {
    let names: Vec<String> = (0..50).map(|n| format!("Item {n:02}")).collect();
    let autocomplete = Autocomplete::new();
    autocomplete.apply(names.iter().map(|name| TrieOp::Add(name, Product)));
    assert_eq!(autocomplete.suggest("item", 5).len(), 5);
    assert_eq!(autocomplete.suggest("item", 1_000).len(), SUGGEST_LIMIT_MAX);
    assert!(autocomplete.suggest("item", 0).is_empty());
    let long = "i".repeat(SUGGEST_PREFIX_CHARS_MAX + 1);
    assert!(autocomplete.suggest(&long, 10).is_empty());
    assert!(
        trie_of(&[&"x".repeat(TRIE_KEY_BYTES_MAX + 1)])
            .suggest("x", 10)
            .is_empty()
    );
    assert!(
        trie_of(&["   "]).suggest("", 10).is_empty(),
        "blank text is no key"
    );
}

#[test]
fn removing_everything_frees_every_node() {
    let names = ["abc", "abd", "ab", "a", "b", "abcdef", "xyz"];
    let autocomplete = trie_of(&names);
    autocomplete.trie.read().check_invariants();
    for name in names {
        autocomplete.remove(name, Product);
        autocomplete.trie.read().check_invariants();
    }
    assert_eq!(
        autocomplete.trie.read().live_nodes(),
        1,
        "only the root is left"
    );
    autocomplete.add("abc", Product);
    assert_eq!(
        texts(&autocomplete.suggest("a", 10)),
        ["abc"],
        "freed slots are reused"
    );
}

/// A plain model: (key, kind) → (spelling → products, bumps).
#[derive(Default)]
struct Model {
    entries: BTreeMap<(String, SuggestionKind), (BTreeMap<String, u64>, u64)>,
}

impl Model {
    fn apply(&mut self, op: TrieOp<'_>) {
        let (TrieOp::Add(text, _)
        | TrieOp::Remove(text, _)
        | TrieOp::Bump(text, _)
        | TrieOp::Unbump(text, _)) = op;
        if fold_key(text).is_empty() {
            return; // blank text is no key
        }
        match op {
            TrieOp::Add(text, kind) => {
                let entry = self.entries.entry((fold_key(text), kind)).or_default();
                *entry.0.entry(text.trim().to_owned()).or_default() += 1;
            }
            TrieOp::Remove(text, kind) => {
                let key = (fold_key(text), kind);
                let Some(entry) = self.entries.get_mut(&key) else {
                    return;
                };
                let spelling = text.trim();
                let count = entry
                    .0
                    .get_mut(spelling)
                    .expect("the generator removes what it added");
                *count -= 1;
                if *count == 0 {
                    entry.0.remove(spelling);
                }
                if entry.0.is_empty() {
                    self.entries.remove(&key);
                }
            }
            TrieOp::Bump(text, weight) => {
                for ((key, _), entry) in self.entries.iter_mut() {
                    if *key == fold_key(text) {
                        entry.1 += weight;
                    }
                }
            }
            TrieOp::Unbump(text, weight) => {
                for ((key, _), entry) in self.entries.iter_mut() {
                    if *key == fold_key(text) {
                        entry.1 = entry.1.saturating_sub(weight);
                    }
                }
            }
        }
    }

    fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        let folded = fold_prefix(prefix);
        let mut found: Vec<Suggestion> = self
            .entries
            .iter()
            .filter(|((key, _), _)| key.starts_with(&folded))
            .map(|((_, kind), (spellings, bumps))| {
                let products: u64 = spellings.values().sum();
                let display = spellings
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                    .map(|(text, _)| text.clone())
                    .unwrap_or_default();
                Suggestion {
                    text: display,
                    kind: *kind,
                    score: products + bumps,
                }
            })
            .collect();
        found.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| a.text.cmp(&b.text))
                .then_with(|| a.kind.cmp(&b.kind))
        });
        found.truncate(limit.min(SUGGEST_LIMIT_MAX));
        found
    }
}

/// A lower-case word with one of four spellings, so no key has more spellings than
/// the trie remembers.
fn spelled(word: &str, variant: u8) -> String {
    match variant % 4 {
        0 => word.to_owned(),
        1 => word.to_uppercase(),
        2 => word.replace('a', "á"),
        _ => {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// (text, kind for an add or remove, bump weight, add? (for a bump: unbump?)).
type Planned = (String, Option<SuggestionKind>, u64, bool);

fn as_op((text, kind, weight, add): &Planned) -> TrieOp<'_> {
    match kind {
        Some(kind) if *add => TrieOp::Add(text, *kind),
        Some(kind) => TrieOp::Remove(text, *kind),
        None if *add => TrieOp::Unbump(text, *weight),
        None => TrieOp::Bump(text, *weight),
    }
}

#[derive(Clone, Debug)]
enum Step {
    Add(String, u8, bool),
    Remove(usize),
    Bump(String, u64),
    Unbump(String, u64),
}

fn step() -> impl Strategy<Value = Step> {
    let word = "[ab c]{1,5}";
    prop_oneof![
        4 => (word, any::<u8>(), any::<bool>()).prop_map(|(w, v, b)| Step::Add(w, v, b)),
        2 => any::<usize>().prop_map(Step::Remove),
        3 => (word, 0u64..6).prop_map(|(w, weight)| Step::Bump(w, weight)),
        1 => (word, 0u64..4).prop_map(|(w, weight)| Step::Unbump(w, weight)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The trie against the model, after every batch of random adds, removes and
    /// bumps: same suggestions for every prefix, caches exact, invariants kept.
    #[test]
    fn matches_a_plain_model(batches in prop::collection::vec(prop::collection::vec(step(), 1..8), 1..12)) {
        let autocomplete = Autocomplete::new();
        let mut model = Model::default();
        let mut carried: Vec<(String, SuggestionKind)> = Vec::new();
        for batch in batches {
            let mut ops: Vec<Planned> = Vec::new();
            for step in batch {
                match step {
                    Step::Add(word, variant, brand) => {
                        let kind = if brand { Brand } else { Product };
                        carried.push((spelled(&word, variant), kind));
                        ops.push((spelled(&word, variant), Some(kind), 0, true));
                    }
                    Step::Remove(index) if !carried.is_empty() => {
                        let (text, kind) = carried.swap_remove(index % carried.len());
                        ops.push((text, Some(kind), 0, false));
                    }
                    Step::Remove(_) => {}
                    Step::Bump(word, weight) => ops.push((word, None, weight, false)),
                    Step::Unbump(word, weight) => ops.push((word, None, weight, true)),
                }
            }
            autocomplete.apply(ops.iter().map(as_op));
            for op in ops.iter().map(as_op) {
                model.apply(op);
            }
            autocomplete.trie.read().check_invariants();
            prop_assert_eq!(autocomplete.len(), model.entries.len());
            for prefix in ["", "a", "b", "c", " ", "á", "A", "ab", "ba", "a b", "abc", "aa", "bb", "c "] {
                prop_assert_eq!(autocomplete.suggest(prefix, 7), model.suggest(prefix, 7), "prefix {:?}", prefix);
            }
        }
    }

    /// Every suggestion starts with the prefix, case and accents ignored, whatever
    /// the names and the prefix; and a name is found from any prefix of itself.
    #[test]
    fn every_suggestion_starts_with_the_prefix(
        names in prop::collection::vec("\\PC{1,12}", 1..30),
        cut in 0usize..12,
        pick in any::<prop::sample::Index>(),
        random_prefix in "\\PC{0,4}",
    ) {
        let autocomplete = Autocomplete::new();
        autocomplete.apply(names.iter().map(|name| TrieOp::Add(name, Product)));
        let name = pick.get(&names);
        let prefix: String = name.chars().take(cut).collect();
        for prefix in [prefix.as_str(), random_prefix.as_str()] {
            let folded = fold_prefix(prefix);
            for suggestion in autocomplete.suggest(prefix, SUGGEST_LIMIT_MAX) {
                prop_assert!(fold_key(&suggestion.text).starts_with(&folded), "{:?} for {:?}", suggestion.text, prefix);
            }
        }
        let found = autocomplete.suggest(&prefix, SUGGEST_LIMIT_MAX);
        let key = fold_key(name);
        // A trailing space in the prefix that the name lacks rightly finds nothing.
        let reachable = key.starts_with(&fold_prefix(&prefix));
        if !key.is_empty() && reachable && names.len() <= SUGGEST_LIMIT_MAX {
            prop_assert!(found.iter().any(|s| fold_key(&s.text) == key), "{:?} not found from {:?}", name, prefix);
        }
    }
}

/// Resident memory of this process, in bytes (Linux), for the scale test.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// `count` generated (name, brand) pairs: shared words, unique model numbers, 5,000
/// brands.
fn synthetic_products(count: u64) -> Vec<(String, String)> {
    const WORDS: [&str; 16] = [
        "studio", "wireless", "classic", "portable", "smart", "deluxe", "compact", "ultra",
        "vintage", "organic", "pro", "mini", "max", "eco", "steel", "cotton",
    ];
    const NOUNS: [&str; 12] = [
        "headphones",
        "lamp",
        "kettle",
        "speaker",
        "chair",
        "backpack",
        "watch",
        "mug",
        "charger",
        "blender",
        "jacket",
        "camera",
    ];
    let mut random = xorshift(0x9E37_79B9_7F4A_7C15);
    (0..count)
        .map(|n| {
            let (a, b, c) = (random() as usize, random() as usize, random() as usize);
            let (first, second) = (WORDS[a % WORDS.len()], WORDS[b % WORDS.len()]);
            let series = ["X", "Z", "Q", "K"][a % 4];
            let name = format!("{first} {second} {} {series}{n}", NOUNS[c % NOUNS.len()]);
            (name, format!("Brand {}", b % 5_000))
        })
        .collect()
}

fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// The budget at scale: 1M product names and their brands, p99 of a suggestion under
/// 50 µs. Slow to build unoptimized, so run on demand:
/// `cargo test --release -p emporium million -- --ignored --nocapture`.
#[test]
#[ignore]
fn a_million_products_suggest_within_budget() {
    let products = synthetic_products(1_000_000);
    let before = resident_bytes();
    let started = std::time::Instant::now();
    let autocomplete = Autocomplete::new();
    let adds = products
        .iter()
        .flat_map(|(name, brand)| [TrieOp::Add(name, Product), TrieOp::Add(brand, Brand)]);
    autocomplete.apply(adds);
    let build = started.elapsed();
    let grown = resident_bytes()
        .zip(before)
        .map(|(after, before)| after.saturating_sub(before));
    let mut random = xorshift(7);
    let mut latencies = Vec::new();
    for round in 0..100_000usize {
        let (name, _) = &products[random() as usize % products.len()];
        let prefix: String = name.chars().take(1 + round % 14).collect();
        let started = std::time::Instant::now();
        let found = autocomplete.suggest(&prefix, 10);
        latencies.push(started.elapsed());
        assert!(!found.is_empty());
    }
    latencies.sort();
    let p50 = latencies[latencies.len() / 2];
    let p99 = latencies[latencies.len() * 99 / 100];
    let nodes = autocomplete.trie.read().live_nodes();
    let megabytes = grown.map(|bytes| bytes / 1_000_000);
    let entries = autocomplete.len();
    eprintln!("entries {entries} nodes {nodes} build {build:?} memory {megabytes:?} MB");
    eprintln!(
        "p50 {p50:?} p99 {p99:?} max {:?}",
        latencies[latencies.len() - 1]
    );
    assert!(p99 < std::time::Duration::from_micros(50), "p99 {p99:?}");
}
