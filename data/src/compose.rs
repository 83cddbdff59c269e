//! Turning a leaf and a random stream into the fields of one product.
//!
//! Each function draws from the product's own [`Rng`], so the order of the calls in
//! [`crate::product`] is part of the output format: changing it changes every catalog.

use std::collections::BTreeMap;

use crate::rng::Rng;
use crate::taxonomy::Leaf;
use crate::vocab::{BOOK_PLACES, Kind, Style, Vocab, vocab};

/// Where image URLs point; the SKU and a 1-based number complete them.
const IMAGE_BASE: &str = "https://img.emporium.example/p/";

/// The facts one product's name, attributes and description must agree on, drawn once
/// so that a "Cast Iron Skillet - Red" really has `material: cast iron, color: red`.
#[derive(Debug)]
pub(crate) struct Traits {
    pub color: Option<&'static str>,
    pub material: Option<&'static str>,
    pub size: Option<&'static str>,
    pub weight_g: u64,
    pub warranty_years: Option<u64>,
    /// Whether the name shows the color, material and size: those become required
    /// attributes, so what a shopper reads in the name can also be filtered on.
    pub shows_color: bool,
    pub shows_material: bool,
    pub shows_size: bool,
}

/// Draws the traits of a product of `leaf`.
pub(crate) fn traits(rng: &mut Rng, leaf: &Leaf) -> Traits {
    let vocab = vocab(leaf.kind);
    let color = maybe_pick(rng, vocab.colors);
    let material = maybe_pick(rng, leaf.materials);
    let size = maybe_pick(rng, leaf.sizes);
    let style = &vocab.style;
    Traits {
        color,
        material,
        size,
        // ±40% around the leaf's typical weight: a 1-person tent is lighter than a
        // 6-person one, and exact repeats would look synthetic.
        weight_g: (leaf.grams * rng.range(60, 140) / 100).max(1),
        warranty_years: maybe_pick(rng, vocab.warranty_years),
        shows_color: color.is_some() && rng.chance(style.color),
        shows_material: material.is_some() && rng.chance(style.material),
        shows_size: size.is_some() && rng.chance(style.size),
    }
}

/// One element of `items`, or `None` when there is nothing to pick.
fn maybe_pick<T: Copy>(rng: &mut Rng, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| *rng.pick(items))
}

/// The product name, and the same name without its trailing color or format note
/// (descriptions use that one: "Meet the Studio Headphones Pro" reads better without
/// " - Black").
pub(crate) fn name(rng: &mut Rng, leaf: &Leaf, traits: &Traits) -> (String, String) {
    let vocab = vocab(leaf.kind);
    if leaf.kind == Kind::Book {
        return book_title(rng, leaf, vocab);
    }
    let noun = *rng.pick(leaf.nouns);
    let core = match traits.material.filter(|_| traits.shows_material) {
        Some(material) => format!("{} {noun}", title_case(material)),
        None => noun.to_string(),
    };
    let pool = if leaf.adjectives.is_empty() {
        vocab.adjectives
    } else {
        leaf.adjectives
    };
    let mut name = adjectives(rng, pool, &vocab.style, &core);
    name.push_str(&core);
    // A parenthesized suffix is a format note ("(Hardcover)"): it goes last and, like
    // the color, stays out of the name the description repeats.
    let mut note = None;
    if rng.chance(vocab.style.suffix) {
        let suffix = *rng.pick(vocab.suffixes);
        if suffix.starts_with('(') {
            note = Some(suffix);
        } else if !repeats(&name, suffix) {
            name.push(' ');
            name.push_str(suffix);
        }
    }
    if let Some(size) = traits.size.filter(|_| traits.shows_size) {
        name.push(' ');
        name.push_str(size);
    }
    let base = name.clone();
    if let Some(note) = note {
        name.push(' ');
        name.push_str(note);
    }
    if let Some(color) = traits.color.filter(|_| traits.shows_color) {
        name.push_str(" - ");
        name.push_str(&title_case(color));
    }
    (name, base)
}

/// Zero, one or two adjectives (each followed by a space) that `core` does not
/// already contain, so there is no "Sport Sport Earbuds".
fn adjectives(rng: &mut Rng, pool: &[&str], style: &Style, core: &str) -> String {
    let mut out = String::new();
    if !rng.chance(style.adjective) {
        return out;
    }
    let (first, second) = rng.pick_two(pool);
    let chosen: &[&str] = if rng.chance(style.second_adjective) {
        &[first, second]
    } else {
        &[first]
    };
    for adjective in chosen {
        if !repeats(core, adjective) && !repeats(&out, adjective) {
            out.push_str(adjective);
            out.push(' ');
        }
    }
    out
}

/// Whether any word of `phrase` is already a word of `text` (words split at spaces and
/// hyphens, compared ignoring ASCII case).
fn repeats(text: &str, phrase: &str) -> bool {
    phrase.split([' ', '-']).any(|part| {
        text.split([' ', '-'])
            .any(|word| !word.is_empty() && word.eq_ignore_ascii_case(part))
    })
}

/// A book title from the leaf's theme words ("The Hidden Alibi", "Orbit of the Stars"),
/// with and without its format ("(Paperback)").
fn book_title(rng: &mut Rng, leaf: &Leaf, vocab: &Vocab) -> (String, String) {
    let noun = *rng.pick(leaf.nouns);
    let adjective = *rng.pick(vocab.adjectives);
    let place = *rng.pick(BOOK_PLACES);
    let title = match rng.below(6) {
        0 => format!("The {adjective} {noun}"),
        1 => format!("{noun} of {place}"),
        2 => format!("The {noun} of {place}"),
        3 => format!("{adjective} {noun}"),
        4 => format!("The {noun} at {place}"),
        _ => format!("The {adjective} {noun} of {place}"),
    };
    if rng.chance(vocab.style.suffix) {
        (format!("{title} {}", rng.pick(vocab.suffixes)), title)
    } else {
        (title.clone(), title)
    }
}

/// Upper-cases the first letter of every space- or hyphen-separated word, leaving the
/// rest alone ("PVC-free foam" → "PVC-Free Foam").
fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_word_start = true;
    for c in text.chars() {
        if at_word_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_word_start = c == ' ' || c == '-';
    }
    out
}

/// 1–4 attributes: every trait the name shows, plus a random selection of the others.
pub(crate) fn attributes(rng: &mut Rng, traits: &Traits) -> BTreeMap<String, String> {
    let weight = traits.weight_g.to_string();
    let warranty = traits.warranty_years.map(|years| years.to_string());
    let offers = [
        ("color", traits.color, traits.shows_color),
        ("material", traits.material, traits.shows_material),
        ("size", traits.size, traits.shows_size),
        ("weight_g", Some(weight.as_str()), false),
        ("warranty_years", warranty.as_deref(), false),
    ];
    let (required, optional): (Vec<_>, Vec<_>) = offers
        .into_iter()
        .filter_map(|(key, value, shown)| value.map(|value| (key, value, shown)))
        .partition(|&(_, _, shown)| shown);

    let available = (required.len() + optional.len()) as u64;
    let target = rng.range(1, available.min(4)).max(required.len() as u64);
    let mut needed = target - required.len() as u64;
    let pair = |(key, value, _): (&str, &str, bool)| (key.to_string(), value.to_string());
    let mut attributes: BTreeMap<String, String> = required.into_iter().map(pair).collect();
    let mut left = optional.len() as u64;
    // Selection sampling: each remaining optional trait is kept with probability
    // needed/left, which yields exactly `needed` of them, uniformly.
    for offer in optional {
        if rng.below(left) < needed {
            let (key, value) = pair(offer);
            attributes.insert(key, value);
            needed -= 1;
        }
        left -= 1;
    }
    attributes
}

/// What descriptions talk about besides the traits.
pub(crate) struct Subject<'a> {
    /// The name without its color.
    pub name: &'a str,
    pub brand: &'a str,
    pub leaf: &'a Leaf,
}

/// 2–5 sentences: an opener, then 1–4 of the kind's other sentences, in a fixed order
/// so the text reads naturally (features, material, uses, warranty, color, closer).
pub(crate) fn description(rng: &mut Rng, subject: &Subject<'_>, traits: &Traits) -> String {
    let vocab = vocab(subject.leaf.kind);
    let opener = *rng.pick(vocab.openers);
    let mut text = fill(rng, opener, subject, vocab);
    let candidates = sentences(rng, subject, traits, vocab);
    let mut needed = rng.range(1, candidates.len().min(4) as u64);
    let mut left = candidates.len() as u64;
    for sentence in candidates {
        if rng.below(left) < needed {
            text.push(' ');
            text.push_str(&sentence);
            needed -= 1;
        }
        left -= 1;
    }
    text
}

/// Every sentence that could follow the opener for this product (at least three).
fn sentences(rng: &mut Rng, subject: &Subject<'_>, traits: &Traits, vocab: &Vocab) -> Vec<String> {
    const FEATURES: &[&str] = &[
        "It features {0} and {1}.",
        "Highlights include {0} and {1}.",
        "Expect {0} and {1}.",
        "Thoughtful details include {0} and {1}.",
    ];
    const MATERIALS: &[&str] = &[
        "Made from {0} for lasting durability.",
        "Its {0} construction feels solid and looks great.",
        "Built from {0} that holds up to daily use.",
        "Crafted in {0} with careful attention to detail.",
    ];
    const USES: &[&str] = &[
        "A smart choice for {0} and {1}.",
        "Ideal for {0} and {1}.",
        "Great for {0}, {1} and more.",
    ];

    let mut out = Vec::with_capacity(6);
    let (a, b) = rng.pick_two(vocab.features);
    out.push(rng.pick(FEATURES).replace("{0}", a).replace("{1}", b));
    if let Some(material) = traits.material {
        out.push(rng.pick(MATERIALS).replace("{0}", material));
    }
    let (a, b) = rng.pick_two(vocab.uses);
    out.push(rng.pick(USES).replace("{0}", a).replace("{1}", b));
    if let Some(years) = traits.warranty_years {
        out.push(format!("Backed by a {years}-year limited warranty."));
    }
    if let Some(color) = traits.color {
        out.push(format!("Shown here in {color}."));
    }
    let closer = *rng.pick(vocab.closers);
    out.push(fill(rng, closer, subject, vocab));
    out
}

/// Replaces the `{name}`, `{brand}`, `{leaf}` and `{use}` placeholders of a template.
fn fill(rng: &mut Rng, template: &str, subject: &Subject<'_>, vocab: &Vocab) -> String {
    let mut text = template
        .replace("{name}", subject.name)
        .replace("{brand}", subject.brand)
        .replace("{leaf}", subject.leaf.name);
    if text.contains("{use}") {
        let purpose = *rng.pick(vocab.uses);
        text = text.replace("{use}", purpose);
    }
    // A brand ending in "Co." at the end of a sentence would leave "Co..".
    if text.contains("..") {
        text = text.replace("..", ".");
    }
    text
}

/// A price in cents within about a dollar of `range`, shaped like real price tags:
/// mostly x.99, often whole dollars, sometimes x.49 or x.95.
pub(crate) fn price(rng: &mut Rng, (lo, hi): (u64, u64)) -> u64 {
    let mut raw = rng.range(lo, hi);
    // Catalogs hold more cheap items than dear ones: half the time keep the lower of
    // two draws, which skews the distribution toward the bottom of the range.
    if rng.chance(50) {
        raw = raw.min(rng.range(lo, hi));
    }
    let dollars = raw / 100;
    let amount = match rng.below(100) {
        0..=69 => dollars * 100 + 99,
        70..=89 => (dollars + 1) * 100,
        _ => dollars * 100 + *rng.pick(&[49, 95]),
    };
    amount.max(1)
}

/// Stock on hand: about 5% out of stock, 1% bulk (thousands), the rest 1–500 skewed
/// low, like a real shop floor.
pub(crate) fn stock(rng: &mut Rng) -> u64 {
    match rng.below(1000) {
        0..=49 => 0,
        50..=59 => rng.range(1_000, 250_000),
        _ => rng.range(1, 500).min(rng.range(1, 500)),
    }
}

/// 1–3 image URLs derived from the SKU (`…/p/<sku>-1.jpg`, `-2`, `-3`).
pub(crate) fn images(rng: &mut Rng, sku: &str) -> Vec<String> {
    (1..=rng.range(1, 3))
        .map(|n| format!("{IMAGE_BASE}{sku}-{n}.jpg"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_keeps_acronyms() {
        assert_eq!(title_case("PVC-free foam"), "PVC-Free Foam");
        assert_eq!(title_case("matte ABS"), "Matte ABS");
        assert_eq!(title_case("crème"), "Crème");
    }

    #[test]
    fn repeats_compares_whole_words() {
        assert!(repeats("Sport Earbuds", "Sport"));
        assert!(repeats("Slip-On Sneakers", "Slip-On"));
        assert!(!repeats("Studio Headphones", "S"));
        assert!(!repeats("", "Pro"));
    }
}
